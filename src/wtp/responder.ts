/**
 * The WTP responder (WAP-224 §9, responder state table; the gateway side of port 9201): classes 0, 1 and 2,
 * user acknowledgement, hold-on Acks, TID verification, SAR in both directions, aborts. One ResponderTx per
 * transaction with an enum state and one guarded transition that clears the running timer on exit and starts
 * the state's timer on entry.
 */
import { type Clock, realClock, type TimerHandle } from './clock.ts';
import { abortPdu, ackPdu, EventSink, nackPdu, Outbox, resultPacket } from './engine.ts';
import {
  decodeWtpDatagram,
  peekTid,
  PROVIDER_ABORT,
  TPI_OPTION,
  tpiOption,
  tpiPsn,
  type ProviderAbortReason,
  type WtpAbort,
  type WtpAck,
  type WtpClass,
  type WtpInvoke,
  type WtpNack,
  type WtpPdu,
  type WtpSegmentedInvoke,
} from './pdu.ts';
import { MAX_PACKETS, Reassembler, type ReassemblyVerdict, ReassemblyBudget, SarSender } from './sar.ts';
import { TidCache } from './tid-cache.ts';
import { resolveTimers, type WtpTimers } from './timers.ts';
import {
  type Peer,
  peerKey,
  providerReason,
  reasonOf,
  type ResponderTransaction,
  type Transport,
  type WtpAbortReason,
  type WtpEvent,
  type WtpStats,
  type WtpUser,
} from './types.ts';

export enum RespState {
  LISTEN = 'LISTEN',
  TIDOK_WAIT = 'TIDOK_WAIT',
  /** Not a row of the spec's table: a segmented Invoke is being reassembled (WAP-224 §9.5), user not yet told. */
  SAR_INVOKE_WAIT = 'SAR_INVOKE_WAIT',
  INVOKE_RESP_WAIT = 'INVOKE_RESP_WAIT',
  RESULT_WAIT = 'RESULT_WAIT',
  RESULT_RESP_WAIT = 'RESULT_RESP_WAIT',
  WAIT_TIMEOUT = 'WAIT_TIMEOUT',
  /** Terminal: the transaction is over and forgotten. */
  CLOSED = 'CLOSED',
}

type TimerKind = 'A' | 'R' | 'W' | null;

/** Which timer each state runs (WAP-224 §9.4.1). */
const STATE_TIMER: Record<RespState, TimerKind> = {
  [RespState.LISTEN]: 'W',
  [RespState.TIDOK_WAIT]: 'W',
  [RespState.SAR_INVOKE_WAIT]: 'W',
  [RespState.INVOKE_RESP_WAIT]: 'A',
  [RespState.RESULT_WAIT]: 'A',
  [RespState.RESULT_RESP_WAIT]: 'R',
  [RespState.WAIT_TIMEOUT]: 'W',
  [RespState.CLOSED]: null,
};

const ALLOWED: Record<RespState, RespState[]> = {
  [RespState.LISTEN]: [RespState.TIDOK_WAIT, RespState.SAR_INVOKE_WAIT, RespState.INVOKE_RESP_WAIT, RespState.CLOSED],
  [RespState.TIDOK_WAIT]: [RespState.SAR_INVOKE_WAIT, RespState.INVOKE_RESP_WAIT, RespState.CLOSED],
  [RespState.SAR_INVOKE_WAIT]: [RespState.INVOKE_RESP_WAIT, RespState.CLOSED],
  [RespState.INVOKE_RESP_WAIT]: [RespState.RESULT_WAIT, RespState.RESULT_RESP_WAIT, RespState.WAIT_TIMEOUT, RespState.CLOSED],
  [RespState.RESULT_WAIT]: [RespState.RESULT_RESP_WAIT, RespState.CLOSED],
  [RespState.RESULT_RESP_WAIT]: [RespState.CLOSED],
  [RespState.WAIT_TIMEOUT]: [RespState.CLOSED],
  [RespState.CLOSED]: [],
};

export interface WtpResponderOptions {
  transport: Transport;
  user: WtpUser;
  clock?: Clock;
  timers?: Partial<WtpTimers>;
  onEvent?: (e: WtpEvent) => void;
  /** Sees every datagram sent (tracing / pcap). */
  onSend?: (datagram: Buffer, peer: Peer) => void;
}

