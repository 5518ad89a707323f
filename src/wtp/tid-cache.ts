/**
 * The responder's TID cache (WAP-224 §9.4.3): the last TID validated per initiator, bounded (LRU) and expiring
 * after the wait timeout, on the engine's clock.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.ts';

export type TidTestResult = 'ok' | 'fail' | 'no-cache' | 'reordered';

/** WAP-224 §9.4.3 TID test: is `rcv` new relative to `last` within the window? (15-bit TIDs, wrap-around.) */
export function tidTest(rcv: number, last: number, window: number): 'ok' | 'fail' {
  if (rcv === last) return 'fail';
  if (rcv > last) return rcv - last <= window ? 'ok' : 'fail';
  return last - rcv >= window ? 'ok' : 'fail';
}

/** How many recently accepted TIDs per peer are remembered to tell reordering from duplication. */
export const RECENT_TIDS = 256;

interface Entry {
  /** LastTID of WAP-224 §9.4.3. */
  last: number;
  /** The first TID accepted into this entry: below it nothing is known. */
  base: number;
  /** TIDs accepted recently (at most RECENT_TIDS). */
  recent: Set<number>;
}

/**
 * WAP-224 §9.4.3 suggests caching more than one TID so that reordering does not fail the TID test. We keep
 * the last RECENT_TIDS accepted TIDs: a TID below LastTID that this entry has watched for and never seen is a
 * new, reordered transaction (accepted without a verification round trip); one that was seen is a duplicate
 * (verified, so a delayed copy is never delivered twice).
 */
export class TidCache {
  private readonly lru: LRUCache<string, Entry>;

  constructor(
    max: number,
    ttlMs: number,
    clock: Clock,
    private readonly window: number,
  ) {
    this.lru = new LRUCache<string, Entry>({
      max: Math.max(1, max),
      ...(ttlMs > 0 ? { ttl: ttlMs, updateAgeOnGet: false, perf: { now: () => clock.now() } } : {}),
    });
  }

  test(peer: string, tid: number): TidTestResult {
    const item = this.lru.get(peer);
    if (!item) return 'no-cache';
    if (item.recent.has(tid)) return 'fail';
    const t = tidTest(tid, item.last, this.window);
    if (t === 'fail' && tid < item.last && tid > item.base && item.last - tid <= RECENT_TIDS) return 'reordered';
    return t;
  }

  /** A TID passed the test: it becomes LastTID (WAP-224 §9.4.3). */
  set(peer: string, tid: number): void {
    const item = this.lru.get(peer);
    if (!item || tidTest(tid, item.last, this.window) === 'ok' || item.recent.has(tid)) {
      const next: Entry = item ?? { last: tid, base: tid, recent: new Set() };
      next.last = tid;
      this.remember(next, tid);
      this.lru.set(peer, next);
    } else {
      this.remember(item, tid);
      this.lru.set(peer, item);
    }
  }

  /** A TID accepted without becoming LastTID (reordered, or verified without TIDnew — WAP-224 §9.4.4). */
  remember(item: Entry | string, tid: number): void {
    const e = typeof item === 'string' ? this.lru.get(item) : item;
    if (!e) return;
    e.recent.delete(tid);
    e.recent.add(tid);
    if (e.recent.size > RECENT_TIDS) e.recent.delete(e.recent.values().next().value!);
  }

  /** TIDnew (WAP-224 §9.4.4): forget what was known and start over at this TID. */
  reset(peer: string, tid: number): void {
    this.lru.set(peer, { last: tid, base: tid, recent: new Set([tid]) });
  }

  get(peer: string): number | undefined {
    return this.lru.get(peer)?.last;
  }

  get size(): number {
    return this.lru.size;
  }

  clear(): void {
    this.lru.clear();
  }
}
