#!/usr/bin/env -S node --max-semi-space-size=8 --initial-old-space-size=8 --heap-growing-percent=50
// The installed command: runs the compiled JavaScript bundle in dist/bundle/ (`npm run build`: tsc, then
// scripts/bundle.mjs; `npm ci` builds it through the `prepare` script). No TypeScript loader at run time.
// Developers run the sources with `node --import tsx src/cli/main.ts` (what the tests do).
//
// V8 settings for a long-running daemon (docs/build.md "Startup and memory" has the figures):
// - `--max-semi-space-size=8` (above, and in `npm start`): an 8 MiB young generation instead of up to 16 MiB,
//   16 MiB less RSS under load. 2 MiB saved a few MiB more idle but cost 10–25 % more
//   CPU per CO Get (scavenges and premature promotion at saturation); 8 MiB costs none measurable. V8 reads it
//   only at start: `node bin/wapgate.js …` without the flag runs with V8's default.
// - `--initial-old-space-size=8 --heap-growing-percent=50` (above, and in `npm start`): the old generation's first
//   limit, and each next one at 1.5× what survived the last mark-compact instead of V8's dynamic factor (up to 4×
//   for a heap this small). Without them promoted garbage stood to ~47 MiB of old space under the fakewap load
//   (peak RSS 104–136 MiB in `npm run bench`); with them 96–97. At saturation the mark-compacts are 3× as many but
//   the GC time per transaction is the same (the live heap is ~15 MiB: each takes ~8 ms).
// - `--liftoff-only`, set here (V8 reads it when WebAssembly is compiled): undici's HTTP parser (llhttp, wasm)
//   stays on the baseline compiler; optimising it took a 37 MiB compiler zone at the first upstream request
//   (an RSS peak that stays), for ~3 µs per HTTP response.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--liftoff-only');
let main;
try {
  ({ main } = await import('../dist/bundle/cli/main.js'));
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bundle/cli/main.js')) {
    process.stderr.write('wapgate: dist/ is missing: run `npm run build` (or `npm ci`, which builds it)\n');
    process.exit(1);
  }
  throw err;
}
process.exitCode = await main(process.argv.slice(2));
