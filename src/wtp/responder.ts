/**
 * The WTP responder (WAP-224 §9, responder state table; the gateway side of port 9201): classes 0, 1 and 2,
 * user acknowledgement, hold-on Acks, TID verification, SAR in both directions, aborts. One ResponderTx per
 * transaction (responder-tx.ts). This file routes datagrams to transactions, owns the TID cache, the caps and
 * the outbox.
 */
import { Class0Log } from './class0-log.ts';
import { type Clock, realClock } from './clock.ts';
import { abortPdu, EventSink, Outbox, TimerList } from './engine.ts';
import { decodeWtpDatagram, peekTid, PROVIDER_ABORT, type WtpInvoke, type WtpPdu } from './pdu.ts';
import { type ResponderContext, ResponderTx, type TimerKind } from './responder-tx.ts';
import { Reassembler, ReassemblyBudget, usesExtendedSar } from './sar.ts';
import { TidCache } from './tid-cache.ts';
import { resolveTimers, type WtpTimers } from './timers.ts';
import { type Peer, peerKey, reasonOf, type Transport, type WtpEvent, type WtpStats, type WtpUser } from './types.ts';

export { type ResponderContext, RespState, ResponderTx, type TidVerifier } from './responder-tx.ts';

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
  private readonly txs = new Map<string, ResponderTx>();
  private readonly tidCache: TidCache;
  private readonly budget: ReassemblyBudget;
  private readonly out: Outbox;
  private readonly events: EventSink;
  /** One list per timer of WAP-224 §9.4.1: acknowledgement interval, retry interval, wait timeout. */
  private readonly timerLists: Record<TimerKind, TimerList>;
  /** What the transactions may ask of this responder (one object for all of them). */
  private readonly ctx: ResponderContext;
  /** Class-0 Invokes recently delivered, per peer, so a duplicated datagram is not delivered twice. */
  private readonly class0Seen: Class0Log;
  private readonly perPeer = new Map<string, number>();

  constructor(readonly options: WtpResponderOptions) {
    this.timers = resolveTimers(options.timers);
    this.clock = options.clock ?? realClock;
    this.tidCache = new TidCache(this.timers.tidCacheSize, this.timers.waitTimeoutMs, this.clock, this.timers.tidWindow);
    this.class0Seen = new Class0Log(this.timers.tidCacheSize, this.timers.waitTimeoutMs, this.clock);
    this.budget = new ReassemblyBudget(this.timers.maxTotalReassemblyBytes);
    this.out = new Outbox(options.transport, this.timers.maxDatagram, options.onSend);
    this.events = new EventSink(options.onEvent);
    const list = (kind: TimerKind, ms: number): TimerList =>
      new TimerList(this.clock, ms, (n) => this.run(() => (n as ResponderTx).expired(kind)));
    this.timerLists = { A: list('A', this.timers.ackIntervalMs), R: list('R', this.timers.retryIntervalMs), W: list('W', this.timers.waitTimeoutMs) };
    const lists = this.timerLists;
    const out = this.out;
    const events = this.events;
    const budget = this.budget;
    const maxReassembly = this.timers.maxReassemblyBytes;
    this.ctx = {
      timers: this.timers,
      user: options.user,
      tids: this.tidCache,
      reassembler: () => new Reassembler(budget, maxReassembly),
      room: (bytes) => (bytes > maxReassembly ? 'too-large' : budget.used + bytes > budget.max ? 'no-capacity' : 'ok'),
      send: (peer, pdu) => out.send(peer, pdu),
      sendAbort: (peer, tid, type, code) => this.sendAbort(peer, tid, type, code),
      emit: (e) => events.emit(e),
      arm: (tx, kind) => lists[kind].arm(tx),
      run: (fn) => this.run(fn),
      closed: (tx) => this.forget(tx),
    };
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

  /** Transactions whose timer is running: every one in progress has exactly one. */
  get armedTimers(): number {
    return this.timerLists.A.size + this.timerLists.R.size + this.timerLists.W.size;
  }

  /** @internal When the earliest transaction timer falls due (tests: which timer a state runs). */
  nextTimerDue(): number | undefined {
    let due: number | undefined;
    for (const l of Object.values(this.timerLists)) {
      const d = l.firstDue;
      if (d !== undefined && (due === undefined || d < due)) due = d;
    }
    return due;
  }

  /** @internal The state of the transaction `tid` of the peer with key `pk` (tests). */
  stateOf(pk: string, tid: number): ResponderTx['state'] | undefined {
    return this.txs.get(`${pk}#${tid}`)?.state;
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

  /** Runs one engine entry; PDUs sent inside leave together (concatenated per peer where they fit). */
  private run(fn: () => void): void {
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
    const pk = peerKey(peer);
    const key = `${pk}#${pdu.tid}`;
    let tx = this.txs.get(key);
    if (pdu.type !== 'Abort' && usesExtendedSar(pdu)) {
      // A peer using extended SAR (WAP-224 §8.4 TPIs): this engine speaks basic SAR only.
      if (tx) return tx.onErrorPdu('NOTIMPLEMENTEDESAR');
      // Without a transaction only what would open one is answered; LISTEN ignores a class-0 Invoke's
      // transaction state and stray Acks/Nacks (WAP-224 §9 responder table), so those are dropped as before.
      const opens = (pdu.type === 'Invoke' && pdu.class !== 0) || pdu.type === 'SegmentedInvoke';
      if (opens) this.sendAbort(peer, pdu.tid, 'Provider', PROVIDER_ABORT.NOTIMPLEMENTEDESAR);
      return;
    }
    switch (pdu.type) {
      case 'Invoke':
        if (pdu.class === 0 && (!tx || tx.cls !== 0)) return this.class0(pdu, peer, pk, key);
        if (!tx) {
          tx = this.create(peer, pdu.tid, pk, key);
          if (!tx) return;
        }
        return tx.onInvoke(pdu);
      case 'SegmentedInvoke':
        if (!tx) {
          tx = this.create(peer, pdu.tid, pk, key);
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

  private create(peer: Peer, tid: number, pk: string, key: string): ResponderTx | undefined {
    if (this.txs.size >= this.timers.maxTransactions || (this.perPeer.get(pk) ?? 0) >= this.timers.maxTransactionsPerPeer) {
      this.sendAbort(peer, tid, 'Provider', PROVIDER_ABORT.CAPTEMPEXCEEDED);
      return undefined;
    }
    const tx = new ResponderTx(this.ctx, peer, tid, key, pk);
    this.txs.set(key, tx);
    this.perPeer.set(pk, (this.perPeer.get(pk) ?? 0) + 1);
    return tx;
  }

  /** A transaction is over: forget it (a class-0 one was never in the table). */
  private forget(tx: ResponderTx): void {
    const key = tx.key;
    if (this.txs.get(key) !== tx) return;
    this.txs.delete(key);
    const pk = tx.peerKey;
    const n = (this.perPeer.get(pk) ?? 1) - 1;
    if (n > 0) this.perPeer.set(pk, n);
    else this.perPeer.delete(pk);
  }

  /** WAP-224 §9, LISTEN + RcvInvoke, class 0: indicate, keep no state (fakewap's Disconnect reuses its Get's TID). */
  private class0(pdu: WtpInvoke, peer: Peer, pk: string, key: string): void {
    if (pdu.version !== 0 || !pdu.ttr) return; // class 0 is never answered, and cannot be segmented
    if (!this.class0Seen.first(pk, pdu.tid)) return;
    new ResponderTx(this.ctx, peer, pdu.tid, key, pk).indicateClass0(pdu);
  }

  private sendAbort(peer: Peer, tid: number, type: 'Provider' | 'User', code: number): void {
    this.out.send(peer, abortPdu(tid, true, type, code));
    this.events.emit({ kind: 'abort', direction: 'sent', reason: reasonOf(type, code, false) });
  }

  /** Ends every transaction without telling anyone and clears every timer. */
  dispose(): void {
    for (const tx of [...this.txs.values()]) tx.dispose();
    for (const l of Object.values(this.timerLists)) l.clear();
    this.txs.clear();
    this.perPeer.clear();
    this.tidCache.clear();
    this.class0Seen.clear();
  }

  close(): void {
    this.dispose();
  }
}

