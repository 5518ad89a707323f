/**
 * Real data we did not write (../shared/captures, see SOURCES.md): every WSP / WAP Push / MMS file decodes
 * and round-trips through `wapgate decode`'s library functions, and Kannel's own traffic decodes packet by
 * packet — checked frame by frame against what tshark reads in the same files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFile, type Document } from '../../src/cli/decode.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { decodeMms, encodeMms } from '../../src/mms/index.ts';
import { udpDatagramsOf } from '../../src/trace/pcap-read.ts';
import { decodeWtpDatagram } from '../../src/wtp/pdu.ts';
import { decodeConnectionless, decodeWspPdu, encodeConnectionless, encodeWspPdu, type WspPdu } from '../../src/wsp/pdu.ts';
import { fieldValues, SHARED_DIR, sharedAvailable, toolAvailable, tshark } from '../support/tools.ts';

const CAPTURES = join(SHARED_DIR, 'captures');
const have = sharedAvailable();
const list = (dir: string): string[] => (have ? readdirSync(join(CAPTURES, dir)).sort().map((f) => join(CAPTURES, dir, f)) : []);

function pduTypeHex(pdu: WspPdu): string {
  return `0x${encodeWspPdu(pdu)[0]!.toString(16).padStart(2, '0')}`;
}

function expectOk(docs: Document[]): void {
  for (const d of docs) expect(d.ok, JSON.stringify(d.error ?? d)).toBe(true);
}

describe.skipIf(!have)('real captures decode and round-trip', () => {
  describe('wsp/ (connection-oriented PDUs from real handsets)', () => {
    for (const f of list('wsp')) {
      it(f.split('/').pop()!, () => {
        const docs = decodeFile(f, 'wsp-co', { roundtrip: true });
        expectOk(docs);
        expect(docs[0]!.result!.wsp!.pdu.type).toBe('Connect');
        expect(docs[0]!.result!.identicalBytes).toBe(true);
      });
    }
  });

  describe('wap-push/ (connectionless Push PDUs)', () => {
    for (const f of list('wap-push')) {
      it(f.split('/').pop()!, () => {
        const docs = decodeFile(f, 'auto', { roundtrip: true });
        expectOk(docs);
        const r = docs[0]!.result!;
        expect(r.as).toBe('wsp-cl');
        expect(r.wsp!.pdu.type).toBe('Push');
        expect(r.identicalBytes).toBe(true);
        // the MMS notifications inside are decoded too
        if ('contentType' in r.wsp!.pdu && r.wsp!.pdu.contentType?.type === 'application/vnd.wap.mms-message') {
          expect(r.wsp!.mms?.messageType).toBe('m-notification-ind');
        }
      });
    }
  });

  describe('mms/ (MMS encapsulation bodies)', () => {
    for (const f of list('mms')) {
      it(f.split('/').pop()!, () => {
        const docs = decodeFile(f, 'auto', { roundtrip: true });
        expectOk(docs);
        expect(docs[0]!.result!.as).toBe('mms');
        expect(docs[0]!.result!.identicalBytes).toBe(true);
      });
    }
  });
});

describe.skipIf(!have || !toolAvailable('tshark'))('decoded fields agree with tshark', () => {
  it('wap-push/: PDU type and Content-Type as tshark reads them (exported PDU, wsp-cl)', () => {
    const files = list('wap-push');
    const res = tshark(exportedPduPcap(files.map((f) => readFileSync(f)), 'wsp-cl'));
    expect(res.packets).toHaveLength(files.length);
    files.forEach((f, i) => {
      const pdu = decodeFile(f, 'wsp-cl')[0]!.result!.wsp!.pdu;
      const pkt = res.packets[i]!;
      expect(fieldValues(pkt, 'wsp.pdu_type'), f).toEqual([pduTypeHex(pdu)]);
      expect(fieldValues(pkt, 'wsp.header.content_type')[0]?.toLowerCase(), f).toBe('contentType' in pdu ? pdu.contentType?.type : undefined);
    });
  });

  for (const f of list('kannel').filter((x) => x.endsWith('.pcap'))) {
    it(`kannel/${f.split('/').pop()}: every packet decodes (round-trip), WSP PDU types equal tshark's per frame`, () => {
      const docs = decodeFile(f, 'auto', { roundtrip: true });
      expectOk(docs);
      const res = tshark(f);
      expect(docs).toHaveLength(res.packets.length);
      let compared = 0;
      docs.forEach((d, i) => {
        expect(d.frame).toBe(i + 1);
        if (d.result) expect(d.result.identicalBytes, `${f} frame ${i + 1} re-encodes byte for byte`).toBe(true);
        const ours: string[] = [];
        if (d.result?.wsp) ours.push(pduTypeHex(d.result.wsp.pdu));
        for (const w of d.result?.wtp ?? []) if (w.wsp) ours.push(pduTypeHex(w.wsp.pdu));
        const theirs = fieldValues(res.packets[i]!, 'wsp.pdu_type');
        expect(ours, `${f} frame ${i + 1}`).toEqual(theirs);
        compared += ours.length;
      });
      expect(compared).toBeGreaterThan(0);
    });
  }
});

describe.skipIf(!have)('decode → encode → decode is stable for every real PDU (issue 17)', () => {
  const OWN = join(import.meta.dirname, '..', '..', 'captures');
  const stable = (buf: Buffer, decode: (b: Buffer) => unknown, encode: (v: never) => Buffer, what: string): void => {
    const first = decode(buf);
    const again = encode(first as never);
    expect(again.toString('hex'), what).toBe(buf.toString('hex'));
    expect(decode(again), what).toEqual(first);
  };
  it('wsp/, wap-push/, mms/ files', () => {
    for (const f of list('wsp')) stable(readFileSync(f), (b) => decodeWspPdu(b), (p: WspPdu) => encodeWspPdu(p), f);
    for (const f of list('wap-push')) {
      stable(readFileSync(f), (b) => decodeConnectionless(b), (c: ReturnType<typeof decodeConnectionless>) => encodeConnectionless(c.tid, c.pdu), f);
    }
    for (const f of list('mms')) stable(readFileSync(f), (b) => decodeMms(b), (p: ReturnType<typeof decodeMms>) => encodeMms(p), f);
  });
  it("every WSP PDU in Kannel's and our own captures (CL on 9200/2948, CO inside WTP on 9201)", () => {
    const pcaps = [...list('kannel').filter((x) => x.endsWith('.pcap')), ...readdirSync(OWN).filter((x) => x.endsWith('.pcap')).map((x) => join(OWN, x))];
    let n = 0;
    for (const f of pcaps) {
      for (const d of udpDatagramsOf(readFileSync(f))) {
        const ports = [d.srcPort, d.dstPort];
        if (ports.includes(9200) || ports.includes(2948)) {
          stable(d.payload, (b) => decodeConnectionless(b), (c: ReturnType<typeof decodeConnectionless>) => encodeConnectionless(c.tid, c.pdu), `${f} frame ${d.frame}`);
          n++;
        } else if (ports.includes(9201)) {
          for (const w of decodeWtpDatagram(d.payload)) {
            // Whole WSP PDUs only: the first segment of a SAR message is not one.
            if ((w.type !== 'Invoke' && w.type !== 'Result') || !w.ttr || w.data.length === 0) continue;
            stable(w.data, (b) => decodeWspPdu(b), (p: WspPdu) => encodeWspPdu(p), `${f} frame ${d.frame}`);
            n++;
          }
        }
      }
    }
    expect(n).toBeGreaterThan(20);
  });
});
