/**
 * Group commit: the writes queued during one event-loop turn run in one SQLite transaction, committed (and, with
 * synchronous=FULL, fsynced) once at setImmediate; each `write` promise resolves after that commit, with what its
 * function returned. A PAP push answered after `await commits.write(insert)` is durable, and 100 pushes arriving
 * in one turn cost one fsync, not 100.
 *
 * A function must be synchronous (better-sqlite3) and should only touch the database. If the batch fails, each
 * write is run again in a transaction of its own, so one bad write fails alone; a failure that is the store's
 * (disk full, read-only, corruption) fails every write it hits, as a StoreError. Writes nobody awaits (`defer`)
 * report their failures to the onError callback.
 */
import type Database from 'better-sqlite3';
import { StoreError, storeError } from './errors.ts';

interface Op {
  fn: () => unknown;
  resolve?: (v: unknown) => void;
  reject?: (e: unknown) => void;
}

export interface GroupCommitStats {
  /** Transactions committed. */
  batches: number;
  /** Writes committed. */
  writes: number;
  /** Writes that failed. */
  failures: number;
}

export class GroupCommit {
  private queue: Op[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];
  readonly stats: GroupCommitStats = { batches: 0, writes: 0, failures: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly onError: ((err: StoreError) => void) | undefined,
  ) {}

  /** Queues fn for the next commit; resolves with its result once that commit is durable. */
  write<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('STORE_IO', `store ${this.path} is closed`, this.path));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Queues fn for the next commit; nobody waits for it (a failure goes to onError). */
  defer(fn: () => void): void {
    if (this.closed) {
      this.onError?.(new StoreError('STORE_IO', `store ${this.path} is closed; a state change was not written`, this.path));
      return;
    }
    this.queue.push({ fn });
    this.schedule();
  }

  /** Writes queued and not yet committed. */
  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once everything queued so far has been committed (or has failed). */
  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Commits what is queued now, synchronously (close, compact). */
  flushSync(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.run();
  }

  close(): void {
    this.flushSync();
    this.closed = true;
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.run();
    });
  }

  private run(): void {
    const ops = this.queue;
    const waiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    if (ops.length > 0) this.commit(ops);
    for (const w of waiters) w();
  }

  private commit(ops: Op[]): void {
    const results: unknown[] = new Array(ops.length);
    try {
      this.db
        .transaction(() => {
          for (let i = 0; i < ops.length; i++) results[i] = ops[i]!.fn();
        })
        .immediate();
    } catch (e) {
      if (ops.length > 1) {
        // Find the one(s) that failed: each alone.
        for (const op of ops) this.commit([op]);
        return;
      }
      this.fail(ops[0]!, e);
      return;
    }
    this.stats.batches++;
    this.stats.writes += ops.length;
    for (let i = 0; i < ops.length; i++) ops[i]!.resolve?.(results[i]);
  }

  private fail(op: Op, e: unknown): void {
    this.stats.failures++;
    const c = (e as { code?: unknown })?.code;
    const err = e instanceof StoreError || (typeof c === 'string' && c.startsWith('SQLITE_')) ? storeError(e, this.path, 'committing') : e;
    if (op.reject) op.reject(err);
    else this.onError?.(err instanceof StoreError ? err : new StoreError('STORE_IO', `store ${this.path}: a state change failed: ${(err as Error)?.message ?? String(err)}`, this.path, { cause: err }));
  }
}
