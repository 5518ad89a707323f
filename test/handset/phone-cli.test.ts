/**
 * `wapgate phone get|post` as a user runs them (a child process through bin/wapgate.js) against a live
 * gateway, CO and CL; and `wapgate serve` started as a process, used, and stopped with SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../gateway/harness.ts';
import { pattern, sha } from '../gateway/upstream-server.ts';
import { tempDir } from '../support/tools.ts';
import { SOURCE_CLI } from '../support/cli.ts';

// The CLI from the current sources (test/support/cli.ts), not a possibly stale dist/.
const BIN = SOURCE_CLI;

function wapgate(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...BIN, ...args], { encoding: 'buffer', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('wapgate phone', () => {
  it('get over a WTP session: body to stdout, status and headers to stderr, exit 0', async () => {
    const r = await wapgate(['phone', 'get', '/echo', '--gateway', `127.0.0.1:${h.gw.addresses.co.port}`, '--header', 'X-Phone: yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^200 \(WSP 0x20\)/);
    expect(r.stderr).toContain('Content-Type: application/json');
    const j = JSON.parse(r.stdout.toString()) as { headers: Record<string, string> };
    expect(j.headers['x-phone']).toBe('yes');
  });

  it('get --cl --out FILE, and a non-2xx exits 1', async () => {
    const dir = tempDir();
    const out = join(dir, 'body');
    const r = await wapgate(['phone', 'get', '/bytes/5000', '--cl', '--gateway', `127.0.0.1:${h.gw.addresses.cl.port}`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(sha(readFileSync(out))).toBe(sha(pattern(5000)));
    const bad = await wapgate(['phone', 'get', '/status/404', '--cl', '--gateway', `127.0.0.1:${h.gw.addresses.cl.port}`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^404/);
  });

  it('post a file (SAR) over CO and CL', async () => {
    const dir = tempDir();
    const file = join(dir, 'in.bin');
    const body = pattern(5000);
    writeFileSync(file, body);
    for (const [mode, port] of [
      ['co', h.gw.addresses.co.port],
      ['cl', h.gw.addresses.cl.port],
    ] as const) {
      const args = ['phone', 'post', '/raw', '--content-type', 'application/vnd.wap.mms-message', '--body', file, '--gateway', `127.0.0.1:${port}`];
      const r = await wapgate(mode === 'cl' ? [...args, '--cl'] : args);
      expect(r.code, r.stderr).toBe(0);
      expect(sha(r.stdout)).toBe(sha(body));
      expect(h.up.seen.at(-1)?.headers['content-type']).toBe('application/vnd.wap.mms-message');
    }
  });

  it('usage errors exit 2', async () => {
    expect((await wapgate(['phone', 'post', '/raw'])).code).toBe(2);
    expect((await wapgate(['phone', 'nope'])).code).toBe(2);
  });
});

async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const p = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    if (p > 1024) ports.push(p);
  }
  return ports;
}

describe('wapgate serve', () => {
  it('serves, logs one access line per transaction, and stops cleanly on SIGTERM', async () => {
    const [clPort, coPort] = await freePorts(2);
    const child = spawn(process.execPath, [...BIN, 'serve', '--bind', '127.0.0.1', '--cl-port', String(clPort), '--co-port', String(coPort), '--upstream', h.up.url, '--pap-port', '0', '--admin-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WAPGATE_CONFIG: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 200 && !out.includes('wapgate listening'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('wapgate listening');
      const r = await wapgate(['phone', 'get', '/echo', '--gateway', `127.0.0.1:${coPort}`]);
      expect(r.code, r.stderr + out).toBe(0);
      const access = out.split('\n').filter((l) => l.includes('"msg":"access"'));
      expect(access.length).toBe(1);
      const line = JSON.parse(access[0]!) as Record<string, unknown>;
      expect(line).toMatchObject({ method: 'GET', status: 200, bearer: 'wsp-co' });
      expect(typeof line.session).toBe('number');
      expect(typeof line.durationMs).toBe('number');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(out).toContain('wapgate stopped');
  }, 60_000);
});
