import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeErrorCode, WapDecodeError } from '../../src/wire/errors.ts';
import { Reader } from '../../src/wire/reader.ts';
import { decodeHeaderBlock, decodeHeaders, encodeHeaders, httpFieldName, wspFieldName, type WspHeader } from '../../src/wsp/headers/index.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';

/** '80 | Accept' style annotated hex → bytes (text after '|' on each line is a comment). */
function hex(annotated: string): Buffer {
  const clean = annotated
    .split('\n')
    .map((l) => l.split('|')[0]!)
    .join(' ')
    .replace(/'([^']*)'/g, (_, s: string) => Buffer.from(s, 'latin1').toString('hex'))
    .replace(/\s+/g, '');
  return Buffer.from(clean, 'hex');
}

interface Vector {
  name: string;
  bytes: string;
  headers: WspHeader[];
  /** Decode-only (the encoder writes a different but equivalent form). */
  decodeOnly?: boolean;
}

// Each vector written by hand from WAP-230 §8.4 (not produced by our encoder).
const VECTORS: Vector[] = [
  { name: 'Accept well-known (Table 40: 0x3E)', bytes: "80 | Accept\n BE | mms-message", headers: [{ name: 'Accept', value: 'application/vnd.wap.mms-message' }] },
  {
    name: 'Accept general form with q (§8.4.2.7)',
    bytes: '80 | Accept\n 03 | Value-length\n 82 | text/html\n 80 33 | Q = (0x33-1)/100',
    headers: [{ name: 'Accept', value: 'text/html; q=0.5' }],
  },
  { name: 'Accept extension media', bytes: "80 'image/x-foo' 00", headers: [{ name: 'Accept', value: 'image/x-foo' }] },
  { name: 'Accept-Charset utf-8 (MIBenum 106)', bytes: '81 EA', headers: [{ name: 'Accept-Charset', value: 'utf-8' }] },
  {
    name: 'Accept-Charset ucs-2 with q (Nokia 3510i)',
    bytes: '81 | Accept-Charset\n 04 | length\n 02 03 E8 | Long-integer 1000\n 3D | q=0.6',
    headers: [{ name: 'Accept-Charset', value: 'iso-10646-ucs-2;q=0.6' }],
  },
  { name: 'Accept-Charset any', bytes: '81 80', headers: [{ name: 'Accept-Charset', value: '*' }] },
  { name: 'Accept-Encoding gzip', bytes: '82 80', headers: [{ name: 'Accept-Encoding', value: 'gzip' }] },
  { name: 'Accept-Encoding deflate;q=0.3', bytes: '82 02 82 1F', headers: [{ name: 'Accept-Encoding', value: 'deflate;q=0.3' }] },
  { name: 'Accept-Language en (Table 41: 0x19)', bytes: '83 99', headers: [{ name: 'Accept-Language', value: 'en' }] },
  { name: 'Accept-Language de;q=0.7', bytes: '83 02 96 47', headers: [{ name: 'Accept-Language', value: 'de;q=0.7' }] },
  { name: 'Accept-Ranges bytes', bytes: '84 81', headers: [{ name: 'Accept-Ranges', value: 'bytes' }] },
  { name: 'Age 3600', bytes: '85 02 0E 10', headers: [{ name: 'Age', value: '3600' }] },
  { name: 'Allow GET (Table 34)', bytes: '86 C0', headers: [{ name: 'Allow', value: 'GET' }] },
  {
    name: 'Authorization Basic (§8.4.2.5)',
    bytes: "87 0B 80 'user' 00 'pass' 00",
    headers: [{ name: 'Authorization', value: 'Basic dXNlcjpwYXNz' }],
  },
  { name: 'Cache-Control no-cache', bytes: '88 80', headers: [{ name: 'Cache-Control', value: 'no-cache' }] },
  { name: 'Cache-Control max-age=3600', bytes: '88 04 82 02 0E 10', headers: [{ name: 'Cache-Control', value: 'max-age=3600' }] },
  { name: 'Connection close', bytes: '89 80', headers: [{ name: 'Connection', value: 'close' }] },
  { name: 'Content-Encoding gzip', bytes: '8B 80', headers: [{ name: 'Content-Encoding', value: 'gzip' }] },
  { name: 'Content-Language en', bytes: '8C 99', headers: [{ name: 'Content-Language', value: 'en' }] },
  { name: 'Content-Length 12345', bytes: '8D 02 30 39', headers: [{ name: 'Content-Length', value: '12345' }] },
  { name: 'Content-Length 5', bytes: '8D 85', headers: [{ name: 'Content-Length', value: '5' }] },
  { name: 'Content-Location', bytes: "8E 'http://x/y' 00", headers: [{ name: 'Content-Location', value: 'http://x/y' }] },
  {
    name: 'Content-MD5',
    bytes: '8F 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F',
    headers: [{ name: 'Content-MD5', value: 'AAECAwQFBgcICQoLDA0ODw==' }],
  },
  { name: 'Content-Range', bytes: '90 03 64 8F 50', headers: [{ name: 'Content-Range', value: 'bytes 100-1999/2000' }] },
  { name: 'Content-Range unknown length (1.3, 0x3E)', bytes: 'BE 02 05 80', headers: [{ name: 'Content-Range', value: 'bytes 5-*/*' }] },
  {
    name: 'Content-Type multipart.related with type and start',
    bytes: "91 | Content-Type\n 18 | length 24\n B3 | multipart.related\n 89 'application/smil' 00 | type\n 8A '<0>' 00 | start",
    headers: [{ name: 'Content-Type', value: 'application/vnd.wap.multipart.related; type="application/smil"; start="<0>"' }],
  },
  { name: 'Content-Type text/plain; charset=utf-8', bytes: '91 03 83 81 EA', headers: [{ name: 'Content-Type', value: 'text/plain; charset=utf-8' }] },
  { name: 'Date', bytes: '92 04 6B 0B 16 A0', headers: [{ name: 'Date', value: 'Sat, 28 Nov 2026 18:00:00 GMT' }] },
  { name: 'ETag', bytes: "93 '\"abc\"' 00", headers: [{ name: 'ETag', value: '"abc"' }] },
  { name: 'Expires', bytes: '94 04 6B 0B 16 A0', headers: [{ name: 'Expires', value: 'Sat, 28 Nov 2026 18:00:00 GMT' }] },
  { name: 'From', bytes: "95 'a@b.c' 00", headers: [{ name: 'From', value: 'a@b.c' }] },
  { name: 'Host', bytes: "96 'example.com' 00", headers: [{ name: 'Host', value: 'example.com' }] },
  { name: 'If-Modified-Since', bytes: '97 04 6B 0B 16 A0', headers: [{ name: 'If-Modified-Since', value: 'Sat, 28 Nov 2026 18:00:00 GMT' }] },
  { name: 'If-None-Match', bytes: "99 '\"x\"' 00", headers: [{ name: 'If-None-Match', value: '"x"' }] },
  { name: 'Location', bytes: "9C 'http://z/' 00", headers: [{ name: 'Location', value: 'http://z/' }] },
  { name: 'Last-Modified', bytes: '9D 04 6B 0B 16 A0', headers: [{ name: 'Last-Modified', value: 'Sat, 28 Nov 2026 18:00:00 GMT' }] },
  { name: 'Pragma no-cache', bytes: '9F 80', headers: [{ name: 'Pragma', value: 'no-cache' }] },
  { name: 'Range first-last', bytes: 'A3 03 80 00 63', headers: [{ name: 'Range', value: 'bytes=0-99' }] },
  { name: 'Range suffix', bytes: 'A3 03 81 83 74', headers: [{ name: 'Range', value: 'bytes=-500' }] },
  { name: 'Referer', bytes: "A4 'http://r/' 00", headers: [{ name: 'Referer', value: 'http://r/' }] },
  { name: 'Retry-After delta', bytes: 'A5 02 81 FF', headers: [{ name: 'Retry-After', value: '127' }] },
  { name: 'Server', bytes: "A6 'wapgate' 00", headers: [{ name: 'Server', value: 'wapgate' }] },
  { name: 'Transfer-Encoding chunked', bytes: 'A7 80', headers: [{ name: 'Transfer-Encoding', value: 'chunked' }] },
  { name: 'User-Agent', bytes: "A9 'Nokia3510i/1.0' 00", headers: [{ name: 'User-Agent', value: 'Nokia3510i/1.0' }] },
  { name: 'Vary Accept', bytes: 'AA 80', headers: [{ name: 'Vary', value: 'Accept' }] },
  { name: 'Via', bytes: "AB '1.1 gw' 00", headers: [{ name: 'Via', value: '1.1 gw' }] },
  { name: 'Warning 110 (warn-code 10)', bytes: "AC 0A 8A 'gw' 00 'stale' 00", headers: [{ name: 'Warning', value: '110 gw "stale"' }] },
  { name: 'Warning short 214', bytes: 'AC 8E', headers: [{ name: 'Warning', value: '214' }] },
  { name: 'WWW-Authenticate Basic', bytes: "AD 05 80 'wap' 00", headers: [{ name: 'WWW-Authenticate', value: 'Basic realm="wap"' }] },
  {
    name: 'Content-Disposition attachment; filename',
    bytes: "AE 08 81 86 'a.jpg' 00",
    headers: [{ name: 'Content-Disposition', value: 'attachment; filename=a.jpg' }],
  },
  { name: 'Content-Disposition inline needs 0x45', bytes: "C5 04 82 85 'x' 00", headers: [{ name: 'Content-Disposition', value: 'inline; name=x' }] },
  { name: 'X-Wap-Application-Id mms.ua (WINA 0x04)', bytes: 'AF 84', headers: [{ name: 'X-Wap-Application-Id', value: 'x-wap-application:mms.ua' }] },
  { name: 'X-Wap-Application-Id push.sia', bytes: 'AF 81', headers: [{ name: 'X-Wap-Application-Id', value: 'x-wap-application:push.sia' }] },
  { name: 'X-Wap-Application-Id long code', bytes: 'AF 02 80 01', headers: [{ name: 'X-Wap-Application-Id', value: 'x-wap-microsoft:imclient.ua' }] },
  { name: 'X-Wap-Application-Id URI', bytes: "AF 'urn:x' 00", headers: [{ name: 'X-Wap-Application-Id', value: 'urn:x' }] },
  { name: 'X-Wap-Content-URI', bytes: "B0 'http://c/' 00", headers: [{ name: 'X-Wap-Content-URI', value: 'http://c/' }] },
  { name: 'X-Wap-Initiator-URI', bytes: "B1 'http://i/' 00", headers: [{ name: 'X-Wap-Initiator-URI', value: 'http://i/' }] },
  { name: 'Accept-Application any', bytes: 'B2 80', headers: [{ name: 'Accept-Application', value: '*' }] },
  { name: 'Bearer-Indication GPRS', bytes: 'B3 8B', headers: [{ name: 'Bearer-Indication', value: '11' }] },
  { name: 'Push-Flag', bytes: 'B4 83', headers: [{ name: 'Push-Flag', value: '3' }] },
  { name: 'Profile', bytes: "B5 'http://p/x.xml' 00", headers: [{ name: 'Profile', value: 'http://p/x.xml' }] },
  { name: 'Profile-Diff', bytes: 'B6 05 03 01 6A 00 05', headers: [{ name: 'Profile-Diff', value: 'AwFqAAU=' }] },
  { name: 'Profile-Warning 100', bytes: 'B7 90', headers: [{ name: 'Profile-Warning', value: '100' }] },
  { name: 'TE trailers', bytes: 'B9 81', headers: [{ name: 'TE', value: 'trailers' }] },
  { name: 'TE gzip;q=0.5', bytes: 'B9 03 84 80 33', headers: [{ name: 'TE', value: 'gzip;q=0.5' }] },
  { name: 'Expect 100-continue', bytes: 'B8 80', headers: [{ name: 'Expect', value: '100-continue' }] },
  { name: 'Trailer Date', bytes: 'BA 92', headers: [{ name: 'Trailer', value: 'Date' }] },
  { name: 'Cache-Control s-maxage needs 0x3D', bytes: 'BD 02 8B 9E', headers: [{ name: 'Cache-Control', value: 's-maxage=30' }] },
  { name: 'X-Wap-Tod', bytes: 'BF 04 6B 0B 16 A0', headers: [{ name: 'X-Wap-Tod', value: 'Sat, 28 Nov 2026 18:00:00 GMT' }] },
  { name: 'Content-ID', bytes: "C0 22 '<part1>' 00", headers: [{ name: 'Content-ID', value: '<part1>' }] },
  {
    name: 'Set-Cookie (§8.4.2.72)',
    bytes: "C1 | Set-Cookie\n 19 | length 25\n 9F | version 1\n 'sid' 00 '123' 00\n 8F '/' 00 | path\n 8D 'example.com' 00 | domain",
    headers: [{ name: 'Set-Cookie', value: 'sid=123; path=/; domain=example.com' }],
  },
  {
    name: 'Cookie (§8.4.2.73)',
    bytes: "C2 0C 9F | length, version 1\n 0A 'sid' 00 '123' 00 '/' 00 | one cookie with path",
    headers: [{ name: 'Cookie', value: '$Version=1; sid=123; $Path=/' }],
  },
  { name: 'Encoding-Version 1.3', bytes: 'C3 93', headers: [{ name: 'Encoding-Version', value: '1.3' }] },
  { name: 'Encoding-Version with code page', bytes: 'C3 02 82 94', headers: [{ name: 'Encoding-Version', value: '2 1.4' }] },
  { name: 'X-Wap-Security', bytes: 'C6 80', headers: [{ name: 'X-Wap-Security', value: 'close-subordinate' }] },
  { name: 'Application header', bytes: "'X-Foo' 00 'bar' 00", headers: [{ name: 'X-Foo', value: 'bar' }] },
  {
    name: 'Short-cut shift to page 2 and back',
    bytes: "02 | short-cut shift\n 85 'v' 00 | field 5 on page 2\n 01 | back to page 1\n 8D 85 | Content-Length 5",
    headers: [
      { name: 'X-Wsp-Page-2-0x05', value: 'v', raw: Buffer.from('7600', 'hex') },
      { name: 'Content-Length', value: '5' },
    ],
  },
  {
    name: 'Shift-delimiter to page 0x40',
    bytes: "7F 40 | Shift-delimiter, page 64\n 81 03 01 02 03 | field 1, 3 octets",
    headers: [{ name: 'X-Wsp-Page-64-0x01', value: '010203', raw: Buffer.from('03010203', 'hex') }],
  },
  {
    name: 'X-Wap-Tod as a Short-integer (lenient)',
    bytes: 'BF 81',
    headers: [{ name: 'X-Wap-Tod', value: 'Thu, 01 Jan 1970 00:00:01 GMT', raw: Buffer.from('81', 'hex') }],
  },
  {
    name: 'Non-minimal Content-Length keeps its octets',
    bytes: '8D 02 00 05',
    headers: [{ name: 'Content-Length', value: '5', raw: Buffer.from('020005', 'hex') }],
  },
  {
    name: 'Unknown field code keeps raw',
    bytes: "D0 'abc' 00",
    headers: [{ name: 'X-Wsp-Field-0x50', value: 'abc', raw: Buffer.from('61626300', 'hex') }],
  },
  {
    name: 'Content-Range off its grammar keeps raw',
    bytes: 'BE 01 FF',
    headers: [{ name: 'Content-Range', value: 'ff', raw: Buffer.from('01ff', 'hex'), code: 0x3e }],
  },
];

