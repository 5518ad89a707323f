import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { udpPcap } from '../../src/trace/pcap.ts';
import { WapDecodeError } from '../../src/wire/errors.ts';
import {
  decodeWtpDatagram,
  decodeWtpPdu,
  encodeConcatenated,
  encodeWtpPdu,
  optionTpi,
  PROVIDER_ABORT,
  TPI_OPTION,
  type WtpPdu,
  type WtpTpi,
} from '../../src/wtp/pdu.ts';
import { fieldValues, SHARED_DIR, sharedAvailable, toolAvailable, tshark } from '../support/tools.ts';
import { readUdpCapture, wspGet, wspReply } from './support.ts';
import { arbPdu } from './arbitraries.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const empty = Buffer.alloc(0);

/** One annotated vector: decode, encode compared as hex, round trip. */
const vectors: { name: string; bytes: string; pdu: WtpPdu }[] = [
  {
    // fakewap's Connect (kannel-fakewap-co-sar frame 1): TTR, TID 1, U/P, class 2
    name: 'Invoke class 2 U/P',
    bytes: '0a 0001 12 01100a00',
    pdu: {
      type: 'Invoke', tid: 1, tidResponse: false, rid: false, gtr: false, ttr: true,
      version: 0, tidNew: false, uack: true, class: 2, tpis: [], data: hex('01100a00'),
    },
  },
  {
    // CON, GTR, RID, TIDnew, class 1, Option TPI max-group 4 (short form, 2 octets)
    name: 'Invoke with max-group option, TIDnew, RID',
    bytes: '8d 0005 21 12 04 04 aa',
    pdu: {
      type: 'Invoke', tid: 5, tidResponse: false, rid: true, gtr: true, ttr: false,
      version: 0, tidNew: true, uack: false, class: 1, tpis: [{ type: 'Option', option: 4, value: hex('04') }],
      data: hex('aa'),
    },
  },
  {
    name: 'Result from responder (TID response bit)',
    bytes: '12 8002 04200183',
    pdu: { type: 'Result', tid: 2, tidResponse: true, rid: false, gtr: false, ttr: true, tpis: [], data: hex('04200183') },
  },
  {
    name: 'Ack with PSN TPI (fakewap group ack)',
    bytes: '98 0002 19 02',
    pdu: { type: 'Ack', tid: 2, tidResponse: false, rid: false, tveTok: false, tpis: [{ type: 'PSN', psn: 2 }], data: empty },
  },
  {
    name: 'Ack Tve, RID',
    bytes: '1d 8007',
    pdu: { type: 'Ack', tid: 7, tidResponse: true, rid: true, tveTok: true, tpis: [], data: empty },
  },
  {
    name: 'Abort provider NORESPONSE',
    bytes: '20 8003 08',
    pdu: { type: 'Abort', tid: 3, tidResponse: true, abortType: 'Provider', reason: PROVIDER_ABORT.NORESPONSE, tpis: [], data: empty },
  },
  {
    name: 'Abort user DISCONNECT',
    bytes: '21 0003 e1',
    pdu: { type: 'Abort', tid: 3, tidResponse: false, abortType: 'User', reason: 0xe1, tpis: [], data: empty },
  },
  {
    name: 'Segmented Invoke PSN 3 with GTR',
    bytes: '2c 0002 03 beef',
    pdu: { type: 'SegmentedInvoke', tid: 2, tidResponse: false, rid: false, gtr: true, ttr: false, psn: 3, tpis: [], data: hex('beef') },
  },
  {
    name: 'Segmented Result PSN 4 TTR RID',
    bytes: '33 8002 04 00',
    pdu: { type: 'SegmentedResult', tid: 2, tidResponse: true, rid: true, gtr: false, ttr: true, psn: 4, tpis: [], data: hex('00') },
  },
  {
    name: 'Nack of PSNs 1 and 3',
    bytes: '38 8009 02 01 03',
    pdu: { type: 'Nack', tid: 9, tidResponse: true, rid: false, missing: [1, 3], tpis: [], data: empty },
  },
  {
    name: 'Nack of the whole group (no PSNs), RID',
    bytes: '39 0009 00',
    pdu: { type: 'Nack', tid: 9, tidResponse: false, rid: true, missing: [], tpis: [], data: empty },
  },
  {
    // Ack carrying three TPIs: Info in long form (5 octets), Error, then PSN last (CON chain)
    name: 'Ack with long Info TPI, Error TPI and PSN',
    bytes: '98 0001 8c 05 6162636465 81 12 19 07',
    pdu: {
      type: 'Ack', tid: 1, tidResponse: false, rid: false, tveTok: false,
      tpis: [
        { type: 'Info', value: hex('6162636465'), long: true },
        { type: 'Error', value: hex('12') },
        { type: 'PSN', psn: 7 },
      ],
      data: empty,
    },
  },
  {
    name: 'Result with SDU boundary, frame boundary and total-message-size option (long form)',
    bytes: '92 8001 a0 a8 14 03 02 0400 ff',
    pdu: {
      type: 'Result', tid: 1, tidResponse: true, rid: false, gtr: false, ttr: true,
      tpis: [
        { type: 'SDUBoundary', value: empty },
        { type: 'FrameBoundary', value: empty, long: false } as WtpTpi,
        { type: 'Option', option: TPI_OPTION.TotalMessageSize, value: hex('0400'), long: true },
      ],
      data: hex('ff'),
    },
  },
];

