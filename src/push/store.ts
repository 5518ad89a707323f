/**
 * The PPG's working set: every push it holds (by push-id) with one delivery target per address, their states
 * (WAP-247 §9.13 message-state) and the schedule of what is due when. Durability is not kept here: the engine
 * writes every change to its PushQueue (src/push/queue.ts) and rebuilds this from it at start.
 *
 * Bounded (pending targets, and the finished records kept for status queries); nothing leaves silently — a
 * target ends delivered, expired, cancelled, undeliverable, timeout or aborted, and the PPG reports that end.
 * Scheduling is O(log n) per push (heaps of due times and deadlines, a FIFO of finished records), so a queue of
 * 100,000 pushes due later costs an arriving push no more than an empty one.
 */
import type { PushAddress } from './address.ts';
import { MinHeap } from './heap.ts';
import type { PushPduInput } from './push-pdu.ts';
import type { PapVersion, Priority, QualityOfService } from './pap-parse.ts';
import type { MessageState } from './pap-xml.ts';

export type Bearer = 'ip-cl' | 'ip-co' | 'sms';

export interface Target {
  /** Position in its push's address list: the target's key in the durable queue. */
  index: number;
  address: PushAddress;
  state: MessageState;
  code: number;
  desc?: string;
  /** When the state last changed (ms since the epoch). */
  eventTime: number;
  attempts: number;
  /** Earliest next attempt (ms since the epoch). */
  notBefore: number;
  /** An attempt is running. */
  busy: boolean;
  bearer?: Bearer;
  /** SMSC message ids still waiting for a delivery receipt. */
  awaitingReceipts?: Set<string>;
  /** The last transient failure, reported if the push expires. */
  lastError?: string;
  /** A result notification is owed to the push initiator (kept durably until it was sent or given up). */
  notifyOwed?: boolean;
  /** Schedule generation (entries of the schedule made for another generation are stale). */
  gen?: number;
}

export interface PushRecord {
  pushId: string;
  version: PapVersion;
  receivedTime: number;
  deliverBefore: number;
  deliverAfter?: number;
  priority: Priority;
  qos: QualityOfService;
  notifyTo?: string;
  sourceReference?: string;
  /** Who submitted it (client IP, user), for logs and CDRs. */
  initiator: { ip: string; user?: string };
  content: PushPduInput;
  targets: Target[];
  /** Insertion counter: FIFO within a priority. */
  seq: number;
}

/** A record as it is created or recovered (the store numbers it and its targets). */
export type NewPushRecord = Omit<PushRecord, 'seq' | 'targets'> & { targets: Omit<Target, 'index'>[] };

export const FINAL_STATES: ReadonlySet<MessageState> = new Set(['delivered', 'undeliverable', 'expired', 'aborted', 'timeout', 'cancelled']);

export function isFinal(t: Target): boolean {
  return FINAL_STATES.has(t.state);
}

const PRIORITY_RANK: Record<PushRecord['priority'], number> = { high: 0, medium: 1, low: 2 };

interface Due {
  at: number;
  gen: number;
  rec: PushRecord;
  t: Target;
}

export class PushStore {
  private readonly records = new Map<string, PushRecord>();
  private pendingCount = 0;
  private seq = 0;
  /** Targets waiting for their notBefore. */
  private readonly timers = new MinHeap<Due>((a, b) => a.at < b.at);
  /** Targets due now, best first: priority, then age, then address order. */
  private readonly ready = new MinHeap<Due>(
    (a, b) => (PRIORITY_RANK[a.rec.priority] - PRIORITY_RANK[b.rec.priority] || a.rec.seq - b.rec.seq || a.t.index - b.t.index) < 0,
  );
  /** Each record's deliver-before. */
  private readonly deadlines = new MinHeap<{ at: number; rec: PushRecord }>((a, b) => a.at < b.at);
  /** Records past deliver-before that still had an attempt running (looked at again on every expiry pass). */
  private readonly overdue = new Set<PushRecord>();
  /** Records whose targets are all final, oldest first, with when they may be forgotten. */
  private finished: { at: number; rec: PushRecord }[] = [];
  private finishedHead = 0;

