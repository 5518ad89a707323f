import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WapDecodeError } from '../../src/wire/errors.ts';
import { Writer } from '../../src/wire/writer.ts';
import {
  decodeCapabilities,
  encodeCapabilities,
  formatAddress,
  negotiate,
  writeCapabilities,
  type Capabilities,
} from '../../src/wsp/capabilities.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

/** WAP-230 §8.3.2: Length(uintvar) Identifier(short-integer | token-text) Parameters. */
const vectors: { name: string; bytes: string; caps: Capabilities; connect: boolean }[] = [
  { name: 'Client-SDU-Size 1400', bytes: '03 80 8a78', caps: { clientSduSize: 1400 }, connect: true },
  { name: 'Server-SDU-Size 0 (no limit)', bytes: '02 81 00', caps: { serverSduSize: 0 }, connect: false },
  {
    name: 'Protocol Options: push + session resume + ack headers',
    bytes: '02 82 70',
    caps: { protocolOptions: { confirmedPush: false, push: true, sessionResume: true, ackHeaders: true, largeDataTransfer: false } },
    connect: true,
  },
  {
    name: 'Protocol Options with a second octet is kept',
    bytes: '03 82 88 01',
    caps: { protocolOptions: { confirmedPush: true, push: false, sessionResume: false, ackHeaders: false, largeDataTransfer: true, raw: hex('8801') } },
    connect: true,
  },
  { name: 'Method-MOR 10, Push-MOR 255', bytes: '02 83 0a 02 84 ff', caps: { methodMor: 10, pushMor: 255 }, connect: true },
  {
    name: 'Extended Methods in Connect (code + name)',
    bytes: `12 85 50 ${ascii('PROPFIND')}00 70 ${ascii('MKCOL')}00`,
    caps: { extendedMethods: [{ pduType: 0x50, name: 'PROPFIND' }, { pduType: 0x70, name: 'MKCOL' }] },
    connect: true,
  },
  { name: 'Extended Methods in the reply (codes only)', bytes: '03 85 50 70', caps: { extendedMethods: [{ pduType: 0x50 }, { pduType: 0x70 }] }, connect: false },
  {
    name: 'Header Code Pages in Connect',
    bytes: `09 86 02 ${ascii('x-up-1')}00`,
    caps: { headerCodePages: [{ code: 2, name: 'x-up-1' }] },
    connect: true,
  },
  { name: 'Header Code Pages in the reply', bytes: '02 86 02', caps: { headerCodePages: [{ code: 2 }] }, connect: false },
  {
    name: 'Aliases: two addresses',
    bytes: '0e 87 c4 00 23f1 7f000001 04 0a000001',
    caps: { aliases: [{ bearerType: 0, port: 9201, address: hex('7f000001') }, { address: hex('0a000001') }] },
    connect: false,
  },
  { name: 'Client-Message-Size and Server-Message-Size', bytes: '04 88 81ea30 05 89 8180 8000', caps: { clientMessageSize: 30000, serverMessageSize: 2097152 }, connect: true },
  {
    name: 'unknown code 0x0a and a textual capability are kept raw',
    bytes: `03 8a 0102 07 ${ascii('x-foo')}00 01`,
    caps: { unknown: [{ id: 0x0a, value: hex('0102') }, { id: 'x-foo', value: hex('01') }] },
    connect: true,
  },
  {
    name: 'a known capability whose value does not parse is kept raw (MOR of two octets)',
    bytes: '03 83 0102',
    caps: { unknown: [{ id: 3, value: hex('0102') }] },
    connect: true,
  },
  {
    name: 'a repeated capability: the second is kept raw',
    bytes: '02 83 01 02 83 02',
    caps: { methodMor: 1, unknown: [{ id: 3, value: hex('02') }] },
    connect: true,
  },
  { name: 'a zero-length capability', bytes: '00', caps: { unknown: [{ id: '', value: hex('') }] }, connect: true },
];

describe('capability vectors (WAP-230 §8.3)', () => {
  for (const v of vectors) {
    it(v.name, () => {
      const bytes = hex(v.bytes);
      expect(decodeCapabilities(bytes, { connect: v.connect })).toEqual(v.caps);
      expect(encodeCapabilities(v.caps, { connect: v.connect }).toString('hex')).toBe(bytes.toString('hex'));
    });
  }

  it('the Nokia 3510i Connect capabilities (real handset)', () => {
    // From ../shared/captures/wsp/nokia3510i_wsp-connect.bin: SDU sizes 65535 and Method-MOR 20.
    const caps = hex('04 80 83ff7f 04 81 83ff7f 02 83 14');
    expect(decodeCapabilities(caps, { connect: true })).toEqual({ clientSduSize: 65535, serverSduSize: 65535, methodMor: 20 });
  });

  it('errors: capability longer than the field, bad uintvar', () => {
    expect(() => decodeCapabilities(hex('05 80 01'), { connect: true })).toThrow(WapDecodeError);
    expect(() => decodeCapabilities(hex('8f8f8f8f8f8f'), { connect: true })).toThrow(WapDecodeError);
    expect(() => decodeCapabilities(hex('02 6162'), { connect: true })).toThrow(WapDecodeError); // textual id without NUL
  });

  it('encoding refuses a Connect extended method without a name, and an address over 63 octets', () => {
    expect(() => encodeCapabilities({ extendedMethods: [{ pduType: 0x50 }] }, { connect: true })).toThrow(/needs a name/);
    expect(() => encodeCapabilities({ aliases: [{ address: Buffer.alloc(64) }] }, { connect: false })).toThrow(/max 63/);
  });

  it('formats addresses', () => {
    expect(formatAddress({ bearerType: 0, port: 9201, address: hex('7f000001') })).toBe('127.0.0.1:9201');
    expect(formatAddress({ address: hex('20010db8000000000000000000000001') })).toBe('[2001:db8:0:0:0:0:0:1]');
    expect(formatAddress({ bearerType: 3, address: Buffer.from('123') })).toBe('313233');
  });
});