describe('WSP header vectors (WAP-230 §8.4)', () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const bytes = hex(v.bytes);
      const decoded = decodeHeaderBlock(bytes);
      expect(decoded).toEqual(v.headers);
      if (!v.decodeOnly) expect(encodeHeaders(v.headers).toString('hex')).toBe(bytes.toString('hex'));
      expect(decodeHeaderBlock(encodeHeaders(decoded))).toEqual(decoded);
    });
  }

  it('splits HTTP lists into one field per element', () => {
    const out = encodeHeaders([{ name: 'Accept', value: 'text/html, application/vnd.wap.wmlc;q=0.5' }]);
    expect(out.toString('hex')).toBe(hex('80 82 | text/html\n 80 03 94 80 33 | wmlc;q=0.5').toString('hex'));
    expect(decodeHeaderBlock(out).map((h) => h.value)).toEqual(['text/html', 'application/vnd.wap.wmlc; q=0.5']);
  });

  it('falls back to a Text-string for a value with no typed form', () => {
    const out = encodeHeaders([{ name: 'Content-Length', value: 'lots' }]);
    expect(out.toString('hex')).toBe(hex("8D 'lots' 00").toString('hex'));
  });

  it('limits codes to the negotiated encoding version', () => {
    // Content-ID (0x40) is 1.3: a 1.2 peer gets it as an application header.
    expect(encodeHeaders([{ name: 'Content-ID', value: '<a>' }], { encodingVersion: 0x12 }).toString('latin1')).toBe(
      'Content-ID\0<a>\0',
    );
    // mms-message (0x3E) is a 1.4 content type: a 1.2 peer gets the text form.
    expect(encodeHeaders([{ name: 'Content-Type', value: 'application/vnd.wap.mms-message' }], { encodingVersion: 0x12 })).toEqual(
      Buffer.concat([Buffer.from([0x91]), Buffer.from('application/vnd.wap.mms-message\0', 'latin1')]),
    );
    // s-maxage needs the 1.3 Cache-Control code; below that it goes as text under 0x08.
    expect(encodeHeaders([{ name: 'Cache-Control', value: 's-maxage=30' }], { encodingVersion: 0x12 }).toString('hex')).toBe(
      hex("88 's-maxage=30' 00").toString('hex'),
    );
  });

  it('shifts back to page 1 for well-known fields after another page', () => {
    const hs: WspHeader[] = [
      { name: 'X-Wsp-Page-200-0x05', value: '0', raw: Buffer.from([0x80]) },
      { name: 'Content-Length', value: '1' },
    ];
    expect(encodeHeaders(hs).toString('hex')).toBe('7fc8858001' + '8d81');
    expect(decodeHeaderBlock(encodeHeaders(hs))).toEqual(hs);
  });

  it('keeps the code a field arrived with, unless the peer is too old for it', () => {
    const hs = decodeHeaderBlock(hex('BB EA | Accept-Charset by its 1.3 code'));
    expect(hs).toEqual([{ name: 'Accept-Charset', value: 'utf-8', code: 0x3b }]);
    expect(encodeHeaders(hs).toString('hex')).toBe('bbea');
    expect(encodeHeaders(hs, { encodingVersion: 0x12 }).toString('hex')).toBe('81ea');
  });

  it('writes the value typed under the code it arrived with (Content-Disposition inline under 0x2E)', () => {
    // A real m-retrieve-conf (mms-engine_mms_codec_m-retrieve_2.conf): the 1.4 value `inline` under the 1.1 code.
    const wire = hex(`AE 10 | Content-Disposition (1.1 code), Value-length 16
      82 | inline
      86 'text_0011.txt' 00 | Filename`);
    const hs = decodeHeaderBlock(wire);
    expect(hs).toEqual([{ name: 'Content-Disposition', value: 'inline; filename=text_0011.txt', code: 0x2e }]);
    expect(encodeHeaders(hs).toString('hex')).toBe(wire.toString('hex'));
    expect(encodeHeaders([{ name: 'Content-Disposition', value: 'inline', code: 0x2e }]).toString('hex')).toBe('ae0182');
    // Without the code, the 1.4 value picks the 1.4 code.
    expect(encodeHeaders([{ name: 'Content-Disposition', value: 'inline' }]).toString('hex')).toBe('c50182');
  });

  it('sends text beyond latin1 as its UTF-8 octets', () => {
    expect(encodeHeaders([{ name: 'Server', value: 'gw ☺' }]).toString('hex')).toBe(hex("A6 'gw ' E2 98 BA 00").toString('hex'));
    expect(encodeHeaders([{ name: 'X-Note', value: '☺' }]).toString('hex')).toBe(hex("'X-Note' 00 7F E2 98 BA 00 | Quote before an octet >= 128 (§8.4.2.1)").toString('hex'));
  });

  it('accepts the HTTP names of the UAProf fields', () => {
    expect(encodeHeaders([{ name: 'x-wap-profile', value: 'http://p/' }]).toString('hex')).toBe(hex("B5 'http://p/' 00").toString('hex'));
    expect(httpFieldName('Profile')).toBe('X-Wap-Profile');
    expect(wspFieldName('X-WAP-Profile-Diff')).toBe('Profile-Diff');
    expect(httpFieldName('Accept')).toBe('Accept');
  });

  it('rejects invalid application header names on encode', () => {
    expect(() => encodeHeaders([{ name: 'Bad\0Name', value: 'x' }])).toThrow(/header name/);
    expect(() => encodeHeaders([{ name: '', value: 'x' }])).toThrow(/header name/);
  });
});

