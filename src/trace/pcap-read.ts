/**
 * Reads capture files — classic libpcap (both byte orders, µs and ns timestamps) and pcapng (SHB, IDB, EPB,
 * SPB and the obsolete PB, any section byte order) — and yields the UDP datagrams inside (IPv4 and IPv6 over
 * Ethernet (+VLAN), RAW, Linux SLL/SLL2, BSD loopback, LINKTYPE_IPV4/IPV6), plus Wireshark "exported PDU"
 * records (linktype 252) with the dissector they name.
 *
 * Pure and bounded: every length is checked against the file before it is used, nothing is allocated from a
 * length field (payloads are views), and a bad file fails with a WapDecodeError carrying the file offset.
 * IP fragments, non-UDP packets and unknown link types are reported as skips, not errors.
 */
import { DecodeErrorCode, WapDecodeError } from '../wire/errors.ts';

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  UPPER_PDU: 252,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  /** Some BSDs number LINKTYPE_RAW 12 or 14. */
  RAW_BSD12: 12,
  RAW_BSD14: 14,
} as const;

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CapturedDatagram {
  kind: 'udp';
  /** Frame number in the file, from 1 (as Wireshark counts). */
  frame: number;
  /** Milliseconds since the epoch (fractional). */
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payload: Buffer;
  /** For exported-PDU records (linktype 252): the dissector the record names (e.g. 'wsp-cl', 'mmse_wsp'). */
  dissector?: string;
}

export interface SkippedFrame {
  kind: 'skip';
  frame: number;
  time: number;
  reason: string;
}

export type CaptureItem = CapturedDatagram | SkippedFrame;

export interface CaptureFrame {
  frame: number;
  time: number;
  linktype: number;
  data: Buffer;
}

export interface CaptureReadOptions {
  /** Stop with a LIMIT error after this many frames (default 10,000,000). */
  maxFrames?: number;
}

function fail(offset: number, message: string, code: WapDecodeError['code'] = DecodeErrorCode.VALUE): never {
  throw new WapDecodeError(code, offset, message);
}

/** What kind of capture file the bytes start with, if any. */
export function captureFormat(buf: Buffer): CaptureFormat | undefined {
  if (buf.length < 4) return undefined;
  const be = buf.readUInt32BE(0);
  if (be === 0x0a0d0d0a) return 'pcapng';
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(be)) return 'pcap';
  return undefined;
}

// ---------------- frames ----------------

/** Yields the link-layer frames of a pcap or pcapng file. */
export function* readCaptureFrames(buf: Buffer, opts: CaptureReadOptions = {}): Generator<CaptureFrame> {
  const fmt = captureFormat(buf);
  if (fmt === 'pcap') yield* readPcapFrames(buf, opts);
  else if (fmt === 'pcapng') yield* readPcapngFrames(buf, opts);
  else fail(0, 'not a pcap or pcapng file (unknown magic)');
}

function* readPcapFrames(buf: Buffer, opts: CaptureReadOptions): Generator<CaptureFrame> {
  if (buf.length < 24) fail(0, 'pcap header needs 24 octets', DecodeErrorCode.TRUNCATED);
  const magic = buf.readUInt32BE(0);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  // The upper bits of the link-type field carry FCS information (pcap-savefile(5)); the type is the low 16.
  const linktype = u32(20) & 0xffff;
  const max = opts.maxFrames ?? 10_000_000;
  let off = 24;
  let frame = 0;
  while (off < buf.length) {
    if (buf.length - off < 16) fail(off, 'pcap record header truncated', DecodeErrorCode.TRUNCATED);
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (incl > buf.length - off - 16) fail(off, `pcap record of ${incl} octets runs past the file`, DecodeErrorCode.TRUNCATED);
    if (++frame > max) fail(off, `more than ${max} frames`, DecodeErrorCode.LIMIT);
    const time = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    yield { frame, time, linktype, data: buf.subarray(off + 16, off + 16 + incl) };
    off += 16 + incl;
  }
}

interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second. */
  units: number;
}

function* readPcapngFrames(buf: Buffer, opts: CaptureReadOptions): Generator<CaptureFrame> {
  const max = opts.maxFrames ?? 10_000_000;
  let off = 0;
  let le = true;
  let ifaces: Iface[] = [];
  let frame = 0;
  while (off < buf.length) {
    if (buf.length - off < 12) fail(off, 'pcapng block header truncated', DecodeErrorCode.TRUNCATED);
    const typeBE = buf.readUInt32BE(off);
    if (typeBE === 0x0a0d0d0a) {
      // Section Header Block: the byte-order magic decides how this section is read.
      const bom = buf.readUInt32BE(off + 8);
      if (bom === 0x4d3c2b1a) le = true;
      else if (bom === 0x1a2b3c4d) le = false;
      else fail(off + 8, 'pcapng section header with a bad byte-order magic');
      ifaces = [];
    }
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const type = u32(off);
    const len = u32(off + 4);
    if (len < 12 || len % 4 !== 0) fail(off + 4, `pcapng block length ${len} invalid`);
    if (len > buf.length - off) fail(off + 4, `pcapng block of ${len} octets runs past the file`, DecodeErrorCode.TRUNCATED);
    if (u32(off + len - 4) !== len) fail(off + len - 4, 'pcapng block trailing length differs from its header');
    const body = off + 8;
    const bodyEnd = off + len - 4;
    switch (type) {
      case 0x00000001: {
        // Interface Description Block
        if (bodyEnd - body < 8) fail(body, 'pcapng IDB too short');
        const iface: Iface = { linktype: u16(body), snaplen: u32(body + 4), units: 1e6 };
        // options: code(u16) length(u16) value padded to 4; if_tsresol = 9
        let o = body + 8;
        while (o + 4 <= bodyEnd) {
          const code = u16(o);
          const olen = u16(o + 2);
          if (code === 0) break;
          if (o + 4 + olen > bodyEnd) fail(o, 'pcapng option runs past its block');
          if (code === 9 && olen >= 1) {
            const v = buf[o + 4]!;
            const exp = v & 0x7f;
            if (exp > 30 && (v & 0x80) === 0) fail(o + 4, `if_tsresol 10^-${exp} unsupported`);
            if (exp > 60) fail(o + 4, `if_tsresol 2^-${exp} unsupported`);
            iface.units = v & 0x80 ? 2 ** exp : 10 ** exp;
          }
          o += 4 + olen + ((4 - (olen % 4)) % 4);
        }
        ifaces.push(iface);
        break;
      }
      case 0x00000006:
      case 0x00000002: {
        // Enhanced Packet Block (6) / obsolete Packet Block (2)
        const epb = type === 6;
        if (bodyEnd - body < 20) fail(body, 'pcapng packet block too short');
        const ifId = epb ? u32(body) : u16(body);
        const iface = ifaces[ifId];
        if (!iface) fail(body, `packet for undeclared interface ${ifId}`);
        const tsHigh = u32(body + 4);
        const tsLow = u32(body + 8);
        const cap = u32(body + 12);
        if (cap > bodyEnd - (body + 20)) fail(body + 12, `captured length ${cap} runs past the block`);
        if (++frame > max) fail(off, `more than ${max} frames`, DecodeErrorCode.LIMIT);
        const ts = tsHigh * 4294967296 + tsLow;
        yield { frame, time: (ts / iface.units) * 1000, linktype: iface.linktype, data: buf.subarray(body + 20, body + 20 + cap) };
        break;
      }
      case 0x00000003: {
        // Simple Packet Block: always interface 0, no timestamp.
        const iface = ifaces[0];
        if (!iface) fail(body, 'simple packet before any interface');
        if (bodyEnd - body < 4) fail(body, 'pcapng SPB too short');
        const orig = u32(body);
        let cap = Math.min(orig, bodyEnd - (body + 4));
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        if (++frame > max) fail(off, `more than ${max} frames`, DecodeErrorCode.LIMIT);
        yield { frame, time: 0, linktype: iface.linktype, data: buf.subarray(body + 4, body + 4 + cap) };
        break;
      }
      default:
        // SHB (handled above), NRB, ISB, DSB, custom blocks: nothing to yield.
        break;
    }
    off += len;
  }
}

