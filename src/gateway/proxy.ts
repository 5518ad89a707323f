/**
 * WSP method → HTTP/1.1 exchange through undici, one Pool per allowed upstream origin (or one ProxyAgent when an
 * upstream proxy is configured). This file speaks HTTP text only: the WSP binary forms are the session and
 * connectionless layers' business. `fetch()` never rejects: every failure becomes an HTTP-like answer with an
 * `outcome` saying why, so the caller always has a Reply to send (WAP-230 §8.2.3.3: a Reply for every method).
 */
import type { Dispatcher, ProxyAgent } from 'undici';
import { Pool, proxyAgentClass } from './undici.ts';
import { Deadlines, errorResponse, Exchange } from './exchange.ts';
import { memoNames } from './memo.ts';
import type { CookieHook } from '../content/converter.ts';
import type { HttpExchange } from '../trace/recorder.ts';
import type { Enricher } from './hooks.ts';
import type { HttpUpstreamOptions } from './options.ts';
import type { UrlMap } from './url-map.ts';

export type HeaderPair = [name: string, value: string];

export interface ProxyRequest {
  /** HTTP method name (GET, POST, or a negotiated extended method). */
  method: string;
  /** The URI exactly as the handset sent it (absolute, or relative to the default upstream). */
  uri: string;
  /** Request headers in HTTP text form (session headers already merged). */
  headers: HeaderPair[];
  body?: Buffer;
  /** Content-Type of the body, HTTP text form. */
  contentType?: string;
  clientIp: string;
  /** Largest response body the handset can take; a larger one is refused, never truncated. */
  maxResponseBytes: number;
  /** A tighter deadline than the configured request timeout (e.g. what WTP can hold a handset for). */
  timeoutMs?: number;
  /** The session's cookie jar (src/content/cookies.ts), asked and fed on every hop, redirects included. */
  cookies?: CookieHook;
}

export type ProxyOutcome =
  | 'ok'
  | 'bad-uri'
  | 'forbidden-origin'
  | 'refused-by-identity'
  | 'upstream-refused'
  | 'upstream-timeout'
  | 'upstream-reset'
  | 'upstream-error'
  | 'response-too-large';

export interface ProxyResponse {
  /** HTTP status for the handset (upstream's own, or the gateway's error status). */
  status: number;
  headers: HeaderPair[];
  contentType?: string;
  body: Buffer;
  outcome: ProxyOutcome;
  /** Status the upstream answered, when it answered. */
  upstreamStatus?: number;
  /** The absolute URL fetched (after resolution), when the URI was usable. */
  url?: string;
  /** Origin of `url`. */
  origin?: string;
  /** The URL the handset asked for, when a URL map rule rewrote it into `url`. */
  requestedUrl?: string;
  /** Human-readable reason for error outcomes (goes to the log line). */
  reason?: string;
}

/** RFC 9110 §7.6.1 hop-by-hop fields, plus those the gateway sets itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'x-wap-network-client-ip',
  'expect',
]);

/** Header names and values that HTTP/1.1 cannot carry (CR, LF, NUL and other controls) never go upstream. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A request header name's lower-case form, whether it is hop-by-hop and whether HTTP can carry it; memoised. */
interface RequestName {
  lower: string;
  hopByHop: boolean;
  token: boolean;
}
const requestName = memoNames((name): RequestName => {
  const lower = name.toLowerCase();
  return { lower, hopByHop: HOP_BY_HOP.has(lower), token: TOKEN.test(name) };
});

export interface ProxyDeps {
  enricher?: Enricher;
  /** Warns once per refused/failed exchange (the access line is the caller's). */
  warn?: (obj: Record<string, unknown>, msg: string) => void;
  /** Sees every upstream exchange as sent and received (pcap traces, src/trace/recorder.ts); skipped when inactive. */
  trace?: { readonly active: boolean; http(x: HttpExchange): void };
  /** The gateway's own address, for the client side of traced exchanges. */
  traceAddress?: string;
}

