/**
 * The pending-push store: every accepted push (by push-id) with one delivery target per address, their
 * states (WAP-247 §9.13 message-state) and when each may next be tried. Bounded (pending targets, and the
 * finished records kept for status queries); nothing leaves it silently — a target ends delivered, expired,
 * cancelled, undeliverable or aborted, and the PPG reports that end.
 */
import type { PushAddress } from './address.ts';
import type { PushPduInput } from './push-pdu.ts';
import type { PapVersion, Priority, QualityOfService } from './pap-parse.ts';
import type { MessageState } from './pap-xml.ts';

export type Bearer = 'ip-cl' | 'ip-co' | 'sms';

export interface Target {
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

export const FINAL_STATES: ReadonlySet<MessageState> = new Set(['delivered', 'undeliverable', 'expired', 'aborted', 'timeout', 'cancelled']);

export function isFinal(t: Target): boolean {
  return FINAL_STATES.has(t.state);
}

const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

export class PushStore {
  private readonly records = new Map<string, PushRecord>();
  private pendingCount = 0;
  private seq = 0;

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

  add(r: Omit<PushRecord, 'seq'>): PushRecord {
    const rec = { ...r, seq: this.seq++ };
    this.records.set(rec.pushId, rec);
    this.pendingCount += rec.targets.filter((t) => !isFinal(t)).length;
    return rec;
  }

  /** Moves a target to a state; returns true when that made it final (the caller reports it). */
  transition(t: Target, state: MessageState, code: number, desc: string | undefined, now: number): boolean {
    const wasFinal = isFinal(t);
    if (wasFinal) return false;
    t.state = state;
    t.code = code;
    if (desc === undefined) delete t.desc;
    else t.desc = desc;
    t.eventTime = now;
    if (isFinal(t)) {
      this.pendingCount--;
      return true;
    }
    return false;
  }

  /** Targets ready for an attempt, best first: priority, then age. */
  due(now: number, limit: number): { rec: PushRecord; target: Target }[] {
    const out: { rec: PushRecord; target: Target }[] = [];
    const recs = [...this.records.values()].sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.seq - b.seq);
    for (const rec of recs) {
      for (const target of rec.targets) {
        if (out.length >= limit) return out;
        if (!isFinal(target) && !target.busy && !target.awaitingReceipts?.size && target.notBefore <= now) out.push({ rec, target });
      }
    }
    return out;
  }

  /** Every non-final target whose push has passed deliver-before. */
  expired(now: number): { rec: PushRecord; target: Target }[] {
    const out: { rec: PushRecord; target: Target }[] = [];
    for (const rec of this.records.values()) {
      if (rec.deliverBefore > now) continue;
      for (const target of rec.targets) if (!isFinal(target) && !target.busy) out.push({ rec, target });
    }
    return out;
  }

  /** Forgets records whose targets are all final since keepFinished. */
  purge(now: number): void {
    for (const [id, rec] of this.records) {
      if (rec.targets.every((t) => isFinal(t) && t.eventTime + this.keepFinished <= now)) this.records.delete(id);
    }
    // Bound memory under sustained load too: beyond twice the pending bound, the oldest finished records go
    // first (their results were reported already).
    if (this.records.size <= 2 * this.maxPending) return;
    for (const [id, rec] of this.records) {
      if (this.records.size <= 2 * this.maxPending) break;
      if (rec.targets.every(isFinal)) this.records.delete(id);
    }
  }

  /** The earliest moment something is due (ms since the epoch), for the scheduler. */
  nextWake(): number | undefined {
    let next: number | undefined;
    for (const rec of this.records.values()) {
      for (const t of rec.targets) {
        if (isFinal(t) || t.busy) continue;
        const at = t.awaitingReceipts?.size ? rec.deliverBefore : Math.min(t.notBefore, rec.deliverBefore);
        if (next === undefined || at < next) next = at;
      }
    }
    return next;
  }

  *all(): IterableIterator<PushRecord> {
    yield* this.records.values();
  }
}