// ---------------- link, network and transport layers ----------------

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = [0x8100, 0x88a8, 0x9100];

type Net = { ip: Buffer } | { skip: string };

function linkToIp(linktype: number, d: Buffer): Net {
  switch (linktype) {
    case LINKTYPE.ETHERNET: {
      if (d.length < 14) return { skip: 'short Ethernet frame' };
      let o = 12;
      let type = d.readUInt16BE(o);
      // up to two VLAN tags (802.1Q / QinQ)
      for (let i = 0; i < 2 && ETH_VLAN.includes(type); i++) {
        if (d.length < o + 6) return { skip: 'short VLAN tag' };
        o += 4;
        type = d.readUInt16BE(o);
      }
      return etherType(type, d.subarray(o + 2));
    }
    case LINKTYPE.LINUX_SLL:
      if (d.length < 16) return { skip: 'short SLL header' };
      return etherType(d.readUInt16BE(14), d.subarray(16));
    case LINKTYPE.LINUX_SLL2:
      if (d.length < 20) return { skip: 'short SLL2 header' };
      return etherType(d.readUInt16BE(0), d.subarray(20));
    case LINKTYPE.NULL:
      // 4-octet address family in the capturing host's byte order; the IP version nibble is enough.
      if (d.length < 4) return { skip: 'short loopback header' };
      return { ip: d.subarray(4) };
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD12:
    case LINKTYPE.RAW_BSD14:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return { ip: d };
    default:
      return { skip: `link type ${linktype} not supported` };
  }
}

function etherType(type: number, payload: Buffer): Net {
  if (type === ETH_IPV4 || type === ETH_IPV6) return { ip: payload };
  return { skip: `ethertype 0x${type.toString(16).padStart(4, '0')} is not IP` };
}

type Udp = Omit<CapturedDatagram, 'kind' | 'frame' | 'time'>;