export class WtpResponder {
  readonly timers: WtpTimers;
  readonly clock: Clock;
  /** @internal */ readonly txs = new Map<string, ResponderTx>();
  /** @internal */ readonly tidCache: TidCache;
  /** @internal */ readonly budget: ReassemblyBudget;
  /** @internal */ readonly out: Outbox;
  /** @internal */ readonly events: EventSink;
  /** Class-0 Invokes recently delivered (peer|tid → time), so a duplicated datagram is not delivered twice. */
  private readonly class0Seen = new Map<string, number>();
  private readonly perPeer = new Map<string, number>();

  constructor(readonly options: WtpResponderOptions) {
    this.timers = resolveTimers(options.timers);
    this.clock = options.clock ?? realClock;
    this.tidCache = new TidCache(this.timers.tidCacheSize, this.timers.waitTimeoutMs, this.clock, this.timers.tidWindow);
    this.budget = new ReassemblyBudget(this.timers.maxTotalReassemblyBytes);
    this.out = new Outbox(options.transport, this.timers.maxDatagram, options.onSend);
    this.events = new EventSink(options.onEvent);
  }

  get user(): WtpUser {
    return this.options.user;
  }

  get stats(): WtpStats {
    return this.events.stats;
  }

  /** Transactions in progress (including ones waiting out their wait timeout). */
  get activeTransactions(): number {
    return this.txs.size;
  }

  /** Octets held by reassembly buffers. */
  get reassemblyBytes(): number {
    return this.budget.used;
  }

  /** Feeds one received UDP datagram. Never throws. */
  receive(datagram: Buffer, peer: Peer): void {
    this.run(() => {
      let pdus: WtpPdu[];
      try {
        pdus = decodeWtpDatagram(datagram);
      } catch (e) {
        this.events.emit({ kind: 'malformed', error: e instanceof Error ? e.message : String(e) });
        this.errorPdu(datagram, peer);
        return;
      }
      for (const pdu of pdus) this.dispatch(pdu, peer);
    });
  }