describe('negotiate (WAP-230 §8.3.1)', () => {
  it('takes the smaller sizes and MORs, common options, common methods and pages, the server aliases', () => {
    const client: Capabilities = {
      clientSduSize: 65535,
      serverSduSize: 3000,
      clientMessageSize: 0,
      methodMor: 5,
      pushMor: 2,
      protocolOptions: { confirmedPush: true, push: true, sessionResume: true, ackHeaders: false, largeDataTransfer: false },
      extendedMethods: [{ pduType: 0x50, name: 'PROPFIND' }, { pduType: 0x51, name: 'LOCK' }],
      headerCodePages: [{ code: 2, name: 'x-up-1' }, { code: 3, name: 'x-other' }],
      unknown: [{ id: 0x0a, value: hex('01') }],
    };
    const server: Capabilities = {
      clientSduSize: 1400,
      serverSduSize: 1400,
      clientMessageSize: 300000,
      methodMor: 1,
      protocolOptions: { confirmedPush: false, push: true, sessionResume: true, ackHeaders: true, largeDataTransfer: true },
      extendedMethods: [{ pduType: 0x50, name: 'propfind' }],
      headerCodePages: [{ code: 2 }],
      aliases: [{ bearerType: 0, port: 9201, address: hex('0a000001') }],
    };
    expect(negotiate(client, server)).toEqual({
      clientSduSize: 1400,
      serverSduSize: 1400,
      clientMessageSize: 300000, // client 0 = no limit
      methodMor: 1,
      pushMor: 1, // server did not say: its default 1
      protocolOptions: { confirmedPush: false, push: true, sessionResume: true, ackHeaders: false, largeDataTransfer: false },
      extendedMethods: [{ pduType: 0x50 }],
      headerCodePages: [{ code: 2 }],
      aliases: [{ bearerType: 0, port: 9201, address: hex('0a000001') }],
    });
  });

  it('an empty proposal against an empty server gives nothing', () => {
    expect(negotiate({}, {})).toEqual({});
  });

  it('the answer encodes in reply form', () => {
    const w = new Writer();
    writeCapabilities(w, negotiate({ extendedMethods: [{ pduType: 0x50, name: 'X' }] }, { extendedMethods: [{ pduType: 0x50, name: 'X' }] }), { connect: false });
    expect(w.finish().toString('hex')).toBe('028550');
  });
});

describe('capability properties', () => {
  it('arbitrary octets → capabilities or a WapDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (a, connect) => {
        try {
          decodeCapabilities(Buffer.from(a), { connect });
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('whatever decodes re-encodes to a field that decodes the same', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (a, connect) => {
        let caps: Capabilities;
        try {
          caps = decodeCapabilities(Buffer.from(a), { connect });
        } catch {
          return;
        }
        expect(decodeCapabilities(encodeCapabilities(caps, { connect }), { connect })).toEqual(caps);
      }),
      { numRuns: 5000 },
    );
  });

  it('generated capabilities round-trip in both forms', () => {
    const name = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ-'), minLength: 1, maxLength: 12 });
    const u32 = fc.nat(0xffffffff);
    const caps = fc.record(
      {
        clientSduSize: u32,
        serverSduSize: u32,
        protocolOptions: fc.record({ confirmedPush: fc.boolean(), push: fc.boolean(), sessionResume: fc.boolean(), ackHeaders: fc.boolean(), largeDataTransfer: fc.boolean() }),
        methodMor: fc.nat(255),
        pushMor: fc.nat(255),
        extendedMethods: fc.array(fc.record({ pduType: fc.integer({ min: 0x50, max: 0x7f }), name }), { maxLength: 4 }),
        headerCodePages: fc.array(fc.record({ code: fc.integer({ min: 2, max: 255 }), name }), { maxLength: 4 }),
        aliases: fc.array(
          fc.record({ bearerType: fc.nat(255), port: fc.nat(0xffff), address: fc.uint8Array({ maxLength: 63 }).map((x) => Buffer.from(x)) }, { requiredKeys: ['address'] }),
          { maxLength: 3 },
        ),
        clientMessageSize: u32,
        serverMessageSize: u32,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(caps, (c) => {
        expect(decodeCapabilities(encodeCapabilities(c, { connect: true }), { connect: true })).toEqual(c);
        const reply: Capabilities = { ...c };
        if (c.extendedMethods) reply.extendedMethods = c.extendedMethods.map((m) => ({ pduType: m.pduType }));
        if (c.headerCodePages) reply.headerCodePages = c.headerCodePages.map((p) => ({ code: p.code }));
        expect(decodeCapabilities(encodeCapabilities(reply, { connect: false }), { connect: false })).toEqual(reply);
      }),
      { numRuns: 1000 },
    );
  });
});
