/**
 * Child process of lazy-loading.test.ts: starts `serve` in this process from the arguments (its own temp dir),
 * optionally POSTs one PAP request (--pap-request), then prints the modules loaded — what the ESM loader loaded
 * (test/support/module-log.mjs wrote them to $MODULE_LOG) and what require() loaded — as JSON, and exits.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pino from 'pino';
import { startServe } from '../../src/app/serve.ts';
import { loadConfig } from '../../src/config/index.ts';

const args = process.argv.slice(2);
const pap = args.includes('--pap-request');
const cfg = loadConfig({ argv: args.filter((a) => a !== '--pap-request'), env: process.env });
await startServe(cfg, () => cfg, pino({ level: 'silent' }));
if (pap) {
  const url = `http://127.0.0.1:${process.env.PAP_PORT}/wappush`;
  const control = '<?xml version="1.0"?><pap><push-message push-id="m1"><address address-value="WAPPUSH=127.0.0.9/TYPE=IPv4@ppg"/></push-message></pap>';
  const body = `--b\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n`;
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'multipart/related; boundary=b; type="application/xml"' } });
  await res.text();
}
const esm = process.env.MODULE_LOG ? readFileSync(process.env.MODULE_LOG, 'utf8').split('\n').filter(Boolean) : [];
const cjs = Object.keys(createRequire(import.meta.url).cache).map((f) => `file://${f}`);
process.stdout.write(JSON.stringify([...new Set([...esm, ...cjs])]) + '\n');
process.exit(0);
