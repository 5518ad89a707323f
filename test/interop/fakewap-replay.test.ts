/**
 * Kannel's own traffic as the oracle: fakewap's datagrams recorded against Kannel (../shared/captures/kannel/) are
 * replayed to wapgate, and wapgate must answer with the same WSP PDUs and statuses Kannel answered (ConnectReply,
 * Reply 200 with an MMS body), which tshark dissects with no Malformed/expert error. The recorded URLs name
 * http://127.0.0.1:8040; the gateway reaches it through its upstream-proxy option, and the test's CONNECT proxy
 * routes that tunnel to a local upstream on an ephemeral port (nothing binds 8040).
 */
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { readUdpDatagrams, type CapturedDatagram } from '../../src/trace/pcap-read.ts';
import { udpPcap, type UdpDatagram } from '../../src/trace/pcap.ts';
import { decodeWtpDatagram } from '../../src/wtp/pdu.ts';
import { decodeConnectionless, decodeWspPdu } from '../../src/wsp/pdu.ts';
import { SHARED_DIR, sharedAvailable, toolAvailable, tshark } from '../support/tools.ts';
import { startConnectProxy, type ConnectProxy } from '../gateway/connect-proxy.ts';
import { startUpstream, type Upstream } from '../gateway/upstream-server.ts';

const KANNEL = join(SHARED_DIR, 'captures', 'kannel');
const ready = sharedAvailable() && toolAvailable('tshark');

function capture(name: string): CapturedDatagram[] {
  return [...readUdpDatagrams(readFileSync(join(KANNEL, name)))].filter((d): d is CapturedDatagram => d.kind === 'udp');
}

/** WSP view of one server → client datagram: PDU type and, for a Reply, its status. */
function describeReply(payload: Buffer, cl: boolean): string[] {
  if (cl) {
    const { pdu } = decodeConnectionless(payload);
    return [pdu.type === 'Reply' ? `Reply 0x${pdu.status.toString(16)} ${pdu.contentType?.type}` : pdu.type];
  }
  const out: string[] = [];
  for (const p of decodeWtpDatagram(payload)) {
    if (p.type === 'Result' && p.ttr) {
      const w = decodeWspPdu(p.data);
      out.push(w.type === 'Reply' ? `Reply 0x${w.status.toString(16)} ${w.contentType?.type}` : w.type);
    } else out.push(`wtp:${p.type}`);
  }
  return out;
}

let upstream: Upstream | undefined;
let proxy: ConnectProxy | undefined;
let gw: Gateway;

beforeAll(async () => {
  if (!ready) return;
  upstream = await startUpstream();
  const port = upstream.port;
  proxy = await startConnectProxy(() => ({ host: '127.0.0.1', port }));
  gw = createGateway({ clPort: 0, coPort: 0, upstream: 'http://127.0.0.1:8040/', http: { proxy: proxy.url } });
  await gw.start();
});
afterAll(async () => {
  await gw?.stop(0);
  await proxy?.close();
  await upstream?.close();
});

async function replay(name: string, cl: boolean): Promise<{ ours: string[]; kannels: string[]; pcap: Buffer }> {
  const recorded = capture(name);
  const serverPort = cl ? 9200 : 9201;
  const fromClient = recorded.filter((d) => d.dstPort === serverPort);
  const kannels = recorded.filter((d) => d.srcPort === serverPort).flatMap((d) => describeReply(d.payload, cl));
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = cl ? gw.addresses.cl.port : gw.addresses.co.port;
  const got: Buffer[] = [];
  const trace: UdpDatagram[] = [];
  const me = s.address().port;
  s.on('message', (m) => {
    got.push(m);
    trace.push({ src: '127.0.0.1', srcPort: serverPort, dst: '127.0.0.1', dstPort: me, payload: m });
  });
  for (const d of fromClient) {
    const before = got.length;
    trace.push({ src: '127.0.0.1', srcPort: me, dst: '127.0.0.1', dstPort: serverPort, payload: d.payload });
    await new Promise<void>((r) => s.send(d.payload, port, '127.0.0.1', () => r()));
    // Wait for the answer this datagram calls for (a method, a class-2 Invoke) before sending the next, as fakewap did.
    const first = cl ? undefined : decodeWtpDatagram(d.payload)[0];
    const answered = cl || (first?.type === 'Invoke' && first.class === 2);
    for (let i = 0; answered && i < 60 && got.length === before; i++) await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100));
  s.close();
  return { ours: got.flatMap((m) => describeReply(m, cl)), kannels, pcap: udpPcap(trace) };
}

describe.skipIf(!ready)("fakewap's recorded traffic replayed to wapgate answers as Kannel did", () => {
  for (const [name, cl] of [
    ['kannel-fakewap-co.pcap', false],
    ['kannel-fakewap-cl.pcap', true],
    ['kannel-fakewap-cl-post.pcap', true],
  ] as const) {
    it(name, async () => {
      const { ours, kannels, pcap } = await replay(name, cl);
      expect(ours).toEqual(kannels);
      expect(ours.some((x) => x.startsWith('Reply 0x20 application/vnd.wap.mms-message'))).toBe(true);
      const ts = tshark(pcap);
      expect(ts.problems, ts.text.slice(0, 3000)).toEqual([]);
    });
  }
});
