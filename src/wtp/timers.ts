/**
 * Every WTP timer value and counter limit, in one place (WAP-224 §9.4.1–§9.4.2, Appendix A). Configurable;
 * the defaults are at least as patient as Kannel's (wap/wtp.h: 1 s base, ack 4 s, retry 7 s, wait 30 s,
 * MAX_RCR 8, AEC_MAX 6).
 *
 * Where we differ from Kannel, and why:
 * - wait timeout 60 s (Kannel 30 s): W must outlast the peer's retransmissions (R × MAX_RCR = 56 s). With 30 s a
 *   class-2 initiator that lost its final Ack forgets the transaction while the responder still retransmits the
 *   Result, and the responder then aborts (NORESPONSE) a transaction that in fact succeeded.
 * - one retry interval with or without user acknowledgement (Kannel has separate values per U/P).
 */
export interface WtpTimers {
  /** A: acknowledgement interval — hold-on Ack / user-ack deadline (WAP-224 §9.4.1). */
  ackIntervalMs: number;
  /** R: retry interval — retransmission of Invoke/Result/last packet of a group. */
  retryIntervalMs: number;
  /** W: wait timeout — how long a finished transaction remembers itself to answer duplicates; also the TID
   * cache entry lifetime and the idle limit of an incomplete reassembly. */
  waitTimeoutMs: number;
  /** MAX_RCR: retransmissions before giving up (WAP-224 §9.4.2). */
  maxRetransmissions: number;
  /** AEC_MAX: acknowledgement-interval expiries before NORESPONSE. */
  maxAckExpirations: number;
  /** Octets of user data per WTP packet when segmenting (SAR, WAP-224 §9.5). */
  segmentSize: number;
  /** Packets per SAR group when sending (lowered to honour the peer's Maximum Group option). */
  groupSize: number;
  /** Largest message one transaction may reassemble (above: Abort MESSAGETOOLARGE). */
  maxReassemblyBytes: number;
  /** Octets all reassemblies together may hold (above: Abort CAPTEMPEXCEEDED). */
  maxTotalReassemblyBytes: number;
  /** Peers remembered in the TID cache (LRU beyond this). */
  tidCacheSize: number;
  /** Concurrent transactions (above: Abort CAPTEMPEXCEEDED). */
  maxTransactions: number;
  /** Concurrent transactions of one peer (address and port), so one host cannot take every slot. */
  maxTransactionsPerPeer: number;
  /** TID window (WAP-224 §9.4.3: 2^14). */
  tidWindow: number;
  /** Largest datagram built by concatenating PDUs (WAP-224 §8.1). */
  maxDatagram: number;
  /** Verify the TID of the first Invoke from an unknown peer. Off by default, as Kannel (wtp_tid.c): a
   * verification round-trip for every new handset buys nothing when the cache is empty, and fakewap never sets
   * TIDnew on its first Invoke. TIDnew, a failed TID test and the No-cached-TID option always verify. */
  verifyUnknownPeers: boolean;
}

export const DEFAULT_WTP_TIMERS: Readonly<WtpTimers> = Object.freeze({
  ackIntervalMs: 4_000,
  retryIntervalMs: 7_000,
  waitTimeoutMs: 60_000,
  maxRetransmissions: 8,
  maxAckExpirations: 6,
  segmentSize: 1_400,
  groupSize: 3,
  maxReassemblyBytes: 4 * 1024 * 1024,
  maxTotalReassemblyBytes: 64 * 1024 * 1024,
  tidCacheSize: 100_000,
  maxTransactions: 50_000,
  maxTransactionsPerPeer: 256,
  tidWindow: 2 ** 14,
  maxDatagram: 1_500,
  verifyUnknownPeers: false,
});

export function resolveTimers(partial: Partial<WtpTimers> = {}): WtpTimers {
  const t = { ...DEFAULT_WTP_TIMERS, ...partial };
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) throw new RangeError(`WTP ${k} must be >= 0`);
  }
  if (t.segmentSize < 1 || t.groupSize < 1) throw new RangeError('WTP segmentSize and groupSize must be >= 1');
  return t;
}
