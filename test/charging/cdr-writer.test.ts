/**
 * The JSON-lines CDR writer: every field, prompt writes (a SIGKILLed process keeps what it recorded), reopen
 * after logrotate's rename, flush and close, stdout, and a failing destination that never throws into callers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCdrWriter } from '../../src/charging/cdr-writer.ts';
import type { Cdr } from '../../src/gateway/hooks.ts';
import { tempDir } from '../support/tools.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const cdr = (i: number, extra: Partial<Cdr> = {}): Cdr => ({
  time: '2026-11-28T18:00:00.000Z',
  kind: 'transaction',
  clientIp: '10.0.0.1',
  clientPort: 49152,
  msisdn: '+15550001234',
  imsi: '001010123456789',
  sessionId: 7,
  bearer: 'wsp-co',
  method: 'GET',
  url: `http://mmsc.example/m/${i}`,
  upstreamStatus: 200,
  wspStatus: 0x20,
  bytesUp: 0,
  bytesDown: 1234,
  durationMs: 12.5,
  outcome: 'ok',
  ...extra,
});

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('CDR writer', () => {
  it('writes one JSON line per record with every field, in order, promptly', async () => {
    const file = join(tempDir(), 'cdr.jsonl');
    const w = createCdrWriter({ destination: file, nodeId: 'gw-1' });
    w.record(cdr(1));
    w.record(
      cdr(2, {
        kind: 'transaction',
        bearer: 'wsp-cl',
        method: 'POST',
        bytesUp: 2000,
        sessionId: undefined,
        mms: { messageType: 'm-send-req', transactionId: 't1', messageId: 'mid-1', recipients: 3 },
      }),
    );
    // Without flush(): the next event-loop turns write it.
    await new Promise((r) => setTimeout(r, 50));
    const got = lines(file);
    expect(got).toHaveLength(2);
    expect(Object.keys(got[0]!).slice(0, 4)).toEqual(['seq', 'node', 'time', 'kind']);
    expect(got[0]).toEqual({ seq: 1, node: 'gw-1', ...cdr(1) });
    expect(got[1]).toMatchObject({ seq: 2, bearer: 'wsp-cl', method: 'POST', bytesUp: 2000, mms: { messageType: 'm-send-req', transactionId: 't1', messageId: 'mid-1', recipients: 3 } });
    expect(got[1]).not.toHaveProperty('sessionId');
    expect(w.counters).toMatchObject({ recorded: 2, written: 2, dropped: 0, errors: 0 });
    await w.close();
  });

  it('reopens after rotation: old records in the renamed file, new ones in a fresh file', async () => {
    const dir = tempDir();
    const file = join(dir, 'cdr.jsonl');
    const w = createCdrWriter({ destination: file });
    for (let i = 0; i < 5; i++) w.record(cdr(i));
    await w.flush();
    renameSync(file, `${file}.1`);
    w.record(cdr(5)); // queued before the signal: may land in either file, never lost
    await w.reopen();
    for (let i = 6; i < 9; i++) w.record(cdr(i));
    await w.flush();
    const old = lines(`${file}.1`);
    const fresh = lines(file);
    expect(old.length + fresh.length).toBe(9);
    expect(old.slice(0, 5).map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(fresh.slice(-3).map((l) => l.seq)).toEqual([7, 8, 9]);
    expect(w.counters.reopens).toBe(1);
    await w.close();
    w.record(cdr(10));
    expect(w.counters.dropped).toBe(1);
  });

  it('flush() waits for every record; close() flushes', async () => {
    const file = join(tempDir(), 'cdr.jsonl');
    const w = createCdrWriter({ destination: file, maxDelayMs: 60_000 });
    for (let i = 0; i < 1000; i++) w.record(cdr(i));
    expect(existsSync(file) ? lines(file).length : 0).toBe(0);
    await w.flush();
    expect(lines(file)).toHaveLength(1000);
    w.record(cdr(1000));
    await w.close();
    expect(lines(file)).toHaveLength(1001);
    expect(w.pending).toBe(0);
  });

  it('keeps records through a failing destination and never throws into the caller', async () => {
    const dir = join(tempDir(), 'later');
    const file = join(dir, 'cdr.jsonl');
    const errors: Error[] = [];
    const w = createCdrWriter({ destination: file, retryMs: 50, onError: (e) => errors.push(e) });
    w.record(cdr(1));
    await w.flush();
    expect(errors.length).toBeGreaterThan(0);
    expect(w.counters).toMatchObject({ written: 0, dropped: 0 });
    mkdirSync(dir);
    const until = Date.now() + 3000;
    while (w.counters.written < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(lines(file).map((l) => l.seq)).toEqual([1]);
    // Over the byte cap: dropped and counted, not queued without bound.
    const small = createCdrWriter({ destination: join(dir, 'nope', 'x'), maxPendingBytes: 2000, onError: () => undefined });
    for (let i = 0; i < 20; i++) small.record(cdr(i));
    expect(small.counters.dropped).toBeGreaterThan(0);
    await small.close();
    await w.close();
    rmSync(dir, { recursive: true });
  });

  it('writes to stdout, and a killed process keeps every record it made before the kill', () => {
    const dir = tempDir();
    const file = join(dir, 'cdr.jsonl');
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      `import { createCdrWriter } from ${JSON.stringify(join(ROOT, 'src/charging/cdr-writer.ts'))};
const out = createCdrWriter({ destination: process.argv[2] });
for (let i = 0; i < 100; i++) out.record({ time: new Date().toISOString(), kind: 'push', clientIp: '10.0.0.1', clientPort: 2948, bearer: 'push-ip', bytesUp: 0, bytesDown: i, durationMs: 1 });
// No flush, no close: once the writer has handed the records over on its own, the process dies hard.
const t0 = Date.now();
const poll = setInterval(() => {
  if (out.counters.written === 100 || Date.now() - t0 > 5000) process.kill(process.pid, 'SIGKILL');
}, 5);
void poll;
`,
    );
    const run = (dest: string) => spawnSync(process.execPath, ['--import', 'tsx', script, dest], { cwd: ROOT, encoding: 'utf8' });
    const killed = run(file);
    expect(killed.signal).toBe('SIGKILL');
    expect(lines(file).map((l) => l.bytesDown)).toEqual([...Array(100).keys()]);
    const viaStdout = run('stdout');
    const out = viaStdout.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; seq: number });
    expect(out).toHaveLength(100);
    expect(out[99]).toMatchObject({ kind: 'push', seq: 100 });
  }, 30_000);
});
