/**
 * Test helpers for WTP: a minimal pcap/pcapng reader (Ethernet / raw IPv4 + UDP) for the shared Kannel captures,
 * and a tshark round for engine output.
 */
import { readFileSync } from 'node:fs';

export interface CapturedUdp {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Buffer;
}

function ipv4Udp(pkt: Buffer, off: number): CapturedUdp | undefined {
  if (pkt.length < off + 28 || pkt[off]! >> 4 !== 4) return undefined;
  const ihl = (pkt[off]! & 0x0f) * 4;
  if (pkt[off + 9] !== 17) return undefined;
  const u = off + ihl;
  const len = pkt.readUInt16BE(u + 4);
  return {
    src: [...pkt.subarray(off + 12, off + 16)].join('.'),
    dst: [...pkt.subarray(off + 16, off + 20)].join('.'),
    srcPort: pkt.readUInt16BE(u),
    dstPort: pkt.readUInt16BE(u + 2),
    payload: pkt.subarray(u + 8, u + len),
  };
}

function frame(linktype: number, data: Buffer): CapturedUdp | undefined {
  if (linktype === 1) return data.length > 14 && data.readUInt16BE(12) === 0x0800 ? ipv4Udp(data, 14) : undefined;
  if (linktype === 101) return ipv4Udp(data, 0);
  if (linktype === 113) return ipv4Udp(data, 16);
  return undefined;
}

/** UDP datagrams of a pcap or pcapng file (IPv4 only; enough for the shared Kannel captures). */
export function readUdpCapture(path: string): CapturedUdp[] {
  const b = readFileSync(path);
  const out: CapturedUdp[] = [];
  if (b.readUInt32LE(0) === 0x0a0d0d0a) {
    const linktypes: number[] = [];
    let off = 0;
    while (off + 12 <= b.length) {
      const type = b.readUInt32LE(off);
      const len = b.readUInt32LE(off + 4);
      if (len < 12) break;
      if (type === 1) linktypes.push(b.readUInt16LE(off + 8));
      if (type === 6) {
        const iface = b.readUInt32LE(off + 8);
        const cap = b.readUInt32LE(off + 20);
        const d = frame(linktypes[iface] ?? 1, b.subarray(off + 28, off + 28 + cap));
        if (d) out.push(d);
      }
      off += len;
    }
    return out;
  }
  const linktype = b.readUInt32LE(20);
  let off = 24;
  while (off + 16 <= b.length) {
    const cap = b.readUInt32LE(off + 8);
    const d = frame(linktype, b.subarray(off + 16, off + 16 + cap));
    if (d) out.push(d);
    off += 16 + cap;
  }
  return out;
}

/** A WSP Get PDU (WAP-230 §8.2.3.1) — a valid payload for tshark's WSP dissector behind WTP. */
export function wspGet(uri = 'http://127.0.0.1/'): Buffer {
  return Buffer.concat([Buffer.from([0x40, uri.length]), Buffer.from(uri, 'latin1')]);
}

/** A WSP Reply (200, text/plain) with the given body. */
export function wspReply(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x04, 0x20, 0x01, 0x83]), body]);
}
