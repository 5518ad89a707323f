/**
 * Header hygiene, enrichment and the client policy: the pieces the gateway calls on every request.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../src/identity/enricher.ts';
import { isSafeHeader, sanitizeHeaderValue, stripProtected } from '../../src/identity/headers.ts';
import { createClientPolicy } from '../../src/identity/policy.ts';
import { createSubscriberMap } from '../../src/identity/subscriber-map.ts';

describe('header hygiene', () => {
  it('refuses CR, LF, NUL and other controls; keeps HTAB and latin1 text; trims OWS', () => {
    expect(sanitizeHeaderValue('  Nokia6230/2.0 (03.15)\t')).toBe('Nokia6230/2.0 (03.15)');
    expect(sanitizeHeaderValue('a\tb')).toBe('a\tb');
    expect(sanitizeHeaderValue('caf\u00e9')).toBe('caf\u00e9');
    for (const bad of ['a\r\nX-MSISDN: +1555', 'a\nb', 'a\rb', 'a\u0000b', 'a\u001bb', 'a\u007fb', 'a\u2028b', 'x'.repeat(8193)]) {
      expect(sanitizeHeaderValue(bad)).toBeUndefined();
    }
    expect(isSafeHeader('X-Test', 'ok')).toBe(true);
    expect(isSafeHeader('X Test', 'ok')).toBe(false);
    expect(isSafeHeader('X-Test:', 'ok')).toBe(false);
    expect(isSafeHeader('', 'ok')).toBe(false);
    expect(isSafeHeader('X-Test', 'a\r\nb')).toBe(false);
  });

  it('never lets a CR or LF through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ maxLength: 32 }), (v, n) => {
        const s = sanitizeHeaderValue(v);
        if (s !== undefined) expect(s).not.toMatch(/[\r\n\0]/);
        if (isSafeHeader(n, v)) expect(`${n}: ${v}`).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 5000 },
    );
  });

  it('strips protected headers in either shape, case-insensitively', () => {
    const e = createEnricher({ msisdnHeader: 'X-Operator-Msisdn', imsiHeader: 'X-Operator-Imsi' }, createSubscriberMap());
    const pairs: Array<[string, string]> = [
      ['X-MSISDN', '+1999'],
      ['x-wap-network-client-msisdn', '+1999'],
      ['X-Operator-MSISDN', '+1999'],
      ['X-OPERATOR-IMSI', '1'],
      ['X-Wap-Network-Client-IP', '6.6.6.6'],
      ['User-Agent', 'Nokia'],
    ];
    const stripped: string[] = [];
    expect(stripProtected(pairs, e, (n) => stripped.push(n))).toEqual([['User-Agent', 'Nokia']]);
    expect(stripped).toHaveLength(5);
    expect(stripProtected({ 'X-Msisdn': '+1', Accept: '*/*' }, e)).toEqual({ Accept: '*/*' });
    expect(e.protectedHeaders.has('x-operator-msisdn')).toBe(true);
    expect(e.protectedHeaders.has('x-msisdn')).toBe(true);
  });
});

describe('enricher', () => {
  const map = createSubscriberMap();
  map.bind('10.0.0.1', { msisdn: '+15550001234', imsi: '001010123456789' });

  it('adds the configured headers per origin', () => {
    const e = createEnricher(
      {
        msisdnHeader: 'X-MSISDN',
        origins: {
          'http://mmsc.example:8002/': { msisdnHeader: 'X-WAP-Network-Client-MSISDN', clientIpHeader: 'X-WAP-Network-Client-IP', imsiHeader: 'X-IMSI' },
          'https://portal.example': { msisdnHeader: null, unknownSubscriber: 'refuse' },
        },
      },
      map,
    );
    expect(e.lookup('10.0.0.1')).toEqual({ msisdn: '+15550001234', imsi: '001010123456789' });
    expect(e.headersFor('10.0.0.1', 'http://other.example')).toEqual({ 'X-MSISDN': '+15550001234' });
    expect(e.headersFor('::ffff:10.0.0.1', 'http://MMSC.example:8002')).toEqual({
      'X-WAP-Network-Client-MSISDN': '+15550001234',
      'X-WAP-Network-Client-IP': '10.0.0.1',
      'X-IMSI': '001010123456789',
    });
    // No identity headers configured for this origin: nothing to add, nothing to refuse.
    expect(e.headersFor('10.9.9.9', 'https://portal.example:443')).toEqual({});
    expect(e.headersFor('10.9.9.9', 'http://other.example')).toEqual({});
    expect(e.protectedHeaders.has('x-imsi')).toBe(true);
    expect(e.counters).toMatchObject({ enriched: 2, unknown: 1, refused: 0 });
  });

  it("answers 'refuse' for an unknown subscriber where required", () => {
    const e = createEnricher({ unknownSubscriber: 'refuse', origins: { 'http://free.example': { unknownSubscriber: 'omit' } } }, map);
    expect(e.headersFor('10.0.0.2', 'http://mmsc.example')).toBe('refuse');
    expect(e.headersFor('10.0.0.2', 'http://free.example')).toEqual({});
    expect(e.headersFor('10.0.0.1', 'http://mmsc.example')).toEqual({ 'X-MSISDN': '+15550001234' });
  });

  it('rejects header names that are not tokens at configuration time', () => {
    expect(() => createEnricher({ msisdnHeader: 'X MSISDN' }, map)).toThrow(/not a header name/);
  });
});

describe('client policy', () => {
  it('applies global and per-service allow/deny lists, IPv4 and IPv6', () => {
    const p = createClientPolicy({
      deny: ['10.66.0.0/16', '2001:db8:bad::/48'],
      services: { co: { allow: ['10.0.0.0/8', '2001:db8::/32'] }, cl: {} },
    });
    expect(p.admit('10.1.2.3', 'co', 0)).toBe('ok');
    expect(p.admit('192.168.1.1', 'co', 0)).toBe('deny');
    expect(p.admit('192.168.1.1', 'cl', 0)).toBe('ok');
    expect(p.admit('10.66.1.1', 'cl', 0)).toBe('deny');
    expect(p.admit('10.66.1.1', 'co', 0)).toBe('deny');
    expect(p.admit('2001:db8:1::1', 'co', 0)).toBe('ok');
    expect(p.admit('2001:db8:bad::1', 'co', 0)).toBe('deny');
    expect(p.admit('::ffff:10.66.0.1', 'cl', 0)).toBe('deny');
    expect(p.admit('not-an-ip', 'cl', 0)).toBe('deny');
    // Push initiators: loopback only by default.
    expect(p.admit('127.0.0.1', 'ppg', 0)).toBe('ok');
    expect(p.admit('::1', 'ppg', 0)).toBe('ok');
    expect(p.admit('10.1.2.3', 'ppg', 0)).toBe('deny');
    expect(p.counters.denied).toEqual({ cl: 3, co: 3, ppg: 1 });
  });

  it('rate-limits per client IP with a token bucket', () => {
    const p = createClientPolicy({ rateLimit: { perSecond: 2, burst: 3 } });
    const at = (ip: string, t: number) => p.admit(ip, 'cl', t);
    expect([at('10.0.0.1', 0), at('10.0.0.1', 0), at('10.0.0.1', 0), at('10.0.0.1', 0)]).toEqual(['ok', 'ok', 'ok', 'rate-limited']);
    expect(at('10.0.0.2', 0)).toBe('ok'); // another handset has its own bucket
    expect(p.admit('10.0.0.1', 'co', 100)).toBe('rate-limited'); // cl and co share the bucket
    expect(at('10.0.0.1', 500)).toBe('ok'); // 2/s: one token back after 500 ms
    expect(at('10.0.0.1', 500)).toBe('rate-limited');
    expect(at('10.0.0.1', 10_000)).toBe('ok');
    expect(p.admit('127.0.0.1', 'ppg', 0)).toBe('ok'); // not a limited service
    expect(p.counters.rateLimited).toEqual({ cl: 2, co: 1, ppg: 0 });
  });
});
