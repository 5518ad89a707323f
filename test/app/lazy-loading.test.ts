/**
 * Issue 13 (idle memory and start-up time of `serve`): the composition root loads only what the configuration
 * runs, and per-request libraries load on first use. Checked by the modules a real `serve` process loaded
 * (test/app/serve-modules.ts under test/support/module-log.mjs), not by RSS: a static import brought back
 * anywhere on the path fails here.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPort } from '../ops/serve-process.ts';
import { tempDir } from '../support/tools.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The modules `serve` loaded with these arguments (packages by name, our own files by path under src/). */
async function loadedBy(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ packages: Set<string>; own: Set<string> }> {
  const dir = tempDir('wapgate-modules-');
  const [cl, co, pap, mmsc] = [await freeUdpPort(), await freeUdpPort(), await freeTcpPort(), await freeTcpPort()];
  const argv = ['--cl-port', String(cl), '--co-port', String(co), '--pap-port', String(pap), '--mmsc-port', String(mmsc), '--admin-port', '0', '--state-dir', join(dir, 'state'), ...args];
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', './test/support/module-log.mjs', 'test/app/serve-modules.ts', ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env, MODULE_LOG: join(dir, 'modules.log'), PAP_PORT: String(pap) },
    timeout: 60_000,
  });
  const urls: string[] = JSON.parse(stdout.trim().split('\n').at(-1)!);
  const packages = new Set<string>();
  const own = new Set<string>();
  for (const u of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) packages.add(m[1]!);
    else if (u.startsWith(`file://${ROOT}/src/`)) own.add(u.slice(`file://${ROOT}/`.length));
  }
  return { packages, own };
}

/** Loaded only when their service is configured or their input first arrives. */
const OPTIONAL_PACKAGES = ['yaml', 'radius', 'smpp', 'ioredis', 'fast-xml-parser', '@mjackson/multipart-parser', 'tough-cookie', 'iconv-lite', 'pino-pretty'];
const OPTIONAL_OWN = ['src/identity/radius-server.ts', 'src/bearer/sms/smpp-client.ts', 'src/push/pap-parse.ts', 'src/push/pap-multipart.ts', 'src/smsbox/index.ts', 'src/state/redis-link.ts', 'src/push/pap-tls.ts'];

describe('serve loads what its configuration runs (issue 13)', () => {
  it('the embedded default loads no RADIUS, SMPP, Redis, PAP parser, cookie, charset or sendsms code', async () => {
    const { packages, own } = await loadedBy([]);
    expect(packages.has('undici') && packages.has('better-sqlite3'), 'the run reached the gateway and the store').toBe(true);
    expect(own.has('src/mmsc/index.ts'), 'the embedded MMSC ran').toBe(true);
    expect(OPTIONAL_PACKAGES.filter((p) => packages.has(p))).toEqual([]);
    expect(OPTIONAL_OWN.filter((f) => own.has(f))).toEqual([]);
  }, 90_000);

  it('what is configured or used is loaded: RADIUS, the PPG’s SMPP client, sendsms, and the PAP parsers at the first request', async () => {
    const smpp = await freeTcpPort();
    const sendsms = await freeTcpPort();
    const { packages, own } = await loadedBy(['--radius-port', '0', '--radius-secret', 's', '--sendsms-port', String(sendsms), '--sendsms-user', 'u', '--sendsms-password', 'p', '--pap-request'], {
      WAPGATE_PUSH_SMPP_ENABLED: 'true',
      WAPGATE_PUSH_SMPP_HOST: '127.0.0.1',
      WAPGATE_PUSH_SMPP_PORT: String(smpp),
    });
    expect(['radius', 'smpp', 'fast-xml-parser', '@mjackson/multipart-parser'].filter((p) => !packages.has(p))).toEqual([]);
    expect(['src/identity/radius-server.ts', 'src/bearer/sms/smpp-client.ts', 'src/push/pap-parse.ts', 'src/smsbox/index.ts'].filter((f) => !own.has(f))).toEqual([]);
  }, 90_000);
});
