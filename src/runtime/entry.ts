/**
 * How a module of ours starts another of ours in a new process or worker thread. The installed program is
 * compiled JavaScript (dist/, `npm run build`): the sibling is a `.js` file and starts as it is. Under the test
 * runner and in development the sources run (`.ts`), and so must the sibling: it is loaded through tsx, a
 * devDependency present wherever the sources are (never at run time of the installed program).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The sibling module `relative` (written with its source name, `./x.ts`) of the module at `from` (import.meta.url). */
export function siblingModule(relative: string, from: string): URL {
  const compiled = !from.endsWith('.ts');
  return new URL(compiled ? relative.replace(/\.ts$/, '.js') : relative, from);
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
  const cli = siblingModule('../cli/main.ts', import.meta.url);
  if (sourcesRun(cli)) return nodeArgs(cli);
  const bin = fileURLToPath(new URL('../../bin/wapgate.js', cli));
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const flags = (/^#!\/usr\/bin\/env -S node((?:\s+--[\w-]+(?:=\S+)?)*)\s*$/.exec(shebang)?.[1] ?? '').split(/\s+/).filter(Boolean);
  return [...flags, bin];
}