  /** @internal Runs one engine entry; PDUs sent inside leave together (concatenated per peer where they fit). */
  run(fn: () => void): void {
    this.out.run(fn, (e) => this.events.emit({ kind: 'internal-error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  }

  /** WAP-224 §9 RcvErrorPDU: an undecodable datagram gets Abort(PROTOERR) when its TID can be read. */
  private errorPdu(datagram: Buffer, peer: Peer): void {
    const t = peekTid(datagram);
    if (!t || t.tidResponse) return;
    const first = datagram[0] === 0 ? datagram[datagram[1]! & 0x80 ? 3 : 2] : datagram[0];
    // Never answer an Abort with an Abort.
    if (first !== undefined && ((first >> 3) & 0x0f) === 4) return;
    const tx = this.txs.get(`${peerKey(peer)}#${t.tid}`);
    if (tx) tx.onErrorPdu();
    else this.sendAbort(peer, t.tid, 'Provider', PROVIDER_ABORT.PROTOERR);
  }

  private dispatch(pdu: WtpPdu, peer: Peer): void {
    // PDUs with the TID direction bit set belong to an initiator on this address (WAP-224 §8.2.3).
    if (pdu.tidResponse) return;
    const key = `${peerKey(peer)}#${pdu.tid}`;
    let tx = this.txs.get(key);
    switch (pdu.type) {
      case 'Invoke':
        if (pdu.class === 0 && (!tx || tx.cls !== 0)) return this.class0(pdu, peer, key);
        if (!tx) {
          tx = this.create(peer, pdu.tid, key);
          if (!tx) return;
        }
        return tx.onInvoke(pdu);
      case 'SegmentedInvoke':
        if (!tx) {
          tx = this.create(peer, pdu.tid, key);
          if (!tx) return;
        }
        return tx.onSegment(pdu);
      case 'Ack':
        return tx?.onAck(pdu);
      case 'Nack':
        return tx?.onNack(pdu);
      case 'Abort':
        return tx?.onAbort(pdu);
      case 'Result':
      case 'SegmentedResult':
        // A Result travelling towards a responder is a protocol error (WAP-224 §9 RcvErrorPDU).
        if (tx) return tx.onErrorPdu();
        return this.sendAbort(peer, pdu.tid, 'Provider', PROVIDER_ABORT.PROTOERR);
    }
  }

  private create(peer: Peer, tid: number, key: string): ResponderTx | undefined {
    const pk = peerKey(peer);
    if (this.txs.size >= this.timers.maxTransactions || (this.perPeer.get(pk) ?? 0) >= this.timers.maxTransactionsPerPeer) {
      this.sendAbort(peer, tid, 'Provider', PROVIDER_ABORT.CAPTEMPEXCEEDED);
      return undefined;
    }
    const tx = new ResponderTx(this, peer, tid, key);
    this.txs.set(key, tx);
    this.perPeer.set(pk, (this.perPeer.get(pk) ?? 0) + 1);
    return tx;
  }

  /** @internal A transaction is over: forget it. */
  forget(tx: ResponderTx, key: string): void {
    if (this.txs.get(key) !== tx) return;
    this.txs.delete(key);
    const pk = peerKey(tx.peer);
    const n = (this.perPeer.get(pk) ?? 1) - 1;
    if (n > 0) this.perPeer.set(pk, n);
    else this.perPeer.delete(pk);
  }

  /** WAP-224 §9, LISTEN + RcvInvoke, class 0: indicate, keep no state (fakewap's Disconnect reuses its Get's TID). */
  private class0(pdu: WtpInvoke, peer: Peer, key: string): void {
    if (pdu.version !== 0 || !pdu.ttr) return; // class 0 is never answered, and cannot be segmented
    const now = this.clock.now();
    for (const [k, t] of this.class0Seen) {
      if (now - t > this.timers.waitTimeoutMs || this.class0Seen.size > this.timers.tidCacheSize) this.class0Seen.delete(k);
      else break;
    }
    if (this.class0Seen.has(key)) return;
    this.class0Seen.set(key, now);
    const tx = new ResponderTx(this, peer, pdu.tid, key);
    tx.cls = 0;
    tx.uack = pdu.uack;
    tx.indicatedClass0(pdu.data);
  }

  /** @internal */
  sendAbort(peer: Peer, tid: number, type: 'Provider' | 'User', code: number): void {
    this.out.send(peer, abortPdu(tid, true, type, code));
    this.events.emit({ kind: 'abort', direction: 'sent', reason: reasonOf(type, code, false) });
  }

  /** Ends every transaction without telling anyone and clears every timer. */
  dispose(): void {
    for (const tx of [...this.txs.values()]) tx.dispose();
    this.txs.clear();
    this.perPeer.clear();
    this.tidCache.clear();
    this.class0Seen.clear();
  }

  close(): void {
    this.dispose();
  }
}

/** One responder transaction. */
export class ResponderTx implements ResponderTransaction {
  state = RespState.LISTEN;
  cls: WtpClass = 2;
  uack = false;
  private tidNew = false;
  private rcr = 0;
  private aec = 0;
  private ackSent = false;
  private indicated = false;
  private timer: TimerHandle | undefined;
  private reasm: Reassembler | undefined;
  private sender: SarSender | undefined;
  private peerMaxGroup: number | undefined;
  private peerMru: number | undefined;
  /** PSN of the Invoke's last packet when it was segmented (for the PSN TPI on Acks). */
  private invokeLastPsn: number | undefined;

  constructor(
    private readonly r: WtpResponder,
    readonly peer: Peer,
    readonly tid: number,
    private readonly key: string,
  ) {
    this.enterTimer();
  }

  get class(): WtpClass {
    return this.cls;
  }

  get done(): boolean {
    return this.state === RespState.CLOSED;
  }

  get maxResultSize(): number {
    return MAX_PACKETS * this.segmentSize();
  }

  private segmentSize(requested?: number): number {
    let s = requested ?? this.r.timers.segmentSize;
    // WAP-224 §8.4.3 Maximum Receive Unit option: the peer's largest packet (our header takes 4 octets).
    if (this.peerMru !== undefined && this.peerMru > 8) s = Math.min(s, this.peerMru - 4);
    return Math.max(1, s);
  }

  // ---------------- the one guarded transition ----------------

  private transition(next: RespState): void {
    if (!ALLOWED[this.state].includes(next)) {
      throw new Error(`WTP responder: no transition ${this.state} → ${next}`);
    }
    this.timer?.cancel();
    this.timer = undefined;
    this.state = next;
    if (next === RespState.CLOSED) {
      this.reasm?.release();
      this.r.forget(this, this.key);
      return;
    }
    this.enterTimer();
  }

  /** Starts (or restarts) the timer of the current state. */
  private enterTimer(): void {
    this.timer?.cancel();
    const kind = STATE_TIMER[this.state];
    const t = this.r.timers;
    const ms = kind === 'A' ? t.ackIntervalMs : kind === 'R' ? t.retryIntervalMs : t.waitTimeoutMs;
    this.timer = kind ? this.r.clock.setTimer(ms, () => this.r.run(() => this.onTimer(kind))) : undefined;
  }

  dispose(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.reasm?.release();
    this.state = RespState.CLOSED;
  }

  // ---------------- helpers ----------------

  private send(pdu: WtpPdu): void {
    this.r.out.send(this.peer, pdu);
  }

  private sendAck(o: { tve?: boolean; rid?: boolean; psn?: number } = {}): void {
    this.send(ackPdu(this.tid, true, { tveTok: o.tve, rid: o.rid, psn: o.psn }));
  }

  /** Acknowledges the Invoke (hold-on, class-1 final, duplicate answer): PSN TPI when it came segmented. */
  private ackInvoke(rid: boolean): void {
    this.sendAck({ rid, psn: this.invokeLastPsn });
    this.ackSent = true;
  }

  private emit(e: WtpEvent): void {
    this.r.events.emit(e);
  }

  /** Sends an Abort and ends; tells the user when it had been told of the transaction. */
  private abortWith(reason: ProviderAbortReason): void {
    this.r.sendAbort(this.peer, this.tid, 'Provider', PROVIDER_ABORT[reason]);
    this.finish(providerReason(reason));
  }

  private finish(reason?: WtpAbortReason): void {
    const wasIndicated = this.indicated && !this.done;
    this.transition(RespState.CLOSED);
    if (!wasIndicated) return;
    this.emit({ kind: 'transaction', role: 'responder', class: this.cls, outcome: reason ? 'aborted' : 'completed' });
    if (reason) this.r.user.abort(this, reason);
  }

  private verdict(v: ReassemblyVerdict): boolean {
    switch (v.kind) {
      case 'too-large':
        this.abortWith('MESSAGETOOLARGE');
        return false;
      case 'no-capacity':
        this.abortWith('CAPTEMPEXCEEDED');
        return false;
      case 'protocol-error':
        this.abortWith('PROTOERR');
        return false;
      default:
        return true;
    }
  }

  /** Answers a group trailer during reassembly (WAP-224 §9.5: Ack the complete group, Nack the gaps). */
  private answerGroup(v: ReassemblyVerdict, rid = false): void {
    if (v.kind === 'ack') this.sendAck({ psn: v.psn, rid });
    else if (v.kind === 'nack') {
      this.send(nackPdu(this.tid, true, v.missing, rid));
      this.emit({ kind: 'nack', direction: 'sent', missing: v.missing.length });
    }
  }

  // ---------------- events from the peer ----------------

  onInvoke(pdu: WtpInvoke): void {
    this.emit({ kind: 'segment', direction: 'received', psn: 0 });
    switch (this.state) {
      case RespState.LISTEN:
        return this.listenInvoke(pdu);
      case RespState.TIDOK_WAIT:
        // WAP-224 §9 TIDOK_WAIT + RcvInvoke: RID set → the Ack(Tve) was lost, send it again; else ignore.
        if (pdu.rid) this.sendAck({ tve: true, rid: true });
        return;
      case RespState.SAR_INVOKE_WAIT:
        return this.segment(0, pdu.data, pdu.gtr, pdu.ttr, pdu.rid);
      case RespState.INVOKE_RESP_WAIT:
      case RespState.RESULT_WAIT:
      case RespState.WAIT_TIMEOUT:
        return this.duplicate(0, pdu.gtr, pdu.ttr, pdu.rid);
      case RespState.RESULT_RESP_WAIT:
        // RESULT_RESP_WAIT + RcvInvoke (Kannel: ignore). A retransmitted Invoke (RID set) says the initiator has
        // not got the Result: send its last packet again now rather than at the next TimerTO_R. One answer per
        // Invoke received, and RCR untouched, so a peer cannot make us amplify.
        if (pdu.rid && pdu.ttr && this.sender) this.sendPackets([this.sender.trailer()]);
        return;
      default:
        return;
    }
  }

  onSegment(pdu: WtpSegmentedInvoke): void {
    this.emit({ kind: 'segment', direction: 'received', psn: pdu.psn });
    switch (this.state) {
      case RespState.LISTEN:
      case RespState.TIDOK_WAIT: {
        // Packets ahead of the Invoke, or while the TID is verified: keep them (capped); a trailer with the
        // Invoke missing gets a Nack naming PSN 0 so the initiator resends it.
        const r = this.reassembler();
        const v = r.add(pdu.psn, pdu.data, pdu.gtr, pdu.ttr);
        if (!this.verdict(v)) return;
        if (this.state === RespState.LISTEN) this.answerGroup(v, pdu.rid);
        return;
      }
      case RespState.SAR_INVOKE_WAIT:
        return this.segment(pdu.psn, pdu.data, pdu.gtr, pdu.ttr, pdu.rid);
      case RespState.INVOKE_RESP_WAIT:
      case RespState.RESULT_WAIT:
      case RespState.WAIT_TIMEOUT:
        return this.duplicate(pdu.psn, pdu.gtr, pdu.ttr, pdu.rid);
      default:
        return;
    }
  }

  private reassembler(): Reassembler {
    return (this.reasm ??= new Reassembler(this.r.budget, this.r.timers.maxReassemblyBytes));
  }

  /** WAP-224 §9, LISTEN + RcvInvoke (classes 1 and 2). */
  private listenInvoke(pdu: WtpInvoke): void {
    this.cls = pdu.class;
    this.uack = pdu.uack;
    this.tidNew = pdu.tidNew;
    // WAP-224 §8.3.1.1: only version 0 is defined — Abort(WTPVERSIONONE) otherwise.
    if (pdu.version !== 0) return this.abortWith('WTPVERSIONONE');
    this.peerMaxGroup = tpiOption(pdu, TPI_OPTION.MaxGroup);
    this.peerMru = tpiOption(pdu, TPI_OPTION.MaxReceiveUnit);
    const total = tpiOption(pdu, TPI_OPTION.TotalMessageSize);
    if (total !== undefined && total > this.r.timers.maxReassemblyBytes) return this.abortWith('MESSAGETOOLARGE');
    const v = this.reassembler().add(0, pdu.data, pdu.gtr, pdu.ttr);
    if (!this.verdict(v)) return;
    // WAP-224 §9.4.3 TID test; TIDnew (§9.4.4) and the No-cached-TID option always verify.
    const peerId = this.key.slice(0, this.key.lastIndexOf('#'));
    const noCache = tpiOption(pdu, TPI_OPTION.NoCachedTID) !== undefined;
    let test = this.r.tidCache.test(peerId, this.tid);
    if (test === 'no-cache') test = this.r.timers.verifyUnknownPeers || noCache ? 'fail' : 'ok';
    if (pdu.tidNew) test = 'fail';
    if (test === 'ok' || test === 'reordered') {
      this.r.tidCache.accept(peerId, this.tid, test === 'ok');
      return this.accepted(v, pdu.rid);
    }
    this.r.tidCache.see(peerId, this.tid);
    // WAP-224 §9.4.2: ask the initiator — Ack with Tve — and wait for its Tok.
    this.emit({ kind: 'tid-verification', outcome: 'started' });
    this.sendAck({ tve: true });
    this.transition(RespState.TIDOK_WAIT);
  }

  /** The TID is accepted: indicate a whole Invoke, or go on reassembling. */
  private accepted(v: ReassemblyVerdict, rid: boolean): void {
    const r = this.reassembler();
    if (r.complete) return this.indicate();
    this.transition(RespState.SAR_INVOKE_WAIT);
    this.answerGroup(v, rid);
  }

  private segment(psn: number, data: Buffer, gtr: boolean, ttr: boolean, rid: boolean): void {
    const r = this.reassembler();
    const v = r.add(psn, data, gtr, ttr);
    if (!this.verdict(v)) return;
    if (v.kind === 'complete') return this.indicate();
    this.enterTimer(); // W restarts on every packet of a live reassembly
    this.answerGroup(v, rid);
  }

  /** A packet of an Invoke already indicated: re-answer what the initiator evidently missed. */
  private duplicate(psn: number, gtr: boolean, ttr: boolean, rid: boolean): void {
    const last = this.invokeLastPsn ?? 0;
    if (ttr || psn === last) {
      // WAP-224 §9 RESULT_WAIT/WAIT_TIMEOUT + RcvInvoke, RID set: resend the Ack if one was sent. We also answer
      // at once when an Ack is already allowed (the user acknowledged, or no user ack was asked for): the
      // initiator is retransmitting, and waiting for the A timer would waste its retry.
      if (rid && (this.ackSent || this.state === RespState.RESULT_WAIT || (this.state === RespState.INVOKE_RESP_WAIT && !this.uack))) {
        this.ackInvoke(true);
      }
      return;
    }
    // A group trailer of an earlier group: our group Ack was lost.
    if (gtr) this.sendAck({ psn, rid: true });
  }

  /** TR-Invoke.ind. */
  private indicate(): void {
    const r = this.reassembler();
    this.invokeLastPsn = r.segmented ? r.lastPsn : undefined;
    const data = r.assemble();
    this.indicated = true;
    this.transition(RespState.INVOKE_RESP_WAIT);
    this.emit({ kind: 'transaction', role: 'responder', class: this.cls, outcome: 'started' });
    this.r.user.invoke(this, data, { peer: this.peer, class: this.cls, uack: this.uack, tid: this.tid });
  }

  /** @internal class 0: indicated, nothing else. */
  indicatedClass0(data: Buffer): void {
    this.state = RespState.CLOSED;
    this.timer?.cancel();
    this.timer = undefined;
    this.emit({ kind: 'transaction', role: 'responder', class: 0, outcome: 'started' });
    this.emit({ kind: 'transaction', role: 'responder', class: 0, outcome: 'completed' });
    this.r.user.invoke(this, data, { peer: this.peer, class: 0, uack: this.uack, tid: this.tid });
  }

  onAck(pdu: WtpAck): void {
    switch (this.state) {
      case RespState.TIDOK_WAIT: {
        // WAP-224 §9 TIDOK_WAIT + RcvAck(TIDok): the TID is valid. §9.4.4: only TIDnew resets the cache.
        if (!pdu.tveTok) return;
        this.emit({ kind: 'tid-verification', outcome: 'ok' });
        const peerId = this.key.slice(0, this.key.lastIndexOf('#'));
        if (this.tidNew) this.r.tidCache.reset(peerId, this.tid);
        else this.r.tidCache.accept(peerId, this.tid, false);
        return this.accepted(this.reassembler().reevaluate(), false);
      }
      case RespState.RESULT_RESP_WAIT: {
        // A late duplicate Tok (CR-Nokia-WTP-20-March-2000/2) is not an acknowledgement of the Result.
        if (pdu.tveTok || !this.sender) return;
        const v = this.sender.onAck(tpiPsn(pdu));
        if (v === 'complete') {
          this.finish();
          if (this.indicated) this.r.user.resultConfirmed(this);
          return;
        }
        if (v === 'group') {
          this.rcr = 0;
          this.enterTimer();
          this.sendPackets(this.sender.nextGroup());
        }
        return;
      }
      default:
        // RESULT_WAIT + RcvAck(TIDok) duplicate, and every other state: ignore.
        return;
    }
  }

  onNack(pdu: WtpNack): void {
    if (this.state !== RespState.RESULT_RESP_WAIT || !this.sender) return;
    this.emit({ kind: 'nack', direction: 'received', missing: pdu.missing.length });
    // WAP-224 §9.5: retransmit only the packets named (RID set).
    const pkts = this.sender.onNack(pdu.missing);
    if (!pkts.length) return;
    if (++this.rcr > this.r.timers.maxRetransmissions) return this.abortWith('NORESPONSE');
    this.enterTimer();
    this.sendPackets(pkts);
  }

  onAbort(pdu: WtpAbort): void {
    if (this.done) return;
    const reason = reasonOf(pdu.abortType, pdu.reason, true);
    this.emit({ kind: 'abort', direction: 'received', reason });
    if (this.state === RespState.TIDOK_WAIT) this.emit({ kind: 'tid-verification', outcome: 'invalid' });
    // WAP-224 §9 + RcvAbort: TR-Abort.ind when the user knows the transaction (not in LISTEN / TIDOK_WAIT).
    this.finish(reason);
  }

  /** WAP-224 §9 RcvErrorPDU: Abort(PROTOERR), TR-Abort.ind if indicated. */
  onErrorPdu(): void {
    if (this.done) return;
    this.abortWith('PROTOERR');
  }

  // ---------------- the user's primitives ----------------

  /** TR-Invoke.res. */
  ack(): void {
    this.r.run(() => {
      if (this.state !== RespState.INVOKE_RESP_WAIT) return;
      if (this.cls === 2) {
        // WAP-224 §9 INVOKE_RESP_WAIT + TR-Invoke.res, class 2 → RESULT_WAIT; the A timer then sends a hold-on Ack.
        this.aec = 0;
        return this.transition(RespState.RESULT_WAIT);
      }
      // Class 1: the final Ack; wait out duplicates.
      this.ackInvoke(false);
      this.transition(RespState.WAIT_TIMEOUT);
    });
  }

  /** TR-Result.req. */
  result(data: Buffer, opts: { segmentSize?: number } = {}): void {
    this.r.run(() => {
      if (this.cls !== 2 || (this.state !== RespState.INVOKE_RESP_WAIT && this.state !== RespState.RESULT_WAIT)) return;
      const seg = this.segmentSize(opts.segmentSize);
      // Group size honours the peer's Maximum Group option (octets it can take in one group, WAP-224 §8.4.3).
      let group = this.r.timers.groupSize;
      if (this.peerMaxGroup) group = Math.max(1, Math.min(group, Math.floor(this.peerMaxGroup / seg)));
      if (Math.ceil(data.length / seg) > MAX_PACKETS) {
        // More than 256 packets needs extended SAR, which this engine does not speak: a clean refusal.
        return this.abortWith('MESSAGETOOLARGE');
      }
      this.sender = new SarSender(data, seg, group);
      this.rcr = 0;
      this.transition(RespState.RESULT_RESP_WAIT);
      this.sendPackets(this.sender.nextGroup());
    });
  }

  /** TR-Abort.req. */
  abort(reason: number): void {
    this.r.run(() => {
      if (this.done || !this.indicated) return;
      this.r.sendAbort(this.peer, this.tid, 'User', reason & 0xff);
      const wasIndicated = this.indicated;
      this.transition(RespState.CLOSED);
      if (wasIndicated) this.emit({ kind: 'transaction', role: 'responder', class: this.cls, outcome: 'aborted' });
    });
  }

  private sendPackets(pkts: ReturnType<SarSender['nextGroup']>): void {
    for (const p of pkts) {
      this.send(resultPacket(this.tid, p));
      if (this.sender?.segmented) this.emit({ kind: 'segment', direction: 'sent', psn: p.psn });
      if (p.rid) this.emit({ kind: 'retransmission', pdu: p.psn === 0 ? 'Result' : 'SegmentedResult' });
    }
  }

  // ---------------- timers ----------------

  private onTimer(kind: TimerKind): void {
    this.timer = undefined;
    const t = this.r.timers;
    switch (this.state) {
      case RespState.INVOKE_RESP_WAIT:
      case RespState.RESULT_WAIT:
        if (kind !== 'A') return;
        // WAP-224 §9 TimerTO_A: AEC_MAX reached → Abort(NORESPONSE).
        if (this.aec >= t.maxAckExpirations) return this.abortWith('NORESPONSE');
        this.aec++;
        if (this.state === RespState.RESULT_WAIT || !this.uack) {
          // The hold-on Ack (§7.1.5.3): the result is not ready, stop the initiator retransmitting.
          this.ackInvoke(false);
          if (this.cls === 1) return this.transition(RespState.WAIT_TIMEOUT);
        }
        return this.enterTimer();
      case RespState.RESULT_RESP_WAIT: {
        if (kind !== 'R' || !this.sender) return;
        // WAP-224 §9 TimerTO_R: MAX_RCR reached → provider Abort(NORESPONSE) (Kannel bug #102: provider, not user).
        if (this.rcr >= t.maxRetransmissions) return this.abortWith('NORESPONSE');
        this.rcr++;
        this.sendPackets([this.sender.trailer()]);
        return this.enterTimer();
      }
      case RespState.WAIT_TIMEOUT:
        // Class 1 done: the wait for duplicates is over.
        return this.finish();
      default:
        // LISTEN / TIDOK_WAIT / SAR_INVOKE_WAIT: the initiator went away; forget silently.
        return this.finish();
    }
  }
}
