/**
 * What the responder and the initiator share: the outbox (batches the PDUs produced by one engine entry and
 * concatenates those for the same peer, WAP-224 §8.1), PDU builders, and the event/stat plumbing.
 */
import { encodeConcatenated, encodeWtpPdu, type WtpPdu, type WtpTpi } from './pdu.ts';
import { countEvent, newStats, type Peer, peerKey, type Transport, type WtpEvent, type WtpStats } from './types.ts';
import type { OutgoingPacket } from './sar.ts';
import type { Clock, TimerHandle } from './clock.ts';

export class Outbox {
  private depth = 0;
  private queue = new Map<string, { peer: Peer; pdus: Buffer[] }>();

  constructor(
    private readonly transport: Transport,
    private readonly maxDatagram: number,
    private readonly onSent?: (pdu: Buffer, peer: Peer) => void,
  ) {}

  /**
   * The first PDU of an engine entry waits here, without a queue entry: most entries send one PDU (a Result, an
   * Ack), which then leaves as it is. A second PDU moves it into the queue.
   */
  private firstPeer: Peer | undefined;
  private firstPdu: Buffer | undefined;

  send(peer: Peer, pdu: WtpPdu): void {
    const buf = encodeWtpPdu(pdu);
    if (this.firstPdu === undefined && this.queue.size === 0) {
      this.firstPeer = peer;
      this.firstPdu = buf;
    } else {
      if (this.firstPdu !== undefined) {
        this.enqueue(this.firstPeer!, this.firstPdu);
        this.firstPeer = this.firstPdu = undefined;
      }
      this.enqueue(peer, buf);
    }
    if (this.depth === 0) this.flush();
  }

  private enqueue(peer: Peer, buf: Buffer): void {
    const k = peerKey(peer);
    let q = this.queue.get(k);
    if (!q) this.queue.set(k, (q = { peer, pdus: [] }));
    q.pdus.push(buf);
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
    if (this.firstPdu !== undefined) {
      const peer = this.firstPeer!;
      const pdu = this.firstPdu;
      this.firstPeer = this.firstPdu = undefined;
      this.emit(pdu, peer);
      return;
    }
    if (this.queue.size === 0) return;
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

/** A transaction as a node of a TimerList: the list's links live in the transaction itself. */
export interface TimerNode {
  timerPrev: TimerNode | undefined;
  timerNext: TimerNode | undefined;
  /** Clock time the armed timer falls due. */
  timerDue: number;
  timerList: TimerList | undefined;
}

/**
 * One timer duration (A, R or W of WAP-224 §9.4.1) for every transaction of an engine, without a Node timer per
 * transaction: the armed transactions form a list in order of their due time — the same duration for all, so arming
 * appends — and one clock timer waits for the first. Arming, re-arming and cancelling are O(1) and allocate
 * nothing (a Timeout, its closures and a handle per state change were an eighth of what a Connect allocated,
 * and what kept its transaction alive into the old generation).
 */
export class TimerList {
  private head: TimerNode | undefined;
  private tail: TimerNode | undefined;
  /** The clock timer: due at or before the head (set whenever the list is not empty, except while expiring). */
  private pending: TimerHandle | undefined;
  private expiring = false;
  /** Transactions whose timer is armed in this list. */
  size = 0;

  constructor(
    private readonly clock: Clock,
    readonly ms: number,
    private readonly fire: (node: TimerNode) => void,
  ) {}

  /** When the first armed node falls due. */
  get firstDue(): number | undefined {
    return this.head?.timerDue;
  }

  /** The node armed longest ago (the next to fall due). */
  get first(): TimerNode | undefined {
    return this.head;
  }

  /** Starts `n`'s timer (cancelling the one it had, in any list). */
  arm(n: TimerNode): void {
    n.timerList?.cancel(n);
    n.timerDue = this.clock.now() + this.ms;
    n.timerList = this;
    n.timerPrev = this.tail;
    n.timerNext = undefined;
    if (this.tail) this.tail.timerNext = n;
    else this.head = n;
    this.tail = n;
    this.size++;
    if (!this.pending && !this.expiring) this.pending = this.clock.setTimer(this.ms, () => this.expire());
  }

  cancel(n: TimerNode): void {
    if (n.timerList !== this) return;
    if (n.timerPrev) n.timerPrev.timerNext = n.timerNext;
    else this.head = n.timerNext;
    if (n.timerNext) n.timerNext.timerPrev = n.timerPrev;
    else this.tail = n.timerPrev;
    n.timerPrev = n.timerNext = n.timerList = undefined;
    // The clock timer stays: when it fires it finds nothing due and waits for the new head, if any. Cancelling it
    // here would cost a Node timer per transaction again whenever the list runs empty (a Connect passes through W
    // and A within one datagram).
    this.size--;
  }

  /** Stops the clock timer; the nodes still armed are left to their owners (dispose of the engine). */
  clear(): void {
    this.pending?.cancel();
    this.pending = undefined;
    while (this.head) this.cancel(this.head);
  }

  /** Fires every node due by now, in due order, then waits for the next. */
  private expire(): void {
    this.pending = undefined;
    this.expiring = true;
    const now = this.clock.now();
    try {
      while (this.head && this.head.timerDue <= now) {
        const n = this.head;
        this.cancel(n);
        this.fire(n);
      }
    } finally {
      this.expiring = false;
      if (this.head) this.pending = this.clock.setTimer(this.head.timerDue - now, () => this.expire());
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
  // Literals, not a spread of a common part: one object per packet.
  if (p.psn === 0) return { type: 'Result', tid, tidResponse: true, rid: p.rid, gtr: p.gtr, ttr: p.ttr, tpis: [], data: p.data };
  return { type: 'SegmentedResult', psn: p.psn, tid, tidResponse: true, rid: p.rid, gtr: p.gtr, ttr: p.ttr, tpis: [], data: p.data };
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
