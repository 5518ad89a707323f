import { isIP, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrTable, cidrSet, formatCidr, formatIp, isIpv6Text, normalizeIp, parseCidr, parseIp } from '../../src/net/ip.ts';

describe('IP parsing', () => {
  it('parses and formats IPv4, IPv6 and IPv4-mapped IPv6', () => {
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('::FFFF:7f00:1')).toBe('127.0.0.1');
    expect(normalizeIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(normalizeIp('::')).toBe('::');
    expect(normalizeIp('::1')).toBe('::1');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('64:ff9b::192.0.2.33')).toBe('64:ff9b::c000:221');
    for (const bad of ['', '1.2.3', '1.2.3.256', '::g', '1:2:3:4:5:6:7:8:9', 'x', '1.2.3.4/8']) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });

  it('agrees with node:net on arbitrary strings and round-trips every address it accepts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), (s) => {
        const n = normalizeIp(s);
        if (n === undefined) return;
        expect(isIP(n)).not.toBe(0);
        expect(normalizeIp(n)).toBe(n);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads IPv6 text by hand exactly as node:net’s isIPv6 accepts it (no zone ids here: those we drop)', () => {
    for (const bad of ['1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '1:2:3:4::5:6:7:8', ':::', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1::2::3', '1.2.3.4::', '::1.2.3.4:5', '::12345', '']) {
      expect(isIpv6Text(bad), bad).toBe(false);
      expect(isIPv6(bad), bad).toBe(false);
    }
    for (const good of ['::', '1::', '::1', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6::8', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', 'ABCD:ef01::']) {
      expect(isIpv6Text(good), good).toBe(true);
      expect(isIPv6(good), good).toBe(true);
    }
    const group = fc.oneof(fc.constantFrom('', '0', '1', 'ffff', 'FfFf', '12345', 'g', '1.2.3.4', '256.1.1.1', '01.2.3.4'), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 5 }));
    const text = fc.oneof(fc.ipV6(), fc.array(group, { maxLength: 10 }).map((g) => g.join(':')), fc.string({ unit: fc.constantFrom(':', '.', '0', '1', 'f', 'g') }));
    fc.assert(
      fc.property(text, (s) => {
        expect(isIpv6Text(s), s).toBe(isIPv6(s));
      }),
      { numRuns: 20000 },
    );
  });

  it('parses CIDR prefixes and clears host bits', () => {
    expect(formatCidr(parseCidr('10.1.2.3/8')!)).toBe('10.0.0.0/8');
    expect(formatCidr(parseCidr('2001:db8::7/64')!)).toBe('2001:db8::/64');
    expect(formatCidr(parseCidr('127.0.0.5')!)).toBe('127.0.0.5/32');
    expect(formatCidr(parseCidr('::ffff:10.0.0.0/104')!)).toBe('10.0.0.0/8');
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', 'nope/8', '10.0.0.0/-1']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('matches the longest prefix', () => {
    const t = new CidrTable<string>();
    t.set(parseCidr('10.0.0.0/8')!, 'wide');
    t.set(parseCidr('10.1.0.0/16')!, 'narrow');
    t.set(parseCidr('2001:db8::/32')!, 'v6');
    expect(t.match(parseIp('10.1.2.3')!)?.value).toBe('narrow');
    expect(t.match(parseIp('10.2.2.3')!)?.value).toBe('wide');
    expect(t.match(parseIp('11.0.0.1')!)).toBeUndefined();
    expect(t.match(parseIp('2001:db8:5::1')!)?.value).toBe('v6');
    expect(t.match(parseIp('::ffff:10.1.0.9')!)?.value).toBe('narrow');
    expect(() => cidrSet(['10.0.0.0/8', 'bogus'], 'allow')).toThrow(/allow: "bogus"/);
  });
});

describe('ipBytes', () => {
  it('gives 4 octets for IPv4 (and IPv4-mapped IPv6), 16 for IPv6, nothing for bad text', async () => {
    const { ipBytes } = await import('../../src/net/ip.ts');
    expect(ipBytes('10.1.2.3')).toEqual({ family: 4, bytes: Buffer.from([10, 1, 2, 3]) });
    expect(ipBytes('::ffff:10.1.2.3')).toEqual({ family: 4, bytes: Buffer.from([10, 1, 2, 3]) });
    expect(ipBytes('2001:db8::1')?.bytes.toString('hex')).toBe('20010db8000000000000000000000001');
    expect(ipBytes('fe80::1:2%eth0')?.bytes.toString('hex')).toBe('fe800000000000000000000000010002');
    for (const bad of ['1:2:3:4:5:6:7:8:9', '2001:db8::g', '10.1.2', '::1::2', '']) expect(ipBytes(bad), bad).toBeUndefined();
  });
});

describe('parseIp memo (issue 19: the identity hooks parse each request’s address several times)', () => {
  it('shares one frozen value per address text and stays right across more addresses than it holds', () => {
    const a = parseIp('10.1.2.3')!;
    expect(parseIp('10.1.2.3')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(formatIp(a)).toBe('10.1.2.3');
    for (let i = 0; i < 10_000; i++) {
      const text = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      expect(formatIp(parseIp(text)!)).toBe(text);
    }
    expect(parseIp('10.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
    expect(parseIp('not an address')).toBeUndefined();
    expect(parseIp('not an address')).toBeUndefined();
    expect(formatIp({ family: 4, value: 0x7f000001n })).toBe('127.0.0.1');
  });
});
