/**
 * Classic libpcap files: LINKTYPE_RAW (IPv4/IPv6 + UDP, what wapgate records) and LINKTYPE_WIRESHARK_UPPER_PDU
 * (252, "exported PDU": a payload tagged with the dissector that should read it — how a bare MMS body or WSP
 * PDU is handed to tshark). Pure functions producing Buffers; writing files is the caller's business.
 */
import { parseIp } from '../net/ip.ts';

export const LINKTYPE_RAW = 101;
export const LINKTYPE_UPPER_PDU = 252;

export interface UdpDatagram {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Uint8Array;
  /** Milliseconds since the epoch; defaults to the packet's index (1 ms apart). */
  time?: number;
}

export function pcapHeader(linktype: number, snaplen = 262144): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(linktype, 20);
  return h;
}

export function pcapRecord(data: Uint8Array, timeMs: number): Buffer {
  const h = Buffer.alloc(16);
  const sec = Math.floor(timeMs / 1000);
  h.writeUInt32LE(sec >>> 0, 0);
  h.writeUInt32LE(Math.round((timeMs - sec * 1000) * 1000), 4);
  h.writeUInt32LE(data.length, 8);
  h.writeUInt32LE(data.length, 12);
  return Buffer.concat([h, data]);
}

/** An address as 4 or 16 octets (one parser for the project: src/identity/ip.ts; IPv4-mapped IPv6 is IPv4). */
function addrBytes(a: string, family: 4 | 6): Buffer {
  const ip = parseIp(a);
  if (!ip) throw new Error(`not an IP address: ${a}`);
  const n = family === 4 ? 4 : 16;
  let v = ip.family === 4 && family === 6 ? (0xffffn << 32n) | ip.value : ip.value;
  const b = Buffer.alloc(n);
  for (let i = n - 1; i >= 0; i--, v >>= 8n) b[i] = Number(v & 0xffn);
  return b;
}

/** 4 when both ends are IPv4 (or IPv4-mapped), else 6. */
function familyOf(src: string, dst: string): 4 | 6 {
  return parseIp(src)?.family === 4 && parseIp(dst)?.family === 4 ? 4 : 6;
}

function checksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1]! << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** An IPv4 or IPv6 packet carrying one UDP datagram (checksums filled in). */
export function ipUdpPacket(d: UdpDatagram): Buffer {
  const udpLen = 8 + d.payload.length;
  const udp = Buffer.alloc(udpLen);
  udp.writeUInt16BE(d.srcPort, 0);
  udp.writeUInt16BE(d.dstPort, 2);
  udp.writeUInt16BE(udpLen > 0xffff ? 0 : udpLen, 4);
  udp.set(d.payload, 8);
  const family = familyOf(d.src, d.dst);
  if (family === 4) {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(Math.min(0xffff, 20 + udpLen), 2);
    ip[8] = 64;
    ip[9] = 17;
    addrBytes(d.src, 4).copy(ip, 12);
    addrBytes(d.dst, 4).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 17, udpLen >> 8, udpLen & 0xff]), udp]);
    udp.writeUInt16BE(checksum(pseudo) || 0xffff, 6);
    return Buffer.concat([ip, udp]);
  }
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(udpLen & 0xffff, 4);
  ip[6] = 17;
  ip[7] = 64;
  addrBytes(d.src, 6).copy(ip, 8);
  addrBytes(d.dst, 6).copy(ip, 24);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(udpLen);
  const pseudo = Buffer.concat([ip.subarray(8, 40), len, Buffer.from([0, 0, 0, 17]), udp]);
  udp.writeUInt16BE(checksum(pseudo) || 0xffff, 6);
  return Buffer.concat([ip, udp]);
}

/** A whole pcap file of UDP datagrams (LINKTYPE_RAW). */
export function udpPcap(datagrams: UdpDatagram[]): Buffer {
  return Buffer.concat([
    pcapHeader(LINKTYPE_RAW),
    ...datagrams.map((d, i) => pcapRecord(ipUdpPacket(d), d.time ?? 1_700_000_000_000 + i)),
  ]);
}

function tlv(tag: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16BE(tag, 0);
  // The length covers the NUL padding: Wireshark steps over exactly `length` octets.
  b.writeUInt16BE(value.length + pad, 2);
  value.copy(b, 4);
  return b;
}

/**
 * An exported-PDU record: tag 12 names a dissector ("wsp-cl", "wsp-co", "wtp-udp", "gsm_sms"...), tag 13 a
 * heuristic one ("mmse_wsp" for a bare MMS body).
 */
export function exportedPdu(payload: Uint8Array, dissector: string, heuristic = false): Buffer {
  return Buffer.concat([tlv(heuristic ? 13 : 12, Buffer.from(dissector, 'ascii')), tlv(0, Buffer.alloc(0)), payload]);
}

export function exportedPduPcap(payloads: Uint8Array[], dissector: string, heuristic = false): Buffer {
  return Buffer.concat([
    pcapHeader(LINKTYPE_UPPER_PDU),
    ...payloads.map((p, i) => pcapRecord(exportedPdu(p, dissector, heuristic), 1_700_000_000_000 + i)),
  ]);
}

// ---------------- TCP (for the HTTP side of a trace: src/trace/recorder.ts) ----------------

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSegment {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  seq: number;
  ack: number;
  /** TCP_* flags or-ed together. */
  flags: number;
  payload?: Uint8Array;
  window?: number;
}

/** An IPv4 or IPv6 packet carrying one TCP segment (20-octet header, no options; checksums filled in). */
export function ipTcpPacket(s: TcpSegment): Buffer {
  const payload = s.payload ?? new Uint8Array(0);
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(s.srcPort, 0);
  tcp.writeUInt16BE(s.dstPort, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE(s.flags & TCP_ACK ? s.ack >>> 0 : 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = s.flags & 0x3f;
  tcp.writeUInt16BE(s.window ?? 65535, 14);
  tcp.set(payload, 20);
  const len = tcp.length;
  const family = familyOf(s.src, s.dst);
  if (family === 4) {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + len, 2);
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    addrBytes(s.src, 4).copy(ip, 12);
    addrBytes(s.dst, 4).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, len >> 8, len & 0xff]), tcp]);
    tcp.writeUInt16BE(checksum(pseudo), 16);
    return Buffer.concat([ip, tcp]);
  }
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(len, 4);
  ip[6] = 6;
  ip[7] = 64;
  addrBytes(s.src, 6).copy(ip, 8);
  addrBytes(s.dst, 6).copy(ip, 24);
  const l = Buffer.alloc(4);
  l.writeUInt32BE(len);
  const pseudo = Buffer.concat([ip.subarray(8, 40), l, Buffer.from([0, 0, 0, 6]), tcp]);
  tcp.writeUInt16BE(checksum(pseudo), 16);
  return Buffer.concat([ip, tcp]);
}
