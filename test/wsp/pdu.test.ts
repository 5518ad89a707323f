import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WapDecodeError, DecodeErrorCode } from '../../src/wire/errors.ts';
import type { ContentType } from '../../src/wsp/content-type.ts';
import type { WspHeader } from '../../src/wsp/headers/index.ts';
import {
  decodeConnectionless,
  decodeWspPdu,
  encodeConnectionless,
  encodeWspPdu,
  type WspPdu,
  type WspPduOptions,
} from '../../src/wsp/pdu.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const ct = (type: string, params: { name: string; value: string }[] = []): ContentType => ({ type, params });
const h = (name: string, value: string): WspHeader => ({ name, value });

const extOpts: WspPduOptions = {
  extendedMethods: [
    { pduType: 0x50, name: 'PROPFIND' },
    { pduType: 0x70, name: 'MKCOL' },
  ],
};

/** One annotated vector per PDU type: decode, encode compared as hex, round trip (WAP-230 §8.2). */
const vectors: { name: string; bytes: string; pdu: WspPdu; opts?: WspPduOptions }[] = [
  {
    name: 'Connect 1.0 with every capability and two headers',
    bytes: [
      '01', // Connect
      '10', // version 1.0
      '3b', // CapabilitiesLen 59
      '09', // HeadersLen 9
      '03 80 9738', // Client-SDU-Size 3000
      '03 81 9738', // Server-SDU-Size 3000
      '02 82 c0', // Protocol Options: confirmed push, push
      '02 83 02', // Method-MOR 2
      '02 84 01', // Push-MOR 1
      `0b 85 50 ${ascii('PROPFIND')}00`, // Extended Methods: 0x50 PROPFIND
      `09 86 02 ${ascii('x-up-1')}00`, // Header Code Pages: 2 x-up-1
      '09 87 c4 00 23f1 7f000001', // Aliases: IPv4 bearer, port 9201, 127.0.0.1
      '04 88 81ea30', // Client-Message-Size 30000
      '04 89 81ea30', // Server-Message-Size 30000
      `a9 ${ascii('Nokia')}00`, // User-Agent: Nokia
      '80 be', // Accept: application/vnd.wap.mms-message
    ].join(''),
    pdu: {
      type: 'Connect',
      version: { major: 1, minor: 0 },
      capabilities: {
        clientSduSize: 3000,
        serverSduSize: 3000,
        protocolOptions: { confirmedPush: true, push: true, sessionResume: false, ackHeaders: false, largeDataTransfer: false },
        methodMor: 2,
        pushMor: 1,
        extendedMethods: [{ pduType: 0x50, name: 'PROPFIND' }],
        headerCodePages: [{ code: 2, name: 'x-up-1' }],
        aliases: [{ bearerType: 0, port: 9201, address: hex('7f000001') }],
        clientMessageSize: 30000,
        serverMessageSize: 30000,
      },
      headers: [h('User-Agent', 'Nokia'), h('Accept', 'application/vnd.wap.mms-message')],
    },
  },
  {
    name: 'ConnectReply: session 258, negotiated capabilities (reply form: codes only), no headers',
    bytes: '02 8202 0d 00 03 80 9738 02 83 01 02 85 50 02 86 02',
    pdu: {
      type: 'ConnectReply',
      sessionId: 258,
      capabilities: { clientSduSize: 3000, methodMor: 1, extendedMethods: [{ pduType: 0x50 }], headerCodePages: [{ code: 2 }] },
      headers: [],
    },
  },
  {
    name: 'Redirect permanent + reuse security session, two addresses',
    bytes: '03 c0 c4 00 23f1 7f000001 04 0a000001',
    pdu: {
      type: 'Redirect',
      permanent: true,
      reuseSecuritySession: true,
      addresses: [
        { bearerType: 0, port: 9201, address: hex('7f000001') },
        { address: hex('0a000001') },
      ],
    },
  },
  {
    name: 'Redirect temporary, bearer only (SMS bearer 0x03), IPv6 address without bearer',
    bytes: '03 00 85 03 3132333435 10 20010db8000000000000000000000001',
    pdu: {
      type: 'Redirect',
      permanent: false,
      reuseSecuritySession: false,
      addresses: [
        { bearerType: 3, address: Buffer.from('12345') },
        { address: hex('20010db8000000000000000000000001') },
      ],
    },
  },
  {
    name: 'Reply 200 text/plain with Content-Length and body',
    bytes: `04 20 03 83 8d85 ${ascii('hello')}`,
    pdu: { type: 'Reply', status: 0x20, contentType: ct('text/plain'), headers: [h('Content-Length', '5')], data: Buffer.from('hello') },
  },
  {
    name: 'Reply 404 with general-form content type (text/plain; charset=utf-8), empty body',
    bytes: '04 44 04 03 83 81 ea',
    pdu: {
      type: 'Reply',
      status: 0x44,
      contentType: ct('text/plain', [{ name: 'charset', value: 'utf-8' }]),
      headers: [],
      data: Buffer.alloc(0),
    },
  },
  {
    name: 'Reply with an empty headers block (no Content-Type)',
    bytes: '04 34 00',
    pdu: { type: 'Reply', status: 0x34, headers: [], data: Buffer.alloc(0) },
  },
  { name: 'Disconnect session 258', bytes: '05 8202', pdu: { type: 'Disconnect', sessionId: 258 } },
  {
    name: 'Push: MMS notification type, X-Wap-Application-Id mms.ua',
    bytes: '06 03 be af84 8c82',
    pdu: {
      type: 'Push',
      contentType: ct('application/vnd.wap.mms-message'),
      headers: [h('X-Wap-Application-Id', 'x-wap-application:mms.ua')],
      data: hex('8c82'),
    },
  },
  {
    name: 'ConfirmedPush: SI (application/vnd.wap.sic), Push-Flag 1',
    bytes: '07 03 ae b481 0203',
    pdu: { type: 'ConfirmedPush', contentType: ct('application/vnd.wap.sic'), headers: [h('Push-Flag', '1')], data: hex('0203') },
  },
  { name: 'Suspend session 1', bytes: '08 01', pdu: { type: 'Suspend', sessionId: 1 } },
  {
    name: 'Resume session 258, no capabilities, User-Agent',
    bytes: `09 8202 00 a9 ${ascii('Nokia')}00`,
    pdu: { type: 'Resume', sessionId: 258, capabilities: {}, headers: [h('User-Agent', 'Nokia')] },
  },
  {
    name: 'Get with Accept',
    bytes: `40 0b ${ascii('http://a.b/')} 80be`,
    pdu: { type: 'Get', pduType: 0x40, method: 'GET', uri: 'http://a.b/', headers: [h('Accept', 'application/vnd.wap.mms-message')] },
  },
  {
    name: 'Options',
    bytes: `41 01 ${ascii('*')}`,
    pdu: { type: 'Get', pduType: 0x41, method: 'OPTIONS', uri: '*', headers: [] },
  },
  {
    name: 'Head',
    bytes: `42 05 ${ascii('/x.gz')}`,
    pdu: { type: 'Get', pduType: 0x42, method: 'HEAD', uri: '/x.gz', headers: [] },
  },
  {
    name: 'Delete',
    bytes: `43 02 ${ascii('/a')}`,
    pdu: { type: 'Get', pduType: 0x43, method: 'DELETE', uri: '/a', headers: [] },
  },
  {
    name: 'Trace',
    bytes: `44 02 ${ascii('/t')}`,
    pdu: { type: 'Get', pduType: 0x44, method: 'TRACE', uri: '/t', headers: [] },
  },
  {
    name: 'extended method 0x50 on the Get PDU, named by negotiation',
    bytes: `50 02 ${ascii('/d')}`,
    pdu: { type: 'Get', pduType: 0x50, method: 'PROPFIND', uri: '/d', headers: [] },
    opts: extOpts,
  },
  {
    name: 'unassigned Get PDU type 0x45 (no method name)',
    bytes: `45 02 ${ascii('/u')}`,
    pdu: { type: 'Get', pduType: 0x45, uri: '/u', headers: [] },
  },
  {
    name: 'Post form data, general-form content type',
    bytes: `60 0b 04 ${ascii('http://a.b/')} 03 83 81 ea ${ascii('a=1')}`,
    pdu: {
      type: 'Post',
      pduType: 0x60,
      method: 'POST',
      uri: 'http://a.b/',
      contentType: ct('text/plain', [{ name: 'charset', value: 'utf-8' }]),
      headers: [],
      data: Buffer.from('a=1'),
    },
  },
  {
    name: 'Put with Content-Length',
    bytes: `61 02 03 ${ascii('/p')} 83 8d83 ${ascii('abc')}`,
    pdu: {
      type: 'Post',
      pduType: 0x61,
      method: 'PUT',
      uri: '/p',
      contentType: ct('text/plain'),
      headers: [h('Content-Length', '3')],
      data: Buffer.from('abc'),
    },
  },
  {
    name: 'extended method 0x70 on the Post PDU',
    bytes: `70 02 01 ${ascii('/c')} 83`,
    pdu: { type: 'Post', pduType: 0x70, method: 'MKCOL', uri: '/c', contentType: ct('text/plain'), headers: [], data: Buffer.alloc(0) },
    opts: extOpts,
  },
  {
    name: 'unassigned Post PDU type 0x62',
    bytes: `62 02 01 ${ascii('/q')} 83 ff`,
    pdu: { type: 'Post', pduType: 0x62, uri: '/q', contentType: ct('text/plain'), headers: [], data: hex('ff') },
  },
  {
    name: 'Data Fragment (headers block empty, data)',
    bytes: `80 00 ${ascii('xyz')}`,
    pdu: { type: 'DataFragment', headers: [], data: Buffer.from('xyz') },
  },
  {
    name: 'Data Fragment with a header',
    bytes: `80 02 8d83 ${ascii('xyz')}`,
    pdu: { type: 'DataFragment', headers: [h('Content-Length', '3')], data: Buffer.from('xyz') },
  },
];

