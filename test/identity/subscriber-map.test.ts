import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSubscriberMap, parseStaticTable } from '../../src/identity/subscriber-map.ts';
import { tempDir } from '../support/tools.ts';

describe('subscriber map', () => {
  it('binds, refreshes, replaces and removes; a reassigned address never keeps the old MSISDN', () => {
    const m = createSubscriberMap();
    expect(m.bind('10.0.0.1', { msisdn: '+1555000001', imsi: '001010000000001', sessionId: 'a' })).toBe('new');
    expect(m.lookup('10.0.0.1')).toEqual({ msisdn: '+1555000001', imsi: '001010000000001' });
    expect(m.lookup('::ffff:10.0.0.1')).toEqual({ msisdn: '+1555000001', imsi: '001010000000001' });
    expect(m.bind('10.0.0.1', { msisdn: '+1555000001', imsi: '001010000000001', sessionId: 'a' })).toBe('refreshed');
    // Reassigned to a subscriber without IMSI: nothing of the first one survives.
    expect(m.bind('10.0.0.1', { msisdn: '+1555000002', sessionId: 'b' })).toBe('replaced');
    expect(m.lookup('10.0.0.1')).toEqual({ msisdn: '+1555000002' });
    expect(m.ipForMsisdn('+1555000001')).toBeUndefined();
    expect(m.ipForMsisdn('+1555000002')).toBe('10.0.0.1');
    expect(m.ipForMsisdn('1555000002')).toBe('10.0.0.1'); // PAP and RADIUS may differ in the '+'
    // A late Stop of the first session does not remove the second.
    expect(m.unbind('10.0.0.1', { sessionId: 'a', msisdn: '+1555000001' })).toBe('mismatch');
    expect(m.lookup('10.0.0.1')?.msisdn).toBe('+1555000002');
    expect(m.unbind('10.0.0.1', { sessionId: 'b' })).toBe('removed');
    expect(m.lookup('10.0.0.1')).toBeUndefined();
    expect(m.unbind('10.0.0.1')).toBe('absent');
    expect(m.counters).toMatchObject({ binds: 2, refreshes: 1, replacements: 1, unbinds: 1, unbindMismatches: 1 });
  });

  it('matches IPv6 prefixes and prefers IPv4 for push', () => {
    const m = createSubscriberMap();
    m.bind('2001:db8:1:2::/64', { msisdn: '+1555000003', sessionId: 's' });
    expect(m.lookup('2001:db8:1:2::abcd')?.msisdn).toBe('+1555000003');
    expect(m.lookup('2001:db8:1:3::abcd')).toBeUndefined();
    expect(m.ipForMsisdn('+1555000003')).toBeUndefined();
    m.bind('2001:db8::9', { msisdn: '+1555000003', sessionId: 's' });
    expect(m.ipForMsisdn('+1555000003')).toBe('2001:db8::9');
    m.bind('10.9.9.9', { msisdn: '+1555000003', sessionId: 's' });
    expect(m.ipForMsisdn('+1555000003')).toBe('10.9.9.9');
  });

  it('forgets bindings after the TTL and beyond the size bound', () => {
    let t = 1_000;
    const m = createSubscriberMap({ ttlMs: 60_000, maxEntries: 3, now: () => t });
    m.bind('10.0.0.1', { msisdn: '+1555000001' });
    t += 30_000;
    m.bind('10.0.0.1', { msisdn: '+1555000001' }); // Interim-Update refreshes
    t += 45_000;
    expect(m.lookup('10.0.0.1')?.msisdn).toBe('+1555000001');
    t += 20_000;
    expect(m.lookup('10.0.0.1')).toBeUndefined();
    expect(m.ipForMsisdn('+1555000001')).toBeUndefined();
    for (let i = 1; i <= 5; i++) m.bind(`10.0.1.${i}`, { msisdn: `+155500010${i}` });
    expect(m.size).toBe(3);
    expect(m.lookup('10.0.1.1')).toBeUndefined();
    expect(m.lookup('10.0.1.5')?.msisdn).toBe('+1555000105');
    expect(m.counters.evictions).toBeGreaterThanOrEqual(3);
  });

  it('drops every binding of a restarted NAS', () => {
    const m = createSubscriberMap();
    m.bind('10.0.0.1', { msisdn: '+1555000001', nas: 'ggsn-a' });
    m.bind('10.0.0.2', { msisdn: '+1555000002', nas: 'ggsn-a' });
    m.bind('10.0.0.3', { msisdn: '+1555000003', nas: 'ggsn-b' });
    expect(m.unbindNas('ggsn-a')).toBe(2);
    expect(m.size).toBe(1);
    expect(m.lookup('10.0.0.3')?.msisdn).toBe('+1555000003');
  });

  it('falls back to the static table (config and file), longest prefix, reloadable', () => {
    const dir = tempDir();
    const file = join(dir, 'static.txt');
    writeFileSync(file, '# lab phones\n10.20.0.0/16 +1555999000\n10.20.1.7 +1555999007 001019999999007  # the Nokia\n\n');
    const m = createSubscriberMap({ static: [{ cidr: '2001:db8:ff::/48', msisdn: '+1555888000' }], staticFile: file });
    expect(m.staticSize).toBe(3);
    expect(m.lookup('10.20.1.7')).toEqual({ msisdn: '+1555999007', imsi: '001019999999007' });
    expect(m.lookup('10.20.3.3')).toEqual({ msisdn: '+1555999000' });
    expect(m.lookup('2001:db8:ff:1::1')).toEqual({ msisdn: '+1555888000' });
    expect(m.ipForMsisdn('+1555999007')).toBe('10.20.1.7');
    // RADIUS wins over the static table.
    m.bind('10.20.1.7', { msisdn: '+1555000077' });
    expect(m.lookup('10.20.1.7')?.msisdn).toBe('+1555000077');
    expect(m.record('10.20.3.3')?.source).toBe('static');
    writeFileSync(file, '10.30.0.1 +1555777001\n');
    m.reloadStatic();
    expect(m.lookup('10.20.3.3')).toBeUndefined();
    expect(m.lookup('10.30.0.1')?.msisdn).toBe('+1555777001');
    writeFileSync(file, '10.30.0.1\n');
    expect(() => m.reloadStatic()).toThrow(/static.txt:1/);
    expect(m.lookup('10.30.0.1')?.msisdn).toBe('+1555777001');
    writeFileSync(file, '10.30.0.1 +1555777001\n');
    expect(() => parseStaticTable('10.0.0.0/40 +1')).not.toThrow();
    expect(() => m.setStatic([{ cidr: '10.0.0.0/40', msisdn: '+1555' }])).toThrow(/not an address/);
    expect(() => m.setStatic([{ cidr: '10.0.0.0/8', msisdn: '+1\r\n' }])).toThrow(/bad MSISDN/);
    m.setStatic([{ cidr: '10.31.0.0/16', msisdn: '+1555666000' }], null);
    expect(m.lookup('10.30.0.1')).toBeUndefined();
    expect(m.lookup('10.31.2.2')?.msisdn).toBe('+1555666000');
  });
});

