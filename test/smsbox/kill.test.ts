/**
 * Durability across a kill: a smsbox process with a store answers 202, is killed with SIGKILL (no shutdown
 * code runs), and a new smsbox on the same store file delivers every accepted message once.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createSmsbox } from '../../src/smsbox/index.ts';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../support/tools.ts';

function get(port: number, path: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => (res.resume(), resolve(res.statusCode!)));
    req.on('error', reject);
    req.end();
  });
}

describe('sendsms queue survives a kill', () => {
  it('messages answered 202 before SIGKILL are delivered once by the next process', { timeout: 60_000 }, async () => {
    const path = join(tempDir('smsbox-kill-'), 'wapgate.db');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'smsbox-child.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('child did not start')), 30_000);
        createInterface({ input: child.stdout! }).on('line', (l) => {
          const m = /^PORT (\d+)$/.exec(l);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
        child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
      });
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => get(port, `/cgi-bin/sendsms?username=mmsc&password=secret&to=%2B1555000${String(i).padStart(4, '0')}&udh=%06%05%04%0B%84%23%F0&text=%01%06%01%BE%${(0x10 + i).toString(16)}`)),
      );
      expect(statuses.every((s) => s === 202)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
    }
    expect(child.signalCode).toBe('SIGKILL');
    const store = openStore({ path });
    const sent: Buffer[] = [];
    const box = createSmsbox({ user: 'mmsc', password: 'secret' }, { wdp: { sendDatagram: async (p) => void sent.push(p) }, resolveMsisdn: () => '127.0.0.9', store });
    try {
      const end = Date.now() + 10_000;
      while (sent.length < 20 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      expect(sent).toHaveLength(20);
      expect(new Set(sent.map((b) => b.toString('hex'))).size).toBe(20);
      expect(box.queue.size).toBe(0);
    } finally {
      await box.close();
      store.close();
    }
    // Delivered messages are gone from the store: a third process sends nothing.
    const again = openStore({ path });
    const more: Buffer[] = [];
    const box2 = createSmsbox({ user: 'mmsc', password: 'secret' }, { wdp: { sendDatagram: async (p) => void more.push(p) }, resolveMsisdn: () => '127.0.0.9', store: again });
    await new Promise((r) => setTimeout(r, 300));
    expect(more).toHaveLength(0);
    await box2.close();
    again.close();
  });
});