export class HttpProxy {
  private readonly pools = new Map<string, Dispatcher>();
  private readonly proxyAgent: ProxyAgent | undefined;
  private readonly allowed: Set<string>;
  private base: URL | undefined;
  private urlMap: UrlMap | undefined;
  private readonly deadlines = new Deadlines();
  /** URI text → its resolved target (handsets ask for the same few URIs over and over); see target(). */
  private readonly targets = new Map<string, Target | null>();

  constructor(
    private readonly opts: HttpUpstreamOptions,
    upstream: string | undefined,
    allowUpstream: readonly string[],
    private readonly via: string,
    private readonly deps: ProxyDeps = {},
  ) {
    this.base = upstream ? new URL(upstream) : undefined;
    this.allowed = new Set(allowUpstream);
    if (opts.proxy) {
      const ProxyAgentClass = proxyAgentClass();
      this.proxyAgent = new ProxyAgentClass({
        uri: opts.proxy,
        connections: opts.connections,
        pipelining: opts.pipelining,
        keepAliveTimeout: opts.keepAliveTimeoutMs,
        headersTimeout: opts.headersTimeoutMs,
        bodyTimeout: opts.bodyTimeoutMs,
        requestTls: this.tls(),
      } as ConstructorParameters<typeof ProxyAgent>[0]);
    }
  }

  /** Replace the allow-list (SIGHUP reload). */
  /** Replace the default upstream relative URIs resolve against (SIGHUP); the allow-list is setAllowed's. */
  setUpstream(upstream: string | undefined): void {
    this.base = upstream ? new URL(upstream) : undefined;
    this.targets.clear();
  }

  /** URL map rules (src/gateway/url-map.ts), applied before the allow-list (SIGHUP replaces them). */
  setUrlMap(map: UrlMap | undefined): void {
    this.urlMap = map?.size ? map : undefined;
  }

  setAllowed(origins: readonly string[]): void {
    this.allowed.clear();
    for (const o of origins) this.allowed.add(o);
  }

  isAllowed(origin: string): boolean {
    return this.allowed.has(origin);
  }

  private tls(): { rejectUnauthorized: boolean; ca?: string; servername?: string; timeout: number } {
    const t: { rejectUnauthorized: boolean; ca?: string; servername?: string; timeout: number } = {
      rejectUnauthorized: this.opts.rejectUnauthorized,
      timeout: this.opts.connectTimeoutMs,
    };
    if (this.opts.ca) t.ca = this.opts.ca;
    if (this.opts.servername) t.servername = this.opts.servername;
    return t;
  }

  private dispatcher(origin: string): Dispatcher {
    if (this.proxyAgent) return this.proxyAgent;
    let d = this.pools.get(origin);
    if (!d) {
      d = new Pool(origin, {
        connections: this.opts.connections,
        pipelining: this.opts.pipelining,
        keepAliveTimeout: this.opts.keepAliveTimeoutMs,
        headersTimeout: this.opts.headersTimeoutMs,
        bodyTimeout: this.opts.bodyTimeoutMs,
        // SNI is taken from the origin's host name by undici's connector; certificates are checked.
        connect: this.tls(),
      });
      this.pools.set(origin, d);
    }
    return d;
  }

  /** Resolves the handset's URI: absolute as sent, relative against the default upstream. */
  resolve(uri: string): URL | undefined {
    try {
      return this.base ? new URL(uri, this.base) : new URL(uri);
    } catch {
      return undefined;
    }
  }

  /**
   * The handset's URI resolved (as resolve()) with the parts every request reads, remembered per URI text: a
   * URL parse and its origin/href/path getters per request were ~2 % of the CPU per CO Get. Bounded; cleared
   * when the default upstream changes. null: not a usable http(s) URL.
   */
  private target(uri: string): Target | undefined {
    let t = this.targets.get(uri);
    if (t === undefined) {
      const url = this.resolve(uri);
      t = url && (url.protocol === 'http:' || url.protocol === 'https:') ? targetOf(url) : null;
      if (uri.length <= 1024) {
        if (this.targets.size >= 1024) this.targets.clear();
        this.targets.set(uri, t);
      }
    }
    return t ?? undefined;
  }

