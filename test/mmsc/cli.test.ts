/** `wapgate mmsc` as a process: starts, answers MM1, keeps messages in --store, stops cleanly on SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { decodeMms, encodeMms, phoneAddress } from '../../src/mms/index.ts';
import { tempDir } from '../support/tools.ts';
import { SOURCE_CLI } from '../support/cli.ts';

// The CLI from the current sources (test/support/cli.ts), not a possibly stale dist/.
const BIN = SOURCE_CLI;

describe('wapgate mmsc', () => {
  it('prints help and refuses bad arguments', () => {
    const help = spawnSync(process.execPath, [...BIN, 'mmsc', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--ppg URL');
    expect(spawnSync(process.execPath, [...BIN, 'mmsc', '--port', 'x'], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(process.execPath, [...BIN, 'mmsc', '--bogus'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('runs, accepts an m-send-req into --store, exits 0 on SIGTERM', async () => {
    const store = join(tempDir('wapgate-mmsc-cli-'), 'store');
    const child = spawn(process.execPath, [...BIN, 'mmsc', '--port', '0', '--store', store, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const mm1 = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          const m = /"mm1":"([^"]+)"/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      const req = encodeMms({
        messageType: 'm-send-req',
        headers: { transactionId: 'cli-1', mmsVersion: '1.2', from: { insertAddress: true }, to: [phoneAddress('+15550000002')] },
        contentType: { type: 'text/plain', params: [] },
        body: Buffer.from('hello'),
      });
      const res = await fetch(mm1, { method: 'POST', headers: { 'content-type': 'application/vnd.wap.mms-message', 'x-msisdn': '+15550000001' }, body: new Uint8Array(req) });
      const conf = decodeMms(Buffer.from(await res.arrayBuffer()));
      expect(conf.headers).toMatchObject({ transactionId: 'cli-1', responseStatus: 'Ok' });
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', (c) => resolve(c));
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      const db = new Database(join(store, 'mmsc.db'), { readonly: true });
      try {
        expect(db.prepare('SELECT message_id FROM mmsc_message').pluck().all()).toEqual([conf.headers.messageId]);
      } finally {
        db.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
