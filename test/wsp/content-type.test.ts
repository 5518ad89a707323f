import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeErrorCode, WapDecodeError } from '../../src/wire/errors.ts';
import { Reader } from '../../src/wire/reader.ts';
import { Writer } from '../../src/wire/writer.ts';
import {
  formatContentType,
  parseContentType,
  readContentType,
  writeContentType,
  type ContentType,
} from '../../src/wsp/content-type.ts';

function hex(annotated: string): Buffer {
  const clean = annotated
    .split('\n')
    .map((l) => l.split('|')[0]!)
    .join(' ')
    .replace(/'([^']*)'/g, (_, s: string) => Buffer.from(s, 'latin1').toString('hex'))
    .replace(/\s+/g, '');
  return Buffer.from(clean, 'hex');
}

function enc(ct: ContentType, encodingVersion?: number): string {
  const w = new Writer(16);
  writeContentType(w, ct, { encodingVersion });
  return w.finish().toString('hex');
}

function dec(b: Buffer): ContentType {
  const r = new Reader(b);
  const ct = readContentType(r);
  r.expectEnd();
  return ct;
}

// [name, bytes, decoded, encodes back to the same bytes]
const VECTORS: [string, string, ContentType, boolean][] = [
  ['Constrained-media well-known (Table 40 0x3E)', 'BE', { type: 'application/vnd.wap.mms-message', params: [] }, true],
  ['Constrained-media sic (0x2E)', 'AE', { type: 'application/vnd.wap.sic', params: [] }, true],
  ['Constrained-media slc (0x30)', 'B0', { type: 'application/vnd.wap.slc', params: [] }, true],
  ['Constrained-media coc (0x32)', 'B2', { type: 'application/vnd.wap.coc', params: [] }, true],
  ['Constrained-media connectivity-wbxml (0x36)', 'B6', { type: 'application/vnd.wap.connectivity-wbxml', params: [] }, true],
  ['Extension-media', "'image/x-foo' 00", { type: 'image/x-foo', params: [] }, true],
  ['Long-integer media code (WINA 0x0201) needs the general form', '03 02 02 01', { type: 'application/vnd.uplanet.cacheop-wbxml', params: [] }, true],
  [
    'General form with charset (§8.4.2.24, Well-known-charset)',
    '03 | length\n 83 | text/plain\n 81 EA | charset=utf-8',
    { type: 'text/plain', params: [{ name: 'charset', value: 'utf-8' }] },
    true,
  ],
  [
    'multipart.related with type (0x09) and start (0x0A)',
    "0B B3 89 B3 8A '<smil>' 00",
    { type: 'application/vnd.wap.multipart.related', params: [{ name: 'type', value: 'application/vnd.wap.multipart.related' }, { name: 'start', value: '<smil>' }] },
    true,
  ],
  [
    'name (0x05, Text-string)',
    "08 88 85 'a.wml' 00",
    { type: 'text/vnd.wap.wml', params: [{ name: 'name', value: 'a.wml' }] },
    true,
  ],
  ['q (0x00) and level (0x02)', '05 88 80 33 82 92', { type: 'text/vnd.wap.wml', params: [{ name: 'q', value: '0.5' }, { name: 'level', value: '1.2' }] }, true],
  ['charset as Long-integer (ucs-2)', '05 83 81 02 03 E8', { type: 'text/plain', params: [{ name: 'charset', value: 'iso-10646-ucs-2' }] }, true],
  ['charset any', '03 83 81 80', { type: 'text/plain', params: [{ name: 'charset', value: '*' }] }, true],
  ['Untyped parameter with text value', "07 83 'x-a' 00 'b' 00", { type: 'text/plain', params: [{ name: 'x-a', value: 'b' }] }, true],
  ['Untyped parameter with integer value', "06 83 'x-a' 00 85", { type: 'text/plain', params: [{ name: 'x-a', value: '5' }] }, true],
  ['Untyped parameter with quoted value', "0A 83 'x-a' 00 22 'b c' 00", { type: 'text/plain', params: [{ name: 'x-a', value: 'b c' }] }, true],
  [
    'SEC (0x11) and MAC (0x12) as OMA provisioning sends them (1.4)',
    "0F B6 91 81 92 '0123456789' 00",
    { type: 'application/vnd.wap.connectivity-wbxml', params: [{ name: 'sec', value: '1' }, { name: 'mac', value: '0123456789' }] },
    false,
  ],
  ['1.4 name (0x17, Text-value)', "04 9E 97 'x' 00", { type: 'image/jpeg', params: [{ name: 'name', value: 'x' }] }, false],
  ['size (0x16)', '04 9E 96 02 10 00'.replace('04', '05'), { type: 'image/jpeg', params: [{ name: 'size', value: '4096' }] }, true],
  ['unknown typed parameter', "04 83 FF 'z' 00", { type: 'text/plain', params: [{ name: 'x-wsp-param-0x7f', value: 'z' }] }, true],
  ['unknown well-known media code', 'FF', { type: 'application/x-wsp-0x7f', params: [] }, true],
];