describe('WSP PDU vectors (WAP-230 §8.2)', () => {
  for (const v of vectors) {
    describe(v.name, () => {
      const bytes = hex(v.bytes);
      it('decodes', () => {
        expect(decodeWspPdu(bytes, v.opts)).toEqual(v.pdu);
      });
      it('encodes to the same octets', () => {
        expect(encodeWspPdu(v.pdu, v.opts).toString('hex')).toBe(bytes.toString('hex'));
      });
      it('round-trips', () => {
        expect(decodeWspPdu(encodeWspPdu(decodeWspPdu(bytes, v.opts), v.opts), v.opts)).toEqual(v.pdu);
      });
      it('connectionless form: TID octet then the PDU', () => {
        const cl = encodeConnectionless(0x7e, v.pdu, v.opts);
        expect(cl.toString('hex')).toBe('7e' + bytes.toString('hex'));
        expect(decodeConnectionless(cl, v.opts)).toEqual({ tid: 0x7e, pdu: v.pdu });
      });
    });
  }

  it('keeps a textual Content-Type that has a well-known code byte-exact (as mmsd/nuntium pushes send it)', () => {
    const text = `${ascii('application/vnd.wap.mms-message')}00`;
    const bytes = hex(`06 22 ${text} af84 8c82`);
    const pdu = decodeWspPdu(bytes);
    expect(pdu).toEqual({
      type: 'Push',
      contentType: ct('application/vnd.wap.mms-message'),
      contentTypeRaw: hex(text),
      headers: [h('X-Wap-Application-Id', 'x-wap-application:mms.ua')],
      data: hex('8c82'),
    });
    expect(encodeWspPdu(pdu).equals(bytes)).toBe(true);
    // once the type is changed the stale octets are not used
    expect(encodeWspPdu({ ...pdu, contentType: ct('text/plain') } as WspPdu).toString('hex')).toBe('060383af848c82');
  });

  it('encodes a method PDU from its method name alone', () => {
    expect(encodeWspPdu({ type: 'Get', method: 'head', uri: '/', headers: [] }).toString('hex')).toBe('42012f');
    expect(encodeWspPdu({ type: 'Post', method: 'PUT', uri: '/', contentType: ct('text/plain'), headers: [], data: Buffer.alloc(0) }).toString('hex')).toBe(
      '6101012f83',
    );
    expect(encodeWspPdu({ type: 'Get', method: 'PROPFIND', uri: '/', headers: [] }, extOpts)[0]).toBe(0x50);
  });

  it('refuses what has no encoding', () => {
    expect(() => encodeWspPdu({ type: 'Get', method: 'BREW', uri: '/', headers: [] })).toThrow(/no PDU type/);
    expect(() => encodeWspPdu({ type: 'Get', pduType: 0x60, uri: '/', headers: [] })).toThrow(/outside/);
    expect(() => encodeConnectionless(256, { type: 'Suspend', sessionId: 1 })).toThrow(/TID/);
    expect(() => encodeWspPdu({ type: 'Reply', status: 0x20, headers: [h('Content-Length', '1')], data: Buffer.alloc(0) })).toThrow(/Content-Type/);
  });
});

