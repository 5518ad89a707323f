/**
 * Duplicate removal for class-0 Invokes (src/wtp/class0-log.ts), alone and through the responder: a copy within the
 * wait timeout is dropped, memory follows the peers and not the Invokes.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/wtp/clock.ts';
import { Class0Log, RECENT_CLASS0 } from '../../src/wtp/class0-log.ts';
import { invokePdu, RespScript } from './script.ts';

describe('Class0Log', () => {
  it('a TID is new once per peer within the wait timeout, and new again after it', () => {
    const clock = new FakeClock(0);
    const log = new Class0Log(10, 60_000, clock);
    expect(log.first('a', 5)).toBe(true);
    expect(log.first('a', 5)).toBe(false);
    expect(log.first('b', 5)).toBe(true); // another peer
    clock.advance(60_000);
    expect(log.first('a', 5)).toBe(false);
    clock.advance(60_001);
    expect(log.first('a', 5)).toBe(true);
  });

  it(`remembers a peer's last ${RECENT_CLASS0} TIDs`, () => {
    const log = new Class0Log(10, 60_000, new FakeClock(0));
    for (let t = 1; t <= RECENT_CLASS0 + 1; t++) expect(log.first('a', t)).toBe(true);
    expect(log.first('a', 2)).toBe(false);
    expect(log.first('a', 1)).toBe(true); // pushed out by the ninth
  });

  it('one entry per peer however many Invokes it sends; bounded; expired peers dropped as new ones come', () => {
    const clock = new FakeClock(0);
    const log = new Class0Log(3, 1_000, clock);
    for (let t = 0; t < 10_000; t++) log.first('a', t & 0x7fff);
    expect(log.size).toBe(1);
    for (const p of ['b', 'c', 'd']) log.first(p, 1);
    expect(log.size).toBe(3);
    expect(log.first('a', 9_999)).toBe(true); // 'a', the oldest, went for 'd'
    clock.advance(2_000);
    for (let i = 0; i < 64; i++) log.first(`n${i % 2}`, i);
    expect(log.size).toBe(2);
  });
});

describe('responder: class-0 duplicates', () => {
  it('a duplicated class-0 Invoke is indicated once; after the wait timeout the TID is new again', () => {
    const s = new RespScript({ waitTimeoutMs: 10_000 });
    const disconnect = invokePdu({ class: 0, tid: 7, data: Buffer.from([0x05, 0x01]) });
    s.feed(disconnect).feed(disconnect);
    expect(s.told).toEqual(['invoke class=0']);
    s.clock.advance(10_001);
    s.feed(disconnect);
    expect(s.told).toEqual(['invoke class=0', 'invoke class=0']);
    expect(s.said()).toEqual([]);
  });
});
