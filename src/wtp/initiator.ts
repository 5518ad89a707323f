/**
 * The WTP initiator (WAP-224 §9, initiator state table): classes 0, 1, 2 with retransmission, TID allocation
 * (direction bit clear on what it sends), answers to TID verification, aborts, SAR for its Invokes and for the
 * Results it receives. Used by push / confirmed push and by the handset simulator.
 */
import { type Clock, realClock, type TimerHandle } from './clock.ts';
import { abortPdu, ackPdu, EventSink, nackPdu, Outbox } from './engine.ts';
import {
  decodeWtpDatagram,
  peekTid,
  PROVIDER_ABORT,
  TPI_OPTION,
  optionTpi,
  tpiPsn,
  type ProviderAbortReason,
  type WtpClass,
  type WtpPdu,
  type WtpTpi,
} from './pdu.ts';
import { MAX_PACKETS, type OutgoingPacket, Reassembler, type ReassemblyVerdict, ReassemblyBudget, SarSender, usesExtendedSar } from './sar.ts';
import { resolveTimers, type WtpTimers } from './timers.ts';
import {
  type Peer,
  peerKey,
  providerReason,
  reasonOf,
  type Transport,
  WtpAbortError,
  type WtpAbortReason,
  type WtpEvent,
  type WtpStats,
} from './types.ts';

export enum InitState {
  NULL = 'NULL',
  RESULT_WAIT = 'RESULT_WAIT',
  RESULT_RESP_WAIT = 'RESULT_RESP_WAIT',
  WAIT_TIMEOUT = 'WAIT_TIMEOUT',
  CLOSED = 'CLOSED',
}

const ALLOWED: Record<InitState, InitState[]> = {
  [InitState.NULL]: [InitState.RESULT_WAIT, InitState.CLOSED],
  [InitState.RESULT_WAIT]: [InitState.RESULT_RESP_WAIT, InitState.CLOSED],
  [InitState.RESULT_RESP_WAIT]: [InitState.WAIT_TIMEOUT, InitState.CLOSED],
  [InitState.WAIT_TIMEOUT]: [InitState.CLOSED],
  [InitState.CLOSED]: [],
};

export interface InvokeOptions {
  class: WtpClass;
  /** U/P: ask the responder's user to acknowledge (WAP-224 §8.3.1.3). */
  uack?: boolean;
  /** Set TIDnew on this Invoke (after a restart, WAP-224 §9.4.4). */
  tidNew?: boolean;
  /** Octets per packet for this Invoke (default: timers.segmentSize). */
  segmentSize?: number;
  /** Extra TPIs on the first packet. */
  tpis?: WtpTpi[];
}

export interface WtpInitiatorOptions {
  transport: Transport;
  clock?: Clock;
  timers?: Partial<WtpTimers>;
  onEvent?: (e: WtpEvent) => void;
  onSend?: (datagram: Buffer, peer: Peer) => void;
  /** First TID to use (default random): 15 bits. */
  firstTid?: number;
  /** Hold-on Ack received (TR-Invoke.cnf of a class-2 transaction). */
  onInvokeConfirmed?: (peer: Peer, tid: number) => void;
}

export class WtpInitiator {
  readonly timers: WtpTimers;
  readonly clock: Clock;
  /** @internal */ readonly txs = new Map<string, InitiatorTx>();
  /** @internal */ readonly budget: ReassemblyBudget;
  /** @internal */ readonly out: Outbox;
  /** @internal */ readonly events: EventSink;
  private nextTid: number;

  constructor(readonly options: WtpInitiatorOptions) {
    this.timers = resolveTimers(options.timers);
    this.clock = options.clock ?? realClock;
    this.budget = new ReassemblyBudget(this.timers.maxTotalReassemblyBytes);
    this.out = new Outbox(options.transport, this.timers.maxDatagram, options.onSend);
    this.events = new EventSink(options.onEvent);
    this.nextTid = (options.firstTid ?? Math.floor(Math.random() * 0x8000)) & 0x7fff;
  }

  get stats(): WtpStats {
    return this.events.stats;
  }

  get activeTransactions(): number {
    return this.txs.size;
  }