describe('WSP PDU error vectors', () => {
  const errors: { name: string; bytes: string; code: string; offset: number; cl?: boolean }[] = [
    { name: 'empty', bytes: '', code: DecodeErrorCode.TRUNCATED, offset: 0 },
    { name: 'unknown PDU type 0x0a', bytes: '0a 00', code: DecodeErrorCode.UNKNOWN_TYPE, offset: 0 },
    { name: 'reserved PDU type 0x00', bytes: '00', code: DecodeErrorCode.UNKNOWN_TYPE, offset: 0 },
    { name: 'PDU type 0x81', bytes: '81 00', code: DecodeErrorCode.UNKNOWN_TYPE, offset: 0 },
    { name: 'Connect without lengths', bytes: '01 10', code: DecodeErrorCode.TRUNCATED, offset: 2 },
    { name: 'Connect capabilities longer than the PDU', bytes: '01 10 05 00 02 80', code: DecodeErrorCode.TRUNCATED, offset: 4 },
    { name: 'Connect with octets after the headers', bytes: '01 10 00 00 ff', code: DecodeErrorCode.TRAILING, offset: 4 },
    { name: 'Disconnect with a 6-octet uintvar', bytes: '05 8181818181 01', code: DecodeErrorCode.UINTVAR, offset: 1 },
    { name: 'Disconnect with trailing octets', bytes: '05 01 00', code: DecodeErrorCode.TRAILING, offset: 2 },
    { name: 'Suspend without session id', bytes: '08', code: DecodeErrorCode.TRUNCATED, offset: 1 },
    { name: 'Get URI longer than the PDU', bytes: '40 10 2f', code: DecodeErrorCode.TRUNCATED, offset: 2 },
    { name: 'Post headers longer than the PDU', bytes: '60 01 09 2f 83', code: DecodeErrorCode.TRUNCATED, offset: 4 },
    { name: 'Reply without headers length', bytes: '04 20', code: DecodeErrorCode.TRUNCATED, offset: 2 },
    { name: 'Redirect address longer than the PDU', bytes: '03 80 08 7f00', code: DecodeErrorCode.TRUNCATED, offset: 3 },
    { name: 'Redirect address with port but no room', bytes: '03 80 44 23', code: DecodeErrorCode.TRUNCATED, offset: 3 },
    { name: 'connectionless: TID only', bytes: '01', code: DecodeErrorCode.TRUNCATED, offset: 1, cl: true },
    { name: 'connectionless: unknown type after TID', bytes: '01 0b', code: DecodeErrorCode.UNKNOWN_TYPE, offset: 1, cl: true },
    { name: 'connectionless: Push headers past the end (absolute offset)', bytes: '01 06 07 be', code: DecodeErrorCode.TRUNCATED, offset: 3, cl: true },
  ];
  for (const e of errors) {
    it(e.name, () => {
      const buf = hex(e.bytes);
      let caught: unknown;
      try {
        if (e.cl) decodeConnectionless(buf);
        else decodeWspPdu(buf);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(WapDecodeError);
      expect((caught as WapDecodeError).code).toBe(e.code);
      expect((caught as WapDecodeError).offset).toBe(e.offset);
    });
  }
});

// ---------------- property tests ----------------

function onlyTypedErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof WapDecodeError)) throw e;
  }
}

