/**
 * Charging data records as JSON lines, separate from the log: one line per completed transaction or push.
 *
 * - Prompt: a record is handed to the OS within `maxDelayMs` (default: the next event-loop turn); records of
 *   one burst share one write(2). A process crash loses at most records not yet handed over.
 * - Rotation-friendly: `reopen()` (wired to SIGHUP by the composition root) finishes the write in progress,
 *   closes the file and opens the path again, so `logrotate` can rename the file and signal.
 * - `flush()` resolves once every record recorded so far is written; `close()` flushes and closes (shutdown).
 * - A failing destination never blocks or crashes the gateway: records stay queued up to `maxPendingBytes`
 *   and the write is retried; beyond the cap records are dropped and counted.
 * Every line is `{"seq":n,"node":id, ...Cdr}`: the sequence number (per writer, from 1) lets a collector see
 * gaps, as TS 32.298's Local-Record-Sequence-Number does.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import type { Cdr, ChargingSink } from './cdr.ts';
import { CDR_WRITER_DEFAULTS, type CdrWriterOptions } from './options.ts';

export interface CdrWriterCounters {
  /** Records accepted by record(). */
  recorded: number;
  /** Records handed to the destination. */
  written: number;
  bytes: number;
  /** Records dropped because the queue was over `maxPendingBytes` (or the writer was closed). */
  dropped: number;
  /** Failed writes / opens (each retried). */
  errors: number;
  reopens: number;
}

export interface CdrWriter extends ChargingSink {
  /** Closes and reopens the destination file (after rotation). A no-op for stdout. */
  reopen(): Promise<void>;
  /** Flushes and closes; later records are dropped. */
  close(): Promise<void>;
  /** Writes whatever is queued synchronously (for a process 'exit' handler). */
  flushSync(): void;
  readonly counters: Readonly<CdrWriterCounters>;
  /** Records queued, not yet written. */
  readonly pending: number;
}

/** One record as its JSON line. Fields in a stable order; absent ones omitted. */
export function formatCdr(cdr: Cdr, seq: number, node: string): string {
  const { time, kind, ...rest } = cdr;
  return `${JSON.stringify({ seq, node, time, kind, ...rest })}\n`;
}

export function createCdrWriter(options: Partial<CdrWriterOptions> = {}): CdrWriter {
  const opts: CdrWriterOptions = { ...CDR_WRITER_DEFAULTS, ...options };
  const toStdout = opts.destination === 'stdout' || opts.destination === '-' || opts.destination === '';
  const counters: CdrWriterCounters = { recorded: 0, written: 0, bytes: 0, dropped: 0, errors: 0, reopens: 0 };
  let queue: string[] = [];
  let queuedBytes = 0;
  let seq = 0;
  let fh: FileHandle | undefined;
  let closed = false;
  let scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  /** Every operation on the destination runs in this chain, one at a time. */
  let chain: Promise<void> = Promise.resolve();

  const fail = (e: unknown): void => {
    counters.errors++;
    opts.onError?.(e instanceof Error ? e : new Error(String(e)));
  };

  const ensureOpen = async (): Promise<void> => {
    if (toStdout || fh) return;
    fh = await open(opts.destination, 'a', opts.fileMode);
  };

  const closeFile = async (): Promise<void> => {
    const h = fh;
    fh = undefined;
    if (h) await h.close().catch(fail);
  };

  const writeOut = async (buf: Buffer): Promise<void> => {
    if (toStdout) {
      await new Promise<void>((resolve, reject) => {
        process.stdout.write(buf, (err) => (err ? reject(err) : resolve()));
      });
      return;
    }
    await ensureOpen();
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh!.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    if (opts.fsync) await fh!.datasync();
  };

  const drain = async (): Promise<void> => {
    if (queue.length === 0) return;
    const lines = queue;
    const bytes = queuedBytes;
    queue = [];
    queuedBytes = 0;
    const buf = Buffer.from(lines.join(''), 'utf8');
    try {
      await writeOut(buf);
      counters.written += lines.length;
      counters.bytes += buf.length;
    } catch (e) {
      fail(e);
      // Keep the records (oldest first) and try again later, on a fresh descriptor.
      await closeFile();
      queue = lines.concat(queue);
      queuedBytes += bytes;
      if (!retry && !closed) {
        retry = setTimeout(() => {
          retry = undefined;
          schedule();
        }, opts.retryMs);
        retry.unref();
      }
      throw e;
    }
  };

  const enqueue = (op: () => Promise<void>): Promise<void> => {
    const run = chain.then(op);
    chain = run.catch(() => undefined);
    return run;
  };

  function schedule(): void {
    if (scheduled) return;
    const fire = (): void => {
      scheduled = undefined;
      void enqueue(drain).catch(() => undefined);
    };
    scheduled = opts.maxDelayMs > 0 ? setTimeout(fire, opts.maxDelayMs) : setImmediate(fire);
  }

  return {
    counters,
    get pending() {
      return queue.length;
    },
    record(cdr) {
      if (closed) {
        counters.dropped++;
        return;
      }
      let line: string;
      try {
        line = formatCdr(cdr, seq + 1, opts.nodeId);
      } catch (e) {
        // A record that cannot be serialised (a bigint from a careless caller) must not throw into the proxy.
        counters.dropped++;
        fail(e);
        return;
      }
      if (queuedBytes + line.length > opts.maxPendingBytes) {
        counters.dropped++;
        return;
      }
      seq++;
      counters.recorded++;
      queue.push(line);
      queuedBytes += line.length;
      schedule();
    },
    flush() {
      return enqueue(drain).catch(() => undefined);
    },
    reopen() {
      return enqueue(async () => {
        await drain().catch(() => undefined);
        if (toStdout) return;
        await closeFile();
        counters.reopens++;
        try {
          await ensureOpen();
        } catch (e) {
          fail(e);
        }
      });
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      return enqueue(async () => {
        await drain().catch(() => undefined);
        await closeFile();
      }).then(() => {
        counters.dropped += queue.length;
        queue = [];
        queuedBytes = 0;
      });
    },
    flushSync() {
      if (queue.length === 0) return;
      const buf = Buffer.from(queue.join(''), 'utf8');
      try {
        if (toStdout) writeSync(1, buf);
        else if (fh) writeSync(fh.fd, buf);
        else return;
        counters.written += queue.length;
        counters.bytes += buf.length;
        queue = [];
        queuedBytes = 0;
      } catch (e) {
        fail(e);
      }
    },
  };
}
