import { parseMultipart } from '@mjackson/multipart-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeErrorCode, WapDecodeError } from '../../src/wire/errors.ts';
import { parseContentType } from '../../src/wsp/content-type.ts';
import {
  decodeMultipart,
  encodeMultipart,
  mimeToWspMultipart,
  wspMultipartToMime,
  type MultipartEntry,
} from '../../src/wsp/multipart.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const ct = (type: string, params: { name: string; value: string }[] = []) => ({ type, params });

const text: MultipartEntry = {
  contentType: ct('text/plain', [{ name: 'charset', value: 'utf-8' }]),
  headers: [{ name: 'Content-Location', value: 'a.txt' }],
  data: Buffer.from('hello'),
};
const gif: MultipartEntry = { contentType: ct('image/gif'), headers: [], data: hex('47494638396101000100') };

/** WAP-230 §8.5: nEntries, then per entry HeadersLen DataLen ContentType Headers Data. */
const flatBytes = [
  '02', // two entries
  '0b 05', // HeadersLen 11, DataLen 5
  '03 83 81 ea', // text/plain; charset=utf-8 (general form)
  `8e ${ascii('a.txt')}00`, // Content-Location: a.txt
  ascii('hello'),
  '01 0a 9d', // HeadersLen 1, DataLen 10, image/gif (0x1d)
  '47494638396101000100',
].join('');