  /** @internal */
  run(fn: () => void): void {
    this.out.run(fn, (e) => this.events.emit({ kind: 'internal-error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  }

  /**
   * TR-Invoke.req. Class 2 resolves with the Result's data; classes 0 and 1 resolve with nothing (class 0 once
   * sent, class 1 once acknowledged). Rejects with WtpAbortError.
   */
  invoke(peer: Peer, data: Buffer, opts: InvokeOptions): Promise<Buffer | void> {
    return new Promise<Buffer | void>((resolve, reject) => {
      const tid = this.allocateTid(peer);
      const seg = Math.max(1, opts.segmentSize ?? this.timers.segmentSize);
      if (opts.class === 0 && data.length > seg) {
        // WAP-224 §9.5: class 0 cannot be segmented.
        reject(new WtpAbortError(providerReason('MESSAGETOOLARGE')));
        return;
      }
      if (Math.ceil(data.length / seg) > MAX_PACKETS) {
        // More than 256 packets needs extended SAR, which this engine does not speak.
        reject(new WtpAbortError(providerReason('NOTIMPLEMENTEDESAR')));
        return;
      }
      const tx = new InitiatorTx(this, peer, tid, opts, resolve, reject);
      if (opts.class !== 0) this.txs.set(tx.key, tx);
      this.run(() => tx.start(data, seg));
    });
  }

  private allocateTid(peer: Peer): number {
    const pk = peerKey(peer);
    for (let i = 0; i < 0x8000; i++) {
      const tid = this.nextTid;
      this.nextTid = (this.nextTid + 1) & 0x7fff;
      if (!this.txs.has(`${pk}#${tid}`)) return tid;
    }
    throw new WtpAbortError(providerReason('CAPTEMPEXCEEDED'));
  }

  /** Feeds one received datagram. Never throws. */
  receive(datagram: Buffer, peer: Peer): void {
    this.run(() => {
      let pdus: WtpPdu[];
      try {
        pdus = decodeWtpDatagram(datagram);
      } catch (e) {
        this.events.emit({ kind: 'malformed', error: e instanceof Error ? e.message : String(e) });
        // WAP-224 §9 RcvErrorPDU: Abort(PROTOERR) for the transaction it names, if it is ours.
        const t = peekTid(datagram);
        if (t?.tidResponse) this.txs.get(`${peerKey(peer)}#${t.tid}`)?.onErrorPdu();
        return;
      }
      for (const pdu of pdus) {
        if (!pdu.tidResponse) continue; // addressed to a responder
        const tx = this.txs.get(`${peerKey(peer)}#${pdu.tid}`);
        if (tx) tx.onPdu(pdu);
        else if (pdu.type === 'Ack' && pdu.tveTok) {
          // WAP-224 §9.4.2: verification of a TID we have no transaction for → Abort(INVALIDTID).
          this.sendAbort(peer, pdu.tid, PROVIDER_ABORT.INVALIDTID);
        }
      }
    });
  }

  /** @internal */
  sendAbort(peer: Peer, tid: number, code: number, type: 'Provider' | 'User' = 'Provider'): void {
    this.out.send(peer, abortPdu(tid, false, type, code));
    this.events.emit({ kind: 'abort', direction: 'sent', reason: reasonOf(type, code, false) });
  }

  /** TR-Abort.req for an outstanding transaction (user reason). Returns false if there is none. */
  abort(peer: Peer, tid: number, reason: number): boolean {
    const tx = this.txs.get(`${peerKey(peer)}#${tid}`);
    if (!tx) return false;
    this.run(() => tx.userAbort(reason));
    return true;
  }

  /** Ends every transaction (pending invokes reject with provider UNKNOWN) and clears every timer. */
  dispose(): void {
    for (const tx of [...this.txs.values()]) tx.dispose();
    this.txs.clear();
  }

  close(): void {
    this.dispose();
  }
}

export class InitiatorTx {
  state = InitState.NULL;
  readonly key: string;
  private rcr = 0;
  private holdOn = false;
  private tokSent = false;
  private timer: TimerHandle | undefined;
  private sender: SarSender | undefined;
  private reasm: Reassembler | undefined;
  private finalAckPsn: number | undefined;
  private settled = false;

  constructor(
    private readonly i: WtpInitiator,
    readonly peer: Peer,
    readonly tid: number,
    private readonly opts: InvokeOptions,
    private readonly resolve: (v: Buffer | void) => void,
    private readonly reject: (e: Error) => void,
  ) {
    this.key = `${peerKey(peer)}#${tid}`;
  }

  get done(): boolean {
    return this.state === InitState.CLOSED;
  }

  // ---------------- the one guarded transition ----------------

  private transition(next: InitState, timer: 'R' | 'W' | null): void {
    if (!ALLOWED[this.state].includes(next)) throw new Error(`WTP initiator: no transition ${this.state} → ${next}`);
    this.timer?.cancel();
    this.timer = undefined;
    this.state = next;
    if (next === InitState.CLOSED) {
      this.reasm?.release();
      if (this.i.txs.get(this.key) === this) this.i.txs.delete(this.key);
      return;
    }
    if (timer) this.startTimer(timer);
  }

  private startTimer(kind: 'R' | 'W'): void {
    this.timer?.cancel();
    const ms = kind === 'R' ? this.i.timers.retryIntervalMs : this.i.timers.waitTimeoutMs;
    this.timer = this.i.clock.setTimer(ms, () => this.i.run(() => this.onTimer(kind)));
  }

  dispose(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.reasm?.release();
    this.state = InitState.CLOSED;
    this.fail(providerReason('UNKNOWN'));
  }

  private emit(e: WtpEvent): void {
    this.i.events.emit(e);
  }

  private succeed(v: Buffer | void): void {
    if (this.settled) return;
    this.settled = true;
    this.emit({ kind: 'transaction', role: 'initiator', class: this.opts.class, outcome: 'completed' });
    this.resolve(v);
  }

  private fail(reason: WtpAbortReason): void {
    if (this.settled) return;
    this.settled = true;
    this.emit({ kind: 'transaction', role: 'initiator', class: this.opts.class, outcome: 'aborted' });
    this.reject(new WtpAbortError(reason));
  }

  private abortWith(reason: ProviderAbortReason): void {
    this.i.sendAbort(this.peer, this.tid, PROVIDER_ABORT[reason]);
    this.transition(InitState.CLOSED, null);
    this.fail(providerReason(reason));
  }

  private send(pdu: WtpPdu): void {
    this.i.out.send(this.peer, pdu);
  }

  private sendPacket(p: OutgoingPacket): void {
    const common = { tid: this.tid, tidResponse: false, rid: p.rid, gtr: p.gtr, ttr: p.ttr, data: p.data };
    if (p.psn === 0) {
      const tpis: WtpTpi[] = [...(this.opts.tpis ?? [])];
      if (this.sender?.segmented) {
        // Tell the responder how much the whole message is (WAP-224 §8.4.3 Total Message Size).
        tpis.push(optionTpi(TPI_OPTION.TotalMessageSize, this.sender.segments.reduce((n, s) => n + s.length, 0)));
      }
      this.send({
        type: 'Invoke', ...common, tpis, version: 0, tidNew: this.opts.tidNew ?? false, uack: this.opts.uack ?? false,
        class: this.opts.class,
      });
    } else {
      this.send({ type: 'SegmentedInvoke', psn: p.psn, ...common, tpis: [] });
    }
    if (this.sender?.segmented) this.emit({ kind: 'segment', direction: 'sent', psn: p.psn });
    if (p.rid) this.emit({ kind: 'retransmission', pdu: p.psn === 0 ? 'Invoke' : 'SegmentedInvoke' });
  }

  // ---------------- TR-Invoke.req ----------------

  start(data: Buffer, segmentSize: number): void {
    this.emit({ kind: 'transaction', role: 'initiator', class: this.opts.class, outcome: 'started' });
    this.sender = new SarSender(data, segmentSize, this.i.timers.groupSize);
    // WAP-224 §9 NULL + TR-Invoke.req: send the Invoke; class 0 stays in NULL (done), classes 1/2 → RESULT_WAIT.
    if (this.opts.class === 0) {
      for (const p of this.sender.nextGroup()) this.sendPacket(p);
      this.state = InitState.CLOSED;
      this.succeed();
      return;
    }
    this.transition(InitState.RESULT_WAIT, 'R');
    for (const p of this.sender.nextGroup()) this.sendPacket(p);
  }

  onErrorPdu(): void {
    if (this.state === InitState.RESULT_WAIT || this.state === InitState.RESULT_RESP_WAIT) this.abortWith('PROTOERR');
  }

  userAbort(reason: number): void {
    if (this.done) return;
    this.i.sendAbort(this.peer, this.tid, reason & 0xff, 'User');
    this.transition(InitState.CLOSED, null);
    this.fail(reasonOf('User', reason & 0xff, false));
  }

  // ---------------- events from the peer ----------------

  onPdu(pdu: WtpPdu): void {
    if (pdu.type !== 'Abort' && usesExtendedSar(pdu)) {
      // A responder answering with extended SAR (WAP-224 §8.4 TPIs): this engine speaks basic SAR only.
      if (!this.done) this.abortWith('NOTIMPLEMENTEDESAR');
      return;
    }
    switch (pdu.type) {
      case 'Abort': {
        if (this.done) return;
        const reason = reasonOf(pdu.abortType, pdu.reason, true);
        this.emit({ kind: 'abort', direction: 'received', reason });
        // WAP-224 §9 + RcvAbort: TR-Abort.ind.
        this.transition(InitState.CLOSED, null);
        return this.fail(reason);
      }
      case 'Ack':
        return this.onAck(pdu.tveTok, tpiPsn(pdu));
      case 'Nack':
        return this.onNack(pdu.missing);
      case 'Result':
        return this.onResultPacket(0, pdu.data, pdu.gtr, pdu.ttr, pdu.rid);
      case 'SegmentedResult':
        return this.onResultPacket(pdu.psn, pdu.data, pdu.gtr, pdu.ttr, pdu.rid);
      default:
        // An Invoke towards an initiator: WAP-224 §9 RcvErrorPDU.
        if (this.state === InitState.RESULT_WAIT) this.abortWith('PROTOERR');
    }
  }

  private onAck(tve: boolean, psn: number | undefined): void {
    if (tve) {
      if (this.state === InitState.RESULT_WAIT) {
        // WAP-224 §9 RESULT_WAIT + RcvAck(TIDve): yes, this TID is ours — Ack(TIDok); RCR++, restart R.
        this.send(ackPdu(this.tid, false, { tveTok: true }));
        this.tokSent = true;
        this.emit({ kind: 'tid-verification', outcome: 'ok' });
        this.rcr++;
        this.startTimer('R');
      } else {
        // The transaction is over: a delayed duplicate is being verified → Abort(INVALIDTID).
        this.i.sendAbort(this.peer, this.tid, PROVIDER_ABORT.INVALIDTID);
      }
      return;
    }
    if (this.state !== InitState.RESULT_WAIT || !this.sender || this.reasm) return;
    const v = this.sender.onAck(psn);
    if (v === 'stale') return;
    if (v === 'group') {
      // WAP-224 §9.5: the group arrived whole; the next one.
      this.rcr = 0;
      this.startTimer('R');
      for (const p of this.sender.nextGroup()) this.sendPacket(p);
      return;
    }
    // The whole Invoke is acknowledged.
    if (this.opts.class === 1) {
      // WAP-224 §9 RESULT_WAIT + RcvAck, class 1: TR-Invoke.cnf → NULL.
      this.transition(InitState.CLOSED, null);
      return this.succeed();
    }
    // Class 2: a hold-on Ack. TR-Invoke.cnf; keep waiting for the Result. Retransmissions continue (RID set, so the
    // responder re-acks) but the counter restarts with every hold-on Ack the responder sends.
    if (!this.holdOn) this.i.options.onInvokeConfirmed?.(this.peer, this.tid);
    this.holdOn = true;
    this.rcr = 0;
    this.startTimer('R');
  }

  private onNack(missing: number[]): void {
    if (this.state !== InitState.RESULT_WAIT || !this.sender || this.reasm) return;
    this.emit({ kind: 'nack', direction: 'received', missing: missing.length });
    const pkts = this.sender.onNack(missing);
    if (!pkts.length) return;
    if (++this.rcr > this.i.timers.maxRetransmissions) return this.abortWith('NORESPONSE');
    this.startTimer('R');
    for (const p of pkts) this.sendPacket(p);
  }

  private onResultPacket(psn: number, data: Buffer, gtr: boolean, ttr: boolean, rid: boolean): void {
    this.emit({ kind: 'segment', direction: 'received', psn });
    if (this.opts.class !== 2) {
      if (this.state === InitState.RESULT_WAIT) this.abortWith('PROTOERR');
      return;
    }
    if (this.state === InitState.WAIT_TIMEOUT) {
      // WAP-224 §9 WAIT_TIMEOUT + RcvResult, RID set: our last Ack was lost — send it again.
      if (rid && (ttr || psn === (this.finalAckPsn ?? 0))) this.send(ackPdu(this.tid, false, { rid: true, psn: this.finalAckPsn }));
      else if (gtr) this.send(ackPdu(this.tid, false, { rid: true, psn }));
      return;
    }
    if (this.state !== InitState.RESULT_WAIT) return;
    // The Result (any packet of it) acknowledges the Invoke implicitly.
    this.reasm ??= new Reassembler(this.i.budget, this.i.timers.maxReassemblyBytes);
    const v = this.reasm.add(psn, data, gtr, ttr);
    this.verdict(v, rid);
  }

  private verdict(v: ReassemblyVerdict, rid: boolean): void {
    switch (v.kind) {
      case 'too-large':
        return this.abortWith('MESSAGETOOLARGE');
      case 'no-capacity':
        return this.abortWith('CAPTEMPEXCEEDED');
      case 'protocol-error':
        return this.abortWith('PROTOERR');
      case 'ack':
        this.send(ackPdu(this.tid, false, { psn: v.psn, rid }));
        return this.startTimer('W');
      case 'nack':
        this.send(nackPdu(this.tid, false, v.missing, rid));
        this.emit({ kind: 'nack', direction: 'sent', missing: v.missing.length });
        return this.startTimer('W');
      case 'none':
        // Reassembling: the idle limit is the wait timeout.
        return this.startTimer('W');
      case 'complete': {
        const r = this.reasm!;
        this.finalAckPsn = r.segmented ? r.lastPsn : undefined;
        const data = r.assemble();
        // WAP-224 §9 RESULT_WAIT + RcvResult → RESULT_RESP_WAIT (TR-Result.ind); the user's TR-Result.res is
        // implicit, so the last Ack goes at once → WAIT_TIMEOUT.
        this.transition(InitState.RESULT_RESP_WAIT, null);
        this.send(ackPdu(this.tid, false, { psn: this.finalAckPsn }));
        this.transition(InitState.WAIT_TIMEOUT, 'W');
        return this.succeed(data);
      }
    }
  }

  private onTimer(kind: 'R' | 'W'): void {
    this.timer = undefined;
    switch (this.state) {
      case InitState.RESULT_WAIT:
        if (this.reasm) {
          // A Result being reassembled went quiet for the whole wait timeout.
          return this.abortWith('NORESPONSE');
        }
        if (kind !== 'R' || !this.sender) return;
        // WAP-224 §9 RESULT_WAIT + TimerTO_R: resend (RID set) until MAX_RCR, then Abort(NORESPONSE).
        if (this.rcr >= this.i.timers.maxRetransmissions) return this.abortWith('NORESPONSE');
        this.rcr++;
        // After answering a TID verification, the Tok goes again in front of the retransmitted packet, in one
        // datagram (concatenation, WAP-224 §8.1): if the first Tok was lost, one datagram now does the work of
        // a full verification round trip.
        if (this.tokSent && !this.holdOn) this.send(ackPdu(this.tid, false, { tveTok: true, rid: true }));
        this.sendPacket(this.sender.trailer());
        return this.startTimer('R');
      case InitState.WAIT_TIMEOUT:
        // WAP-224 §9 WAIT_TIMEOUT + TimerTO_W: the transaction is over.
        return this.transition(InitState.CLOSED, null);
      default:
        return;
    }
  }
}