describe('WSP header error vectors', () => {
  const cases: [string, string, string, number][] = [
    ['application header without NUL', "'X-Foo'", DecodeErrorCode.TRUNCATED, 0],
    ['value without NUL', "'X-Foo' 00 'bar'", DecodeErrorCode.TRUNCATED, 6],
    ['value-length past the end', '91 05 83', DecodeErrorCode.TRUNCATED, 2],
    ['field starts with NUL', '00', DecodeErrorCode.VALUE, 0],
    ['missing value', '8D', DecodeErrorCode.TRUNCATED, 1],
    ['shift without page', '7F', DecodeErrorCode.TRUNCATED, 1],
    ['uintvar length too long', '91 1F FF FF FF FF FF 01', DecodeErrorCode.UINTVAR, 2],
  ];
  for (const [name, bytes, code, offset] of cases) {
    it(name, () => {
      const err = (() => {
        try {
          decodeHeaderBlock(hex(bytes));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(WapDecodeError);
      expect((err as WapDecodeError).code).toBe(code);
      expect((err as WapDecodeError).offset).toBe(offset);
    });
  }

  it('caps the number of fields', () => {
    const block = Buffer.from('8d81'.repeat(10), 'hex');
    expect(() => decodeHeaderBlock(block, { maxHeaders: 5 })).toThrow(WapDecodeError);
    expect(decodeHeaderBlock(block, { maxHeaders: 10 })).toHaveLength(10);
  });

  it('offsets are absolute within a larger buffer', () => {
    const buf = hex("AA BB 'X-Foo' 00 'bar'");
    try {
      decodeHeaders(new Reader(buf, 2));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WapDecodeError);
      expect((e as WapDecodeError).offset).toBe(8);
    }
  });
});

describe('WSP headers: property tests', () => {
  it('arbitrary bytes produce fields or a WapDecodeError, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (arr) => {
        const buf = Buffer.from(arr);
        try {
          const hs = decodeHeaderBlock(buf);
          // whatever decodes must re-encode and decode to the same fields
          expect(decodeHeaderBlock(encodeHeaders(hs))).toEqual(hs);
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('arbitrary well-known-looking blocks never throw anything but WapDecodeError', () => {
    const field = fc.tuple(fc.integer({ min: 0x80, max: 0xc7 }), fc.uint8Array({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), (fields) => {
        const buf = Buffer.concat(fields.flatMap(([c, v]) => [Buffer.from([c]), Buffer.from(v)]));
        try {
          const hs = decodeHeaderBlock(buf);
          expect(decodeHeaderBlock(encodeHeaders(hs))).toEqual(hs);
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('generated header lists round-trip', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    const txt = fc.stringMatching(/^[ -~]{0,20}$/).filter((s) => !s.includes(',') && !s.startsWith('"'));
    const date = fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((s) => new Date(s * 1000).toUTCString());
    const q = fc.integer({ min: 1, max: 99 }).map((n) => String(n / 100));
    const header: fc.Arbitrary<WspHeader> = fc.oneof(
      fc.constantFrom('text/html', 'application/vnd.wap.mms-message', 'image/x-foo', '*/*').map((v) => ({ name: 'Accept', value: v })),
      fc.tuple(fc.constantFrom('utf-8', 'iso-8859-1', 'big5', 'x-foo'), q).map(([c, qq]) => ({ name: 'Accept-Charset', value: `${c};q=${qq}` })),
      fc.constantFrom('en', 'de', 'fo', 'xx').map((v) => ({ name: 'Accept-Language', value: v })),
      fc.integer({ min: 0, max: 2 ** 40 }).map((n) => ({ name: 'Content-Length', value: String(n) })),
      date.map((d) => ({ name: 'Date', value: d })),
      date.map((d) => ({ name: 'Last-Modified', value: d })),
      txt.map((t) => ({ name: 'User-Agent', value: t })),
      fc.tuple(token, txt).map(([n, v]) => ({ name: `X-${n}`, value: v })),
      fc
        .tuple(fc.constantFrom('text/plain', 'application/vnd.wap.multipart.related', 'application/x-foo'), token, txt)
        .map(([t, n, v]) => ({ name: 'Content-Type', value: `${t}; ${n}=${v === '' ? '""' : JSON.stringify(v).replace(/\\\\/g, '\\')}` })),
      fc.constantFrom('x-wap-application:mms.ua', 'x-wap-application:wml.ua', 'urn:foo').map((v) => ({ name: 'X-Wap-Application-Id', value: v })),
      fc.integer({ min: 0, max: 1e6 }).map((n) => ({ name: 'Cache-Control', value: `max-age=${n}` })),
      fc.tuple(fc.nat(1000), fc.nat(1000)).map(([a, b]) => ({ name: 'Range', value: `bytes=${a}-${a + b}` })),
      fc.nat(100000).map((n) => ({ name: 'Range', value: `bytes=-${n}` })),
      fc.tuple(fc.nat(1e6), fc.nat(1e6)).map(([a, b]) => ({ name: 'Content-Range', value: `bytes ${a}-${a + b}/${a + b + 1}` })),
      fc.nat(1e6).map((a) => ({ name: 'Content-Range', value: `bytes ${a}-*/*` })),
      fc.tuple(fc.constantFrom('110', '111', '112', '113', '214', '199'), token, txt.filter((t) => !/["\\]/.test(t))).map(([c, a, t]) => ({ name: 'Warning', value: `${c} ${a} "${t}"` })),
      fc.tuple(token, token, fc.constantFrom('/', '/a/b')).map(([n, v, pth]) => ({ name: 'Set-Cookie', value: `${n}=${v}; path=${pth}` })),
      fc.tuple(fc.constantFrom('attachment', 'form-data', 'inline'), token).map(([d, f]) => ({ name: 'Content-Disposition', value: `${d}; filename=${f}` })),
      fc.tuple(fc.constantFrom('gzip', 'deflate', 'compress', 'x-foo'), q).map(([e, qq]) => ({ name: 'Accept-Encoding', value: `${e};q=${qq}` })),
      fc.tuple(token, token).map(([u, pw]) => ({ name: 'Authorization', value: `Basic ${Buffer.from(`${u}:${pw}`).toString('base64')}` })),
      token.map((r) => ({ name: 'WWW-Authenticate', value: `Basic realm="${r}"` })),
      date.map((d) => ({ name: 'X-Wap-Tod', value: d })),
      fc.constantFrom('1.0', '1.2', '1.3', '1.4', '1.5', '2 1.3').map((v) => ({ name: 'Encoding-Version', value: v })),
      fc.nat(127).map((n) => ({ name: 'Push-Flag', value: String(n) })),
      fc.nat(0xffff).map((n) => ({ name: 'Bearer-Indication', value: String(n) })),
      fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ({ name: 'Content-MD5', value: Buffer.from(b).toString('base64') })),
      fc.uint8Array({ maxLength: 40 }).map((b) => ({ name: 'Profile-Diff', value: Buffer.from(b).toString('base64') })),
      fc.constantFrom('no-cache', 'no-store', 'public', 'must-revalidate', 'private="Set-Cookie, Date"', 'no-cache="Accept"').map((v) => ({ name: 'Cache-Control', value: v })),
      fc.constantFrom('trailers', 'chunked', 'gzip;q=0.5', 'x-foo').map((v) => ({ name: 'TE', value: v })),
      token.map((v) => ({ name: 'Content-ID', value: `<${v}>` })),
      fc.constantFrom('x-wap-application:push.sia', '*', 'x-wap-docomo:imode.mail.ua').map((v) => ({ name: 'Accept-Application', value: v })),
    );
    fc.assert(
      fc.property(fc.array(header, { maxLength: 8 }), (hs) => {
        const once = decodeHeaderBlock(encodeHeaders(hs));
        expect(once).toHaveLength(hs.length);
        expect(decodeHeaderBlock(encodeHeaders(once))).toEqual(once);
        for (let i = 0; i < hs.length; i++) {
          expect(once[i]!.name.toLowerCase()).toBe(hs[i]!.name.toLowerCase());
          if (hs[i]!.name !== 'Content-Type') expect(once[i]!.value).toBe(hs[i]!.value);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe.skipIf(!sharedAvailable())('real header blocks', () => {
  it('decodes the Nokia 3510i Connect header block and re-encodes it byte for byte', () => {
    const b = readFileSync(join(SHARED_DIR, 'captures/wsp/nokia3510i_wsp-connect.bin'));
    const r = new Reader(b);
    expect(r.u8()).toBe(0x01); // Connect, no TID (wsp-co)
    r.u8(); // version
    const capsLen = r.uintvar();
    const hdrLen = r.uintvar();
    r.bytes(capsLen);
    const block = r.bytes(hdrLen);
    r.expectEnd();
    const hs = decodeHeaderBlock(block);
    expect(hs.filter((h) => h.name === 'Accept')).toHaveLength(31);
    expect(hs).toContainEqual({ name: 'Accept', value: 'application/vnd.wap.mms-message', raw: expect.any(Buffer) });
    expect(hs).toContainEqual({ name: 'Accept-Language', value: 'nl' });
    expect(hs).toContainEqual({ name: 'Accept-Charset', value: 'utf-8;q=0.8' });
    expect(hs).toContainEqual({ name: 'Accept-Charset', value: 'iso-10646-ucs-2;q=0.6' });
    expect(hs).toContainEqual({ name: 'Profile', value: 'http://nds.nokia.com/uaprof/N3510ir100.xml' });
    expect(hs).toContainEqual({ name: 'User-Agent', value: 'Nokia3510i/1.0 (05.30) Profile/MIDP-1.0 Configuration/CLDC-1.0' });
    // The handset sends its time of day as an application header with a Long-integer (lenient decoding).
    expect(hs).toContainEqual({ name: 'X-WAP.TOD', value: 'Thu, 01 Jan 1970 00:00:00 GMT', raw: Buffer.from('0100', 'hex') });
    expect(encodeHeaders(hs).toString('hex')).toBe(block.toString('hex'));
  });
});

describe('encoding memo (fields without kept octets are remembered)', () => {
  it('a remembered field encodes as the first time, in any position, across page shifts and versions', () => {
    const hs: WspHeader[] = [
      { name: 'Date', value: 'Sat, 28 Nov 2026 21:00:00 GMT' },
      { name: 'X-Wsp-Page-2-0x05', value: '', raw: Buffer.from('81', 'hex') },
      { name: 'Date', value: 'Sat, 28 Nov 2026 21:00:00 GMT' },
      { name: 'X-Body-Length', value: '0' },
      { name: 'Accept-Charset', value: 'utf-8, big5' },
    ];
    const expected = hex(`
      92 04 6b 0b 40 d0 | Date: Long-integer (4 octets, 1795899600 s)
      02 85 81          | shift to page 2, field 0x05, raw
      01 92 04 6b 0b 40 d0 | back to page 1, Date again
      'X-Body-Length' 00 '0' 00 | application header (no shift needed)
      81 ea 81 03 02 07 ea | Accept-Charset utf-8 (106), Accept-Charset big5 (2026: general form)
    `);
    for (let i = 0; i < 3; i++) expect(encodeHeaders(hs).toString('hex')).toBe(expected.toString('hex'));
    // The version is part of what is remembered: Profile (0x35) exists from 1.2, before that it is text.
    const profile = [{ name: 'Profile', value: 'http://p/' }];
    expect(encodeHeaders(profile, { encodingVersion: 0x12 }).toString('hex')).toBe(hex(`b5 'http://p/' 00`).toString('hex'));
    expect(encodeHeaders(profile, { encodingVersion: 0x11 }).toString('hex')).toBe(hex(`'Profile' 00 'http://p/' 00`).toString('hex'));
    expect(encodeHeaders(profile, { encodingVersion: 0x12 }).toString('hex')).toBe(hex(`b5 'http://p/' 00`).toString('hex'));
  });
});
