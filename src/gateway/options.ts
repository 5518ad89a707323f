import type { UrlMapRule } from './url-map.ts';
import type { WtpTimers } from '../wtp/timers.ts';

/**
 * The gateway's options as one plain interface with defaults. src/config/ (the ops work) will later produce
 * this shape from YAML → env → flags; until then serve.ts fills it from a few flags.
 */

export interface HttpUpstreamOptions {
  /** Connections per upstream origin (undici Pool `connections`). */
  connections: number;
  /** Requests pipelined per connection (1 = none). */
  pipelining: number;
  /** TCP(+TLS) connect timeout. */
  connectTimeoutMs: number;
  /** Time from request sent to response headers. */
  headersTimeoutMs: number;
  /** Time allowed between two body chunks. */
  bodyTimeoutMs: number;
  /** Overall deadline for one upstream exchange (all redirects included); past it the handset gets 504. */
  requestTimeoutMs: number;
  /** Idle keep-alive of pooled connections. */
  keepAliveTimeoutMs: number;
  /** Optional forward proxy for all upstream traffic (undici ProxyAgent), e.g. 'http://proxy:3128'. */
  proxy?: string;
  /** TLS: verify the upstream certificate (default true; SNI is always sent). */
  rejectUnauthorized: boolean;
  /** TLS: extra trusted CA certificates (PEM). */
  ca?: string;
  /** TLS: SNI name instead of the URL host (default: the URL host). */
  servername?: string;
  /** Follow upstream redirects (only to allowed origins) instead of passing them to the handset. */
  followRedirects: boolean;
  /** At most this many redirects are followed when followRedirects is set. */
  maxRedirects: number;
}

export interface RedirectOptions {
  /** Where handsets are sent (WAP-230 §8.2.2.3 Redirect): address and optional port. */
  addresses: { address: string; port?: number }[];
  /** Permanent redirect (the handset should use the new address from now on). */
  permanent: boolean;
  /** The handset may reuse its security session at the new address. */
  reuseSecuritySession: boolean;
}

export interface SessionOptions {
  /** Session table bound (oldest idle session is evicted beyond it). */
  maxSessions: number;
  /** A session with no activity for this long is removed. */
  idleTimeoutMs: number;
  /** A suspended session is kept this long for a Resume. */
  suspendedTimeoutMs: number;
  /** What the gateway accepts and sends per SDU / message (WAP-230 §8.3.2.1). */
  serverSduSize: number;
  serverMessageSize: number;
  clientSduSize: number;
  clientMessageSize: number;
  /** Outstanding method transactions per session we offer (Method-MOR). */
  methodMor: number;
  pushMor: number;
  /** Extended methods we are willing to proxy (PDU type → method name), offered in the ConnectReply. */
  extendedMethods: Record<number, string>;
}

export interface GatewayOptions {
  /** Bind address for both UDP ports; '::' or '0.0.0.0' to serve real handsets (default loopback). */
  bind: string;
  /** Connectionless WSP port (WAP-259 well-known 9200). 0 = ephemeral. */
  clPort: number;
  /** WTP + connection-oriented WSP port (9201). 0 = ephemeral. */
  coPort: number;
  /** Default upstream: relative URIs are resolved against it; its origin is allowed by default. */
  upstream?: string;
  /** Origins (scheme://host[:port]) the gateway may fetch; default [origin of upstream]. Never open. */
  allowUpstream: string[];
  /** URL map rules (url-map.ts), tried in order before the allow-list; every target must be allowed. */
  urlMap?: UrlMapRule[];
  /** Largest reply accepted on the connectionless port (one UDP datagram). */
  clMaxMessageSize: number;
  /** Connectionless methods in flight at most; more are answered 503 at once. */
  clMaxInFlight: number;
  /** The Via element appended to upstream requests (RFC 9110 §7.6.3). */
  via: string;
  http: HttpUpstreamOptions;
  session: SessionOptions;
  /** When set, every Connect is answered with this Redirect (maintenance). */
  redirect?: RedirectOptions;
  /** UDP receive/send buffer sizes (bytes); 0 = OS default. */
  socketBufferBytes: number;
  /** WTP timers and limits for the 9201 responder (defaults: src/wtp/timers.ts). */
  wtp: Partial<WtpTimers>;
}

export const DEFAULT_OPTIONS: GatewayOptions = {
  bind: '127.0.0.1',
  clPort: 9200,
  coPort: 9201,
  allowUpstream: [],
  clMaxMessageSize: 65_000,
  clMaxInFlight: 10_000,
  via: 'WSP/1.0 wapgate',
  http: {
    connections: 32,
    pipelining: 1,
    connectTimeoutMs: 5_000,
    headersTimeoutMs: 20_000,
    bodyTimeoutMs: 20_000,
    requestTimeoutMs: 25_000,
    keepAliveTimeoutMs: 30_000,
    rejectUnauthorized: true,
    followRedirects: false,
    maxRedirects: 5,
  },
  session: {
    maxSessions: 100_000,
    idleTimeoutMs: 15 * 60_000,
    suspendedTimeoutMs: 60 * 60_000,
    serverSduSize: 1_048_576,
    serverMessageSize: 1_048_576,
    clientSduSize: 1_048_576,
    clientMessageSize: 1_048_576,
    methodMor: 4,
    pushMor: 1,
    extendedMethods: {},
  },
  socketBufferBytes: 4 * 1024 * 1024,
  wtp: {},
};

export type GatewayOptionsInput = Partial<Omit<GatewayOptions, 'http' | 'session'>> & {
  http?: Partial<HttpUpstreamOptions>;
  session?: Partial<SessionOptions>;
};

/** Fills defaults; the allow-list defaults to the upstream's origin. Throws on an unusable upstream URL. */
export function resolveOptions(input: GatewayOptionsInput = {}): GatewayOptions {
  const o: GatewayOptions = {
    ...DEFAULT_OPTIONS,
    ...input,
    http: { ...DEFAULT_OPTIONS.http, ...input.http },
    session: { ...DEFAULT_OPTIONS.session, ...input.session },
  };
  const allow = new Set<string>();
  for (const a of input.allowUpstream ?? []) allow.add(originOf(a));
  // The configured upstream is always allowed; --allow-upstream adds more origins.
  if (o.upstream) allow.add(originOf(o.upstream));
  o.allowUpstream = [...allow];
  return o;
}

/** 'http://Host:80/x' → 'http://host' (URL's normalised origin). */
export function originOf(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`upstream must be http(s): ${url}`);
  return u.origin;
}