describe('Content-type-value vectors (WAP-230 §8.4.2.24)', () => {
  for (const [name, bytes, ct, exact] of VECTORS) {
    it(name, () => {
      const b = hex(bytes);
      expect(dec(b)).toEqual(ct);
      if (exact) expect(enc(ct)).toBe(b.toString('hex'));
      expect(dec(Buffer.from(enc(ct), 'hex'))).toEqual(ct);
    });
  }

  it('writes the text form to a peer that does not know the code', () => {
    expect(enc({ type: 'application/vnd.wap.mms-message', params: [] }, 0x13)).toBe(
      Buffer.from('application/vnd.wap.mms-message\0', 'latin1').toString('hex'),
    );
    expect(enc({ type: 'application/vnd.wap.sic', params: [] }, 0x12)).toBe('ae');
    expect(enc({ type: 'application/vnd.wap.sic', params: [] }, 0x11)).toBe(Buffer.from('application/vnd.wap.sic\0').toString('hex'));
  });

  it('writes 1.4 parameters only to 1.4 peers (untyped below)', () => {
    expect(enc({ type: 'image/jpeg', params: [{ name: 'size', value: '5' }] })).toBe('039e9685');
    expect(enc({ type: 'image/jpeg', params: [{ name: 'size', value: '5' }] }, 0x13)).toBe(hex("07 9E 'size' 00 85").toString('hex'));
  });

  it('a parameter value beyond latin1 goes as UTF-8 octets', () => {
    expect(enc({ type: 'image/jpeg', params: [{ name: 'name', value: 'é☺' }] })).toBe(hex("09 9E 85 7F C3 A9 E2 98 BA 00 | Quote before an octet >= 128").toString('hex'));
  });

  it('a parameter value off its grammar goes untyped', () => {
    expect(enc({ type: 'text/plain', params: [{ name: 'charset', value: 'x-klingon' }] })).toBe(hex("13 83 'charset' 00 'x-klingon' 00").toString('hex'));
    expect(dec(hex("13 83 'charset' 00 'x-klingon' 00"))).toEqual({ type: 'text/plain', params: [{ name: 'charset', value: 'x-klingon' }] });
  });
});

describe('Content-type error vectors', () => {
  const cases: [string, string, string, number][] = [
    ['empty', '', DecodeErrorCode.TRUNCATED, 0],
    ['extension media without NUL', "'text/plain'", DecodeErrorCode.TRUNCATED, 0],
    ['length past the end', '05 83 81', DecodeErrorCode.TRUNCATED, 1],
    ['parameter starting with NUL', '02 83 00', DecodeErrorCode.VALUE, 2],
    ['truncated parameter value', '02 83 81', DecodeErrorCode.TRUNCATED, 3],
    ['bad Q-value', '04 83 80 FF FF', DecodeErrorCode.VALUE, 3],
  ];
  for (const [name, bytes, code, offset] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        dec(hex(bytes));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WapDecodeError);
      expect((err as WapDecodeError).code).toBe(code);
      expect((err as WapDecodeError).offset).toBe(offset);
    });
  }
});

describe('HTTP text form', () => {
  it('parses leniently and formats canonically', () => {
    const ct = parseContentType('Application/Vnd.Wap.Multipart.Related ; Type="application/smil"; start=<0>; name="a b.txt"');
    expect(ct).toEqual({
      type: 'application/vnd.wap.multipart.related',
      params: [
        { name: 'type', value: 'application/smil' },
        { name: 'start', value: '<0>' },
        { name: 'name', value: 'a b.txt' },
      ],
    });
    expect(formatContentType(ct)).toBe('application/vnd.wap.multipart.related; type="application/smil"; start="<0>"; name="a b.txt"');
    expect(parseContentType(formatContentType(ct))).toEqual(ct);
  });

  it('keeps quoted separators and escapes', () => {
    const ct = parseContentType('text/plain; x="a;b\\"c"');
    expect(ct.params).toEqual([{ name: 'x', value: 'a;b"c' }]);
    expect(parseContentType(formatContentType(ct))).toEqual(ct);
  });
});

describe('Content-type property tests', () => {
  it('arbitrary bytes → a content type or a WapDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (arr) => {
        try {
          const ct = readContentType(new Reader(Buffer.from(arr)));
          expect(dec(Buffer.from(enc(ct), 'hex'))).toEqual(ct);
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('generated content types round-trip through binary and text', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,12}$/);
    const type = fc.oneof(
      fc.constantFrom('text/plain', 'application/vnd.wap.mms-message', 'application/vnd.wap.multipart.related', 'image/jpeg'),
      fc.tuple(token, token).map(([a, b]) => `${a}/${b}`),
    );
    const param = fc.oneof(
      fc.constantFrom('utf-8', 'us-ascii', 'big5', 'iso-10646-ucs-2').map((v) => ({ name: 'charset', value: v })),
      fc.stringMatching(/^[ -~]{1,16}$/).map((v) => ({ name: 'name', value: v })),
      fc.stringMatching(/^[ -~]{1,16}$/).map((v) => ({ name: 'start', value: v })),
      fc.tuple(token, fc.stringMatching(/^[a-z]{1,8}$/)).map(([n, v]) => ({ name: `x-${n}`, value: v })),
      fc.integer({ min: 1, max: 99 }).map((n) => ({ name: 'q', value: String(n / 100) })),
    );
    fc.assert(
      fc.property(type, fc.array(param, { maxLength: 4 }), (t, params) => {
        const ct = { type: t, params };
        expect(dec(Buffer.from(enc(ct), 'hex'))).toEqual(ct);
        expect(parseContentType(formatContentType(ct))).toEqual(ct);
      }),
      { numRuns: 2000 },
    );
  });
});
