/**
 * Segmentation and reassembly (WAP-224 §9.5, basic SAR): a message travels as up to 256 packets (PSN 0..255);
 * PSN 0 is the Invoke/Result itself, the rest are Segmented Invoke/Result PDUs. Packets go in groups; the last
 * packet of a group carries GTR, the last of the message TTR. The receiver acknowledges a complete group with an
 * Ack carrying the PSN TPI of its last packet, or names the missing packets in a Nack; the sender retransmits
 * only what is missing. Extended SAR (more than 256 packets) is not implemented: a message of ours that would need
 * it, and a peer that uses it (an SDU-boundary or Frame-boundary TPI, or a two-octet PSN), are answered with
 * Abort(NOTIMPLEMENTEDESAR) — the reason WAP-224 defines for this case, and what Kannel's responder sends
 * (wtp_resp_states.def, RESULT_WAIT + TR-Result.req beyond 256 segments).
 */
import type { WtpPdu } from './pdu.ts';

/** WAP-224 §9.5: the PSN is one octet. */
export const MAX_PACKETS = 256;

export function segmentMessage(data: Buffer, segmentSize: number): Buffer[] {
  if (data.length <= segmentSize) return [data];
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += segmentSize) out.push(data.subarray(off, off + segmentSize));
  return out;
}

/** WAP-224 §8.4: the TPIs only extended SAR uses; a peer sending them expects an ESAR-capable partner. */
export function usesExtendedSar(pdu: WtpPdu): boolean {
  for (const t of pdu.tpis) {
    if (t.type === 'SDUBoundary' || t.type === 'FrameBoundary' || (t.type === 'PSN' && t.size === 2)) return true;
  }
  return false;
}

/** Octets all reassemblies of one engine hold together (the global cap). */
export class ReassemblyBudget {
  used = 0;
  constructor(readonly max: number) {}
}

export interface OutgoingPacket {
  psn: number;
  gtr: boolean;
  ttr: boolean;
  data: Buffer;
  rid: boolean;
}

/** The sending side of one segmented message: stop-and-wait over groups. */
export class SarSender {
  readonly segments: Buffer[];
  /** First and last PSN of the group in flight. */
  groupStart = 0;
  groupEnd = -1;
  private readonly groupPackets: number;

  constructor(data: Buffer, segmentSize: number, groupPackets: number) {
    this.segments = segmentMessage(data, segmentSize);
    if (this.segments.length > MAX_PACKETS) throw new RangeError('message needs more than 256 packets');
    this.groupPackets = Math.max(1, groupPackets);
  }

  get last(): number {
    return this.segments.length - 1;
  }

  get segmented(): boolean {
    return this.segments.length > 1;
  }

  packet(psn: number, rid: boolean): OutgoingPacket {
    const ttr = psn === this.last;
    return { psn, ttr, gtr: !ttr && psn === this.groupEnd, data: this.segments[psn]!, rid };
  }

  /** Advances to the next group and returns its packets (first transmission). */
  nextGroup(): OutgoingPacket[] {
    this.groupStart = this.groupEnd + 1;
    this.groupEnd = Math.min(this.last, this.groupStart + this.groupPackets - 1);
    const out: OutgoingPacket[] = [];
    for (let p = this.groupStart; p <= this.groupEnd; p++) out.push(this.packet(p, false));
    return out;
  }

  /** An Ack with this PSN: 'complete' (whole message), 'group' (send the next one) or 'stale'. */
  onAck(psn: number | undefined): 'complete' | 'group' | 'stale' {
    // An Ack without PSN acknowledges what is in flight (an unsegmented message, or a peer that omits it).
    const p = psn ?? this.groupEnd;
    if (p !== this.groupEnd) return 'stale';
    return this.groupEnd === this.last ? 'complete' : 'group';
  }

  /** The packets a Nack asks for (only those of the group in flight); an empty list means the whole group. */
  onNack(missing: number[]): OutgoingPacket[] {
    const want = missing.length === 0 ? range(this.groupStart, this.groupEnd) : missing;
    const seen = new Set<number>();
    const out: OutgoingPacket[] = [];
    for (const p of want) {
      if (p < this.groupStart || p > this.groupEnd || seen.has(p)) continue;
      seen.add(p);
      out.push(this.packet(p, true));
    }
    return out;
  }

