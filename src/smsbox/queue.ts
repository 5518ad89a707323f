/**
 * The sendsms queue: one job per accepted message and receiver, until it is handed to a bearer; then, when a
 * delivery report was asked for, the SMSC message ids it became, until their receipts come (DLR correlations).
 *
 * The working set lives in memory (bounded by sendsms.queue.max and sendsms.dlr.maxCorrelations); a
 * QueueBackend makes it durable. memoryBackend() keeps nothing; sqliteBackend() (src/store, room 'sendsms')
 * writes every change with group commit and reloads the lot at start, so a message answered 202 survives a
 * kill — add() resolves only once its jobs are durable.
 */
import { MinHeap } from '../push/heap.ts';
import type { Store } from '../store/index.ts';
import type { RoomDefinition } from '../store/store.ts';
import type { SendsmsMessage } from './sendsms.ts';

export interface SmsJob {
  /** %I: one id per accepted message and receiver. */
  id: string;
  to: string;
  msg: Omit<SendsmsMessage, 'to'>;
  accepted: number;
  expires: number;
  notBefore: number;
  attempts: number;
  lastError?: string;
}

/** A message handed to the SMSC whose receipts are awaited (dlr-mask 1 or 2). */
export interface Correlation {
  jobId: string;
  to: string;
  /** SMSC ids still without a final receipt; the report is made when the last is in (or one fails). */
  pending: string[];
  msg: Pick<SendsmsMessage, 'user' | 'from' | 'coding' | 'dataCoding' | 'udhRaw' | 'dlrMask' | 'dlrUrl' | 'binfo' | 'account' | 'metaData'>;
  created: number;
}

export interface QueueBackend {
  load(): { jobs: SmsJob[]; correlations: Correlation[] };
  /** Resolves once durable. */
  insert(jobs: readonly SmsJob[]): Promise<void>;
  update(job: SmsJob): void;
  remove(id: string): void;
  putCorrelation(c: Correlation): void;
  removeCorrelation(jobId: string): void;
  /**
   * Before each attempt, for a backend shared by several nodes (src/state/sms-queue-redis.ts): false when another
   * node owns the job now (this one was taken for dead while it stalled, and the job adopted) — not delivered here.
   */
  claim?(job: SmsJob): Promise<boolean>;
}

export function memoryBackend(): QueueBackend {
  return {
    load: () => ({ jobs: [], correlations: [] }),
    insert: async () => {},
    update() {},
    remove() {},
    putCorrelation() {},
    removeCorrelation() {},
  };
}

// ---------------- the durable backend (src/store) ----------------

export const SENDSMS_ROOM: RoomDefinition = {
  name: 'sendsms',
  migrations: [
    {
      description: 'sendsms queue and DLR correlations',
      up: (db) =>
        db.exec(`
          CREATE TABLE sendsms_queue (id TEXT PRIMARY KEY, job TEXT NOT NULL);
          CREATE TABLE sendsms_dlr (job_id TEXT PRIMARY KEY, correlation TEXT NOT NULL, created INTEGER NOT NULL);
        `),
    },
  ],
};

/** JSON with Buffers as {"$b": base64}. */
const replacer = (_k: string, v: unknown) =>
  v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)
    ? { $b: Buffer.from((v as { data: number[] }).data).toString('base64') }
    : v;
const reviver = (_k: string, v: unknown) => (v && typeof v === 'object' && typeof (v as { $b?: unknown }).$b === 'string' ? Buffer.from((v as { $b: string }).$b, 'base64') : v);
export const encodeRecord = (o: unknown): string => JSON.stringify(o, replacer);
export const decodeRecord = <T>(s: string): T => JSON.parse(s, reviver) as T;

