#!/usr/bin/env node
// The run-time build of the installed command (`npm run build`, after tsc): src/ → dist/bundle/, a few ESM files
// instead of ~200 modules. bin/wapgate.js, the gateway's worker threads and `wapgate bench` run these; tsc's
// dist/ (one module per source file, with the declarations) stays for readers and importers of the package.
//
// Why (docs/build.md "Startup and memory" has the figures): each ES module costs Node a module record, its
// source text kept on the heap (comments and all) and a resolution at start; zod's package entry loads its ~40
// locales. One pass of esbuild (whitespace and syntax minified, identifiers kept so stack traces read) with
// dynamic imports split into chunks of their own, so what the configuration does not run is still not loaded.
//
// Bundled: our sources and the pure-JavaScript packages the start-up path loads (BUNDLED). Every other package
// stays in node_modules and is loaded from there: native addons (better-sqlite3), packages that find their own
// files at run time (pino's transport worker, radius's dictionaries, ioredis's package.json), undici (one copy,
// shared with code that imports it as a whole), and what we load lazily through createRequire.
//
// Usage: node scripts/bundle.mjs [OUTDIR]   (default dist/bundle)
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(ROOT, 'dist', 'bundle'));

/** Packages our sources import that are compiled into the bundle, with what they import in turn. */
const BUNDLED = new Set(['zod', 'prom-client', 'lru-cache', 'fast-xml-parser', '@mjackson/multipart-parser']);

/** `lodash/fp` → lodash; `@scope/name/x` → @scope/name. */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      if (args.importer.includes('/node_modules/')) return undefined; // a dependency of a bundled package
      return BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  // Every output sits one folder below OUTDIR (entries in cli/, app/, bench/, chunks in chunks/): src/runtime/
  // entry.ts finds the program's other entries relative to its own URL, wherever its code ends up.
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'app/worker-thread': 'src/app/worker-thread.ts', 'bench/upstream': 'src/bench/upstream.ts' },
  chunkNames: 'chunks/[name]-[hash]',
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  sourcemap: 'linked',
  sourcesContent: false,
  // CommonJS packages inside the bundle call require() for Node's modules.
  banner: { js: "import { createRequire as __wapgateRequire } from 'node:module'; const require = __wapgateRequire(import.meta.url);" },
  plugins: [externals],
  logLevel: "warning",
  metafile: !!process.env.BUNDLE_META,
});
if (process.env.BUNDLE_META) (await import("node:fs")).writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile));
