/**
 * What the PPG engine (engine.ts) is given and what it tells: its clock, logger, metrics, the delivery paths and
 * the durable queue it is composed with, the result events it emits and the report of a recovery.
 */
import type { ChargingSink } from '../charging/cdr.ts';
import type { PushAddress } from './address.ts';
import type { ConfirmedPushInitiator, PushTransport, SmsPushSender } from './delivery.ts';
import type { MessageState } from './pap-xml.ts';
import type { PushQueue } from './queue.ts';
import type { Bearer } from './store.ts';

export interface PpgClock {
  /** Wall-clock milliseconds (PAP timestamps are UTC wall time). */
  now(): number;
  setTimer(ms: number, fn: () => void): { cancel(): void };
}

export const wallClock: PpgClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_000_000)));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

export interface PpgLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** The metric children the PPG updates (src/admin/metrics.ts WapgateMetrics has these). */
export interface PpgMetrics {
  pushes: { labels(bearer: string, outcome: string): { inc(): void } };
  pushQueueDepth: { set(v: number): void };
  rejectedInputs?: { labels(source: string, reason: string): { inc(): void } };
}

/** What recover() found in the durable queue. */
export interface RecoveryReport {
  /** Pushes read back (finished ones included, for status queries). */
  records: number;
  /** Targets still to deliver. */
  pending: number;
  /** Targets in an attempt when the previous run stopped: sent again, possible duplicates (metric outcome 'redelivered'). */
  inFlight: number;
  /** Result notifications still owed, sent again. */
  notifications: number;
}

export interface PpgDeps {
  /** Unit push out of the gateway's 9200 socket. Without it IP pushes stay pending until they expire. */
  transport?: PushTransport;
  /** WTP class 1 initiator for confirmed push. Without it delivery-method="confirmed" gets PAP 3007. */
  wtp?: ConfirmedPushInitiator;
  /** SMPP client. Without it PLMN addresses with no known IP wait (and expire). */
  sms?: SmsPushSender;
  /** Subscriber lookup (identity map): MSISDN → the handset's current IP. */
  resolveMsisdn?: (msisdn: string) => string | undefined;
  /** USER / user-defined addresses → an IP or an MSISDN; undefined = address not found (PAP 2003). */
  resolveUser?: (a: PushAddress) => { ip?: string; msisdn?: string } | undefined;
  /** Posts a resultnotification-message; resolves to the HTTP status. Default: fetch. */
  notify?: (url: string, xml: string) => Promise<number>;
  clock?: PpgClock;
  log?: PpgLogger;
  metrics?: PpgMetrics;
  charging?: ChargingSink;
  /** The durable queue (src/push/queue-sqlite.ts over src/store); default: in memory, nothing survives. */
  queue?: PushQueue;
}

export interface PushResultEvent {
  pushId: string;
  address: string;
  state: MessageState;
  code: number;
  desc?: string;
  bearer?: Bearer;
}
