/**
 * The leniencies docs/leniency.md lists for WSP, one synthetic vector each, plus a structure-aware property:
 * any header block that decodes re-encodes to a block that decodes to the same fields (stable), and byte for
 * byte unless it ends in a shift that selects a page for no field (the one normalisation).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHeaderBlock, encodeHeaders } from '../../src/wsp/headers/index.ts';
import { decodeWspPdu, encodeWspPdu } from '../../src/wsp/pdu.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const text = (s: string) => Buffer.from(`${s}\0`, 'latin1');

describe('WSP leniencies (docs/leniency.md)', () => {
  it('a well-known name sent as text stays text: name, case and octets survive decode → encode', () => {
    // 'x-wap-profile' and 'accept' spelled out, mixed with a well-known Accept (0x80 0x94 = application/vnd.wap.wmlc).
    const block = Buffer.concat([hex('80 94'), text('x-wap-profile'), text('"http://x.example/p.xml"'), text('accept'), text('image/png')]);
    const hs = decodeHeaderBlock(block);
    expect(hs.map((h) => [h.name, h.value, h.text])).toEqual([
      ['Accept', 'application/vnd.wap.wmlc', undefined],
      ['x-wap-profile', '"http://x.example/p.xml"', true],
      ['accept', 'image/png', true],
    ]);
    expect(encodeHeaders(hs).toString('hex')).toBe(block.toString('hex'));
  });

  it('a binary value under a text well-known name (Cache-Control: 0x81) keeps name and octets', () => {
    const block = Buffer.concat([text('Cache-Control'), hex('81')]);
    const hs = decodeHeaderBlock(block);
    expect(hs).toEqual([{ name: 'Cache-Control', value: 'no-store', raw: hex('81'), text: true }]);
    expect(encodeHeaders(hs).equals(block)).toBe(true);
  });

  it('redundant and repeated shifts are kept with the field they precede', () => {
    // 7F 10, 7F 02, 7F 01 (back to page 1), then a well-known User-Agent: three shifts where none are needed.
    const block = Buffer.concat([hex('7f10 7f02 7f01'), hex('a9'), text('Phone/1.0'), hex('02'), text('X-App'), text('v')]);
    const hs = decodeHeaderBlock(block);
    expect(hs.map((h) => [h.name, h.value])).toEqual([
      ['User-Agent', 'Phone/1.0'],
      ['X-App', 'v'],
    ]);
    expect(hs[0]!.shift).toEqual(hex('7f10 7f02 7f01'));
    expect(encodeHeaders(hs).equals(block)).toBe(true);
    // Changed fields are encoded afresh; a kept shift that no longer fits is not written.
    const moved = encodeHeaders([{ ...hs[0]!, shift: hex('02') }]);
    expect(decodeHeaderBlock(moved).map((h) => h.name)).toEqual(['User-Agent']);
  });

  it('a canonical shift is not recorded (fields from other pages as before)', () => {
    const block = Buffer.concat([hex('02 83 81'), hex('01 a9'), text('P')]);
    const hs = decodeHeaderBlock(block);
    expect(hs).toEqual([
      { name: 'X-Wsp-Page-2-0x03', value: '1', raw: hex('81') },
      { name: 'User-Agent', value: 'P' },
    ]);
    expect(encodeHeaders(hs).equals(block)).toBe(true);
  });

  it('shift sequences count against the header cap (no unbounded loop on 0x01 0x01 ...)', () => {
    expect(() => decodeHeaderBlock(Buffer.alloc(10_000, 1), { maxHeaders: 256 })).toThrow(/shift/);
  });

  it("a handset's Connect with text-named and well-known headers and a named header code page is stable", () => {
    // Connect 1.0; caps: Client SDU 3000, Header Code Pages (page 2 named 'x-vendor'), a textual capability;
    // headers: Accept (well-known), 'User-Agent' as text, shift to page 2 + a page-2 field, back to page 1, Profile.
    const caps = Buffer.concat([hex('03 80 9738'), hex('0b 86 02'), text('x-vendor'), hex('07'), text('X-Cap'), hex('99')]);
    const hdrs = Buffer.concat([hex('80 94'), text('User-Agent'), text('Phone/2.0'), hex('7f02 85 81'), hex('01 b5'), text('http://p/x.xml')]);
    const connect = Buffer.concat([hex('01 10'), Buffer.from([caps.length, hdrs.length]), caps, hdrs]);
    const pdu = decodeWspPdu(connect);
    expect(pdu.type).toBe('Connect');
    if (pdu.type !== 'Connect') return;
    expect(pdu.capabilities.headerCodePages).toEqual([{ code: 2, name: 'x-vendor' }]);
    expect(pdu.capabilities.unknown).toEqual([{ id: 'X-Cap', value: hex('99') }]);
    const again = encodeWspPdu(pdu);
    expect(again.toString('hex')).toBe(connect.toString('hex'));
    expect(decodeWspPdu(again)).toEqual(pdu);
  });

  it('capabilities in another order than Table 37 (a textual one first, MOR before the SDU sizes) re-encode as received', () => {
    const caps = Buffer.concat([hex('07'), text('X-Cap'), hex('99'), hex('02 83 04'), hex('03 80 9738'), hex('03 81 9738')]);
    const connect = Buffer.concat([hex('01 10'), Buffer.from([caps.length, 0]), caps]);
    const pdu = decodeWspPdu(connect);
    if (pdu.type !== 'Connect') throw new Error('not a Connect');
    expect(pdu.capabilities).toMatchObject({ methodMor: 4, clientSduSize: 3000, serverSduSize: 3000, unknown: [{ id: 'X-Cap', value: hex('99') }] });
    expect(pdu.capabilities.wireOrder).toEqual(['#0', 'methodMor', 'clientSduSize', 'serverSduSize']);
    expect(encodeWspPdu(pdu).toString('hex')).toBe(connect.toString('hex'));
    // Changed or removed capabilities: the rest keeps its order, new ones follow in the usual order.
    const { clientSduSize: _c, ...rest } = pdu.capabilities;
    const again = decodeWspPdu(encodeWspPdu({ ...pdu, capabilities: { ...rest, pushMor: 2 } }));
    if (again.type !== 'Connect') throw new Error('not a Connect');
    expect(again.capabilities).toMatchObject({ methodMor: 4, serverSduSize: 3000, pushMor: 2 });
    expect(again.capabilities.clientSduSize).toBeUndefined();
  });
});

// ---- structure-aware property: random header blocks of real field forms ----

const valueArb = fc.oneof(
  fc.integer({ min: 0x80, max: 0xff }).map((b) => Buffer.from([b])),
  fc.constantFrom('text/html', '*/*', 'en', 'utf-8', 'http://x/y.xml', '"q"', '1', '', 'no-cache', 'Thu, 01 Jan 1970 00:00:00 GMT').map(text),
  fc.uint8Array({ minLength: 0, maxLength: 6 }).map((a) => Buffer.concat([Buffer.from([a.length]), Buffer.from(a)])),
);
const fieldArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0x7f }), valueArb).map(([c, v]) => Buffer.concat([Buffer.from([0x80 | c]), v])),
  fc
    .tuple(
      fc.constantFrom('Accept', 'accept', 'x-wap-profile', 'X-Wap-Profile', 'User-Agent', 'Profile', 'X-WAP.TOD', 'Accept-Charset', 'Content-Type', 'X-Foo', 'Via', 'Cache-Control'),
      valueArb,
    )
    .map(([n, v]) => Buffer.concat([text(n), v])),
  fc.constantFrom(hex('7f02'), hex('02'), hex('01'), hex('7f01'), hex('7f10')),
);

describe('header blocks: decode → encode → decode is stable', () => {
  it('for any block of real field forms (values equal; octets equal unless it ends in a shift)', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 10 }), (fields) => {
        const block = Buffer.concat(fields);
        let hs;
        try {
          hs = decodeHeaderBlock(block);
        } catch {
          return;
        }
        const again = encodeHeaders(hs);
        expect(decodeHeaderBlock(again)).toEqual(hs);
        const trailingShift = /(7f[0-9a-f]{2}|0[1-9a-f]|1[0-9a-f])$/.test(block.toString('hex')) && !again.equals(block);
        if (!trailingShift) expect(again.toString('hex')).toBe(block.toString('hex'));
      }),
      { numRuns: 3000, seed: 17 },
    );
  });
});