describe('WSP multipart (WAP-230 §8.5)', () => {
  it('decodes, encodes to the same octets, round-trips', () => {
    const bytes = hex(flatBytes);
    expect(decodeMultipart(bytes)).toEqual([text, gif]);
    expect(encodeMultipart([text, gif]).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('keepWire: records each entry\'s octets, writes them back while unchanged, encodes afresh once changed', () => {
    // Content-Location as Token-text application header: decodes to the same field our encoder writes as 0x8E.
    const hdrs = `83 ${ascii('Content-Location')}00 ${ascii('a.txt')}00`; // text/plain (0x03), then the header
    const bytes = hex(`01 ${hex(hdrs).length.toString(16)} 02 ${hdrs} 6869`);
    const [e] = decodeMultipart(bytes, { keepWire: true });
    expect(e!.wire).toBeDefined();
    expect(e!.contentTypeRaw).toBeUndefined();
    expect(encodeMultipart([e!]).equals(bytes)).toBe(true);
    // Without the wire record too: a well-known name sent as text stays text (WspHeader.text, docs/leniency.md).
    expect(encodeMultipart(decodeMultipart(bytes)).equals(bytes)).toBe(true);
    const changed = { ...e!, headers: [{ name: 'Content-Location', value: 'b.txt' }] };
    expect(decodeMultipart(encodeMultipart([changed]))[0]!.headers).toEqual([{ name: 'Content-Location', value: 'b.txt' }]);
  });

  it('decodes a nested multipart into parts and encodes it back', () => {
    const inner = hex(flatBytes);
    const outerBytes = Buffer.concat([hex(`01 01 ${inner.length.toString(16).padStart(2, '0')} a6`), inner]); // multipart.alternative
    const decoded = decodeMultipart(outerBytes);
    expect(decoded).toEqual([{ contentType: ct('application/vnd.wap.multipart.alternative'), headers: [], data: inner, parts: [text, gif] }]);
    expect(encodeMultipart(decoded).equals(outerBytes)).toBe(true);
  });

  it('stops decoding nested parts at the depth cap, keeping the data', () => {
    let body = hex(flatBytes);
    for (let i = 0; i < 6; i++) body = Buffer.concat([hex(`01 01 ${body.length < 128 ? body.length.toString(16).padStart(2, '0') : '81' + (body.length - 128).toString(16).padStart(2, '0')} a3`), body]);
    let level: MultipartEntry[] = decodeMultipart(body, { maxDepth: 3 });
    let depth = 0;
    while (level[0]?.parts) {
      level = level[0].parts;
      depth++;
    }
    expect(depth).toBe(2);
    expect(level[0]!.data.length).toBeGreaterThan(0);
    expect(encodeMultipart(decodeMultipart(body, { maxDepth: 3 })).equals(body)).toBe(true);
  });

  it('keeps a nested multipart that does not parse as raw data', () => {
    const bad = hex('01 01 02 a3 0501');
    expect(decodeMultipart(bad)).toEqual([{ contentType: ct('application/vnd.wap.multipart.mixed'), headers: [], data: hex('0501') }]);
  });

  it.each([
    ['entry count above the cap', '8f7f', DecodeErrorCode.LIMIT, 0],
    ['more entries than octets', '05 01 00 83', DecodeErrorCode.TRUNCATED, 4],
    ['data longer than what is left', '01 01 09 83 6869', DecodeErrorCode.TRUNCATED, 4],
    ['headers longer than what is left', '01 09 00 83', DecodeErrorCode.TRUNCATED, 3],
    ['octets after the last entry', '01 01 00 83 00', DecodeErrorCode.TRAILING, 4],
    ['empty', '', DecodeErrorCode.TRUNCATED, 0],
  ])('error: %s', (_n, bytes, code, offset) => {
    try {
      decodeMultipart(hex(bytes));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WapDecodeError);
      expect((e as WapDecodeError).code).toBe(code);
      expect((e as WapDecodeError).offset).toBe(offset);
    }
  });

  it('arbitrary octets → entries or a WapDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
        try {
          decodeMultipart(Buffer.from(a));
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('whatever decodes re-encodes to a body that decodes the same', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (a) => {
        let es: MultipartEntry[];
        try {
          es = decodeMultipart(Buffer.from(a));
        } catch {
          return;
        }
        expect(decodeMultipart(encodeMultipart(es))).toEqual(es);
      }),
      { numRuns: 5000 },
    );
  });

  it('generated entries round-trip', () => {
    const entry = fc.record({
      contentType: fc.constantFrom(ct('text/plain'), ct('image/jpeg'), ct('application/smil'), ct('text/plain', [{ name: 'charset', value: 'utf-8' }])),
      headers: fc.array(fc.constantFrom({ name: 'Content-Location', value: 'x.jpg' }, { name: 'Content-ID', value: '<p1>' }), { maxLength: 2 }),
      data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (es) => {
        expect(decodeMultipart(encodeMultipart(es))).toEqual(es);
      }),
      { numRuns: 500 },
    );
  });
});

describe('WSP multipart ⇄ MIME (RFC 2046)', () => {
  it('WSP → MIME that an independent parser (@mjackson/multipart-parser) reads back', () => {
    const { body, contentType } = wspMultipartToMime([text, gif], ct('application/vnd.wap.multipart.related', [{ name: 'type', value: 'text/plain' }]));
    const mime = parseContentType(contentType);
    expect(mime.type).toBe('multipart/related');
    expect(mime.params.find((p) => p.name === 'type')?.value).toBe('text/plain');
    const boundary = mime.params.find((p) => p.name === 'boundary')!.value;
    const parts = [...parseMultipart(body, { boundary })];
    expect(parts).toHaveLength(2);
    expect(parts[0]!.headers.get('content-type')?.toLowerCase().replace(/\s/g, '')).toBe('text/plain;charset=utf-8');
    expect(parts[0]!.headers.get('content-location')).toBe('a.txt');
    expect(Buffer.from(parts[0]!.bytes).toString()).toBe('hello');
    expect(parts[1]!.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(parts[1]!.bytes).equals(gif.data)).toBe(true);
  });

  it('MIME → WSP → MIME → WSP is stable, nested multiparts included', () => {
    const nested: MultipartEntry = { contentType: ct('application/vnd.wap.multipart.alternative'), headers: [], data: encodeMultipart([text, gif]), parts: [text, gif] };
    const { body, contentType } = wspMultipartToMime([gif, nested]);
    const back = mimeToWspMultipart(body, contentType);
    expect(back.contentType).toEqual(ct('application/vnd.wap.multipart.mixed'));
    expect(back.entries).toEqual([gif, nested]);
  });

  it('reads MIME written by undici (FormData → Response)', async () => {
    const fd = new FormData();
    fd.append('text', 'héllo');
    fd.append('file', new Blob([new Uint8Array(gif.data)], { type: 'image/gif' }), 'a.gif');
    const res = new Response(fd);
    const body = Buffer.from(await res.arrayBuffer());
    const out = mimeToWspMultipart(body, res.headers.get('content-type')!);
    expect(out.contentType.type).toBe('application/vnd.wap.multipart.form-data');
    expect(out.entries).toHaveLength(2);
    expect(out.entries[0]!.data.toString('utf8')).toBe('héllo');
    expect(out.entries[0]!.headers.find((h) => h.name.toLowerCase() === 'content-disposition')?.value).toContain('name="text"');
    expect(out.entries[1]!.contentType.type).toBe('image/gif');
    expect(out.entries[1]!.data.equals(gif.data)).toBe(true);
    // the WSP form carries it (the header codec drops quotes a token does not need) and then round-trips
    const once = decodeMultipart(encodeMultipart(out.entries));
    expect(once[1]!.headers).toEqual([{ name: 'Content-Disposition', value: 'form-data; name=file; filename=a.gif' }]);
    expect(decodeMultipart(encodeMultipart(once))).toEqual(once);
  });

  it('decodes base64 parts, tolerates bare LF, preamble and epilogue', () => {
    const body = Buffer.from(
      'preamble\n--b1\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\n' +
        gif.data.toString('base64') +
        '\n--b1\n\nplain\n--b1--\nepilogue',
      'latin1',
    );
    const out = mimeToWspMultipart(body, 'multipart/mixed; boundary=b1');
    expect(out.entries).toEqual([
      { contentType: ct('image/gif'), headers: [], data: gif.data },
      { contentType: ct('text/plain', [{ name: 'charset', value: 'us-ascii' }]), headers: [], data: Buffer.from('plain') },
    ]);
  });

  it.each([
    ['not multipart', 'text/plain', '--b\r\n\r\nx\r\n--b--'],
    ['no boundary parameter', 'multipart/mixed', '--b\r\n\r\nx\r\n--b--'],
    ['boundary absent from the body', 'multipart/mixed; boundary=zz', '--b\r\n\r\nx\r\n--b--'],
    ['unterminated part', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: text/plain\r\n\r\nx'],
    ['header line without a colon', 'multipart/mixed; boundary=b', '--b\r\nnonsense\r\n\r\nx\r\n--b--'],
    ['no empty line after headers', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: text/plain\r\n--b--'],
  ])('MIME error: %s', (_n, type, body) => {
    expect(() => mimeToWspMultipart(Buffer.from(body, 'latin1'), type)).toThrow(WapDecodeError);
  });

  it('arbitrary MIME bodies → entries or a WapDecodeError', () => {
    const piece = fc.constantFrom('--b', '\r\n', '\n', 'Content-Type: text/plain', 'Content-Type: multipart/mixed; boundary=b', ': ', 'x', '--', ' ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (ps) => {
        try {
          mimeToWspMultipart(Buffer.from(ps.join(''), 'latin1'), 'multipart/mixed; boundary=b');
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
