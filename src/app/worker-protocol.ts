/**
 * The messages between the gateway's primary thread (src/gateway/workers.ts: owns the UDP sockets, routes by
 * client address) and its worker threads (src/gateway/worker-main.ts: the whole UDP → WTP → WSP → HTTP path
 * for their share of clients). Everything here is structured-cloneable.
 *
 * Datagrams travel as flat arrays of 4 elements per datagram (no object per datagram): [port, bytes, address,
 * peerPort, port, bytes, ...], one message for all the datagrams of one event-loop turn (DatagramBatch: a
 * message wakes the other thread, which costs more than the copy); the bytes' ArrayBuffers are transferred.
 */
import type { MetricSpec } from '../admin/metrics.ts';
import type { ContentOptions } from '../content/converter.ts';
import type { GatewayOptionsInput } from '../gateway/options.ts';
import type { WapgateConfig } from '../config/index.ts';
import type { Cdr } from '../gateway/hooks.ts';
import type { RedirectOptions } from '../gateway/options.ts';
import type { UrlMapRule } from '../gateway/url-map.ts';
import type { HttpExchange } from '../trace/recorder.ts';
import type { SubscriberMap } from '../identity/index.ts';
import type { MetricJson } from './worker-metrics.ts';
import type { WorkerLogLine } from './worker-log.ts';

/** Which of the two ports a datagram belongs to. */
export const CL = 0;
export const CO = 1;
export type PortKind = typeof CL | typeof CO;

/** Datagrams, 4 elements each: port kind, bytes, address, peer port. */
export type Datagrams = (PortKind | Uint8Array | string | number)[];

/** At most this many datagrams per message; a full batch goes at once. */
const BATCH_MAX = 256;

/** Datagrams for one thread, gathered during this event-loop turn and posted together (setImmediate). */
export class DatagramBatch {
  private items: Datagrams = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;

  constructor(private readonly post: (items: Datagrams, transfer: ArrayBuffer[]) => void) {}

  /** `bytes` must own its whole ArrayBuffer (it is transferred). */
  add(kind: PortKind, bytes: Uint8Array, address: string, port: number): void {
    this.items.push(kind, bytes, address, port);
    this.transfer.push(bytes.buffer as ArrayBuffer);
    if (this.transfer.length >= BATCH_MAX) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  get size(): number {
    return this.transfer.length;
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.transfer.length === 0) return;
    const items = this.items;
    const transfer = this.transfer;
    this.items = [];
    this.transfer = [];
    this.post(items, transfer);
  };
}

/** A copy in an ArrayBuffer of its own (to transfer). Not Buffer#slice: that is a view of the same memory. */
export function copyOf(data: Uint8Array): Uint8Array {
  const c = new Uint8Array(data.byteLength);
  c.set(data);
  return c;
}

/**
 * `data` itself when it owns its whole ArrayBuffer and nobody keeps it (a datagram fresh from dgram), else a copy.
 * Never for what a sender may keep: WTP holds its Result datagrams for retransmission, and a transferred buffer
 * is emptied.
 */
export function owned(data: Uint8Array): Uint8Array {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer ? data : copyOf(data);
}

export type IdentityConfig = WapgateConfig['identity'];

/** workerData of each thread. */
export interface WorkerInit {
  index: number;
  /** Options with the ports the primary actually bound (metric labels, Via). */
  options: GatewayOptionsInput;
  /** Enricher and client policy are built from this in the worker; the subscriber map is replicated. */
  identity?: IdentityConfig;
  /** The primary's dynamic bindings when the worker starts (a restarted worker included). */
  bindings: [address: string, rec: SubscriberBinding][];
  /** The primary's metrics, described (src/admin/metrics.ts metricSpecs): the worker counts them without prom-client. */
  metrics?: MetricSpec[];
  charging: boolean;
  trace: boolean;
  logLevel: string;
  /** Content settings: the worker builds its own converter (src/content/create.ts). */
  content?: ContentOptions;
}

/** A dynamic (RADIUS) binding as the subscriber map's bind() takes it. */
export type SubscriberBinding = Parameters<SubscriberMap['bind']>[1];

/** One change of the primary's subscriber map, replayed on every worker's copy. */
export type MapOp =
  | { op: 'bind'; address: string; rec: SubscriberBinding }
  | { op: 'unbind'; address: string; match?: { sessionId?: string; msisdn?: string } }
  | { op: 'unbindNas'; nas: string }
  | { op: 'clear' }
  | { op: 'reloadStatic' };

export type ToWorker =
  | Datagrams
  | { t: 'map'; ops: MapOp[] }
  | { t: 'identity'; identity: IdentityConfig }
  | { t: 'allowed'; origins: readonly string[] }
  | { t: 'upstream'; upstream: string | undefined }
  /** Checked against the allow-list on the primary first (setUrlMap throws there, nothing is sent). */
  | { t: 'urlMap'; rules: readonly UrlMapRule[] }
  | { t: 'redirect'; redirect: RedirectOptions | undefined }
  | { t: 'trace'; active: boolean }
  | { t: 'logLevel'; level: string }
  | { t: 'refuse' }
  | { t: 'metrics'; id: number }
  /** Gateway.confirmedPush by the worker holding the sessions of `address` (answered with 'confirmedPush'). */
  | { t: 'confirmedPush'; id: number; address: string; data: Uint8Array }
  | { t: 'stop'; graceMs: number };

export interface WorkerStats {
  clInFlight: number;
  coInFlight: number;
  sessions: number;
  rejected: Record<string, number>;
}

export type FromWorker =
  | Datagrams
  | { t: 'ready' }
  | { t: 'cdr'; cdrs: Cdr[] }
  | { t: 'log'; line: WorkerLogLine }
  | { t: 'http'; x: HttpExchange }
  | { t: 'stats'; stats: WorkerStats }
  | { t: 'metrics'; id: number; json: MetricJson[] }
  | { t: 'confirmedPush'; id: number; peer?: { address: string; port: number }; error?: ConfirmedPushFailure }
  | { t: 'stopped' };

/** A confirmed push that failed in a worker, as the primary rebuilds it (NoPushSessionError / WtpAbortError). */
export type ConfirmedPushFailure =
  | { kind: 'no-session'; address: string; reason: 'no-session' | 'no-confirmed-push'; detail: string }
  | { kind: 'abort'; reason: { type: 'Provider' | 'User'; code: number; name: string; remote: boolean } }
  | { kind: 'other'; message: string };