  /** Never rejects (see the file's head); one deadline for the whole fetch, redirects included. */
  fetch(req: ProxyRequest): Promise<ProxyResponse> {
    const deadline = { at: performance.now() + Math.max(1, Math.min(this.opts.requestTimeoutMs, req.timeoutMs ?? Infinity)) };
    // A URL map rewrites the URI first; the allow-list then judges the mapped URL (fetchFrom).
    if (this.urlMap) return this.fetchMapped(req, this.urlMap, deadline);
    const first = this.target(req.uri);
    if (!first) return Promise.resolve(badUri(req.uri));
    return this.fetchFrom(req, first, deadline);
  }

  private async fetchMapped(req: ProxyRequest, map: UrlMap, deadline: { at: number }): Promise<ProxyResponse> {
    const mapped = map.map(req.uri, this.target(req.uri)?.href);
    const url = mapped ? new URL(mapped.url) : undefined;
    const first = mapped ? (url && (url.protocol === 'http:' || url.protocol === 'https:') ? targetOf(url) : undefined) : this.target(req.uri);
    if (!first) return badUri(req.uri);
    if (!mapped) return this.fetchFrom(req, first, deadline);
    const res = await this.fetchFrom(req, first, deadline, mapped.host);
    res.requestedUrl = mapped.requested;
    return res;
  }

