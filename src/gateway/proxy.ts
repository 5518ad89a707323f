/**
 * WSP method → HTTP/1.1 exchange through undici, one Pool per allowed upstream origin (or one ProxyAgent when an
 * upstream proxy is configured). This file speaks HTTP text only: the WSP binary forms are the session and
 * connectionless layers' business. `fetch()` never rejects: every failure becomes an HTTP-like answer with an
 * `outcome` saying why, so the caller always has a Reply to send (WAP-230 §8.2.3.3: a Reply for every method).
 */
import { Readable } from 'node:stream';
import { Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { HttpExchange } from '../trace/recorder.ts';
import type { Enricher } from './hooks.ts';
import type { HttpUpstreamOptions } from './options.ts';

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

const RESPONSE_DROP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-type',
  'content-length',
]);

/** Header names and values that HTTP/1.1 cannot carry (CR, LF, NUL and other controls) never go upstream. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

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
  private readonly deadlines = new Deadlines();

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
      this.proxyAgent = new ProxyAgent({
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

  async fetch(req: ProxyRequest): Promise<ProxyResponse> {
    const first = this.resolve(req.uri);
    if (!first || (first.protocol !== 'http:' && first.protocol !== 'https:')) {
      return errorResponse(400, 'bad-uri', `unusable URI ${JSON.stringify(req.uri.slice(0, 200))}`);
    }
    let url: URL = first;
    const entry = this.deadlines.add(Math.max(1, Math.min(this.opts.requestTimeoutMs, req.timeoutMs ?? Infinity)));
    try {
      return await this.fetchFrom(req, url, entry.controller.signal);
    } finally {
      entry.done = true;
    }
  }

  private async fetchFrom(req: ProxyRequest, first: URL, deadline: AbortSignal): Promise<ProxyResponse> {
    let url: URL = first;
    let method = req.method;
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const origin = url.origin;
      // Never an open proxy: only configured origins are fetched.
      if (!this.allowed.has(origin)) {
        this.deps.warn?.({ url: url.href, client: req.clientIp }, 'upstream origin not on the allow-list');
        return { ...errorResponse(403, 'forbidden-origin', `origin ${origin} not allowed`), url: url.href, origin };
      }
      const headers = this.requestHeaders(req, origin, body);
      if (headers === 'refuse') {
        return { ...errorResponse(403, 'refused-by-identity', 'unknown subscriber'), url: url.href, origin };
      }
      const start = Date.now();
      const res = await this.exchange(origin, url, method, headers, body, req.maxResponseBytes, deadline);
      if (this.deps.trace?.active) this.traceExchange(req, url, method, headers, body, res, start);
      res.url = url.href;
      res.origin = origin;
      const location = res.headers.find(([n]) => n.toLowerCase() === 'location')?.[1];
      if (
        this.opts.followRedirects &&
        res.outcome === 'ok' &&
        location &&
        [301, 302, 303, 307, 308].includes(res.status) &&
        hop < this.opts.maxRedirects
      ) {
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
          url = next;
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
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || prot?.has(lower)) continue;
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) {
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

  private async exchange(
    origin: string,
    url: URL,
    method: string,
    headers: string[],
    body: Buffer | undefined,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<ProxyResponse> {
    let data: Dispatcher.ResponseData;
    try {
      data = await this.dispatcher(origin).request({
        origin,
        path: url.pathname + url.search,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
      });
    } catch (e) {
      return failure(e, signal);
    }
    const status = data.statusCode;
    const respHeaders: HeaderPair[] = [];
    let contentType: string | undefined;
    for (const [name, value] of Object.entries(data.headers)) {
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      if (lower === 'content-type') contentType = Array.isArray(value) ? value[0] : value;
      if (RESPONSE_DROP.has(lower)) continue;
      for (const v of Array.isArray(value) ? value : [value]) respHeaders.push([canonical(lower), v]);
    }
    const declared = Number(data.headers['content-length']);
    if (method !== 'HEAD' && Number.isFinite(declared) && declared > maxBytes) {
      discard(data.body);
      return tooLarge(status, declared, maxBytes);
    }
    try {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of data.body as Readable) {
        total += (chunk as Buffer).length;
        // Cap the read: a huge upstream never fills memory.
        if (total > maxBytes) {
          discard(data.body);
          return tooLarge(status, total, maxBytes);
        }
        chunks.push(chunk as Buffer);
      }
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
      if (method === 'HEAD' && Number.isFinite(declared)) respHeaders.push(['Content-Length', String(declared)]);
      return { status, headers: respHeaders, contentType, body: buf, outcome: 'ok', upstreamStatus: status };
    } catch (e) {
      const f = failure(e, signal);
      f.upstreamStatus = status;
      return f;
    }
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

interface Deadline {
  at: number;
  controller: AbortController;
  done: boolean;
}

/**
 * Request deadlines on one shared timer instead of AbortSignal.timeout per request (the profile showed the
 * per-request timer, its weak reference and its listeners on the hot path). A plain AbortController per request,
 * aborted with a TimeoutError by a sweep every TICK_MS while requests are in flight: a deadline fires at most
 * TICK_MS late, which is nothing against second-scale upstream timeouts.
 */
class Deadlines {
  private static readonly TICK_MS = 20;
  private live: Deadline[] = [];
  private timer: NodeJS.Timeout | undefined;

  add(ms: number): Deadline {
    const d: Deadline = { at: performance.now() + ms, controller: new AbortController(), done: false };
    this.live.push(d);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), Deadlines.TICK_MS);
      this.timer.unref();
    }
    return d;
  }

  private sweep(): void {
    const now = performance.now();
    const keep: Deadline[] = [];
    for (const d of this.live) {
      if (d.done) continue;
      if (d.at <= now) {
        d.done = true;
        d.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      } else keep.push(d);
    }
    this.live = keep;
    if (keep.length === 0) this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Stops reading a body we refuse; the abort error it emits is expected. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

function tooLarge(upstreamStatus: number, size: number, max: number): ProxyResponse {
  // A reply the handset cannot take is refused, never truncated; Bad Gateway says the upstream's answer is
  // not deliverable through this gateway (Kannel answers the same class).
  return {
    ...errorResponse(502, 'response-too-large', `response of ${size}+ octets exceeds the client's ${max}`),
    upstreamStatus,
  };
}

function errorResponse(status: number, outcome: ProxyOutcome, reason: string): ProxyResponse {
  return { status, headers: [], body: Buffer.alloc(0), outcome, reason };
}

/** Upstream failure → the HTTP status the handset gets (mapped to WSP by the caller). */
function failure(e: unknown, signal: AbortSignal): ProxyResponse {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const msg = `${code} ${err.message ?? String(e)}`.trim();
  if (signal.aborted || code === 'UND_ERR_ABORTED' || (e as Error)?.name === 'TimeoutError') {
    return errorResponse(504, 'upstream-timeout', `deadline exceeded: ${msg}`);
  }
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return errorResponse(504, 'upstream-timeout', msg);
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return errorResponse(502, 'upstream-refused', msg);
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return errorResponse(502, 'upstream-reset', msg);
    default:
      return errorResponse(502, 'upstream-error', msg);
  }
}

/** 'content-location' → 'Content-Location' (HTTP names are case-insensitive; WSP tables use this form). */
export function canonical(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}
