/**
 * WDP over SMS (WAP-259 §6.5, WAP-235 §7): a datagram (here a connectionless WSP Push, TID first) carried in
 * the 8-bit user data of one or more short messages, each with a User Data Header holding the 16-bit
 * application port addressing element (destination 2948 = WAP Push, source 9200 = WSP connectionless) and,
 * when the datagram needs more than one message, the concatenation element (3GPP TS 23.040 §9.2.3.24.1).
 */
import { WapEncodeError } from '../../wire/errors.ts';
import { encodeUserDataHeader, elementSize, findConcat, findPorts, type UdhElement } from './udh.ts';

/** 23.040 §9.2.3.16: at most 140 octets of user data in one short message (8-bit). */
export const SMS_USER_DATA_OCTETS = 140;

/** WAP-259 Appendix B: the WDP ports of the push services. */
export const WdpPort = {
  WSP_CL: 9200,
  WSP_CO: 9201,
  PUSH_CL: 2948,
  PUSH_CO_SECURE: 2949,
} as const;

export interface SegmentOptions {
  dstPort?: number;
  srcPort?: number;
  /** Concatenation reference (mod 256 or 65536); callers keep a counter per destination. */
  ref: number;
  /** 8-bit (IEI 0x00) or 16-bit (IEI 0x08) concatenation reference; default 8. */
  refBits?: 8 | 16;
  /** Cap on the number of segments (at most 255); default 255. */
  maxSegments?: number;
  /** Octets of user data per message; default 140. */
  maxUserData?: number;
}

/**
 * Splits a datagram into SMS user data blocks (UDH + payload), in sequence order. One block when the
 * datagram fits with the port element alone; otherwise every block carries ports and concatenation.
 */
export function segmentWdp(datagram: Buffer, o: SegmentOptions): Buffer[] {
  const dst = o.dstPort ?? WdpPort.PUSH_CL;
  const src = o.srcPort ?? WdpPort.WSP_CL;
  const refBits = o.refBits ?? 8;
  const maxUd = o.maxUserData ?? SMS_USER_DATA_OCTETS;
  const maxSegments = Math.min(o.maxSegments ?? 255, 255);
  const ports: UdhElement = { kind: 'ports', dst, src, bits: 16 };
  const single = maxUd - 1 - elementSize(ports);
  if (datagram.length <= single) return [Buffer.concat([encodeUserDataHeader([ports]), datagram])];

  const concatSize = refBits === 8 ? 5 : 6;
  const per = maxUd - 1 - elementSize(ports) - concatSize;
  const total = Math.ceil(datagram.length / per);
  if (total > maxSegments) {
    throw new WapEncodeError(`datagram of ${datagram.length} octets needs ${total} short messages (limit ${maxSegments})`);
  }
  const ref = refBits === 8 ? o.ref & 0xff : o.ref & 0xffff;
  const out: Buffer[] = [];
  for (let i = 0; i < total; i++) {
    // WAP-259 §6.5.2 (as Kannel and handsets order it): port addressing first, then concatenation.
    const udh = encodeUserDataHeader([ports, { kind: 'concat', ref, total, seq: i + 1, refBits }]);
    out.push(Buffer.concat([udh, datagram.subarray(i * per, (i + 1) * per)]));
  }
  return out;
}

/** Number of short messages a datagram needs. */
export function segmentCount(length: number, refBits: 8 | 16 = 8, maxUd = SMS_USER_DATA_OCTETS): number {
  if (length <= maxUd - 7) return 1;
  return Math.ceil(length / (maxUd - 7 - (refBits === 8 ? 5 : 6)));
}

export interface ReceivedSegment {
  /** Who sent it (originating address), part of the reassembly key. */
  from: string;
  elements: readonly UdhElement[];
  payload: Buffer;
}

export interface Reassembled {
  from: string;
  dstPort?: number;
  srcPort?: number;
  datagram: Buffer;
}

export interface ReassemblerOptions {
  /** Most concatenated messages held at once; the oldest is dropped beyond it. Default 256. */
  maxPending?: number;
  /** Incomplete messages older than this are dropped (23.040 leaves it to the receiver). Default 5 min. */
  timeoutMs?: number;
  now?: () => number;
}

interface Pending {
  total: number;
  parts: (Buffer | undefined)[];
  have: number;
  first: number;
  ports?: { dst: number; src: number };
}

/**
 * Reassembles concatenated short messages (23.040 §9.2.3.24.1) keyed by sender, reference and total.
 * Duplicates are ignored; memory is bounded by maxPending × 255 × 140 octets.
 */
export class SmsReassembler {
  private readonly pending = new Map<string, Pending>();
  private readonly maxPending: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(o: ReassemblerOptions = {}) {
    this.maxPending = o.maxPending ?? 256;
    this.timeoutMs = o.timeoutMs ?? 300_000;
    this.now = o.now ?? Date.now;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Feeds one message; returns the datagram once every segment is in. */
  push(seg: ReceivedSegment): Reassembled | undefined {
    const ports = findPorts(seg.elements);
    const concat = findConcat(seg.elements);
    const portInfo = ports ? { dstPort: ports.dst, srcPort: ports.src } : {};
    if (!concat || concat.total === 1) return { from: seg.from, ...portInfo, datagram: Buffer.from(seg.payload) };
    this.expire();
    const key = `${seg.from}\u0000${concat.refBits}:${concat.ref}:${concat.total}`;
    let p = this.pending.get(key);
    if (!p) {
      if (this.pending.size >= this.maxPending) {
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.pending.delete(oldest);
      }
      p = { total: concat.total, parts: new Array<Buffer | undefined>(concat.total), have: 0, first: this.now() };
      this.pending.set(key, p);
    }
    if (ports && !p.ports) p.ports = { dst: ports.dst, src: ports.src };
    if (p.parts[concat.seq - 1] === undefined) {
      p.parts[concat.seq - 1] = Buffer.from(seg.payload);
      p.have++;
    }
    if (p.have < p.total) return undefined;
    this.pending.delete(key);
    const datagram = Buffer.concat(p.parts as Buffer[]);
    return { from: seg.from, ...(p.ports ? { dstPort: p.ports.dst, srcPort: p.ports.src } : {}), datagram };
  }

  private expire(): void {
    const limit = this.now() - this.timeoutMs;
    for (const [k, p] of this.pending) {
      if (p.first >= limit) break; // insertion order = age order
      this.pending.delete(k);
    }
  }
}
