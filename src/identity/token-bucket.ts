/**
 * Token buckets per key (client IP), bounded by an LRU: each key holds up to `burst` tokens, refilled at
 * `perSecond`; a request takes one. Time comes from the caller (`now`, ms), so tests step it exactly.
 */
import type { LRUCache } from 'lru-cache';
import { boundedLru } from './bounded-lru.ts';

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    maxKeys: number,
  ) {
    this.buckets = boundedLru<string, Bucket>(maxKeys);
  }

  /** Takes a token for key at time now (ms); false when the bucket is empty. perSecond ≤ 0 never limits. */
  take(key: string, now: number): boolean {
    if (!(this.perSecond > 0)) return true;
    const cap = Math.max(1, this.burst);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: cap, at: now };
      this.buckets.set(key, b);
    } else {
      // A clock that goes backwards refills nothing.
      const elapsed = Math.max(0, now - b.at);
      b.tokens = Math.min(cap, b.tokens + (elapsed * this.perSecond) / 1000);
      b.at = Math.max(b.at, now);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}