  constructor(
    /** Most pending targets. */
    readonly maxPending: number,
    /** How long finished records stay answerable (ms). */
    readonly keepFinished: number,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  get size(): number {
    return this.records.size;
  }

  get(pushId: string): PushRecord | undefined {
    return this.records.get(pushId);
  }

  /** Room for n more pending targets? */
  hasRoom(n: number): boolean {
    return this.pendingCount + n <= this.maxPending;
  }

  /** Holds a record (its targets numbered by position); nothing of it is due until schedule(). */
  add(r: NewPushRecord): PushRecord {
    const rec: PushRecord = { ...r, targets: r.targets.map((t, index) => ({ ...t, index })), seq: this.seq++ };
    this.records.set(rec.pushId, rec);
    const open = rec.targets.filter((t) => !isFinal(t)).length;
    this.pendingCount += open;
    if (open > 0) this.deadlines.push({ at: rec.deliverBefore, rec });
    else this.finished.push({ at: Math.max(...rec.targets.map((t) => t.eventTime)) + this.keepFinished, rec });
    return rec;
  }

  /** Forgets a record at once (a push whose durable write failed). */
  delete(rec: PushRecord): void {
    if (this.records.get(rec.pushId) !== rec) return;
    this.records.delete(rec.pushId);
    this.overdue.delete(rec);
    for (const t of rec.targets) if (!isFinal(t)) this.pendingCount--;
  }

  /** Puts a target (or every open target of a record) on the schedule at its notBefore. */
  schedule(rec: PushRecord, t?: Target): void {
    for (const x of t ? [t] : rec.targets) {
      if (isFinal(x) || x.busy || x.awaitingReceipts?.size) continue;
      x.gen = (x.gen ?? 0) + 1;
      this.timers.push({ at: x.notBefore, gen: x.gen, rec, t: x });
    }
  }

  /** Moves a target to a state; returns true when that made it final (the caller reports it). */
  transition(t: Target, state: MessageState, code: number, desc: string | undefined, now: number, rec?: PushRecord): boolean {
    if (isFinal(t)) return false;
    t.state = state;
    t.code = code;
    if (desc === undefined) delete t.desc;
    else t.desc = desc;
    t.eventTime = now;
    if (!isFinal(t)) return false;
    this.pendingCount--;
    if (rec && rec.targets.every(isFinal)) this.finished.push({ at: now + this.keepFinished, rec });
    return true;
  }

  private live(e: Due): boolean {
    return e.gen === e.t.gen && !isFinal(e.t) && !e.t.busy && this.records.get(e.rec.pushId) === e.rec;
  }

  /** Targets ready for an attempt, best first: priority, then age. Each one returned is off the schedule. */
  due(now: number, limit: number): { rec: PushRecord; target: Target }[] {
    for (let e = this.timers.peek(); e && e.at <= now; e = this.timers.peek()) {
      this.timers.pop();
      if (this.live(e)) this.ready.push(e);
    }
    const out: { rec: PushRecord; target: Target }[] = [];
    while (out.length < limit && this.ready.size > 0) {
      const e = this.ready.pop()!;
      if (!this.live(e) || e.t.awaitingReceipts?.size) continue;
      e.t.gen = (e.t.gen ?? 0) + 1;
      out.push({ rec: e.rec, target: e.t });
    }
    return out;
  }

  /** Every open target, not in an attempt, whose push has passed deliver-before. */
  expired(now: number): { rec: PushRecord; target: Target }[] {
    const recs = [...this.overdue];
    this.overdue.clear();
    for (let d = this.deadlines.peek(); d && d.at <= now; d = this.deadlines.peek()) {
      this.deadlines.pop();
      if (this.records.get(d.rec.pushId) === d.rec) recs.push(d.rec);
    }
    const out: { rec: PushRecord; target: Target }[] = [];
    for (const rec of recs) {
      for (const target of rec.targets) {
        if (isFinal(target)) continue;
        if (target.busy) this.overdue.add(rec);
        else out.push({ rec, target });
      }
    }
    return out;
  }

  /**
   * Forgets records finished since keepFinished (and, beyond twice the pending bound, the oldest finished ones
   * first: their results were reported already). Records still owing a notification stay. Returns the push-ids
   * forgotten, for the durable queue.
   */
  purge(now: number): string[] {
    const gone: string[] = [];
    const q = this.finished;
    const crowded = () => this.records.size > 2 * this.maxPending;
    while (this.finishedHead < q.length && (q[this.finishedHead]!.at <= now || crowded())) {
      const { rec } = q[this.finishedHead++]!;
      if (this.records.get(rec.pushId) !== rec || !rec.targets.every(isFinal)) continue;
      if (rec.targets.some((t) => t.notifyOwed) && !crowded()) {
        q.push({ at: now + Math.min(this.keepFinished, 60_000), rec });
        continue;
      }
      this.records.delete(rec.pushId);
      gone.push(rec.pushId);
    }
    if (this.finishedHead > 1024 && this.finishedHead * 2 > q.length) {
      this.finished = q.slice(this.finishedHead);
      this.finishedHead = 0;
    }
    return gone;
  }

  /** The earliest moment something is due (ms since the epoch), for the scheduler. */
  nextWake(): number | undefined {
    while (this.timers.size > 0 && !this.live(this.timers.peek()!)) this.timers.pop();
    while (this.deadlines.size > 0) {
      const d = this.deadlines.peek()!;
      if (this.records.get(d.rec.pushId) === d.rec && d.rec.targets.some((t) => !isFinal(t))) break;
      this.deadlines.pop();
    }
    // Targets left in `ready` wait for a free attempt slot: the attempt that frees it wakes the engine.
    let next = this.timers.peek()?.at;
    const deadline = this.deadlines.peek()?.at;
    if (deadline !== undefined && (next === undefined || deadline < next)) next = deadline;
    return next;
  }

  *all(): IterableIterator<PushRecord> {
    yield* this.records.values();
  }
}