  private async fetchFrom(req: ProxyRequest, first: Target, deadline: { at: number }, keepHost?: string): Promise<ProxyResponse> {
    let target = first;
    let method = req.method;
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const { url, origin } = target;
      // Never an open proxy: only configured origins are fetched.
      if (!this.allowed.has(origin)) {
        this.deps.warn?.({ url: url.href, client: req.clientIp }, 'upstream origin not on the allow-list');
        return { ...errorResponse(403, 'forbidden-origin', `origin ${origin} not allowed`), url: url.href, origin };
      }
      const headers = this.requestHeaders(req, origin, body);
      if (headers === 'refuse') {
        return { ...errorResponse(403, 'refused-by-identity', 'unknown subscriber'), url: url.href, origin };
      }
      if (req.cookies) withCookie(headers, req.cookies.header(target.href));
      // A keepHost map rule: the first hop names the host the handset asked for (undici sends this Host).
      if (keepHost && target === first) headers.push('Host', keepHost);
      const start = Date.now();
      const res = await this.exchange(origin, target.path, method, headers, body, req.maxResponseBytes, deadline);
      if (req.cookies && res.upstreamStatus !== undefined) res.headers = req.cookies.received(target.href, res.headers);
      if (this.deps.trace?.active) this.traceExchange(req, url, method, headers, body, res, start);
      res.url = target.href;
      res.origin = origin;
      const location =
        this.opts.followRedirects && res.outcome === 'ok' && REDIRECTS.has(res.status) && hop < this.opts.maxRedirects
          ? res.headers.find(([n]) => n.toLowerCase() === 'location')?.[1]
          : undefined;
      if (location) {
        let next: URL | undefined;
        try {
          next = new URL(location, url);
        } catch {
          next = undefined;
        }
        if (next && (next.protocol === 'http:' || next.protocol === 'https:')) {
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
          }
          target = targetOf(next);
          continue;
        }
      }
      return res;
    }
  }

  /** Hands the exchange to the trace tap: the request as sent (Host first, as undici writes it), the answer if any. */
  private traceExchange(req: ProxyRequest, url: URL, method: string, headers: string[], body: Buffer | undefined, res: ProxyResponse, start: number): void {
    const pairs: HeaderPair[] = [['Host', url.host]];
    for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([headers[i]!, headers[i + 1]!]);
    const answered = res.upstreamStatus !== undefined && res.outcome === 'ok';
    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    this.deps.trace!.http({
      client: { address: this.deps.traceAddress ?? (url.hostname.startsWith('[') ? '::' : '0.0.0.0') },
      server: { address: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || defaultPort },
      handset: { address: req.clientIp, port: 0 },
      request: { method, target: url.pathname + url.search, headers: pairs, ...(body ? { body } : {}) },
      ...(answered ? { response: { status: res.upstreamStatus!, headers: res.headers, body: res.body } } : {}),
      start,
      end: Date.now(),
    });
  }

  private requestHeaders(req: ProxyRequest, origin: string, body: Buffer | undefined): string[] | 'refuse' {
    const out: string[] = [];
    const prot = this.deps.enricher?.protectedHeaders;
    let via: string | undefined;
    for (const [name, value] of req.headers) {
      const n = requestName(name);
      const lower = n.lower;
      if (n.hopByHop || prot?.has(lower)) continue;
      if (!n.token || BAD_VALUE.test(value)) {
        this.deps.warn?.({ client: req.clientIp, header: name.slice(0, 64) }, 'dropped a header HTTP cannot carry');
        continue;
      }
      if (lower === 'via') {
        via = via ? `${via}, ${value}` : value;
        continue;
      }
      out.push(name, value);
    }
    // RFC 9110 §7.6.3: the gateway appends itself (default 'WSP/1.0 wapgate': the hop it received was WSP).
    out.push('Via', via ? `${via}, ${this.via}` : this.via);
    // The identity hook's headers win over the gateway's own client-IP header (one of each name upstream).
    const extra = this.deps.enricher ? this.deps.enricher.headersFor(req.clientIp, origin) : undefined;
    if (extra === 'refuse') return 'refuse';
    const own = extra ? Object.keys(extra).some((n) => n.toLowerCase() === 'x-wap-network-client-ip') : false;
    if (!own) out.push('X-WAP-Network-Client-IP', req.clientIp);
    if (extra) for (const [n, v] of Object.entries(extra)) out.push(n, v);
    if (body !== undefined) {
      if (req.contentType) out.push('Content-Type', req.contentType);
      out.push('Content-Length', String(body.length));
    }
    return out;
  }

  /**
   * One HTTP exchange through undici's dispatch API with a handler that collects the body (Exchange below):
   * no AbortSignal, no body stream and no async iterator per request (the profile showed them on the hot path).
   */
  private exchange(
    origin: string,
    path: string,
    method: string,
    headers: string[],
    body: Buffer | undefined,
    maxBytes: number,
    deadline: { at: number },
  ): Promise<ProxyResponse> {
    const x = new Exchange(method, maxBytes, deadline.at);
    if (x.at <= performance.now()) {
      x.expire();
      return x.result;
    }
    this.deadlines.add(x);
    try {
      // Its return value only says whether the dispatcher wants a pause (queued either way).
      this.dispatcher(origin).dispatch({ origin, path, method: method as Dispatcher.HttpMethod, headers, body }, x);
    } catch (e) {
      x.onError(e as Error);
    }
    return x.result;
  }

  async close(): Promise<void> {
    this.deadlines.close();
    const all = [...this.pools.values()];
    if (this.proxyAgent) all.push(this.proxyAgent);
    this.pools.clear();
    // Called once no handset waits any more (gateway.stop: finished or aborted): requests still open upstream
    // (a hung origin) are cut now, not awaited until their headers/body timeout.
    await Promise.all(all.map((d) => d.destroy().catch(() => {})));
  }
}

/** A fetchable URL with what each request reads of it (read-only: targets are shared between requests). */
interface Target {
  readonly url: URL;
  readonly origin: string;
  readonly href: string;
  /** Path and query, as the request line carries them. */
  readonly path: string;
}

function targetOf(url: URL): Target {
  return { url, origin: url.origin, href: url.href, path: url.pathname + url.search };
}

function badUri(uri: string): ProxyResponse {
  return errorResponse(400, 'bad-uri', `unusable URI ${JSON.stringify(uri.slice(0, 200))}`);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The jar's cookies join a Cookie header the handset sent (RFC 6265 §5.4: one Cookie header). */
function withCookie(headers: string[], cookie: string | undefined): void {
  if (!cookie) return;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'cookie') {
      headers[i + 1] = `${headers[i + 1]}; ${cookie}`;
      return;
    }
  }
  headers.push('Cookie', cookie);
}
