/**
 * One upstream exchange through undici (src/gateway/proxy.ts's HttpProxy sends it): the dispatch handler that
 * keeps status and headers and gathers the body under its cap, the shared deadline timer, and how a failure
 * becomes the HTTP-like answer the caller turns into a WSP Reply.
 */
import type { Dispatcher } from 'undici';
import type { HeaderPair, ProxyOutcome, ProxyResponse } from './proxy.ts';
import { memoNames } from './memo.ts';

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

const TIMEOUT_MESSAGE = 'The operation was aborted due to timeout';

/** Per response header name as the upstream spelled it: its lower-case form and the canonical name we send on. */
interface NameInfo {
  lower: string;
  canonical: string;
  drop: boolean;
}
const nameInfo = memoNames((raw): NameInfo => {
  const lower = raw.toLowerCase();
  return { lower, canonical: canonical(lower), drop: RESPONSE_DROP.has(lower) };
});

/**
 * One upstream exchange as an undici dispatch handler: status and headers kept, the body gathered into chunks
 * and capped at `maxBytes` (a larger answer is refused, never truncated), the deadline enforced by Deadlines.
 * Settles `result` exactly once; whatever undici reports after that (the abort we caused) is ignored.
 *
 * It implements undici's core handler calls (onConnect/onHeaders/onData/onComplete/onError), which its clients
 * make themselves: a handler of the newer controller API (onRequestStart/onResponseStart/…) is wrapped per
 * request in an adapter that also parses the raw header list into an object (and the trailers into another) —
 * ~3 % of the gateway's CPU per CO Get in the profile, for names we turn back into a list at once.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  done = false;
  readonly result: Promise<ProxyResponse>;
  private settle!: (r: ProxyResponse) => void;
  private abortRequest: ((err?: Error) => void) | undefined;
  private status: number | undefined;
  private headers: HeaderPair[] = [];
  private contentType: string | undefined;
  private declared = NaN;
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(
    private readonly method: string,
    private readonly maxBytes: number,
    readonly at: number,
  ) {
    this.result = new Promise((resolve) => (this.settle = resolve));
  }

  private finish(r: ProxyResponse): void {
    if (this.done) return;
    this.done = true;
    this.settle(r);
  }

  /** Refuses the answer and stops reading it (undici closes that connection). */
  private refuse(r: ProxyResponse): void {
    this.finish(r);
    this.abortRequest?.(new Error(r.reason ?? 'refused'));
  }

  /** The deadline passed: 504 now, and the request (queued, in flight or half read) is cut. */
  expire(): void {
    if (this.done) return;
    const timeout = new DOMException(TIMEOUT_MESSAGE, 'TimeoutError');
    const r = errorResponse(504, 'upstream-timeout', `deadline exceeded: ${timeout.message}`);
    // Expired mid-body: the upstream did answer (access line, CDR), as with a reset or a body timeout.
    if (this.status !== undefined) r.upstreamStatus = this.status;
    this.finish(r);
    this.abortRequest?.(timeout);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortRequest = abort;
    // Expired while queued in the pool: never sent.
    if (this.done) abort(new DOMException(TIMEOUT_MESSAGE, 'TimeoutError'));
  }

  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    if (this.done || statusCode < 200) return true; // 1xx: informational, the answer follows
    this.status = statusCode;
    let cl: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const n = nameInfo(raw[i]!.toString('latin1'));
      const value = raw[i + 1]!.toString('latin1');
      if (n.lower === 'content-type') this.contentType ??= value;
      else if (n.lower === 'content-length') cl ??= value;
      if (!n.drop) this.headers.push([n.canonical, value]);
    }
    this.declared = Number(cl);
    if (this.method !== 'HEAD' && Number.isFinite(this.declared) && this.declared > this.maxBytes) {
      this.refuse(tooLarge(statusCode, this.declared, this.maxBytes));
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true;
    this.total += chunk.length;
    // Cap the read: a huge upstream never fills memory.
    if (this.total > this.maxBytes) {
      this.refuse(tooLarge(this.status!, this.total, this.maxBytes));
      return true;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.done) return;
    const status = this.status!;
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
    if (this.method === 'HEAD' && Number.isFinite(this.declared)) this.headers.push(['Content-Length', String(this.declared)]);
    this.finish({ status, headers: this.headers, contentType: this.contentType, body, outcome: 'ok', upstreamStatus: status });
  }

  onError(err: Error): void {
    if (this.done) return;
    const f = failure(err, false);
    if (this.status !== undefined) f.upstreamStatus = this.status;
    this.finish(f);
  }
}

/**
 * Request deadlines on one shared timer instead of a timer (or AbortSignal.timeout) per request. A sweep every
 * TICK_MS while requests are in flight expires the overdue ones: a deadline fires at most TICK_MS late, which is
 * nothing against second-scale upstream timeouts.
 */
export class Deadlines {
  private static readonly TICK_MS = 20;
  private live: Exchange[] = [];
  private timer: NodeJS.Timeout | undefined;

  add(x: Exchange): void {
    this.live.push(x);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), Deadlines.TICK_MS);
      this.timer.unref();
    }
  }

  private sweep(): void {
    const now = performance.now();
    const keep: Exchange[] = [];
    for (const x of this.live) {
      if (x.done) continue;
      if (x.at <= now) x.expire();
      else keep.push(x);
    }
    this.live = keep;
    if (keep.length === 0) this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export function tooLarge(upstreamStatus: number, size: number, max: number): ProxyResponse {
  // A reply the handset cannot take is refused, never truncated; Bad Gateway says the upstream's answer is
  // not deliverable through this gateway (Kannel answers the same class).
  return {
    ...errorResponse(502, 'response-too-large', `response of ${size}+ octets exceeds the client's ${max}`),
    upstreamStatus,
  };
}

export function errorResponse(status: number, outcome: ProxyOutcome, reason: string): ProxyResponse {
  return { status, headers: [], body: Buffer.alloc(0), outcome, reason };
}

/** Upstream failure → the HTTP status the handset gets (mapped to WSP by the caller). */
export function failure(e: unknown, timedOut: boolean): ProxyResponse {
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const msg = `${code} ${err.message ?? String(e)}`.trim();
  if (timedOut || code === 'UND_ERR_ABORTED' || (e as Error)?.name === 'TimeoutError') {
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
function canonical(lower: string): string {
  let c = CANONICAL.get(lower);
  if (c === undefined) {
    c = lower.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
    // Upstreams send a handful of names; a bounded memo keeps a hostile one from growing it.
    if (CANONICAL.size >= 512) CANONICAL.clear();
    CANONICAL.set(lower, c);
  }
  return c;
}
const CANONICAL = new Map<string, string>();