function norm(p: WtpPdu): unknown {
  return JSON.parse(JSON.stringify(p, (_k, v: unknown) => (v && typeof v === 'object' && 'long' in v && !(v as { long: unknown }).long ? { ...v, long: undefined } : v)));
}

describe('WTP PDU vectors (WAP-224 §8)', () => {
  for (const v of vectors) {
    it(v.name, () => {
      const bytes = hex(v.bytes);
      const got = decodeWtpPdu(bytes);
      expect(norm(got)).toEqual(norm(v.pdu));
      expect(encodeWtpPdu(v.pdu).toString('hex')).toBe(bytes.toString('hex'));
      expect(encodeWtpPdu(got).toString('hex')).toBe(bytes.toString('hex'));
      expect(decodeWtpDatagram(bytes)).toHaveLength(1);
    });
  }
});

describe('WTP concatenation (WAP-224 §8.1)', () => {
  it('1-octet and 2-octet length prefixes', () => {
    const ack = hex('1a 0001');
    const big = encodeWtpPdu({
      type: 'Result', tid: 1, tidResponse: true, rid: false, gtr: false, ttr: true, tpis: [], data: Buffer.alloc(300, 7),
    });
    const dgram = encodeConcatenated([ack, big]);
    expect(dgram.subarray(0, 5).toString('hex')).toBe('00031a0001');
    expect(dgram.subarray(5, 7).toString('hex')).toBe((0x8000 | big.length).toString(16));
    const pdus = decodeWtpDatagram(dgram);
    expect(pdus.map((p) => p.type)).toEqual(['Ack', 'Result']);
    expect(pdus[1]!.data.length).toBe(300);
  });
  it('a single PDU is sent without the marker', () => {
    expect(encodeConcatenated([hex('1a0001')]).toString('hex')).toBe('1a0001');
  });
  it('errors carry absolute offsets', () => {
    const e = catchErr(() => decodeWtpDatagram(hex('00 05 1a0001')));
    expect(e).toBeInstanceOf(WapDecodeError);
    expect((e as WapDecodeError).offset).toBe(2);
    expect(catchErr(() => decodeWtpDatagram(hex('00 00')))).toBeInstanceOf(WapDecodeError);
    expect(catchErr(() => decodeWtpDatagram(hex('00')))).toBeInstanceOf(WapDecodeError);
    expect(catchErr(() => decodeWtpDatagram(hex('00 03 00 0001')))).toBeInstanceOf(WapDecodeError);
  });
});

