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

/** How far below LastTID the cache remembers exactly which TIDs it has seen. */
export const RECENT_TIDS = 256;

interface Entry {
  /** LastTID of WAP-224 §9.4.3. */
  last: number;
  /** The first TID of this entry: below it nothing is known. */
  base: number;
  /**
   * Every TID seen in (last - RECENT_TIDS, last], accepted or not. Most peers (an idle session: one Connect)
   * have seen one TID: that one lives in `one` and the Set is made for the second (an empty Set per peer was
   * about half of a peer's entry; 100,000 idle sessions are 100,000 entries).
   */
  seen: Set<number> | undefined;
  /** The only TID seen while `seen` is undefined (-1: none). */
  one: number;
}

/**
 * WAP-224 §9.4.3 suggests caching more than one TID so that reordering does not fail the TID test. Per peer we
 * keep every TID seen within RECENT_TIDS below LastTID: a TID in that range that was never seen is a new,
 * reordered transaction (accepted without a verification round trip); one that was seen is a duplicate (its
 * test fails, so it is verified and a delayed copy is never delivered twice).
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
    const e = this.lru.get(peer);
    if (!e) return 'no-cache';
    if (e.seen ? e.seen.has(tid) : e.one === tid) return 'fail';
    const t = tidTest(tid, e.last, this.window);
    if (t === 'fail' && tid < e.last && tid > e.base && e.last - tid < RECENT_TIDS) return 'reordered';
    return t;
  }

  /** A TID was accepted; `asLast` when it becomes LastTID (the TID test said ok). Creates the entry. */
  accept(peer: string, tid: number, asLast: boolean): void {
    let e = this.lru.get(peer);
    if (!e) e = { last: tid, base: tid, seen: undefined, one: -1 };
    if (asLast) e.last = tid;
    this.add(e, tid);
    this.lru.set(peer, e);
  }

  /** A TID was seen but not (yet) accepted: a later copy of it must fail the test. */
  see(peer: string, tid: number): void {
    const e = this.lru.get(peer);
    if (e) this.add(e, tid);
  }

  /** TIDnew verified (WAP-224 §9.4.4): forget what was known and start over at this TID. */
  reset(peer: string, tid: number): void {
    this.lru.set(peer, { last: tid, base: tid, seen: undefined, one: tid });
  }

  private add(e: Entry, tid: number): void {
    if (!e.seen) {
      const oneLive = e.one !== -1 && e.one !== tid && ((e.last - e.one) & 0x7fff) < RECENT_TIDS;
      if (!oneLive) {
        // Same pruning as the Set's: a TID below the window is not remembered.
        e.one = ((e.last - tid) & 0x7fff) < RECENT_TIDS ? tid : -1;
        return;
      }
      e.seen = new Set([e.one]);
      e.one = -1;
    }
    e.seen.add(tid);
    for (const t of e.seen) if (((e.last - t) & 0x7fff) >= RECENT_TIDS) e.seen.delete(t);
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
