/**
 * The SIA content codec (WAP-235 §8.2.2): one vector checked octet by octet, round trip, and hostile bytes (only
 * WapDecodeError comes out).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSia, encodeSia } from '../../src/push/sia.ts';
import { WapDecodeError } from '../../src/wire/errors.ts';

describe('SIA content', () => {
  it('encodes version 0, the application ids (X-Wap-Application-Id headers: codes or URIs) and the contact points', () => {
    const c = {
      appIds: ['x-wap-application:wml.ua', 'http://example.com/app'],
      contactPoints: [{ bearerType: 0x00, port: 9201, address: Buffer.from([10, 0, 0, 1]) }],
    };
    const b = encodeSia(c);
    expect(b.toString('hex')).toBe(
      '00' + // version 0
        '1a' + // AppIdListLen 26: two X-Wap-Application-Id headers
        'af' + '82' + // X-Wap-Application-Id (0x2F) wml.ua: App-assigned-code 0x02 as a short-integer
        'af' + Buffer.from('http://example.com/app\0').toString('hex') + // a Uri-value
        '08' + // ContactPointsLen 8
        'c4' + // bearer type + port included, 4 address octets
        '00' + '23f1' + '0a000001',
    );
    expect(decodeSia(b)).toEqual(c);
  });

  it('refuses other versions and anything cut short, with WapDecodeError only', () => {
    expect(() => decodeSia(Buffer.from([0x01, 0x00, 0x00]))).toThrow(WapDecodeError);
    expect(() => decodeSia(Buffer.from([0x00, 0x05, 0xaf, 0x82]))).toThrow(WapDecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeSia(Buffer.from(bytes));
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