const pduTypeOctet = fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x40, 0x44, 0x45, 0x50, 0x60, 0x61, 0x62, 0x70, 0x80);

describe('WSP PDU properties', () => {
  it('arbitrary octets → a PDU or a WapDecodeError (connection-oriented)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (a) => onlyTypedErrors(() => decodeWspPdu(Buffer.from(a)))),
      { numRuns: 3000 },
    );
  });

  it('arbitrary octets after a valid PDU type → a PDU or a WapDecodeError', () => {
    fc.assert(
      fc.property(pduTypeOctet, fc.uint8Array({ maxLength: 200 }), (t, a) => {
        onlyTypedErrors(() => decodeWspPdu(Buffer.concat([Buffer.from([t]), a])));
        onlyTypedErrors(() => decodeConnectionless(Buffer.concat([Buffer.from([1, t]), a])));
      }),
      { numRuns: 5000 },
    );
  });

  it('mutated vectors → a PDU or a WapDecodeError', () => {
    const seeds = vectors.map((v) => hex(v.bytes));
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(8), (i, pos, val, cut) => {
        const b = Buffer.from(seeds[i]!);
        if (b.length > 0) b[pos % b.length] = val;
        onlyTypedErrors(() => decodeWspPdu(b.subarray(0, Math.max(0, b.length - cut))));
      }),
      { numRuns: 5000 },
    );
  });

  it('whatever decodes re-encodes to a PDU that decodes the same', () => {
    fc.assert(
      fc.property(pduTypeOctet, fc.uint8Array({ maxLength: 120 }), (t, a) => {
        let p: WspPdu;
        try {
          p = decodeWspPdu(Buffer.concat([Buffer.from([t]), a]));
        } catch {
          return;
        }
        expect(decodeWspPdu(encodeWspPdu(p))).toEqual(p);
      }),
      { numRuns: 5000 },
    );
  });

  const text = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789/.:-_?=&'), maxLength: 40 });
  const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
  const headers = fc.array(
    fc.oneof(
      fc.nat(100000).map((n) => h('Content-Length', String(n))),
      fc.constantFrom(h('Accept', 'application/vnd.wap.mms-message'), h('Accept', 'text/plain'), h('Push-Flag', '1')),
      text.filter((s) => s.length > 0).map((s) => h('User-Agent', s)),
    ),
    { maxLength: 4 },
  );
  const contentType = fc.constantFrom(
    ct('text/plain'),
    ct('application/vnd.wap.mms-message'),
    ct('text/plain', [{ name: 'charset', value: 'utf-8' }]),
    ct('application/x-private'),
  );
  const u32 = fc.nat(0xffffffff);
  const caps = fc.record(
    {
      clientSduSize: u32,
      serverSduSize: u32,
      methodMor: fc.nat(255),
      pushMor: fc.nat(255),
      clientMessageSize: u32,
      serverMessageSize: u32,
    },
    { requiredKeys: [] },
  );
  const address = fc.record(
    { bearerType: fc.nat(255), port: fc.nat(0xffff), address: fc.uint8Array({ maxLength: 63 }).map((a) => Buffer.from(a)) },
    { requiredKeys: ['address'] },
  );
  const pdu: fc.Arbitrary<WspPdu> = fc.oneof(
    fc.record({ type: fc.constant('Connect' as const), version: fc.record({ major: fc.nat(15), minor: fc.nat(15) }), capabilities: caps, headers }),
    fc.record({ type: fc.constant('ConnectReply' as const), sessionId: u32, capabilities: caps, headers }),
    fc.record({
      type: fc.constant('Redirect' as const),
      permanent: fc.boolean(),
      reuseSecuritySession: fc.boolean(),
      addresses: fc.array(address, { maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('Reply' as const), status: fc.nat(255), contentType, headers, data: bytes }),
    fc.record({ type: fc.constant('Disconnect' as const), sessionId: u32 }),
    fc.record({ type: fc.constant('Suspend' as const), sessionId: u32 }),
    fc.record({ type: fc.constant('Push' as const), contentType, headers, data: bytes }),
    fc.record({ type: fc.constant('ConfirmedPush' as const), contentType, headers, data: bytes }),
    fc.record({ type: fc.constant('Resume' as const), sessionId: u32, capabilities: caps, headers }),
    fc.record({ type: fc.constant('Get' as const), pduType: fc.constantFrom(0x45, 0x46, 0x4f), uri: text, headers }),
    fc.record({ type: fc.constant('Post' as const), pduType: fc.constantFrom(0x62, 0x6f), uri: text, contentType, headers, data: bytes }),
    fc.record({ type: fc.constant('DataFragment' as const), headers, data: bytes }),
  );

  it('generated valid PDUs round-trip (both forms)', () => {
    fc.assert(
      fc.property(pdu, fc.nat(255), (p, tid) => {
        expect(decodeWspPdu(encodeWspPdu(p))).toEqual(p);
        expect(decodeConnectionless(encodeConnectionless(tid, p))).toEqual({ tid, pdu: p });
      }),
      { numRuns: 1000 },
    );
  });
});
