/**
 * How a module of ours starts another of ours in a new process or worker thread. The installed program is
 * compiled JavaScript (dist/, `npm run build`): the sibling is a `.js` file and starts as it is. Under the test
 * runner and in development the sources run (`.ts`), and so must the sibling: it is loaded through tsx, a
 * devDependency present wherever the sources are (never at run time of the installed program).
 */
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