function catchErr(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('WTP error vectors', () => {
  const bad: [string, string, string][] = [
    ['empty', '', 'WAP_ERR_TRUNCATED'],
    ['type 0 alone', '00', 'WAP_ERR_TRUNCATED'],
    ['type 8 unknown', '40 0001', 'WAP_ERR_UNKNOWN_TYPE'],
    ['Invoke truncated', '0a 00', 'WAP_ERR_TRUNCATED'],
    ['Invoke class 3', '0a 0001 03', 'WAP_ERR_VALUE'],
    ['TPI chain runs off the end', '98 0001 99 01', 'WAP_ERR_TRUNCATED'],
    ['long TPI length beyond input', '98 0001 0c 09 01', 'WAP_ERR_TRUNCATED'],
    ['PSN TPI of zero octets', '98 0001 18', 'WAP_ERR_VALUE'],
    ['Option TPI without identity', '98 0001 10', 'WAP_ERR_VALUE'],
    ['Nack count beyond input', '38 0001 05 01', 'WAP_ERR_TRUNCATED'],
    ['Abort type 5', '25 0001 01', 'WAP_ERR_VALUE'],
    ['Ack with trailing octets', '18 0001 ff', 'WAP_ERR_TRAILING'],
    ['Abort without reason', '20 0001', 'WAP_ERR_TRUNCATED'],
  ];
  for (const [name, bytes, code] of bad) {
    it(name, () => {
      const e = catchErr(() => decodeWtpDatagram(hex(bytes)));
      expect(e).toBeInstanceOf(WapDecodeError);
      expect((e as WapDecodeError).code).toBe(code);
    });
  }
});

describe('WTP properties (fast-check)', () => {
  it('arbitrary bytes produce PDUs or WapDecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
        try {
          const pdus = decodeWtpDatagram(Buffer.from(a));
          for (const p of pdus) encodeWtpPdu(p);
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 10000 },
    );
  });
  it('generated PDUs round-trip, alone and concatenated', () => {
    fc.assert(
      fc.property(fc.array(arbPdu, { minLength: 1, maxLength: 4 }), (pdus) => {
        const enc = pdus.map(encodeWtpPdu);
        const back = decodeWtpDatagram(encodeConcatenated(enc));
        expect(back.map(encodeWtpPdu).map((b) => b.toString('hex'))).toEqual(enc.map((b) => b.toString('hex')));
      }),
      { numRuns: 3000 },
    );
  });
});

describe.skipIf(!sharedAvailable())('Kannel captures decode (../shared/captures/kannel)', () => {
  const dir = join(SHARED_DIR, 'captures', 'kannel');
  const files = sharedAvailable() ? readdirSync(dir).filter((f) => f.endsWith('.pcap')) : [];
  for (const f of files) {
    it(f, () => {
      const wtp = readUdpCapture(join(dir, f)).filter((d) => [9201, 2949].includes(d.dstPort) || [9201, 2949].includes(d.srcPort));
      for (const d of wtp) {
        const pdus = decodeWtpDatagram(d.payload);
        expect(encodeConcatenated(pdus.map(encodeWtpPdu)).toString('hex')).toBe(d.payload.toString('hex'));
      }
      if (f === 'kannel-fakewap-co-sar.pcap') {
        const types = wtp.flatMap((d) => decodeWtpDatagram(d.payload).map((p) => p.type));
        expect(types).toContain('SegmentedInvoke');
        expect(types).toContain('SegmentedResult');
      }
    });
  }
});

