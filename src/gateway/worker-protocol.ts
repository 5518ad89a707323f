/**
 * The messages between the gateway's primary thread (src/gateway/workers.ts: owns the UDP sockets, routes by
 * client address) and its worker threads (src/gateway/worker-main.ts: the whole UDP → WTP → WSP → HTTP path
 * for their share of clients). Everything here is structured-cloneable.
 *
 * Datagrams travel as a 4-element array (no object per datagram): [port, bytes, address, peerPort]; the bytes'
 * ArrayBuffer is transferred, not copied (cheaper than a copy even at 100–1500 octets: see workers.ts).
 */
import type { GatewayOptionsInput } from './options.ts';
import type { WapgateConfig } from '../config/index.ts';
import type { Cdr } from './hooks.ts';
import type { RedirectOptions } from './options.ts';
import type { HttpExchange } from '../trace/recorder.ts';
import type { SubscriberMap } from '../identity/index.ts';

/** Which of the two ports a datagram belongs to. */
export const CL = 0;
export const CO = 1;
export type PortKind = typeof CL | typeof CO;

export type Datagram = [port: PortKind, data: Uint8Array, address: string, peerPort: number];

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
  metrics: boolean;
  charging: boolean;
  trace: boolean;
  logLevel: string;
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
  | Datagram
  | { t: 'map'; ops: MapOp[] }
  | { t: 'identity'; identity: IdentityConfig }
  | { t: 'allowed'; origins: readonly string[] }
  | { t: 'upstream'; upstream: string | undefined }
  | { t: 'redirect'; redirect: RedirectOptions | undefined }
  | { t: 'trace'; active: boolean }
  | { t: 'refuse' }
  | { t: 'metrics'; id: number }
  | { t: 'stop'; graceMs: number };

export interface WorkerStats {
  clInFlight: number;
  coInFlight: number;
  sessions: number;
  rejected: Record<string, number>;
}

export type FromWorker =
  | Datagram
  | { t: 'ready' }
  | { t: 'cdr'; cdrs: Cdr[] }
  | { t: 'log'; line: string }
  | { t: 'http'; x: HttpExchange }
  | { t: 'stats'; stats: WorkerStats }
  | { t: 'metrics'; id: number; json: unknown[] }
  | { t: 'stopped' };