function ipv4Text(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6Text(b: Buffer, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(o + i).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

function udpOf(seg: Buffer, src: string, dst: string): Udp | { skip: string } {
  if (seg.length < 8) return { skip: 'short UDP header' };
  const len = seg.readUInt16BE(4);
  // UDP length 0 is used for jumbograms; otherwise trust the smaller of the header and what was captured.
  const end = len >= 8 ? Math.min(len, seg.length) : seg.length;
  return { src, srcPort: seg.readUInt16BE(0), dst, dstPort: seg.readUInt16BE(2), payload: seg.subarray(8, end) };
}

function ipToUdp(ip: Buffer): Udp | { skip: string } {
  if (ip.length < 1) return { skip: 'empty IP packet' };
  const v = ip[0]! >> 4;
  if (v === 4) {
    if (ip.length < 20) return { skip: 'short IPv4 header' };
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ihl < 20 || ihl > ip.length) return { skip: 'bad IPv4 header length' };
    const total = ip.readUInt16BE(2);
    const end = total >= ihl && total <= ip.length ? total : ip.length;
    const frag = ip.readUInt16BE(6);
    if ((frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0) return { skip: 'IPv4 fragment' };
    if (ip[9] !== 17) return { skip: `IP protocol ${ip[9]} is not UDP` };
    return udpOf(ip.subarray(ihl, end), ipv4Text(ip, 12), ipv4Text(ip, 16));
  }
  if (v === 6) {
    if (ip.length < 40) return { skip: 'short IPv6 header' };
    const plen = ip.readUInt16BE(4);
    const end = plen > 0 && 40 + plen <= ip.length ? 40 + plen : ip.length;
    let next = ip[6]!;
    let o = 40;
    // extension headers, bounded
    for (let i = 0; i < 16; i++) {
      if (next === 17) return udpOf(ip.subarray(o, end), ipv6Text(ip, 8), ipv6Text(ip, 24));
      if (next === 0 || next === 43 || next === 60) {
        if (o + 8 > end) return { skip: 'short IPv6 extension header' };
        const n = ip[o]!;
        o += (ip[o + 1]! + 1) * 8;
        next = n;
      } else if (next === 51) {
        if (o + 8 > end) return { skip: 'short IPv6 AH' };
        const n = ip[o]!;
        o += (ip[o + 1]! + 2) * 4;
        next = n;
      } else if (next === 44) {
        if (o + 8 > end) return { skip: 'short IPv6 fragment header' };
        const fo = ip.readUInt16BE(o + 2);
        if ((fo & 0xfff9) !== 0) return { skip: 'IPv6 fragment' };
        next = ip[o]!; // atomic fragment: carry on
        o += 8;
      } else return { skip: `IPv6 next header ${next} is not UDP` };
    }
    return { skip: 'too many IPv6 extension headers' };
  }
  return { skip: `IP version ${v}` };
}

/** An exported-PDU record (linktype 252): tags, then the payload for the named dissector. */
function exportedPdu(d: Buffer): Udp | { skip: string } {
  let o = 0;
  let dissector: string | undefined;
  let src = '';
  let dst = '';
  let srcPort = 0;
  let dstPort = 0;
  for (let i = 0; i < 64; i++) {
    if (o + 4 > d.length) return { skip: 'exported PDU tags truncated' };
    const tag = d.readUInt16BE(o);
    const len = d.readUInt16BE(o + 2);
    o += 4;
    if (o + len > d.length) return { skip: 'exported PDU tag runs past the record' };
    const v = d.subarray(o, o + len);
    o += len;
    if (tag === 0) {
      const u: Udp = { src, srcPort, dst, dstPort, payload: d.subarray(o) };
      if (dissector !== undefined) u.dissector = dissector;
      return u;
    }
    if (tag === 12 || tag === 13) dissector = v.toString('latin1').replace(/\0+$/, '');
    else if (tag === 20 && len === 4) src = ipv4Text(v, 0);
    else if (tag === 21 && len === 4) dst = ipv4Text(v, 0);
    else if (tag === 22 && len === 16) src = ipv6Text(v, 0);
    else if (tag === 23 && len === 16) dst = ipv6Text(v, 0);
    else if (tag === 25 && len === 4) srcPort = v.readUInt32BE(0);
    else if (tag === 26 && len === 4) dstPort = v.readUInt32BE(0);
  }
  return { skip: 'too many exported PDU tags' };
}

/** Yields every frame of a capture as a UDP datagram or as a skip with its reason. */
export function* readUdpDatagrams(buf: Buffer, opts: CaptureReadOptions = {}): Generator<CaptureItem> {
  for (const f of readCaptureFrames(buf, opts)) {
    let r: Udp | { skip: string };
    if (f.linktype === LINKTYPE.UPPER_PDU) r = exportedPdu(f.data);
    else {
      const net = linkToIp(f.linktype, f.data);
      r = 'skip' in net ? net : ipToUdp(net.ip);
    }
    if ('skip' in r) yield { kind: 'skip', frame: f.frame, time: f.time, reason: r.skip };
    else yield { kind: 'udp', frame: f.frame, time: f.time, ...r };
  }
}

/** All UDP datagrams of a capture (skips dropped). */
export function udpDatagramsOf(buf: Buffer, opts: CaptureReadOptions = {}): CapturedDatagram[] {
  const out: CapturedDatagram[] = [];
  for (const it of readUdpDatagrams(buf, opts)) if (it.kind === 'udp') out.push(it);
  return out;
}
