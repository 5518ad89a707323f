/**
 * Kannel's own WTP traffic with fakewap (../shared/captures/kannel/*.pcap) replayed into our responder: every
 * datagram fakewap sent goes in, in capture order; our user answers each Invoke with the payload Kannel's WSP
 * answered (taken from the capture, reassembled). What our responder sends after each fakewap datagram must be
 * what Kannel sent there: same PDU types, flags, TIDs, PSNs and payload bytes — SAR in both directions, the
 * group Acks with the PSN TPI, the class-0 Disconnect reusing the Get's TID, and no TID verification stall.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/wtp/clock.ts';
import { decodeWtpDatagram, type WtpPdu } from '../../src/wtp/pdu.ts';
import { WtpResponder } from '../../src/wtp/responder.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';
import { brief } from './script.ts';
import { readUdpCapture } from './support.ts';

const FILES = ['kannel-fakewap-co.pcap', 'kannel-fakewap-co-sar.pcap'];

/** Kannel's Result payload per client port and TID, reassembled from its Result / Segmented Result PDUs. */
function kannelResults(dgrams: ReturnType<typeof readUdpCapture>): Map<string, Buffer> {
  const parts = new Map<string, Map<number, Buffer>>();
  for (const d of dgrams) {
    if (d.srcPort !== 9201) continue;
    for (const p of decodeWtpDatagram(d.payload)) {
      if (p.type !== 'Result' && p.type !== 'SegmentedResult') continue;
      const k = `${d.dstPort}#${p.tid}`;
      const m = parts.get(k) ?? new Map<number, Buffer>();
      m.set(p.type === 'Result' ? 0 : p.psn, p.data);
      parts.set(k, m);
    }
  }
  const out = new Map<string, Buffer>();
  for (const [k, m] of parts) out.set(k, Buffer.concat([...m.keys()].sort((a, b) => a - b).map((i) => m.get(i)!)));
  return out;
}

function view(p: WtpPdu): string {
  return `${brief(p)} tid=${p.tid}${p.tidResponse ? 'R' : ''}${'gtr' in p && p.gtr ? ' gtr' : ''}${'ttr' in p && p.ttr ? ' ttr' : ''} len=${p.data.length}`;
}

describe.skipIf(!sharedAvailable())('our responder answers fakewap the way Kannel did', () => {
  for (const f of FILES) {
    it(f, () => {
      const dgrams = readUdpCapture(join(SHARED_DIR, 'captures', 'kannel', f)).filter((d) => d.srcPort === 9201 || d.dstPort === 9201);
      const results = kannelResults(dgrams);
      const clock = new FakeClock(0);
      let ours: { port: number; pdus: WtpPdu[] }[] = [];
      const invokes: string[] = [];
      const resp = new WtpResponder({
        clock,
        timers: { tidCacheSize: 64 },
        transport: { send: (d, peer) => ours.push({ port: peer.port, pdus: decodeWtpDatagram(d) }) },
        user: {
          invoke(tx, data, info) {
            invokes.push(`class ${info.class} tid ${info.tid} ${data.length}`);
            // fakewap sets U/P: the WSP layer acknowledges (TR-Invoke.res), then answers with Kannel's reply.
            if (info.uack) tx.ack();
            const r = results.get(`${info.peer.port}#${info.tid}`);
            if (info.class === 2 && r) tx.result(r);
          },
          abort(_tx, reason) {
            throw new Error(`unexpected abort ${reason.name}`);
          },
          resultConfirmed() {},
        },
      });
      let expected: WtpPdu[] = [];
      let compared = 0;
      const check = (): void => {
        compared += expected.length;
        expect(ours.flatMap((o) => o.pdus).map(view)).toEqual(expected.map(view));
        // byte-identical payloads
        expect(ours.flatMap((o) => o.pdus).map((p) => p.data.toString('hex'))).toEqual(expected.map((p) => p.data.toString('hex')));
        ours = [];
        expected = [];
      };
      for (const d of dgrams) {
        if (d.srcPort === 9201) {
          expected.push(...decodeWtpDatagram(d.payload));
          continue;
        }
        check();
        resp.receive(d.payload, { address: d.src, port: d.srcPort });
        clock.advance(50); // the capture's pace; far below every timer
      }
      check();
      expect(compared).toBeGreaterThanOrEqual(f.includes('sar') ? 10 : 2);
      expect(resp.stats.tidVerifications).toBe(0);
      expect(invokes.filter((s) => s.startsWith('class 0'))).toHaveLength(dgrams.filter((d) => d.dstPort === 9201 && (d.payload[3]! & 3) === 0 && d.payload[0] === 0x0a).length);
      expect(invokes.length).toBeGreaterThanOrEqual(3);
    });
  }
});
