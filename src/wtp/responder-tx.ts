/**
 * One responder transaction (WAP-224 §9 responder state table): an enum state and one guarded transition that
 * clears the running timer on exit and starts the state's timer on entry — every change of state, the end
 * included, goes through it. Created and routed by WtpResponder; what it may ask of its responder is the
 * ResponderContext below, nothing else.
 */
import { ackPdu, nackPdu, resultPacket, type TimerList, type TimerNode } from './engine.ts';
import {
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
import { MAX_PACKETS, type Reassembler, type ReassemblyVerdict, SarSender } from './sar.ts';
import type { TidTestResult } from './tid-cache.ts';
import type { WtpTimers } from './timers.ts';
import {
  type Peer,
  providerReason,
  reasonOf,
  type ResponderTransaction,
  type WtpAbortReason,
  type WtpEvent,
  type WtpUser,
} from './types.ts';

/** WAP-224 §9.4.3: the TID test and its bookkeeping, per peer key (the responder's TidCache). */
export interface TidVerifier {
  test(peer: string, tid: number): TidTestResult;
  accept(peer: string, tid: number, advance: boolean): void;
  see(peer: string, tid: number): void;
  reset(peer: string, tid: number): void;
}

/** What a transaction may ask of its responder: configuration, its user, the TID cache, I/O, timers, its end. */
export interface ResponderContext {
  readonly timers: WtpTimers;
  readonly user: WtpUser;
  readonly tids: TidVerifier;
  /** A reassembler charged against the engine-wide reassembly budget. */
  reassembler(): Reassembler;
  /** Whether a message of `bytes` could be reassembled now: the per-message cap, then the engine-wide budget. */
  room(bytes: number): 'ok' | 'too-large' | 'no-capacity';
  send(peer: Peer, pdu: WtpPdu): void;
  sendAbort(peer: Peer, tid: number, type: 'Provider' | 'User', code: number): void;
  emit(e: WtpEvent): void;
  /** Starts `tx`'s timer of `kind` (WAP-224 §9.4.1), replacing the one it had. */
  arm(tx: ResponderTx, kind: TimerKind): void;
  /** Runs a user primitive as one engine entry (its PDUs leave together; an exception becomes an event). */
  run(fn: () => void): void;
  /** `tx` reached CLOSED: the responder forgets it. */
  closed(tx: ResponderTx): void;
}

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

export type TimerKind = 'A' | 'R' | 'W';

/** Which timer each state runs (WAP-224 §9.4.1). */
const STATE_TIMER: Record<RespState, TimerKind | null> = {
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

/** One responder transaction. */
export class ResponderTx implements ResponderTransaction, TimerNode {
  state = RespState.LISTEN;
  cls: WtpClass = 2;
  uack = false;
  private tidNew = false;
  private rcr = 0;
  private aec = 0;
  private ackSent = false;
  private indicated = false;
  /** @internal The running timer: this transaction's place in one of the responder's TimerLists. */
  timerPrev: TimerNode | undefined = undefined;
  /** @internal */ timerNext: TimerNode | undefined = undefined;
  /** @internal */ timerDue = 0;
  /** @internal */ timerList: TimerList | undefined = undefined;
  private reasm: Reassembler | undefined;
  private sender: SarSender | undefined;
  private peerMaxGroup: number | undefined;
  private peerMru: number | undefined;
  /** PSN of the Invoke's last packet when it was segmented (for the PSN TPI on Acks). */
  private invokeLastPsn: number | undefined;

  constructor(
    private readonly r: ResponderContext,
    readonly peer: Peer,
    readonly tid: number,
    /** The transaction's key in the responder's table (peerKey#tid). */
    readonly key: string,
    /** The peer's key (address|port): the TID cache's, and the session layer's (one string for both tables). */
    readonly peerKey: string,
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
    this.timerList?.cancel(this);
    this.state = next;
    if (next === RespState.CLOSED) {
      this.reasm?.release();
      this.reasm = undefined;
      this.r.closed(this);
      return;
    }
    this.enterTimer();
  }

  /** Starts (or restarts) the timer of the current state. */
  private enterTimer(): void {
    const kind = STATE_TIMER[this.state];
    if (kind) this.r.arm(this, kind);
    else this.timerList?.cancel(this);
  }

  /** Ends the transaction without telling anyone (the engine is being disposed). */
  dispose(): void {
    if (!this.done) this.transition(RespState.CLOSED);
  }

  // ---------------- helpers ----------------

  private send(pdu: WtpPdu): void {
    this.r.send(this.peer, pdu);
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
    this.r.emit(e);
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
    return (this.reasm ??= this.r.reassembler());
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
    if (pdu.ttr && !this.reasm) return this.wholeInvoke(pdu);
    const v = this.reassembler().add(0, pdu.data, pdu.gtr, pdu.ttr);
    if (!this.verdict(v)) return;
    const test = this.tidTest(pdu);
    if (test === 'ok' || test === 'reordered') {
      this.r.tids.accept(this.peerKey, this.tid, test === 'ok');
      return this.accepted(v, pdu.rid);
    }
    this.verifyTid();
  }

  /**
   * An Invoke that is the whole message (TTR on PSN 0, no segment of it before): when its TID passes, it is
   * indicated at once, without a reassembler (a Map, a Set, a copy and verdict objects per transaction before);
   * one that must be verified waits in a reassembler as a segmented one does.
   */
  private wholeInvoke(pdu: WtpInvoke): void {
    const room = this.r.room(pdu.data.length);
    if (room !== 'ok') return this.abortWith(room === 'too-large' ? 'MESSAGETOOLARGE' : 'CAPTEMPEXCEEDED');
    const test = this.tidTest(pdu);
    if (test === 'ok' || test === 'reordered') {
      this.r.tids.accept(this.peerKey, this.tid, test === 'ok');
      // A copy: the datagram's buffer is the bearer's.
      return this.deliver(Buffer.from(pdu.data), undefined);
    }
    if (!this.verdict(this.reassembler().add(0, pdu.data, pdu.gtr, pdu.ttr))) return;
    this.verifyTid();
  }

  /** WAP-224 §9.4.3 TID test; TIDnew (§9.4.4) and the No-cached-TID option always verify. */
  private tidTest(pdu: WtpInvoke): TidTestResult {
    const test = this.r.tids.test(this.peerKey, this.tid);
    if (pdu.tidNew) return 'fail';
    if (test !== 'no-cache') return test;
    return this.r.timers.verifyUnknownPeers || tpiOption(pdu, TPI_OPTION.NoCachedTID) !== undefined ? 'fail' : 'ok';
  }

  /** The TID failed the test: remember it was seen and ask the initiator. */
  private verifyTid(): void {
    this.r.tids.see(this.peerKey, this.tid);
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

  /** TR-Invoke.ind of a reassembled message. */
  private indicate(): void {
    const r = this.reassembler();
    const lastPsn = r.segmented ? r.lastPsn : undefined;
    const data = r.assemble();
    // The message is the user's now; duplicates of its packets are answered from invokeLastPsn alone.
    this.reasm = undefined;
    this.deliver(data, lastPsn);
  }

  /** TR-Invoke.ind. */
  private deliver(data: Buffer, lastPsn: number | undefined): void {
    this.invokeLastPsn = lastPsn;
    this.indicated = true;
    this.transition(RespState.INVOKE_RESP_WAIT);
    this.emit({ kind: 'transaction', role: 'responder', class: this.cls, outcome: 'started' });
    this.r.user.invoke(this, data, { peer: this.peer, class: this.cls, uack: this.uack, tid: this.tid });
  }

  /** WAP-224 §9 LISTEN + RcvInvoke, class 0: TR-Invoke.ind and nothing else — no Ack, no state kept. */
  indicateClass0(pdu: WtpInvoke): void {
    this.cls = 0;
    this.uack = pdu.uack;
    this.transition(RespState.CLOSED);
    this.emit({ kind: 'transaction', role: 'responder', class: 0, outcome: 'started' });
    this.emit({ kind: 'transaction', role: 'responder', class: 0, outcome: 'completed' });
    this.r.user.invoke(this, pdu.data, { peer: this.peer, class: 0, uack: this.uack, tid: this.tid });
  }

  onAck(pdu: WtpAck): void {
    switch (this.state) {
      case RespState.TIDOK_WAIT: {
        // WAP-224 §9 TIDOK_WAIT + RcvAck(TIDok): the TID is valid. §9.4.4: only TIDnew resets the cache.
        if (!pdu.tveTok) return;
        this.emit({ kind: 'tid-verification', outcome: 'ok' });
        const peerId = this.peerKey;
        if (this.tidNew) this.r.tids.reset(peerId, this.tid);
        else this.r.tids.accept(peerId, this.tid, false);
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

  /** WAP-224 §9 RcvErrorPDU: Abort(PROTOERR), TR-Abort.ind if indicated; a PDU of extended SAR: NOTIMPLEMENTEDESAR. */
  onErrorPdu(reason: 'PROTOERR' | 'NOTIMPLEMENTEDESAR' = 'PROTOERR'): void {
    if (this.done) return;
    this.abortWith(reason);
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
        // More than 256 packets needs extended SAR, which this engine does not speak: WAP-224's reason for it
        // (as Kannel's RESULT_WAIT + TR-Result.req row does).
        return this.abortWith('NOTIMPLEMENTEDESAR');
      }
      this.sender = new SarSender(unpooled(data), seg, group);
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

  /** @internal The responder's TimerList of `kind` says this transaction's timer fell due. */
  expired(kind: TimerKind): void {
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

/**
 * The Result is held until the initiator acknowledges it (a round trip, or the retries of a lost Ack). A small view
 * into a larger ArrayBuffer — Buffer.allocUnsafe's shared 8 KB pool, where the WSP encoder writes — would keep the
 * whole of it alive that long, and past the next major GC once a scavenge has promoted the transaction: copy it
 * when the view is less than half of what it holds.
 */
function unpooled(data: Buffer): Buffer {
  if (data.length <= ON_HEAP_MAX) {
    // Small enough for V8 to keep inside the JS heap (no ArrayBuffer, no malloc); not asking for data.buffer,
    // which would move an on-heap array out.
    const own = Buffer.alloc(data.length);
    data.copy(own);
    return own;
  }
  if (data.buffer.byteLength <= 2 * data.length) return data;
  const own = Buffer.allocUnsafeSlow(data.length);
  data.copy(own);
  return own;
}

/** V8 keeps typed arrays of up to 64 octets in the JS heap (typed_array_max_size_in_heap). */
const ON_HEAP_MAX = 64;
