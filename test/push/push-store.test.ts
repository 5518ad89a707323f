/** PushStore's schedule (heaps) against the plain definition: due targets best first (priority, then age). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePushAddress } from '../../src/push/address.ts';
import { isFinal, PushStore, type NewPushRecord } from '../../src/push/store.ts';

const ADDR = parsePushAddress('WAPPUSH=127.0.0.1/TYPE=IPv4@ppg');
const RANK = { high: 0, medium: 1, low: 2 } as const;

function rec(id: string, priority: 'high' | 'medium' | 'low', notBefore: number[], deliverBefore = 1e12): NewPushRecord {
  return {
    pushId: id,
    version: '2.0',
    receivedTime: 0,
    deliverBefore,
    priority,
    qos: { priority, deliveryMethod: 'unconfirmed', networkRequired: false, bearerRequired: false },
    initiator: { ip: '127.0.0.1' },
    content: { contentType: 'text/plain', body: Buffer.alloc(1), entityHeaders: [] },
    targets: notBefore.map((nb) => ({ address: ADDR, state: 'pending', code: 1001, eventTime: 0, attempts: 0, notBefore: nb, busy: false })),
  };
}

describe('PushStore schedule', () => {
  it('due() hands out exactly the due targets, priority then arrival then address order, each once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ p: fc.constantFrom('high', 'medium', 'low'), nb: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 3 }) }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 50 }),
        (specs, now, limit) => {
          const s = new PushStore(10_000, 60_000);
          const recs = specs.map((x, i) => s.add(rec(`r${i}`, x.p as 'high', x.nb)));
          for (const r of recs) s.schedule(r);
          const expected = recs
            .flatMap((r) => r.targets.map((t) => ({ r, t })))
            .filter(({ t }) => t.notBefore <= now)
            .sort((a, b) => RANK[a.r.priority] - RANK[b.r.priority] || a.r.seq - b.r.seq || a.t.index - b.t.index);
          const got: string[] = [];
          for (let batch = s.due(now, limit); batch.length; batch = s.due(now, limit)) {
            for (const { rec: r, target } of batch) {
              got.push(`${r.pushId}/${target.index}`);
            }
          }
          expect(got).toEqual(expected.map(({ r, t }) => `${r.pushId}/${t.index}`));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('expiry: open targets past deliver-before, a busy one once it is no longer busy; nextWake and purge', () => {
    const s = new PushStore(100, 1000);
    const a = s.add(rec('a', 'medium', [50, 50], 100));
    s.schedule(a);
    expect(s.nextWake()).toBe(50);
    const [first] = s.due(60, 1);
    first!.target.busy = true;
    expect(s.expired(100).map((x) => `${x.rec.pushId}/${x.target.index}`)).toEqual(['a/1']);
    s.transition(a.targets[1]!, 'expired', 4000, undefined, 100, a);
    first!.target.busy = false;
    expect(s.expired(101).map((x) => `${x.rec.pushId}/${x.target.index}`)).toEqual(['a/0']);
    s.transition(a.targets[0]!, 'expired', 4000, undefined, 101, a);
    expect(a.targets.every(isFinal)).toBe(true);
    expect(s.pending).toBe(0);
    a.targets[0]!.notifyOwed = true;
    expect(s.purge(5000)).toEqual([]); // a notification is still owed
    a.targets[0]!.notifyOwed = false;
    expect(s.purge(5000 + 60_000)).toEqual(['a']);
    expect(s.get('a')).toBeUndefined();
  });
});
