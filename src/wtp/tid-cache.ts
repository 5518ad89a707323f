/**
 * The responder's TID cache (WAP-224 §9.4.3): the last TID validated per initiator, bounded and expiring after the
 * wait timeout, on the engine's clock. One entry per peer that sent an Invoke lately, i.e. one per open session of a
 * gateway — 100,000 idle sessions are 100,000 entries — so an entry is one small object in one Map, keyed by the
 * peer key string the responder made for the datagram (the session layer keys its table with the same string).
 */
import type { Clock } from './clock.ts';
import { PeerTable } from './peer-table.ts';

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
   * Every TID seen in (last - RECENT_TIDS, last], accepted or not: one bit per TID of the window, at the TID's
   * residue modulo RECENT_TIDS (TIDs are 15 bits, a multiple of it, so residues hold across the wrap). LastTID only
   * moves forward (a TID passing the test is ahead of it), and the slots of the TIDs it passes are cleared as it
   * moves: a Set of the same TIDs cost a walk of up to 256 entries per Invoke (2 % of the CPU per CO Get) and
   * several KB per busy peer. Most peers (an idle session: one Connect) have seen one TID: that one lives in
   * `one` and the bits are made for the second (100,000 idle sessions are 100,000 entries).
   */
  bits: Uint32Array | undefined;
  /** The only TID seen while `bits` is undefined (-1: none). */
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
  private readonly entries: PeerTable<Entry>;

  constructor(max: number, ttlMs: number, clock: Clock, private readonly window: number) {
    this.entries = new PeerTable(max, ttlMs, clock);
  }

  test(peer: string, tid: number): TidTestResult {
    const e = this.entries.live(peer);
    if (!e) return 'no-cache';
    if (seen(e, tid)) return 'fail';
    const t = tidTest(tid, e.last, this.window);
    if (t === 'fail' && tid < e.last && tid > e.base && e.last - tid < RECENT_TIDS) return 'reordered';
    return t;
  }

  /** A TID was accepted; `asLast` when it becomes LastTID (the TID test said ok). Creates the entry. */
  accept(peer: string, tid: number, asLast: boolean): void {
    const e = this.entries.live(peer) ?? { last: tid, base: tid, bits: undefined, one: -1, at: 0 };
    if (asLast) advance(e, tid);
    this.add(e, tid);
    this.entries.set(peer, e);
  }

  /** A TID was seen but not (yet) accepted: a later copy of it must fail the test. */
  see(peer: string, tid: number): void {
    const e = this.entries.live(peer);
    if (e) this.add(e, tid);
  }

  /** TIDnew verified (WAP-224 §9.4.4): forget what was known and start over at this TID. */
  reset(peer: string, tid: number): void {
    this.entries.set(peer, { last: tid, base: tid, bits: undefined, one: tid, at: 0 });
  }

  private add(e: Entry, tid: number): void {
    if (!e.bits) {
      const oneLive = e.one !== -1 && e.one !== tid && inWindow(e, e.one);
      if (!oneLive) {
        // A TID outside the window is not remembered.
        e.one = inWindow(e, tid) ? tid : -1;
        return;
      }
      e.bits = new Uint32Array(RECENT_TIDS / 32);
      mark(e.bits, e.one);
      e.one = -1;
    }
    if (inWindow(e, tid)) mark(e.bits, tid);
  }

  /** @internal The TIDs the entry of `peer` remembers as seen, oldest first (tests). */
  seenOf(peer: string): number[] {
    const e = this.entries.peek(peer);
    if (!e) return [];
    const out: number[] = [];
    for (let back = RECENT_TIDS - 1; back >= 0; back--) {
      const t = (e.last - back) & 0x7fff;
      if (seen(e, t)) out.push(t);
    }
    return out;
  }

  get(peer: string): number | undefined {
    return this.entries.live(peer)?.last;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Is `tid` in (last - RECENT_TIDS, last], modulo the 15-bit TID space? */
function inWindow(e: Entry, tid: number): boolean {
  return ((e.last - tid) & 0x7fff) < RECENT_TIDS;
}

function mark(bits: Uint32Array, tid: number): void {
  bits[(tid & (RECENT_TIDS - 1)) >> 5]! |= 1 << (tid & 31);
}

function seen(e: Entry, tid: number): boolean {
  if (!e.bits) return e.one === tid;
  return inWindow(e, tid) && ((e.bits[(tid & (RECENT_TIDS - 1)) >> 5]! >>> (tid & 31)) & 1) === 1;
}

/**
 * LastTID becomes `tid`. Moving forward by d < RECENT_TIDS, the slots of the d TIDs passed held TIDs now behind
 * the window; moving back by b < RECENT_TIDS (a small tidWindow lets a TID that far behind pass the test), the
 * b TIDs above the new LastTID leave the window; any larger move leaves nothing of the old window in the new.
 */
function advance(e: Entry, tid: number): void {
  const bits = e.bits;
  if (bits) {
    const d = (tid - e.last) & 0x7fff;
    const back = (e.last - tid) & 0x7fff;
    if (d < RECENT_TIDS) clear(bits, e.last, d);
    else if (back < RECENT_TIDS) clear(bits, tid, back);
    else bits.fill(0);
  }
  e.last = tid;
}

/** Clears the slots of the `n` TIDs after `from`. */
function clear(bits: Uint32Array, from: number, n: number): void {
  for (let i = 1; i <= n; i++) {
    const t = (from + i) & (RECENT_TIDS - 1);
    bits[t >> 5]! &= ~(1 << (t & 31));
  }
}