describe('subscriber map against a model (fast-check)', () => {
  it('lookup and ipForMsisdn always agree with the last word on each address', async () => {
    const { default: fc } = await import('fast-check');
    const ip = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', '2001:db8::1');
    const msisdn = fc.constantFrom('+1555000001', '+1555000002', '+1555000003');
    const session = fc.constantFrom('a', 'b', 'c');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('bind' as const), ip, msisdn, session, imsi: fc.option(fc.constantFrom('001010000000001', '001010000000002'), { nil: undefined }) }),
      fc.record({ kind: fc.constant('stop' as const), ip, session }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const m = createSubscriberMap({ maxEntries: 64 }); // small: lru-cache preallocates per entry
        const model = new Map<string, { msisdn: string; imsi?: string; session: string }>();
        for (const o of ops) {
          if (o.kind === 'bind') {
            m.bind(o.ip, { msisdn: o.msisdn, sessionId: o.session, ...(o.imsi ? { imsi: o.imsi } : {}) });
            model.set(o.ip, { msisdn: o.msisdn, session: o.session, ...(o.imsi ? { imsi: o.imsi } : {}) });
          } else {
            m.unbind(o.ip, { sessionId: o.session });
            if (model.get(o.ip)?.session === o.session) model.delete(o.ip);
          }
          for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '2001:db8::1']) {
            const want = model.get(a);
            expect(m.lookup(a)).toEqual(want ? { msisdn: want.msisdn, ...(want.imsi ? { imsi: want.imsi } : {}) } : undefined);
          }
          for (const n of ['+1555000001', '+1555000002', '+1555000003']) {
            const got = m.ipForMsisdn(n);
            const holders = [...model].filter(([, v]) => v.msisdn === n).map(([k]) => k);
            if (holders.length === 0) expect(got).toBeUndefined();
            else {
              expect(holders).toContain(got);
              if (holders.some((h) => !h.includes(':'))) expect(got).not.toContain(':'); // IPv4 preferred
            }
          }
          expect(m.size).toBe(model.size);
        }
      }),
      { numRuns: 200 },
    );
  });
});
