/** memoNames (src/gateway/memo.ts): the bounded per-name memo of the header paths. */
import { describe, expect, it } from 'vitest';
import { memoNames } from '../../src/gateway/memo.ts';

describe('memoNames', () => {
  it('derives a name once, and keeps at most 512 names and none longer than 64 characters', () => {
    const seen: string[] = [];
    const lower = memoNames((n) => (seen.push(n), n.toLowerCase()));
    expect(lower('Accept')).toBe('accept');
    expect(lower('Accept')).toBe('accept');
    expect(seen).toEqual(['Accept']);

    const long = 'X'.repeat(65);
    lower(long);
    lower(long);
    expect(seen.filter((n) => n === long)).toHaveLength(2);

    // 511 more fill it; the next new name starts it again, so 'Accept' is derived anew.
    for (let i = 0; i < 511; i++) lower(`h${i}`);
    lower('Accept');
    expect(seen.filter((n) => n === 'Accept')).toHaveLength(1);
    lower('one-too-many');
    lower('Accept');
    expect(seen.filter((n) => n === 'Accept')).toHaveLength(2);
  });
});
