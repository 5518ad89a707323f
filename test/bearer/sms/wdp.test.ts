import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUserDataHeader, encodeUserDataHeader } from '../../../src/bearer/sms/udh.ts';
import { decodeSmsDeliver, decodeSmsSubmit, encodeSmsDeliver, encodeSmsSubmit, smsAddress, stripSmscAddress } from '../../../src/bearer/sms/tpdu.ts';
import { SmsReassembler, segmentCount, segmentWdp } from '../../../src/bearer/sms/wdp.ts';
import { WapDecodeError } from '../../../src/wire/errors.ts';
import { exportedPduPcap } from '../../../src/trace/pcap.ts';
import { SHARED_DIR, fieldValues, sharedAvailable, toolAvailable, tshark } from '../../support/tools.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const captures = (p: string) => readFileSync(join(SHARED_DIR, 'captures', p));

describe('UDH codec (3GPP TS 23.040 §9.2.3.24)', () => {
  // UDHL 0b | 05 04 0b84 23f0 (ports 2948 ← 9200) | 00 03 96 02 01 (8-bit ref 0x96, 2 parts, part 1)
  const vector = hex('0b 05040b8423f0 00039602 01');
  const elements = [
    { kind: 'ports', dst: 2948, src: 9200, bits: 16 },
    { kind: 'concat', ref: 0x96, total: 2, seq: 1, refBits: 8 },
  ] as const;

  it('decodes, encodes as hex, round-trips', () => {
    const d = decodeUserDataHeader(Buffer.concat([vector, hex('aabb')]));
    expect(d.elements).toEqual(elements);
    expect(d.payload.toString('hex')).toBe('aabb');
    expect(d.headerLength).toBe(12);
    expect(encodeUserDataHeader(elements).toString('hex')).toBe(vector.toString('hex'));
  });

  it('16-bit reference (IEI 0x08) and unknown elements', () => {
    const v = hex('0c 0804 9f8e 0201 05040b8423f0');
    const d = decodeUserDataHeader(v);
    expect(d.elements[0]).toEqual({ kind: 'concat', ref: 0x9f8e, total: 2, seq: 1, refBits: 16 });
    expect(encodeUserDataHeader(d.elements).toString('hex')).toBe(v.toString('hex'));
    const o = decodeUserDataHeader(hex('03 700100'));
    expect(o.elements[0]).toEqual({ kind: 'other', iei: 0x70, data: hex('00') });
  });

  it('ignores a concatenation element with sequence outside 1..total (§9.2.3.24.1)', () => {
    expect(decodeUserDataHeader(hex('05 00031a0203')).elements[0]!.kind).toBe('other');
  });

  it('error vectors', () => {
    for (const bad of ['', '05 0003', '03 0005 00', '02 05 04']) {
      expect(() => decodeUserDataHeader(hex(bad)), bad).toThrow(WapDecodeError);
    }
  });

  it('arbitrary bytes give only WapDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
        for (const f of [decodeUserDataHeader, decodeSmsDeliver, decodeSmsSubmit]) {
          try {
            f(Buffer.from(a));
          } catch (e) {
            if (!(e instanceof WapDecodeError)) throw e;
          }
        }
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('WDP over SMS segmentation (WAP-259 §6.5)', () => {
  it('one message with ports only up to 133 octets, then ports + concatenation (128 octets each)', () => {
    expect(segmentCount(133)).toBe(1);
    expect(segmentCount(134)).toBe(2);
    const one = segmentWdp(Buffer.alloc(133, 1), { ref: 7 });
    expect(one).toHaveLength(1);
    expect(one[0]!.subarray(0, 7).toString('hex')).toBe('0605040b8423f0');
    expect(one[0]!.length).toBe(140);
    const dgram = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    const segs = segmentWdp(dgram, { ref: 0x1ff });
    expect(segs.map((s) => s.length)).toEqual([140, 140, 12 + 44]);
    expect(segs[2]!.subarray(0, 12).toString('hex')).toBe('0b05040b8423f0' + '0003ff0303');
    const r = new SmsReassembler();
    let out;
    for (const s of [segs[2]!, segs[0]!, segs[0]!, segs[1]!]) {
      const d = decodeUserDataHeader(s);
      out = r.push({ from: '+1555', elements: d.elements, payload: d.payload }) ?? out;
    }
    expect(out!.datagram.equals(dgram)).toBe(true);
    expect(out!.dstPort).toBe(2948);
    expect(r.size).toBe(0);
  });

  it('16-bit references and the segment cap', () => {
    const segs = segmentWdp(Buffer.alloc(500), { ref: 0x1234, refBits: 16 });
    expect(decodeUserDataHeader(segs[0]!).elements[1]).toEqual({ kind: 'concat', ref: 0x1234, total: 4, seq: 1, refBits: 16 });
    expect(() => segmentWdp(Buffer.alloc(500), { ref: 1, maxSegments: 2 })).toThrow(/needs 4 short messages/);
  });

  it('the reassembler is bounded and expires old partial messages', () => {
    let t = 0;
    const r = new SmsReassembler({ maxPending: 2, timeoutMs: 1000, now: () => t });
    const seg = (ref: number) => decodeUserDataHeader(segmentWdp(Buffer.alloc(200), { ref })[0]!);
    for (const ref of [1, 2, 3]) r.push({ from: 'a', ...seg(ref) });
    expect(r.size).toBe(2);
    t = 5000;
    r.push({ from: 'a', ...seg(4) });
    expect(r.size).toBe(1);
  });

  it('SMS-SUBMIT and SMS-DELIVER encode → decode', () => {
    const ud = segmentWdp(Buffer.alloc(10, 0x41), { ref: 1 })[0]!;
    const sub = decodeSmsSubmit(encodeSmsSubmit({ destination: smsAddress('+15551234'), userData: ud, udhi: true, messageReference: 9 }));
    expect(sub.destination).toEqual({ digits: '15551234', ton: 1, npi: 1 });
    expect(sub.messageReference).toBe(9);
    expect(sub.payload.equals(Buffer.alloc(10, 0x41))).toBe(true);
    const del = decodeSmsDeliver(encodeSmsDeliver({ originator: smsAddress('12345'), userData: ud, udhi: true }));
    expect(del.originator.digits).toBe('12345');
    expect(del.udh).toEqual([{ kind: 'ports', dst: 2948, src: 9200, bits: 16 }]);
  });
});

describe.skipIf(!sharedAvailable())('real concatenated SMS pushes (../shared/captures/sms) decode to the reassembled WSP pushes', () => {
  const pairs: [string[], string][] = [
    [['sms/python-messaging_vodafone-de-si_seg1of2.smsc+tpdu.bin', 'sms/python-messaging_vodafone-de-si_seg2of2.smsc+tpdu.bin'], 'wap-push/python-messaging_vodafone-de-si_reassembled.wsp'],
    [['sms/python-messaging_vodafone-uk-mms-notif-A_seg2of2.smsc+tpdu.bin', 'sms/python-messaging_vodafone-uk-mms-notif-A_seg1of2.smsc+tpdu.bin'], 'wap-push/python-messaging_vodafone-uk-mms-notif_reassembled.wsp'],
    [['sms/ofono_de-mms-notif_single.smsc+tpdu.bin'], 'wap-push/mmsd_push1.wsp'],
  ];
  for (const [segs, wsp] of pairs) {
    it(wsp, () => {
      const r = new SmsReassembler();
      let got;
      for (const f of segs) {
        const d = decodeSmsDeliver(stripSmscAddress(captures(f)));
        expect(d.udh).toBeDefined();
        got = r.push({ from: d.originator.digits, elements: d.udh!, payload: d.payload }) ?? got;
      }
      expect(got).toBeDefined();
      expect(got!.dstPort).toBe(2948);
      expect(got!.srcPort).toBe(9200);
      expect(got!.datagram.toString('hex')).toBe(captures(wsp).toString('hex'));
    });
  }
});

describe.skipIf(!toolAvailable('tshark') || !sharedAvailable())('tshark GSM SMS dissector reassembles our segments', () => {
  it('real WSP pushes → our segmented SMS-DELIVERs → tshark reassembly → the same WSP Push fields as the original', { timeout: 180_000 }, () => {
    const files = ['wap-push/python-messaging_vodafone-de-si_reassembled.wsp', 'wap-push/nuntium_TMobileUSA.wsp'];
    const datagrams = files.map((f) => captures(f));
    // All segments in one capture (distinct references), all originals in another: two tshark runs in all.
    const tpdus = datagrams.flatMap((d, i) => {
      const segs = segmentWdp(d, { ref: 0x42 + i });
      expect(segs.length).toBe(2);
      return segs.map((ud) => encodeSmsDeliver({ originator: smsAddress('+15550001'), userData: ud, udhi: true }));
    });
    const ours = tshark(exportedPduPcap(tpdus, 'gsm_sms'));
    const ref = tshark(exportedPduPcap(datagrams, 'wsp-cl'));
    expect(ours.problems).toEqual([]);
    files.forEach((f, i) => {
      const last = ours.packets[2 * i + 1]!;
      const first = ref.packets[i]!;
      expect(fieldValues(last, 'wsp.pdu_type'), f).toEqual(['0x06']);
      for (const field of ['wsp.header.content_type', 'wsp.header.x_wap_application_id', 'mmse.transaction_id', 'wbxml.public_id.known']) {
        expect(fieldValues(last, field), `${f} ${field}`).toEqual(fieldValues(first, field));
      }
      expect(fieldValues(last, 'gsm_sms.destination_port')[0]).toBe('2948');
      expect(fieldValues(last, 'gsm_sms.udh.mm.msg_parts')[0]).toBe('2');
    });
  });
});
