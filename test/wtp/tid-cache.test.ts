/**
 * The responder's TID cache alone (src/wtp/tid-cache.ts): lifetime on the engine's clock, the bound, the TID test.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/wtp/clock.ts';
import { RECENT_TIDS, TidCache, tidTest } from '../../src/wtp/tid-cache.ts';

const WINDOW = 2 ** 14;

describe('TidCache', () => {
  it('an entry lives for the wait timeout after it was last set, then the peer is unknown again', () => {
    const clock = new FakeClock(0);
    const c = new TidCache(10, 60_000, clock, WINDOW);
    expect(c.test('a|1', 5)).toBe('no-cache');
    c.accept('a|1', 5, true);
    expect(c.test('a|1', 5)).toBe('fail'); // a duplicate
    expect(c.test('a|1', 6)).toBe('ok');
    clock.advance(60_000);
    expect(c.get('a|1')).toBe(5);
    c.accept('a|1', 6, true); // set again: the lifetime restarts
    clock.advance(60_000);
    expect(c.get('a|1')).toBe(6);
    clock.advance(1);
    expect(c.test('a|1', 6)).toBe('no-cache');
    expect(c.size).toBe(0);
  });

  it('holds at most its bound: the entry set longest ago goes first', () => {
    const clock = new FakeClock(0);
    const c = new TidCache(3, 0, clock, WINDOW);
    for (const p of ['a', 'b', 'c']) c.accept(p, 1, true);
    c.accept('a', 2, true); // a is now the newest
    c.accept('d', 1, true);
    expect(c.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((p) => c.get(p))).toEqual([2, undefined, 1, 1]);
  });

  it('expired entries are dropped from the table as new ones come (not only when looked up)', () => {
    const clock = new FakeClock(0);
    const c = new TidCache(100_000, 1_000, clock, WINDOW);
    for (let i = 0; i < 1_000; i++) c.accept(`old|${i}`, 1, true);
    clock.advance(2_000);
    for (let i = 0; i < 64; i++) c.accept(`new|${i}`, 1, true);
    expect(c.size).toBe(64);
  });

  it('reset (TIDnew verified) starts over; a reordered TID is accepted once', () => {
    const clock = new FakeClock(0);
    const c = new TidCache(10, 60_000, clock, WINDOW);
    c.accept('a', 100, true);
    expect(c.test('a', 99)).toBe('fail'); // below the entry's first TID: not provably new
    c.accept('a', 105, true);
    expect(c.test('a', 103)).toBe('reordered');
    c.accept('a', 103, false);
    expect(c.test('a', 103)).toBe('fail');
    expect(c.get('a')).toBe(105);
    c.reset('a', 7);
    expect(c.get('a')).toBe(7);
    expect(c.test('a', 7)).toBe('fail');
    expect(c.test('a', 8)).toBe('ok');
  });

  it('remembers exactly the TIDs a Set of the window would (random walks, forward, backward, wrap-around)', () => {
    // The reference: every TID seen, pruned to (last - RECENT_TIDS, last] after each addition, as the cache
    // did with a Set before it kept one bit per slot.
    for (const window of [WINDOW, 100, 3]) {
      let seed = 12345 + window;
      const rnd = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const c = new TidCache(10, 0, new FakeClock(0), window);
      let last = -1;
      let base = -1;
      let one = -1;
      let set: Set<number> | undefined;
      const inWin = (t: number): boolean => ((last - t) & 0x7fff) < RECENT_TIDS;
      const add = (t: number): void => {
        if (!set) {
          if (one === -1 || one === t || !inWin(one)) {
            one = inWin(t) ? t : -1;
            return;
          }
          set = new Set([one]);
          one = -1;
        }
        set.add(t);
        for (const x of set) if (!inWin(x)) set.delete(x);
      };
      const has = (t: number): boolean => (set ? set.has(t) : one === t);
      for (let i = 0; i < 20_000; i++) {
        const step = [1, 1, 1, 2, -1, -3, 200, 255, 256, 300, -255, -256, 16_000, 30_000][rnd(14)]!;
        const tid = last === -1 ? rnd(0x8000) : (last + step + 0x8000) & 0x7fff;
        let want: string;
        if (last === -1) want = 'no-cache';
        else if (has(tid)) want = 'fail';
        else {
          const t = tidTest(tid, last, window);
          want = t === 'fail' && tid < last && tid > base && last - tid < RECENT_TIDS ? 'reordered' : t;
        }
        const got = c.test('p', tid);
        expect(got).toBe(want);
        if (got === 'ok' || got === 'reordered' || got === 'no-cache') {
          if (last === -1) [last, base] = [tid, tid];
          if (got !== 'reordered') last = tid;
          add(tid);
          c.accept('p', tid, got !== 'reordered');
        } else {
          add(tid);
          c.see('p', tid);
        }
        const model = set ? [...set] : one !== -1 && inWin(one) ? [one] : [];
        expect(c.seenOf('p').sort((a, b) => a - b)).toEqual(model.sort((a, b) => a - b));
      }
    }
  });
});
