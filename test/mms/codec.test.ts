/**
 * MMS encapsulation codec (OMA-MMS-ENC-V1_3 §7): annotated vectors (decode, encode compared as hex, round-trip),
 * error vectors, and property tests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMms,
  encodeMms,
  encodedString,
  formatAddress,
  MESSAGE_TYPES,
  mmsText,
  type MmsPdu,
  parseAddress,
  PRIORITY,
  phoneAddress,
} from '../../src/mms/index.ts';
import { DecodeErrorCode, WapDecodeError } from '../../src/wire/errors.ts';
import { canonical } from './support.ts';

const h = (s: string) => Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

interface Vector {
  name: string;
  hex: Buffer;
  pdu: MmsPdu;
}

const VECTORS: Vector[] = [
  {
    name: 'm-notification-ind with relative expiry',
    hex: h(`
      8c 82                                   # X-Mms-Message-Type: m-notification-ind
      98 ${ascii('TX1')} 00                   # X-Mms-Transaction-Id: "TX1"
      8d 92                                   # X-Mms-MMS-Version: 1.2
      89 0e 80 ${ascii('+1/TYPE=PLMN')} 00    # From: Value-length 14, Address-present-token, "+1/TYPE=PLMN"
      96 ${ascii('Hi')} 00                    # Subject: "Hi"
      8a 80                                   # X-Mms-Message-Class: Personal
      8e 02 01 00                             # X-Mms-Message-Size: Long-integer 256
      88 05 81 03 01 51 80                    # X-Mms-Expiry: Value-length 5, Relative-token, 86400 s
      83 ${ascii('http://x/1')} 00            # X-Mms-Content-Location: "http://x/1"
    `),
    pdu: {
      messageType: 'm-notification-ind',
      headers: {
        transactionId: 'TX1',
        mmsVersion: '1.2',
        from: { address: { text: '+1/TYPE=PLMN' } },
        subject: { text: 'Hi' },
        messageClass: 'Personal',
        messageSize: 256,
        expiry: { relative: 86400 },
        contentLocation: 'http://x/1',
      },
    },
  },
  {
    name: 'm-send-req: insert-address, UTF-8 subject, IPv6 and e-mail recipients, absolute expiry, multipart',
    hex: h(`
      8c 80                                   # m-send-req
      98 ${ascii('T')} 00                     # Transaction-Id "T"
      8d 90                                   # MMS-Version 1.0
      89 01 81                                # From: Value-length 1, Insert-address-token
      97 ${ascii('2001:db8::1/TYPE=IPv6')} 00 # To
      97 ${ascii('a@b.c')} 00                 # To (e-mail)
      96 08 ea 7f ${Buffer.from('é€', 'utf8').toString('hex')} 00 # Subject: Value-length 8, charset 106 (UTF-8), Quote, "é€"
      88 06 80 04 69 55 b9 00                 # X-Mms-Expiry: Absolute-token, Date 2026-01-01T00:00:00Z
      8f 82                                   # X-Mms-Priority: High
      86 80                                   # X-Mms-Delivery-Report: Yes
      84 b3                                   # Content-Type: application/vnd.wap.multipart.related (0x33)
      01                                      # 1 entry
      08 02                                   # HeadersLen 8, DataLen 2
      83                                      # text/plain
      8e ${ascii('a.txt')} 00                 # Content-Location: a.txt
      ${ascii('hi')}                          # data
    `),
    pdu: {
      messageType: 'm-send-req',
      headers: {
        transactionId: 'T',
        mmsVersion: '1.0',
        from: { insertAddress: true },
        to: [{ text: '2001:db8::1/TYPE=IPv6' }, { text: 'a@b.c' }],
        subject: { text: Buffer.from('é€', 'utf8').toString('latin1'), charset: 106 },
        expiry: { absolute: new Date('2026-01-01T00:00:00Z') },
        priority: 'High',
        deliveryReport: true,
      },
      contentType: { type: 'application/vnd.wap.multipart.related', params: [] },
      parts: [
        {
          contentType: { type: 'text/plain', params: [] },
          headers: [{ name: 'Content-Location', value: 'a.txt' }],
          body: Buffer.from('hi'),
        },
      ],
    },
  },
  {
    name: 'm-send-conf with an error status and text',
    hex: h(`8c 81  98 ${ascii('T')} 00  8d 92  92 e1  93 ${ascii('no')} 00`),
    pdu: {
      messageType: 'm-send-conf',
      headers: { transactionId: 'T', mmsVersion: '1.2', responseStatus: 'Error-permanent-service-denied', responseText: { text: 'no' } },
    },
  },
  {
    name: 'm-delivery-ind: Message-ID, To, Date, Status',
    hex: h(`8c 86  8d 90  8b ${ascii('m1')} 00  85 04 65 5f 12 00  97 ${ascii('+2/TYPE=PLMN')} 00  95 81`),
    pdu: {
      messageType: 'm-delivery-ind',
      headers: {
        mmsVersion: '1.0',
        messageId: 'm1',
        date: new Date(0x655f1200 * 1000),
        to: [{ text: '+2/TYPE=PLMN' }],
        status: 'Retrieved',
      },
    },
  },
  {
    name: 'm-cancel-req / 1.3 header (Cancel-ID) and an application header',
    hex: h(`8c 96  98 ${ascii('c')} 00  8d 93  be ${ascii('m1')} 00  ${ascii('X-Test')} 00 ${ascii('yes')} 00`),
    pdu: {
      messageType: 'm-cancel-req',
      headers: { transactionId: 'c', mmsVersion: '1.3', cancelId: 'm1', unknown: [{ name: 'X-Test', value: 'yes' }] },
    },
  },
  {
    name: 'm-mbox-view-conf: totals, quotas, previously-sent-by, MM-Flags',
    hex: h(`
      8c 8e  98 ${ascii('v')} 00  8d 92
      a0 04 81 ${ascii('+3')} 00              # X-Mms-Previously-Sent-By: count 1, "+3"
      a4 05 80 ${ascii('Imp')} 00             # X-Mms-MM-Flags: Add-token, "Imp"
      aa 02 80 8c                             # X-Mms-Mbox-Totals: Message-total-token, 12
      ac 04 81 02 10 00                       # X-Mms-Mbox-Quotas: Size-total-token, 4096
    `),
    pdu: {
      messageType: 'm-mbox-view-conf',
      headers: {
        transactionId: 'v',
        mmsVersion: '1.2',
        mboxTotals: [{ unit: 'messages', value: 12 }],
        mboxQuotas: [{ unit: 'bytes', value: 4096 }],
        previouslySentBy: [{ count: 1, address: { text: '+3' } }],
        mmFlags: [{ op: 'add', flag: { text: 'Imp' } }],
      },
    },
  },
];

describe('annotated vectors', () => {
  it.each(VECTORS)('$name: decode', ({ hex, pdu }) => {
    expect(canonical(decodeMms(hex))).toEqual(canonical(pdu));
  });
  it.each(VECTORS)('$name: encode (hex)', ({ hex, pdu }) => {
    expect(encodeMms(pdu).toString('hex')).toBe(hex.toString('hex'));
  });
  it.each(VECTORS)('$name: round-trip', ({ hex }) => {
    expect(encodeMms(decodeMms(hex)).toString('hex')).toBe(hex.toString('hex'));
  });
});

describe('faithful re-encoding', () => {
  it('keeps a known field with a value it cannot type as raw octets', () => {
    const buf = h('8c 80 98 41 00 8d 90 86 85'); // X-Mms-Delivery-Report 0x85 (neither Yes nor No)
    const pdu = decodeMms(buf);
    expect(pdu.headers.deliveryReport).toBeUndefined();
    expect(pdu.headers.unknown).toEqual([{ code: 0x06, value: Buffer.from([0x85]) }]);
    expect(encodeMms(pdu).equals(buf)).toBe(true);
  });
  it('keeps non-minimal encodings of unchanged values, and re-encodes changed ones canonically', () => {
    const buf = h('8c 80 98 41 00 8d 90 8e 03 00 01 00'); // Message-Size as a 3-octet Long-integer 256
    const pdu = decodeMms(buf);
    expect(pdu.headers.messageSize).toBe(256);
    expect(encodeMms(pdu).equals(buf)).toBe(true);
    pdu.headers.messageSize = 257;
    expect(encodeMms(pdu).toString('hex')).toBe('8c80984100 8d90 8e020101'.replace(/ /g, ''));
  });
  it('a second occurrence of a single-valued field is kept, in place', () => {
    const buf = h(`8c 80 96 ${ascii('a')} 00 96 ${ascii('b')} 00`);
    const pdu = decodeMms(buf);
    expect(pdu.headers.subject).toEqual({ text: 'a' });
    expect(encodeMms(pdu).equals(buf)).toBe(true);
  });
  it('added fields go before Content-Type', () => {
    const pdu = decodeMms(VECTORS[1]!.hex);
    pdu.headers.subject = encodedString('new');
    const again = decodeMms(encodeMms(pdu));
    expect(mmsText(again.headers.subject!)).toBe('new');
    expect(again.parts?.[0]?.body.toString()).toBe('hi');
  });
});

describe('error vectors', () => {
  const cases: [string, string, string, number?][] = [
    ['empty input', '', DecodeErrorCode.TRUNCATED],
    ['message type without value', '8c', DecodeErrorCode.TRUNCATED],
    ['text without NUL', `8c 80 98 ${ascii('abc')}`, DecodeErrorCode.TRUNCATED],
    ['control octet where a field starts', '8c 80 05', DecodeErrorCode.VALUE, 2],
    ['no X-Mms-Message-Type', `98 ${ascii('x')} 00`, DecodeErrorCode.VALUE, 0],
    ['Value-length beyond the input', '8c 80 89 1f 8f ff ff ff 7f', DecodeErrorCode.TRUNCATED],
    ['uintvar longer than 5 octets', '8c 80 89 1f ff ff ff ff ff 7f', DecodeErrorCode.UINTVAR],
    ['multipart declaring 2^32-1 entries', '8c 84 84 a3 8f ff ff ff 7f', DecodeErrorCode.LIMIT],
    ['multipart entry longer than the body', '8c 84 84 a3 01 05 0a 83', DecodeErrorCode.TRUNCATED],
    ['multipart with trailing octets', '8c 84 84 a3 01 01 00 83 ff', DecodeErrorCode.TRAILING],
    ['too many header fields', '8c 80' + ' 8d 90'.repeat(300), DecodeErrorCode.LIMIT],
  ];
  it.each(cases)('%s', (_name, hex, code, offset) => {
    let err: unknown;
    try {
      decodeMms(h(hex));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WapDecodeError);
    expect((err as WapDecodeError).code).toBe(code);
    if (offset !== undefined) expect((err as WapDecodeError).offset).toBe(offset);
  });
});

describe('addresses (OMA-MMS-ENC §8)', () => {
  it.each([
    ['+15550000002/TYPE=PLMN', { type: 'PLMN', value: '+15550000002' }],
    ['192.0.2.1/TYPE=IPv4', { type: 'IPv4', value: '192.0.2.1' }],
    ['2001:db8::1/TYPE=IPv6', { type: 'IPv6', value: '2001:db8::1' }],
    ['alice@example.org', { type: 'email', value: 'alice@example.org' }],
    ['Alice <alice@example.org>', { type: 'email', value: 'alice@example.org', displayName: 'Alice' }],
    ['abc/TYPE=x-foo', { type: 'x-foo', value: 'abc' }],
  ])('%s', (text, parsed) => {
    expect(parseAddress(text)).toEqual(parsed);
    expect(mmsText(formatAddress(parseAddress(text)))).toBe(text);
  });
  it('phoneAddress', () => expect(phoneAddress('+1555')).toEqual({ text: '+1555/TYPE=PLMN' }));
});

// ---- properties ----

const TEXT = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 20 });
const ESV = fc.oneof(
  TEXT.map((text) => ({ text })),
  fc.record({ text: TEXT, charset: fc.constantFrom(3, 4, 106, 1000, 2026) }),
);
const DATE = fc.integer({ min: 0, max: 2 ** 40 }).map((s) => new Date(s * 1000));
const TIME = fc.oneof(DATE.map((absolute) => ({ absolute })), fc.integer({ min: 0, max: 2 ** 40 }).map((relative) => ({ relative })));
const TOKEN = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);

const PDU: fc.Arbitrary<MmsPdu> = fc
  .record(
    {
      messageType: fc.constantFrom(...Object.values(MESSAGE_TYPES)),
      transactionId: TEXT,
      mmsVersion: fc.constantFrom('1.0', '1.1', '1.2', '1.3'),
      from: fc.oneof(fc.constant({ insertAddress: true as const }), ESV.map((address) => ({ address }))),
      to: fc.array(ESV, { minLength: 1, maxLength: 3 }),
      subject: ESV,
      date: DATE,
      expiry: TIME,
      priority: fc.constantFrom(...Object.values(PRIORITY)),
      messageSize: fc.integer({ min: 0, max: 2 ** 40 }),
      deliveryReport: fc.boolean(),
      messageClass: fc.oneof(fc.constantFrom('Personal', 'Auto'), TOKEN.filter((t) => !['Personal', 'Advertisement', 'Informational', 'Auto'].includes(t))),
      unknown: fc.array(fc.record({ name: TOKEN, value: TEXT }), { maxLength: 2 }),
    },
    { requiredKeys: ['messageType'] },
  )
  .map(({ messageType, unknown, ...headers }) => ({ messageType, headers: unknown?.length ? { ...headers, unknown } : headers }));

const PART = fc.record({
  contentType: fc.record({
    type: fc.constantFrom('text/plain', 'image/jpeg', 'image/gif', 'application/smil', 'audio/amr', 'application/x-foo'),
    params: fc.constant([] as { name: string; value: string }[]),
  }),
  headers: fc.array(
    fc.oneof(
      fc.stringMatching(/^[a-z0-9_.]{1,12}$/).map((v) => ({ name: 'Content-Location', value: v })),
      fc.stringMatching(/^<[a-z0-9_.]{1,12}>$/).map((v) => ({ name: 'Content-ID', value: v })),
    ),
    { maxLength: 2 },
  ),
  body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
});
const WITH_BODY: fc.Arbitrary<MmsPdu> = fc
  .tuple(PDU, fc.constantFrom('application/vnd.wap.multipart.related', 'application/vnd.wap.multipart.mixed'), fc.array(PART, { minLength: 1, maxLength: 4 }))
  .map(([pdu, type, parts]): MmsPdu => ({ ...pdu, contentType: { type, params: [] }, parts }));

describe('properties', () => {
  it('arbitrary bytes give a PDU or a WapDecodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, prefixed) => {
        const buf = Buffer.from(prefixed ? [0x8c, 0x84, ...bytes] : bytes);
        try {
          const pdu = decodeMms(buf);
          expect(encodeMms(pdu).equals(buf)).toBe(true);
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 20_000 },
    );
  });
  it('generated PDUs round-trip', () => {
    fc.assert(
      fc.property(PDU, (pdu) => {
        const buf = encodeMms(pdu);
        expect(canonical(decodeMms(buf))).toEqual(pdu);
      }),
      { numRuns: 2_000 },
    );
  });
  it('generated PDUs with multipart bodies round-trip', () => {
    fc.assert(
      fc.property(WITH_BODY, (pdu) => {
        expect(canonical(decodeMms(encodeMms(pdu)))).toEqual(pdu);
      }),
      { numRuns: 1_000 },
    );
  });
});