describe.skipIf(!toolAvailable('tshark'))('tshark dissects what we encode (wtp.* fields)', () => {
  it('every PDU type, flags and TPIs', () => {
    const pdus: WtpPdu[] = [
      { type: 'Invoke', tid: 0x1234, tidResponse: false, rid: true, gtr: false, ttr: true, version: 0, tidNew: true, uack: true, class: 2, tpis: [], data: wspGet() },
      { type: 'Invoke', tid: 5, tidResponse: false, rid: false, gtr: false, ttr: true, version: 0, tidNew: false, uack: false, class: 0, tpis: [optionTpi(TPI_OPTION.MaxGroup, 4)], data: wspGet() },
      { type: 'Ack', tid: 0x1234, tidResponse: true, rid: false, tveTok: true, tpis: [], data: empty },
      { type: 'Ack', tid: 2, tidResponse: false, rid: true, tveTok: false, tpis: [{ type: 'PSN', psn: 3 }], data: empty },
      { type: 'Abort', tid: 3, tidResponse: true, abortType: 'Provider', reason: PROVIDER_ABORT.CAPTEMPEXCEEDED, tpis: [], data: empty },
      { type: 'Abort', tid: 3, tidResponse: false, abortType: 'User', reason: 0xe1, tpis: [], data: empty },
      { type: 'Nack', tid: 9, tidResponse: true, rid: false, missing: [1, 2, 5], tpis: [], data: empty },
      { type: 'Ack', tid: 1, tidResponse: false, rid: false, tveTok: false, tpis: [{ type: 'Info', value: Buffer.from('abcdef'), long: true }, { type: 'PSN', psn: 0 }], data: empty },
    ];
    // A segmented Result: first segment as Result, then Segmented Results 1 and 2 (TTR).
    const body = wspReply(Buffer.alloc(60, 0x41));
    const seg: WtpPdu[] = [
      { type: 'Result', tid: 7, tidResponse: true, rid: false, gtr: false, ttr: false, tpis: [], data: body.subarray(0, 20) },
      { type: 'SegmentedResult', tid: 7, tidResponse: true, rid: false, gtr: true, ttr: false, psn: 1, tpis: [], data: body.subarray(20, 40) },
      { type: 'SegmentedResult', tid: 7, tidResponse: true, rid: false, gtr: false, ttr: true, psn: 2, tpis: [], data: body.subarray(40) },
    ];
    const conc = encodeConcatenated([encodeWtpPdu(pdus[2]!), encodeWtpPdu(pdus[4]!)]);
    const dgrams = [...pdus.map(encodeWtpPdu), ...seg.map(encodeWtpPdu), conc].map((payload) => ({
      src: '127.0.0.1', srcPort: 40000, dst: '127.0.0.2', dstPort: 9201, payload,
    }));
    const res = tshark(udpPcap(dgrams));
    expect(res.problems).toEqual([]);
    const p = res.packets;
    expect(fieldValues(p[0]!, 'wtp.pdu_type')).toEqual(['0x01']);
    expect(fieldValues(p[0]!, 'wtp.TID')).toEqual(['0x1234']);
    expect(fieldValues(p[0]!, 'wtp.RID')).toEqual(['1']);
    expect(fieldValues(p[0]!, 'wtp.header.TIDNew')).toEqual(['1']);
    expect(fieldValues(p[0]!, 'wtp.header.UP')).toEqual(['1']);
    expect(fieldValues(p[0]!, 'wtp.inv.transaction_class')).toEqual(['0x02']);
    expect(fieldValues(p[1]!, 'wtp.inv.transaction_class')).toEqual(['0x00']);
    expect(fieldValues(p[1]!, 'wtp.tpi.opt')).toEqual(['0x04']);
    expect(fieldValues(p[2]!, 'wtp.ack.tvetok')).toEqual(['1']);
    expect(fieldValues(p[2]!, 'wtp.TID.response')).toEqual(['1']);
    expect(fieldValues(p[3]!, 'wtp.tpi.psn')).toEqual(['3']);
    expect(fieldValues(p[4]!, 'wtp.abort.type')).toEqual(['0x00']);
    expect(fieldValues(p[4]!, 'wtp.abort.reason.provider')).toEqual(['0x07']);
    expect(fieldValues(p[5]!, 'wtp.abort.reason.user')).toEqual(['0xe1']);
    expect(fieldValues(p[6]!, 'wtp.header.missing_packets')).toEqual(['3']);
    expect(fieldValues(p[7]!, 'wtp.tpi.psn')).toEqual(['0']);
    expect(fieldValues(p[9]!, 'wtp.header.sequence')).toEqual(['1']);
    expect(fieldValues(p[10]!, 'wtp.reassembled.length')).toEqual([String(body.length)]);
    expect(fieldValues(p[11]!, 'wtp.sub_pdu_size')).toContain('4'); // tshark -T json keeps the last of duplicate keys
    expect(res.text).toMatch(/PDU concatenation/);
  });
});
