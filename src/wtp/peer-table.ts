/**
 * Per-peer entries that expire a while after they were last set, bounded, on the engine's clock: the shape of the
 * responder's TID cache and of its class-0 log. Keyed by the peer key string the responder made for the datagram;
 * kept in the order entries were last set, so expiry and the bound pop the head.
 */
import type { Clock } from './clock.ts';

export interface Stamped {
  /** Clock time (whole ms) the entry was last set: its lifetime counts from there. */
  at: number;
}

export class PeerTable<E extends Stamped> {
  private readonly entries = new Map<string, E>();
  private readonly max: number;
  private sets = 0;

  constructor(
    max: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.max = Math.max(1, max);
  }

  /** Whole milliseconds: a small integer field, not a boxed double per entry. */
  private now(): number {
    return Math.floor(this.clock.now());
  }

  /** The entry of `peer` unless it has expired (an expired one is dropped). */
  live(peer: string): E | undefined {
    const e = this.entries.get(peer);
    if (e && this.expired(e, this.now())) {
      this.entries.delete(peer);
      return undefined;
    }
    return e;
  }

  /** The entry of `peer` as stored, expired or not. */
  peek(peer: string): E | undefined {
    return this.entries.get(peer);
  }

  /** Stores `e` as the newest entry, then drops expired entries and the oldest beyond the bound. */
  set(peer: string, e: E): void {
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

  private expired(e: E, now: number): boolean {
    return this.ttlMs > 0 && now - e.at > this.ttlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
