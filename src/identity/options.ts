/**
 * Options of the identity layer, plain and documented, with their defaults. The config engineer folds these
 * into the zod schema (src/config/sections/); every factory also takes a partial object and fills the rest
 * from here, so tests and embedders need not spell everything out.
 */
import type { Service } from '../gateway/hooks.ts';

/** A fixed binding for labs and fixed devices: every address in `cidr` is this subscriber. */
export interface StaticSubscriber {
  /** `10.0.0.7`, `10.1.0.0/24`, `2001:db8::/64` (a bare address is a host route). */
  cidr: string;
  msisdn: string;
  imsi?: string;
}

export interface SubscriberMapOptions {
  /** Most dynamic (RADIUS) bindings kept; the least recently used goes first. */
  maxEntries: number;
  /**
   * A binding not refreshed (Start / Interim-Update) for this long is forgotten, as if a Stop had been lost.
   * Keep it above the GGSN's Acct-Interim-Interval. 0 = never expires (only Stop / LRU remove entries).
   */
  ttlMs: number;
  /** Static table entries (config). Looked up only when no dynamic binding exists for the address. */
  static: StaticSubscriber[];
  /**
   * Static table file, read at creation and again by `reloadStatic()` (SIGHUP): `.yaml`/`.yml`/`.json` hold a
   * list of `{cidr, msisdn, imsi?}`; any other name is one binding per line, `CIDR MSISDN [IMSI]`, `#` comments.
   */
  staticFile?: string;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

export const SUBSCRIBER_MAP_DEFAULTS: SubscriberMapOptions = {
  maxEntries: 200_000,
  ttlMs: 6 * 60 * 60 * 1000,
  static: [],
};

/** A NAS allowed to talk to the accounting server, with its own shared secret (RFC 2865 §3: per client). */
export interface RadiusClientEntry {
  cidr: string;
  secret: string;
}

export interface RadiusUpstreamOptions {
  /** Upstream accounting server (the operator's AAA / billing RADIUS). */
  host: string;
  port: number;
  /** Shared secret between wapgate and the upstream. */
  secret: string;
  /** Wait this long for the upstream's Accounting-Response before a retransmission. */
  timeoutMs: number;
  /** Retransmissions after the first attempt. */
  retries: number;
  /**
   * true: the NAS gets its Accounting-Response only once the upstream answered (the accounting record is then
   * known to be stored upstream; on upstream failure the NAS gets no answer and retransmits). false: the NAS is
   * answered at once and forwarding happens in the background.
   */
  waitForUpstream: boolean;
  /** Most requests forwarded and not yet answered; beyond it a request is dropped (counter `upstream-busy`). */
  maxOutstanding: number;
}

export const RADIUS_UPSTREAM_DEFAULTS: Omit<RadiusUpstreamOptions, 'host' | 'secret'> = {
  port: 1813,
  timeoutMs: 3000,
  retries: 2,
  waitForUpstream: true,
  maxOutstanding: 256,
};

export interface RadiusServerOptions {
  /** UDP port (RFC 2866 §1: 1813). 0 = ephemeral (tests). */
  port: number;
  /** Bind address. Loopback by default; set the GGSN-facing address in production. */
  bind: string;
  /** Shared secret for every NAS (when `clients` is empty). */
  secret: string;
  /** When non-empty, only these sources are served, each with its own secret; others dropped (`unknown-client`). */
  clients: RadiusClientEntry[];
  /** Answered requests remembered for duplicate detection (RFC 5080 §2.2.2), per (source, Identifier, authenticator). */
  duplicateCacheSize: number;
  duplicateTtlMs: number;
  /** Acct-Session-Ids of recent Stops remembered so a late Interim-Update cannot resurrect a binding. */
  stoppedSessionMemory: number;
  /** Per-source request rate (token bucket, requests/second) before decoding; 0 = unlimited. */
  maxRequestsPerSecond: number;
  /** Bucket size for `maxRequestsPerSecond`. */
  burst: number;
  /** A Calling-Station-Id must match this (anchored) to become an MSISDN; others are ignored with a counter. */
  msisdnPattern: string;
  /** Optional forwarding of every valid request to an upstream RADIUS server. */
  upstream?: RadiusUpstreamOptions;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
  /**
   * Where notable events are logged: a pino-style logger, or a function. Drops are counted, and logged at most
   * once per reason per second.
   */
  log?: RadiusLog;
}

/** A pino-style logger (`log.info(obj, msg)`) or a function taking the level. */
export type RadiusLog =
  | ((level: 'info' | 'warn', fields: Record<string, unknown>, msg: string) => void)
  | { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };

export const RADIUS_SERVER_DEFAULTS: Omit<RadiusServerOptions, 'secret'> = {
  port: 1813,
  bind: '127.0.0.1',
  clients: [],
  duplicateCacheSize: 4096,
  duplicateTtlMs: 30_000,
  stoppedSessionMemory: 8192,
  maxRequestsPerSecond: 0,
  burst: 1000,
  msisdnPattern: '\\+?[0-9]{3,20}',
};

/** How one upstream origin is told who the handset is. */
export interface OriginEnrichment {
  /** Header carrying the MSISDN (e.g. `X-MSISDN`, `X-WAP-Network-Client-MSISDN`); null = not sent. */
  msisdnHeader: string | null;
  /** Header carrying the handset's IP (e.g. `X-WAP-Network-Client-IP`); null = not sent by the enricher. */
  clientIpHeader: string | null;
  /** Header carrying the IMSI (e.g. `X-IMSI`); null = not sent. */
  imsiHeader: string | null;
  /** Unknown subscriber: 'omit' the headers, or 'refuse' the request (the gateway answers 403). */
  unknownSubscriber: 'omit' | 'refuse';
}

export interface EnricherOptions extends OriginEnrichment {
  /** Per-origin overrides, keyed by origin (`http://mmsc.example:8002`). */
  origins: Record<string, Partial<OriginEnrichment>>;
  /** More header names (any case) a handset may never send upstream. */
  extraProtectedHeaders: string[];
}

export const ENRICHER_DEFAULTS: EnricherOptions = {
  msisdnHeader: 'X-MSISDN',
  // The gateway's proxy adds X-WAP-Network-Client-IP itself; set this to have the enricher add it instead.
  clientIpHeader: null,
  imsiHeader: null,
  unknownSubscriber: 'omit',
  origins: {},
  extraProtectedHeaders: [],
};

/**
 * Header names a handset may never send, whatever the configuration: the usual MSISDN / IMSI / client-IP
 * headers of WAP gateways and operator proxies (lower case).
 */
export const ALWAYS_PROTECTED_HEADERS: readonly string[] = [
  'x-msisdn',
  'x-wap-msisdn',
  'x-wap-network-client-msisdn',
  'x-wap-network-client-ip',
  'x-wap-network-client-imsi',
  'x-imsi',
  'x-wap-imsi',
  'x-up-calling-line-id',
  'x-up-subno',
  'x-nokia-msisdn',
  'x-h3g-msisdn',
  'x-forwarded-for',
];

export interface AccessLists {
  /** When non-empty, only these prefixes are served. */
  allow?: string[];
  /** Never served (wins over allow). */
  deny?: string[];
}

export interface RateLimitOptions {
  /** Sustained requests per second per client IP; 0 = no limit. */
  perSecond: number;
  /** Bucket size: requests a client may send at once. */
  burst: number;
  /** Services the limit applies to (one bucket per client IP, shared by these services). */
  services: Service[];
  /** Buckets kept (LRU); a bucket evicted starts full again. */
  maxClients: number;
}

export interface ClientPolicyOptions extends AccessLists {
  /** Per-service lists, applied after the global ones (cl = port 9200, co = 9201, ppg = push initiators). */
  services: Partial<Record<Service, AccessLists>>;
  rateLimit: RateLimitOptions;
}

export const CLIENT_POLICY_DEFAULTS: ClientPolicyOptions = {
  allow: [],
  deny: [],
  // Push initiators: loopback only unless configured (never an open PPG).
  services: { ppg: { allow: ['127.0.0.0/8', '::1/128'] } },
  rateLimit: { perSecond: 0, burst: 20, services: ['cl', 'co'], maxClients: 100_000 },
};