  /** On TimerTO_R: the last packet of the group again, so the receiver acks or nacks what it has. */
  trailer(): OutgoingPacket {
    return this.packet(this.groupEnd, true);
  }
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

export type ReassemblyVerdict =
  /** Stored (or a duplicate); nothing to answer yet. */
  | { kind: 'none' }
  /** A group is complete: acknowledge it with this PSN. */
  | { kind: 'ack'; psn: number }
  /** The group ending at `psn` lacks these packets. */
  | { kind: 'nack'; psn: number; missing: number[] }
  /** The whole message is here (the last group is complete). */
  | { kind: 'complete'; psn: number }
  /** Refused: per-transaction or global cap. */
  | { kind: 'too-large' }
  | { kind: 'no-capacity' }
  /** A packet beyond the message's last PSN or conflicting trailers. */
  | { kind: 'protocol-error' };

/** The receiving side of one message: packets in any order, duplicates ignored, memory capped. */
export class Reassembler {
  private readonly parts = new Map<number, Buffer>();
  private bytes = 0;
  /** PSN of the TTR packet, once seen. */
  lastPsn: number | undefined;
  /** Everything up to and including this PSN was acknowledged as a group. */
  ackedUpTo = -1;
  private released = false;
  private readonly trailers = new Set<number>();

  constructor(
    private readonly budget: ReassemblyBudget,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.bytes;
  }

  get segmented(): boolean {
    return this.lastPsn !== 0 || this.parts.size > 1;
  }

  has(psn: number): boolean {
    return this.parts.has(psn);
  }

  add(psn: number, data: Buffer, gtr: boolean, ttr: boolean): ReassemblyVerdict {
    const trailer = gtr || ttr;
    if (this.released) return trailer && psn <= this.ackedUpTo ? this.evaluate(psn) : { kind: 'none' };
    if (ttr) {
      if (this.lastPsn !== undefined && this.lastPsn !== psn) return { kind: 'protocol-error' };
      this.lastPsn = psn;
    }
    if (this.lastPsn !== undefined && psn > this.lastPsn) return { kind: 'protocol-error' };
    if (!this.parts.has(psn)) {
      if (this.bytes + data.length > this.maxBytes) return { kind: 'too-large' };
      if (this.budget.used + data.length > this.budget.max) return { kind: 'no-capacity' };
      // A copy: the datagram buffer may be reused by the bearer.
      this.parts.set(psn, Buffer.from(data));
      this.bytes += data.length;
      this.budget.used += data.length;
    }
    if (trailer) {
      if (this.trailers.size < MAX_PACKETS) this.trailers.add(psn);
      // A retransmitted trailer of a group already acknowledged: our Ack was lost, answer it again.
      if (psn <= this.ackedUpTo) return this.evaluate(psn);
    }
    const t = this.pendingTrailer();
    if (t === undefined) return { kind: 'none' };
    if (psn === t) return this.evaluate(t);
    // A gap filled (after a Nack): answer as soon as the group is whole.
    if (psn < t && this.missingUpTo(t).length === 0) return this.evaluate(t);
    return { kind: 'none' };
  }

  /** The answer for the first group not yet acknowledged whose trailer has been seen. */
  reevaluate(): ReassemblyVerdict {
    const t = this.pendingTrailer();
    return t === undefined ? { kind: 'none' } : this.evaluate(t);
  }

  private pendingTrailer(): number | undefined {
    let best: number | undefined;
    for (const t of this.trailers) if (t > this.ackedUpTo && (best === undefined || t < best)) best = t;
    return best;
  }

  private missingUpTo(psn: number): number[] {
    const missing: number[] = [];
    for (let p = this.ackedUpTo + 1; p <= psn; p++) if (!this.parts.has(p)) missing.push(p);
    return missing;
  }

  /** The answer for the group ending at `psn` (also used again when a trailer is retransmitted). */
  evaluate(psn: number): ReassemblyVerdict {
    if (psn <= this.ackedUpTo) {
      return psn === this.lastPsn ? { kind: 'complete', psn } : { kind: 'ack', psn };
    }
    const missing = this.missingUpTo(psn);
    if (missing.length) return { kind: 'nack', psn, missing: missing.slice(0, 255) };
    this.ackedUpTo = psn;
    return psn === this.lastPsn ? { kind: 'complete', psn } : { kind: 'ack', psn };
  }

  get complete(): boolean {
    return this.lastPsn !== undefined && this.ackedUpTo === this.lastPsn;
  }

  /** The whole message (call once complete); frees the budget. */
  assemble(): Buffer {
    const list: Buffer[] = [];
    for (let p = 0; p <= (this.lastPsn ?? -1); p++) list.push(this.parts.get(p)!);
    const out = list.length === 1 ? list[0]! : Buffer.concat(list);
    this.release();
    return out;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.used -= this.bytes;
    this.parts.clear();
  }
}
