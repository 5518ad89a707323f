/**
 * What the responder and the initiator share: the outbox (batches the PDUs produced by one engine entry and
 * concatenates those for the same peer, WAP-224 §8.1), PDU builders, and the event/stat plumbing.
 */
import { encodeConcatenated, encodeWtpPdu, type WtpPdu, type WtpTpi } from './pdu.ts';
import { countEvent, newStats, type Peer, peerKey, type Transport, type WtpEvent, type WtpStats } from './types.ts';
import type { OutgoingPacket } from './sar.ts';

export class Outbox {
  private depth = 0;
  private queue = new Map<string, { peer: Peer; pdus: Buffer[] }>();

  constructor(
    private readonly transport: Transport,
    private readonly maxDatagram: number,
    private readonly onSent?: (pdu: Buffer, peer: Peer) => void,
  ) {}

  send(peer: Peer, pdu: WtpPdu): void {
    const buf = encodeWtpPdu(pdu);
    const k = peerKey(peer);
    let q = this.queue.get(k);
    if (!q) this.queue.set(k, (q = { peer, pdus: [] }));
    q.pdus.push(buf);
    if (this.depth === 0) this.flush();
  }

  /** Runs `fn` as one engine entry: what it sends leaves together at the end. Never throws. */
  run(fn: () => void, onError: (e: unknown) => void): void {
    this.depth++;
    try {
      fn();
    } catch (e) {
      onError(e);
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  private flush(): void {
    const all = [...this.queue.values()];
    this.queue.clear();
    for (const { peer, pdus } of all) {
      let batch: Buffer[] = [];
      let size = 1;
      const out = (): void => {
        if (batch.length) this.emit(encodeConcatenated(batch), peer);
        batch = [];
        size = 1;
      };
      for (const p of pdus) {
        const cost = p.length + (p.length < 0x80 ? 1 : 2);
        if (batch.length && size + cost > this.maxDatagram) out();
        batch.push(p);
        size += cost;
      }
      out();
    }
  }

  private emit(datagram: Buffer, peer: Peer): void {
    try {
      this.transport.send(datagram, peer);
      this.onSent?.(datagram, peer);
    } catch {
      // A failing bearer must not break the engine; retransmission covers a lost datagram.
    }
  }
}

export class EventSink {
  readonly stats: WtpStats = newStats();
  constructor(private readonly listener?: (e: WtpEvent) => void) {}
  emit(e: WtpEvent): void {
    countEvent(this.stats, e);
    try {
      this.listener?.(e);
    } catch {
      // listeners are observers only
    }
  }
}

export function psnTpis(psn: number | undefined): WtpTpi[] {
  return psn === undefined ? [] : [{ type: 'PSN', psn }];
}

export function ackPdu(tid: number, tidResponse: boolean, o: { tveTok?: boolean; rid?: boolean; psn?: number } = {}): WtpPdu {
  return {
    type: 'Ack', tid, tidResponse, rid: o.rid ?? false, tveTok: o.tveTok ?? false, tpis: psnTpis(o.psn), data: Buffer.alloc(0),
  };
}

export function nackPdu(tid: number, tidResponse: boolean, missing: number[], rid = false): WtpPdu {
  return { type: 'Nack', tid, tidResponse, rid, missing, tpis: [], data: Buffer.alloc(0) };
}

export function abortPdu(tid: number, tidResponse: boolean, abortType: 'Provider' | 'User', reason: number): WtpPdu {
  return { type: 'Abort', tid, tidResponse, abortType, reason, tpis: [], data: Buffer.alloc(0) };
}

/** A Result (PSN 0) or Segmented Result packet. */
export function resultPacket(tid: number, p: OutgoingPacket): WtpPdu {
  const common = { tid, tidResponse: true, rid: p.rid, gtr: p.gtr, ttr: p.ttr, tpis: [], data: p.data };
  return p.psn === 0 ? { type: 'Result', ...common } : { type: 'SegmentedResult', psn: p.psn, ...common };
}

/** Classifies a datagram by the TID direction bit of its first PDU (a responder gets 0, an initiator 1). */
export function wtpDirection(datagram: Buffer): 'toResponder' | 'toInitiator' | undefined {
  let off = 0;
  if (datagram.length > 0 && datagram[0] === 0x00) {
    if (datagram.length < 2) return undefined;
    off = datagram[1]! & 0x80 ? 3 : 2;
  }
  if (datagram.length < off + 3) return undefined;
  return datagram[off + 1]! & 0x80 ? 'toInitiator' : 'toResponder';
}