export function sqliteBackend(store: Store, onError?: (e: unknown) => void): QueueBackend {
  store.room(SENDSMS_ROOM);
  const db = store.db;
  const ins = db.prepare('INSERT OR REPLACE INTO sendsms_queue (id, job) VALUES (?, ?)');
  const del = db.prepare('DELETE FROM sendsms_queue WHERE id = ?');
  const putC = db.prepare('INSERT OR REPLACE INTO sendsms_dlr (job_id, correlation, created) VALUES (?, ?, ?)');
  const delC = db.prepare('DELETE FROM sendsms_dlr WHERE job_id = ?');
  const bg = (fn: () => void): void => void store.commits.write(fn).catch((e: unknown) => onError?.(e));
  return {
    load() {
      const jobs: SmsJob[] = [];
      const correlations: Correlation[] = [];
      for (const r of db.prepare('SELECT job FROM sendsms_queue').all() as { job: string }[]) {
        try {
          jobs.push(decodeRecord<SmsJob>(r.job));
        } catch (e) {
          onError?.(e);
        }
      }
      for (const r of db.prepare('SELECT correlation FROM sendsms_dlr ORDER BY created').all() as { correlation: string }[]) {
        try {
          correlations.push(decodeRecord<Correlation>(r.correlation));
        } catch (e) {
          onError?.(e);
        }
      }
      return { jobs, correlations };
    },
    insert: (jobs) =>
      store.commits.write(() => {
        for (const j of jobs) ins.run(j.id, encodeRecord(j));
      }),
    update: (job) => bg(() => ins.run(job.id, encodeRecord(job))),
    remove: (id) => bg(() => del.run(id)),
    putCorrelation: (c) => bg(() => putC.run(c.jobId, encodeRecord(c), c.created)),
    removeCorrelation: (jobId) => bg(() => delC.run(jobId)),
  };
}

// ---------------- the working set ----------------

export class SmsQueue {
  private readonly jobs = new Map<string, SmsJob>();
  private readonly busy = new Set<string>();
  /** Waiting jobs by due time (lazy deletion: an entry counts only while version[id] is its seq). */
  private readonly heap = new MinHeap<{ at: number; id: string; seq: number }>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private readonly version = new Map<string, number>();
  private seq = 0;
  private readonly byJob = new Map<string, Correlation>();
  private readonly bySmscId = new Map<string, Correlation>();

  constructor(
    readonly max: number,
    readonly maxCorrelations: number,
    private readonly backend: QueueBackend = memoryBackend(),
  ) {
    const saved = backend.load();
    for (const j of saved.jobs) this.jobs.set(j.id, j);
    for (const j of saved.jobs) this.schedule(j);
    for (const c of saved.correlations) this.index(c);
  }

  get size(): number {
    return this.jobs.size;
  }

  /** After a restart every job waiting for a retry is due at once (what kept it waiting may have changed). */
  dueNow(now: number): void {
    for (const j of this.jobs.values()) {
      if (j.attempts > 0 && j.notBefore > now && !this.busy.has(j.id)) {
        j.notBefore = now;
        this.schedule(j);
      }
    }
  }

  get correlations(): number {
    return this.byJob.size;
  }

  hasRoom(n: number): boolean {
    return this.jobs.size + n <= this.max;
  }

  /** Adds jobs (the caller checked hasRoom); resolves once durable. */
  async add(jobs: readonly SmsJob[]): Promise<void> {
    for (const j of jobs) this.jobs.set(j.id, j);
    try {
      await this.backend.insert(jobs);
    } catch (e) {
      for (const j of jobs) this.jobs.delete(j.id);
      throw e;
    }
    // Deliverable only once durable (answered 202 after this resolves).
    for (const j of jobs) if (this.jobs.has(j.id)) this.schedule(j);
  }

  /** Jobs due now and not being delivered, earliest first, at most limit; marked busy. O(log n) each. */
  take(now: number, limit: number): SmsJob[] {
    const out: SmsJob[] = [];
    while (out.length < limit) {
      const top = this.peek();
      if (!top || top.at > now) break;
      this.heap.pop();
      const j = this.jobs.get(top.id)!;
      this.busy.add(j.id);
      out.push(j);
    }
    return out;
  }

