/**
 * The class-0 Invokes a responder delivered lately, per peer, so that a copy of one (the network duplicated it, or
 * a delayed Suspend arrives after the Resume) is not delivered twice. Class 0 has no acknowledgement and no TID
 * verification (WAP-224 §7.1.1), so this is all the duplicate removal it gets.
 *
 * Memory follows the peers, not the Invokes: a peer's entry remembers its last RECENT class-0 TIDs and lives for the
 * wait timeout after its last one. (One string and Map entry per Invoke, kept for the wait timeout, held up to the
 * TID cache's bound of 100,000 under a steady Disconnect load: ~10 MiB, all of it promoted to the old generation.)
 * Entries are keyed by the peer key string the responder made for the datagram, in the order they were last set,
 * so expiry and the bound pop the head.
 */
import type { Clock } from './clock.ts';

/** How many class-0 TIDs of one peer are remembered. */
export const RECENT_CLASS0 = 8;

interface Entry {
  /** The peer's last class-0 TIDs, oldest first. */
  tids: number[];
  /** Clock time (whole ms) of the last one. */
  at: number;
}

export class Class0Log {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private sets = 0;

  constructor(
    max: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.max = Math.max(1, max);
  }

  /** Records `tid` from `peer`; false when it was already delivered within the wait timeout (a duplicate). */
  first(peer: string, tid: number): boolean {
    const now = Math.floor(this.clock.now());
    let e = this.entries.get(peer);
    if (e && this.expired(e, now)) e = undefined;
    if (e?.tids.includes(tid)) return false;
    if (!e) e = { tids: [], at: now };
    if (e.tids.length >= RECENT_CLASS0) e.tids.shift();
    e.tids.push(tid);
    e.at = now;
    this.entries.delete(peer);
    this.entries.set(peer, e);
    // Dropping expired entries from the head every 64th set keeps the Map near its live size without an iterator
    // per Invoke; the bound is kept exactly.
    if (this.entries.size > this.max || (++this.sets & 63) === 0) {
      for (const [k, old] of this.entries) {
        if (this.entries.size <= this.max && !this.expired(old, now)) break;
        this.entries.delete(k);
      }
    }
    return true;
  }

  private expired(e: Entry, now: number): boolean {
    return this.ttlMs > 0 && now - e.at > this.ttlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
