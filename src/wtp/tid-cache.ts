/**
 * The responder's TID cache (WAP-224 §9.4.3): the last TID validated per initiator, bounded and expiring after the
 * wait timeout, on the engine's clock. One entry per peer that sent an Invoke lately, i.e. one per open session of a
 * gateway — 100,000 idle sessions are 100,000 entries — so an entry is one small object in one Map, keyed by the
 * peer key string the responder made for the datagram (the session layer keys its table with the same string).
 */
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
  /** Clock time (whole ms) the entry was last set: its lifetime counts from there. */
  at: number;
}

/**
 * WAP-224 §9.4.3 suggests caching more than one TID so that reordering does not fail the TID test. Per peer we
 * keep every TID seen within RECENT_TIDS below LastTID: a TID in that range that was never seen is a new,
 * reordered transaction (accepted without a verification round trip); one that was seen is a duplicate (its
 * test fails, so it is verified and a delayed copy is never delivered twice).
 */
export class TidCache {
  /** Peer key → entry, oldest set first (set() moves an entry to the end), so expiry and the bound pop the head. */
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private sets = 0;

  constructor(
    max: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly window: number,
  ) {
    this.max = Math.max(1, max);
  }

  test(peer: string, tid: number): TidTestResult {
    const e = this.live(peer);
    if (!e) return 'no-cache';
    if (e.seen ? e.seen.has(tid) : e.one === tid) return 'fail';
    const t = tidTest(tid, e.last, this.window);
    if (t === 'fail' && tid < e.last && tid > e.base && e.last - tid < RECENT_TIDS) return 'reordered';
    return t;
  }

  /** A TID was accepted; `asLast` when it becomes LastTID (the TID test said ok). Creates the entry. */
  accept(peer: string, tid: number, asLast: boolean): void {
    const e = this.live(peer) ?? { last: tid, base: tid, seen: undefined, one: -1, at: 0 };
    if (asLast) e.last = tid;
    this.add(e, tid);
    this.set(peer, e);
  }

  /** A TID was seen but not (yet) accepted: a later copy of it must fail the test. */
  see(peer: string, tid: number): void {
    const e = this.live(peer);
    if (e) this.add(e, tid);
  }

  /** TIDnew verified (WAP-224 §9.4.4): forget what was known and start over at this TID. */
  reset(peer: string, tid: number): void {
    this.set(peer, { last: tid, base: tid, seen: undefined, one: tid, at: 0 });
  }

  /** The entry of `peer` unless it has expired (an expired one is dropped). */
  private live(peer: string): Entry | undefined {
    const e = this.entries.get(peer);
    if (e && this.expired(e, this.now())) {
      this.entries.delete(peer);
      return undefined;
    }
    return e;
  }

  private expired(e: Entry, now: number): boolean {
    return this.ttlMs > 0 && now - e.at > this.ttlMs;
  }

  private now(): number {
    // Whole milliseconds: a small integer field, not a boxed double per entry.
    return Math.floor(this.clock.now());
  }

  /** Stores `e` as the newest entry, then drops expired entries and the oldest beyond the bound. */
  private set(peer: string, e: Entry): void {
    const now = this.now();
    e.at = now;
    this.entries.delete(peer);
    this.entries.set(peer, e);
    // Expired entries are already invisible (live()); dropping them from the head every 64th set keeps the Map
    // near its live size without an iterator per Invoke. The bound is kept exactly.
    if (this.entries.size <= this.max && (++this.sets & 63) !== 0) return;
    for (const [k, old] of this.entries) {
      if (this.entries.size <= this.max && !this.expired(old, now)) break;
      this.entries.delete(k);
    }
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
    return this.live(peer)?.last;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
