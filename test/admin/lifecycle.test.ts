import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lifecycle } from '../../src/admin/lifecycle.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(opts: ConstructorParameters<typeof Lifecycle>[0] = {}) {
  const events: string[] = [];
  const emitter = new EventEmitter();
  const exit = vi.fn((code: number) => void events.push(`exit ${code}`));
  const life = new Lifecycle({ emitter: emitter as unknown as NodeJS.Process, exit, now: () => Date.now(), ...opts });
  return { life, events, emitter, exit };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('graceful shutdown', () => {
  it('SIGTERM: stop → drain (in-flight finishes) → flush → close → exit 0', async () => {
    const { life, events, emitter, exit } = setup({ drainTimeoutMs: 10_000 });
    life
      .onStop('udp', () => void events.push('stop udp'))
      .onStop('admin', () => void events.push('stop admin'))
      .onDrain('wtp', async () => {
        await sleep(3_000); // a 300 KB SAR transfer finishing
        events.push(`drained wtp at ${Date.now() - t0}`);
      })
      .onFlush('cdr', async () => void events.push('flush cdr'))
      .onFlush('push-queue', () => void events.push('flush push'))
      .onClose('sockets', () => void events.push('close'))
      .install();
    const t0 = Date.now();
    emitter.emit('SIGTERM', 'SIGTERM');
    expect(life.stopping).toBe(true);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(events).toEqual(['stop udp', 'stop admin', 'drained wtp at 3000', 'flush cdr', 'flush push', 'close', 'exit 0']);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(life.phase).toBe('done');
  });

  it('past the deadline the drainers are told to abort (an Abort, not silence), then flush and exit 0', async () => {
    const { life, events } = setup({ drainTimeoutMs: 5_000, abortGraceMs: 1_000 });
    const t0 = Date.now();
    life
      .onDrain('wtp', ({ signal, deadline }) => {
        expect(deadline).toBe(t0 + 5_000);
        return new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            events.push(`abort sent at ${Date.now() - t0}`);
            resolve();
          });
        });
      })
      .onFlush('cdr', () => void events.push(`flush at ${Date.now() - t0}`));
    const done = life.shutdown('test');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await done).toBe(0);
    expect(events).toEqual(['abort sent at 5000', 'flush at 5000']);
  });

  it('work that ignores the abort is abandoned after the grace period; exit 1, flush still runs', async () => {
    const { life, events } = setup({ drainTimeoutMs: 1_000, abortGraceMs: 500 });
    life.onDrain('stuck', () => new Promise<void>(() => {})).onFlush('cdr', () => void events.push('flush'));
    const done = life.shutdown();
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await done).toBe(1);
    expect(events).toEqual(['flush']);
  });

  it('a second signal exits at once', async () => {
    const { life, events, emitter } = setup({ drainTimeoutMs: 30_000 });
    life.onDrain('slow', () => sleep(20_000)).install();
    emitter.emit('SIGTERM', 'SIGTERM');
    await vi.advanceTimersByTimeAsync(100);
    emitter.emit('SIGINT', 'SIGINT');
    expect(events).toEqual(['exit 130']);
    expect(life.phase).toBe('drain');
  });

  it('a failing or hanging flusher does not stop the others; the exit status says so', async () => {
    const { life, events } = setup({ stepTimeoutMs: 2_000 });
    life
      .onFlush('broken', () => {
        throw new Error('disk full');
      })
      .onFlush('hangs', () => new Promise<void>(() => {}))
      .onFlush('push-queue', () => void events.push('push saved'))
      .onClose('sockets', () => void events.push('closed'));
    const done = life.shutdown();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await done).toBe(1);
    expect(events).toEqual(['push saved', 'closed']);
  });

  it('shutdown is idempotent and uninstall removes the handlers', async () => {
    const { life, emitter } = setup();
    life.install();
    expect(emitter.listenerCount('SIGTERM')).toBe(1);
    const a = life.shutdown();
    expect(life.shutdown()).toBe(a);
    await vi.advanceTimersByTimeAsync(0);
    expect(await a).toBe(0);
    life.uninstall();
    expect(emitter.listenerCount('SIGTERM')).toBe(0);
  });
});
