/**
 * The class-0 Invokes a responder delivered lately, per peer, so that a copy of one (the network duplicated it, or
 * a delayed Suspend arrives after the Resume on the same address) is not delivered twice. Class 0 is neither
 * acknowledged nor TID-verified (WAP-224), so this is all the duplicate removal it gets.
 *
 * Memory follows the peers, not the Invokes: a peer's entry remembers its last RECENT_CLASS0 class-0 TIDs and lives
 * for the wait timeout after its last one. (It was one string and Map entry per Invoke, kept for the wait timeout up
 * to the TID cache's bound of 100,000: under a steady Disconnect load ~10 MiB, all of it promoted to the old
 * generation.) Entries live in a PeerTable, like the TID cache's.
 */
import type { Clock } from './clock.ts';
import { PeerTable } from './peer-table.ts';

/** How many class-0 TIDs of one peer are remembered. */
export const RECENT_CLASS0 = 8;

interface Entry {
  /** The peer's last class-0 TIDs, oldest first. */
  tids: number[];
  /** Clock time (whole ms) of the last one. */
  at: number;
}

export class Class0Log {
  private readonly entries: PeerTable<Entry>;

  constructor(max: number, ttlMs: number, clock: Clock) {
    this.entries = new PeerTable(max, ttlMs, clock);
  }

  /** Records `tid` from `peer`; false when it was already delivered within the wait timeout (a duplicate). */
  first(peer: string, tid: number): boolean {
    const e = this.entries.live(peer) ?? { tids: [], at: 0 };
    if (e.tids.includes(tid)) return false;
    if (e.tids.length >= RECENT_CLASS0) e.tids.shift();
    e.tids.push(tid);
    this.entries.set(peer, e);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
