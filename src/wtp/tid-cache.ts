/**
 * The responder's TID cache (WAP-224 §9.4.3): the last TID validated per initiator, bounded (LRU) and expiring
 * after the wait timeout, on the engine's clock.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.ts';

export type TidTestResult = 'ok' | 'fail' | 'no-cache';

/** WAP-224 §9.4.3 TID test: is `rcv` new relative to `last` within the window? (15-bit TIDs, wrap-around.) */
export function tidTest(rcv: number, last: number, window: number): 'ok' | 'fail' {
  if (rcv === last) return 'fail';
  if (rcv > last) return rcv - last <= window ? 'ok' : 'fail';
  return last - rcv >= window ? 'ok' : 'fail';
}

export class TidCache {
  private readonly lru: LRUCache<string, { last: number }>;

  constructor(
    max: number,
    ttlMs: number,
    clock: Clock,
    private readonly window: number,
  ) {
    this.lru = new LRUCache<string, { last: number }>({
      max: Math.max(1, max),
      ...(ttlMs > 0 ? { ttl: ttlMs, updateAgeOnGet: false, perf: { now: () => clock.now() } } : {}),
    });
  }

  test(peer: string, tid: number): TidTestResult {
    const item = this.lru.get(peer);
    if (!item) return 'no-cache';
    return tidTest(tid, item.last, this.window);
  }

  set(peer: string, tid: number): void {
    this.lru.set(peer, { last: tid });
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
