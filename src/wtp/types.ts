/**
 * The WTP engines' edges: Peer and Transport (datagrams out), the user interfaces (TR-* primitives of
 * WAP-224 §6), abort reasons, and the counters an operator wants to see.
 */
import {
  type AbortTypeName,
  abortReasonName,
  PROVIDER_ABORT,
  type ProviderAbortReason,
  type WtpClass,
} from './pdu.ts';

export interface Peer {
  address: string;
  port: number;
  /** 'IPv4' | 'IPv6', when the bearer knows it. */
  family?: string;
}

export function peerKey(p: Peer): string {
  // join, not a template: a template of 13 or more characters is a cons string, and a Map keeping one keeps both it
  // and the flat copy hashing made (32 bytes more per peer in the TID cache and the session table).
  return [p.address, p.port].join('|');
}

/** Where the engines put datagrams. One call per UDP datagram. */
export interface Transport {
  send(datagram: Buffer, peer: Peer): void;
}

/** Why a transaction ended badly: who aborted (provider = WTP itself, user = WSP) and the reason code. */
export interface WtpAbortReason {
  type: AbortTypeName;
  code: number;
  /** PROVIDER_ABORT / USER_ABORT name, or hex for codes without one. */
  name: string;
  /** True when the peer sent the Abort, false when it was decided here. */
  remote: boolean;
}

export function providerReason(name: ProviderAbortReason, remote = false): WtpAbortReason {
  return { type: 'Provider', code: PROVIDER_ABORT[name], name, remote };
}

export function reasonOf(type: AbortTypeName, code: number, remote: boolean): WtpAbortReason {
  return { type, code, name: abortReasonName(type, code), remote };
}

/** The rejection of WtpInitiator.invoke(). */
export class WtpAbortError extends Error {
  override readonly name = 'WtpAbortError';
  readonly code = 'WTP_ERR_ABORTED';
  constructor(readonly reason: WtpAbortReason) {
    super(`WTP transaction aborted: ${reason.type.toLowerCase()} ${reason.name}${reason.remote ? ' (by peer)' : ''}`);
  }
}

/** What a responder tells its user about a new transaction (TR-Invoke.ind). */
export interface InvokeInfo {
  peer: Peer;
  class: WtpClass;
  /** U/P flag: the initiator wants the user (not WTP) to acknowledge — call tx.ack() (TR-Invoke.res). */
  uack: boolean;
  tid: number;
}

/** The transaction handle a responder's user holds. */
export interface ResponderTransaction {
  readonly peer: Peer;
  /** peerKey(peer), made once for the datagram; the TID cache keys with it, and a user's per-peer table can too. */
  readonly peerKey: string;
  readonly tid: number;
  readonly class: WtpClass;
  /** Largest Result this transaction can carry (SAR with 256 packets of the segment size). */
  readonly maxResultSize: number;
  /** TR-Result.req (class 2 only). Data larger than maxResultSize (256 packets) aborts with NOTIMPLEMENTEDESAR. */
  result(data: Buffer, opts?: { segmentSize?: number }): void;
  /** TR-Abort.req with a user (WSP) reason code. */
  abort(reason: number): void;
  /** TR-Invoke.res: the user acknowledgement (class 1 and 2). */
  ack(): void;
  /** True once the transaction has ended (completed or aborted). */
  readonly done: boolean;
}

/** The responder's user (WSP session / push client): the TR-*.ind / .cnf primitives. */
export interface WtpUser {
  /** TR-Invoke.ind — exactly once per transaction, with the whole (reassembled) message. */
  invoke(tx: ResponderTransaction, data: Buffer, info: InvokeInfo): void;
  /** TR-Abort.ind — only for transactions already indicated with invoke(). */
  abort(tx: ResponderTransaction, reason: WtpAbortReason): void;
  /** TR-Result.cnf — the peer acknowledged the Result (class 2), or class 1 ended after its Ack. */
  resultConfirmed(tx: ResponderTransaction): void;
}

/** Events for metrics and tracing. */
export type WtpEvent =
  | { kind: 'transaction'; role: 'responder' | 'initiator'; class: WtpClass; outcome: 'started' | 'completed' | 'aborted' }
  | { kind: 'retransmission'; pdu: string }
  | { kind: 'abort'; direction: 'sent' | 'received'; reason: WtpAbortReason }
  | { kind: 'segment'; direction: 'sent' | 'received'; psn: number }
  | { kind: 'nack'; direction: 'sent' | 'received'; missing: number }
  | { kind: 'tid-verification'; outcome: 'started' | 'ok' | 'invalid' }
  | { kind: 'malformed'; error: string }
  /** An exception inside the engine or thrown by the user's callback; caught so the engine keeps running. */
  | { kind: 'internal-error'; error: string };

export interface WtpStats {
  transactionsStarted: Record<WtpClass, number>;
  completed: number;
  aborted: number;
  retransmissions: number;
  segmentsSent: number;
  segmentsReceived: number;
  nacksSent: number;
  nacksReceived: number;
  tidVerifications: number;
  malformed: number;
  internalErrors: number;
  /** "sent provider/NORESPONSE" → count. */
  aborts: Record<string, number>;
}

export function newStats(): WtpStats {
  return {
    transactionsStarted: { 0: 0, 1: 0, 2: 0 },
    completed: 0,
    aborted: 0,
    retransmissions: 0,
    segmentsSent: 0,
    segmentsReceived: 0,
    nacksSent: 0,
    nacksReceived: 0,
    tidVerifications: 0,
    malformed: 0,
    internalErrors: 0,
    aborts: {},
  };
}

export function countEvent(s: WtpStats, e: WtpEvent): void {
  switch (e.kind) {
    case 'transaction':
      if (e.outcome === 'started') s.transactionsStarted[e.class]++;
      else if (e.outcome === 'completed') s.completed++;
      else s.aborted++;
      break;
    case 'retransmission':
      s.retransmissions++;
      break;
    case 'abort': {
      const k = `${e.direction} ${e.reason.type.toLowerCase()}/${e.reason.name}`;
      s.aborts[k] = (s.aborts[k] ?? 0) + 1;
      break;
    }
    case 'segment':
      if (e.direction === 'sent') s.segmentsSent++;
      else s.segmentsReceived++;
      break;
    case 'nack':
      if (e.direction === 'sent') s.nacksSent++;
      else s.nacksReceived++;
      break;
    case 'tid-verification':
      if (e.outcome === 'started') s.tidVerifications++;
      break;
    case 'malformed':
      s.malformed++;
      break;
    case 'internal-error':
      s.internalErrors++;
      break;
  }
}
