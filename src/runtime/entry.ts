/**
 * How a module of ours starts another of ours in a new process or worker thread. The installed program is
 * compiled JavaScript: bin/wapgate.js runs the bundle (dist/bundle/, scripts/bundle.mjs); tsc's one-module-per-file
 * build (dist/) runs as well. Under the test runner and in development the sources run (`.ts`), and so must the
 * other entry: it is loaded through tsx, a devDependency present wherever the sources are (never at run time of
 * the installed program).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The modules of ours that start a process or a worker thread, by their path under src/ without the extension. */
export type OwnEntry = 'cli/main' | 'app/worker-thread' | 'bench/upstream';

/**
 * `entry` in the program that is running this module: src/ENTRY.ts (sources), dist/ENTRY.js (tsc) or
 * dist/bundle/ENTRY.js (the bundle). Each layout keeps this module's code one folder below its root (src/runtime/,
 * dist/runtime/, dist/bundle/chunks/ or an entry's folder), so the root is the parent of this module's folder.
 */
export function ownModule(entry: OwnEntry): URL {
  return new URL(`../${entry}${sourcesRun(new URL(import.meta.url)) ? '.ts' : '.js'}`, import.meta.url);
}

/** The package's root folder (where package.json and bin/ are), above whichever layout runs. */
export function packageRoot(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir)) && existsSync(new URL('bin/wapgate.js', dir))) return fileURLToPath(dir);
    if (dir.pathname === '/') throw new Error(`no package root above ${import.meta.url}`);
  }
}

function sourcesRun(url: URL): boolean {
  return url.pathname.endsWith('.ts');
}

/** `node` arguments that run the module at `url` as a process's entry. */
export function nodeArgs(url: URL): string[] {
  return sourcesRun(url) ? ['--import', 'tsx', fileURLToPath(url)] : [fileURLToPath(url)];
}

/** A worker thread's `eval` source that imports the module at `url` (registering tsx first for a source). */
export function workerSource(url: URL): string {
  if (!sourcesRun(url)) return `import(${JSON.stringify(url.href)});`;
  const require = createRequire(url);
  const tsx = pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
}

/**
 * `node` arguments that run `wapgate` as the installed command does (compiled: bin/wapgate.js with the Node flags
 * of its shebang — the V8 settings docs/build.md measures), so a benchmark measures what operators run; from the
 * sources, the CLI through tsx.
 */
export function installedCliArgs(): string[] {
  const cli = ownModule('cli/main');
  if (sourcesRun(cli)) return nodeArgs(cli);
  const bin = `${packageRoot()}bin/wapgate.js`;
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const flags = (/^#!\/usr\/bin\/env -S node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(shebang)?.[1] ?? '').split(/\s+/).filter(Boolean);
  return [...flags, bin];
}
