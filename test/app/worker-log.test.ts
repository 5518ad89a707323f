/**
 * A gateway worker thread's logger (src/app/worker-log.ts): the GatewayLog of the gateway path, sending lines to
 * the primary as data. The primary side (one pino child per worker) is covered by test/gateway/workers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { portable, WorkerLog, type WorkerLogLine } from '../../src/app/worker-log.ts';

function logger(level: string): { log: WorkerLog; lines: WorkerLogLine[] } {
  const lines: WorkerLogLine[] = [];
  return { log: new WorkerLog(level, (l) => void lines.push(l)), lines };
}

describe('WorkerLog', () => {
  it('sends lines at or above its level, as pino orders the arguments (fields, message) or the message alone', () => {
    const { log, lines } = logger('info');
    log.debug({ a: 1 }, 'hidden');
    log.info({ a: 1 }, 'shown');
    log.warn('text only');
    log.error({ b: 'x' });
    expect(lines).toEqual([
      { level: 'info', fields: { a: 1 }, msg: 'shown' },
      { level: 'warn', fields: {}, msg: 'text only' },
      { level: 'error', fields: { b: 'x' } },
    ]);
    expect(log.isLevelEnabled('info')).toBe(true);
    expect(log.isLevelEnabled('debug')).toBe(false);
    expect(log.isLevelEnabled('nonsense')).toBe(false);
  });

  it('follows a level change (the primary’s SIGHUP), silent included', () => {
    const { log, lines } = logger('warn');
    log.info({}, 'no');
    log.level = 'debug';
    expect(log.level).toBe('debug');
    log.debug({}, 'yes');
    log.level = 'silent';
    log.error({}, 'no');
    expect(lines.map((l) => l.msg)).toEqual(['yes']);
  });

  it('carries errors as pino’s err serializer writes them, bigints as text, and survives a cycle', () => {
    const err = Object.assign(new Error('send failed'), { code: 'ENOBUFS' });
    const out = portable({ err, n: 12345678901234567890n, nested: { e: new TypeError('t') } });
    expect(out.err).toMatchObject({ type: 'Error', message: 'send failed', code: 'ENOBUFS' });
    expect(String((out.err as { stack: string }).stack)).toContain('send failed');
    expect(out.n).toBe('12345678901234567890');
    expect(out.nested).toMatchObject({ e: { type: 'TypeError', message: 't' } });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(portable(cyclic)).toMatchObject({ unloggable: expect.stringContaining('circular') });
    // What it returns is plain data a MessagePort can carry.
    expect(() => structuredClone(out)).not.toThrow();
  });
});