  /** Back to waiting (a retry at job.notBefore). */
  release(job: SmsJob): void {
    this.busy.delete(job.id);
    if (!this.jobs.has(job.id)) return;
    this.backend.update(job);
    this.heap.push({ at: job.notBefore, id: job.id, seq: ++this.seq });
    this.version.set(job.id, this.seq);
  }

  done(job: SmsJob): void {
    this.busy.delete(job.id);
    this.version.delete(job.id);
    if (this.jobs.delete(job.id)) this.backend.remove(job.id);
  }

  /** Earliest notBefore of a waiting job. */
  nextWake(): number | undefined {
    return this.peek()?.at;
  }

  /** The heap's first live entry (stale ones — the job gone, busy or re-queued since — are dropped). */
  private peek(): { at: number; id: string; seq: number } | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (!top) return undefined;
      if (this.jobs.has(top.id) && !this.busy.has(top.id) && this.version.get(top.id) === top.seq) return top;
      this.heap.pop();
    }
  }

  private schedule(j: SmsJob): void {
    this.heap.push({ at: j.notBefore, id: j.id, seq: ++this.seq });
    this.version.set(j.id, this.seq);
  }

  /**
   * Jobs and correlations handed over at runtime (a shared backend adopted a dead node's open work): already
   * durable, scheduled as they stand. Ids this queue holds already are skipped. Returns what was taken.
   */
  absorb(jobs: readonly SmsJob[], correlations: readonly Correlation[]): { jobs: number; correlations: number } {
    let nj = 0;
    let nc = 0;
    for (const j of jobs) {
      if (this.jobs.has(j.id)) continue;
      this.jobs.set(j.id, j);
      this.schedule(j);
      nj++;
    }
    for (const c of correlations) {
      if (this.byJob.has(c.jobId)) continue;
      this.index(c);
      nc++;
    }
    return { jobs: nj, correlations: nc };
  }

  /** Asks the backend before an attempt (see QueueBackend.claim); a job it refuses is forgotten here. */
  async claim(job: SmsJob): Promise<boolean> {
    if (!this.backend.claim || (await this.backend.claim(job))) return true;
    this.busy.delete(job.id);
    this.jobs.delete(job.id);
    this.version.delete(job.id);
    return false;
  }

  // ---- DLR correlations ----

  correlate(c: Correlation): void {
    if (this.byJob.size >= this.maxCorrelations) {
      const oldest = this.byJob.values().next().value;
      if (oldest) this.uncorrelate(oldest);
    }
    this.index(c);
    this.backend.putCorrelation(c);
  }

  bySmsc(smscId: string): Correlation | undefined {
    return this.bySmscId.get(smscId);
  }

  /** Records a final receipt for one SMSC id; returns true when none of the message's ids is pending any more. */
  settle(c: Correlation, smscId: string): boolean {
    c.pending = c.pending.filter((id) => id !== smscId);
    this.bySmscId.delete(smscId);
    if (c.pending.length) {
      this.backend.putCorrelation(c);
      return false;
    }
    this.uncorrelate(c);
    return true;
  }

  uncorrelate(c: Correlation): void {
    this.byJob.delete(c.jobId);
    for (const id of c.pending) this.bySmscId.delete(id);
    this.backend.removeCorrelation(c.jobId);
  }

  /** Correlations older than `before` (receipts that never came), for expiry. */
  staleCorrelations(before: number): Correlation[] {
    const out: Correlation[] = [];
    for (const c of this.byJob.values()) {
      if (c.created >= before) break;
      out.push(c);
    }
    return out;
  }

  private index(c: Correlation): void {
    this.byJob.set(c.jobId, c);
    for (const id of c.pending) this.bySmscId.set(id, c);
  }
}
