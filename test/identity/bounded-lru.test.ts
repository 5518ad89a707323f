import { describe, expect, it } from 'vitest';
import { boundedLru } from '../../src/identity/bounded-lru.ts';

describe('boundedLru', () => {
  it('holds at most max entries and evicts the least recently used first, with reason evict', () => {
    const gone: Array<[string, string]> = [];
    const lru = boundedLru<string, number>(3, { dispose: (_v, k, reason) => gone.push([k, reason]) });
    lru.set('a', 1).set('b', 2).set('c', 3);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('d', 4);
    expect(lru.size).toBe(3);
    expect([...lru.keys()].sort()).toEqual(['a', 'c', 'd']);
    expect(gone).toEqual([['b', 'evict']]);
    lru.set('c', 30); // replacing a key does not evict another
    expect(lru.size).toBe(3);
    expect(gone.at(-1)).toEqual(['c', 'set']);
  });

  it('keeps the bound through many insertions and honours a TTL', () => {
    let t = 1000; // lru-cache takes a start time of 0 as "no start"
    const lru = boundedLru<number, number>(1000, { ttl: 10, ttlResolution: 0, perf: { now: () => t } });
    for (let i = 0; i < 50_000; i++) lru.set(i, i);
    expect(lru.size).toBe(1000);
    expect(lru.has(49_999) && !lru.has(48_999)).toBe(true);
    t = 1011;
    expect(lru.get(49_999)).toBeUndefined();
  });

  it('a bound below 1 still holds one entry', () => {
    const lru = boundedLru<string, number>(0);
    lru.set('a', 1).set('b', 2);
    expect([...lru.keys()]).toEqual(['b']);
  });
});
