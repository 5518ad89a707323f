#!/usr/bin/env node
// The installed command: runs the compiled JavaScript in dist/ (`npm run build`; `npm ci` builds it through the
// `prepare` script). No TypeScript loader at run time. Developers run the sources with
// `node --import tsx src/cli/main.ts` (what the tests do).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('wapgate: dist/ is missing: run `npm run build` (or `npm ci`, which builds it)\n');
    process.exit(1);
  }
  throw err;
}
process.exitCode = await main(process.argv.slice(2));
