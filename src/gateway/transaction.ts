/**
 * One WSP method transaction, the same for connectionless (9200) and session (9201) traffic: admission, WSP
 * headers → HTTP text (session headers merged, request headers winning), the upstream exchange, and the Reply
 * (WAP-230 §8.2.3.3) with its status mapped from HTTP (status.ts). Ends with one access line and one CDR.
 */
import { mmsTransactionSummary } from '../charging/mms-summary.ts';
import type { Peer } from '../bearer/udp.ts';
import { formatContentType, parseContentType, type ContentType } from '../wsp/content-type.ts';
import { httpFieldName, type WspHeader } from '../wsp/headers/index.ts';
import type { GetPdu, PostPdu, ReplyPdu } from '../wsp/pdu-types.ts';
import { httpToWspStatus, statusReason } from '../wsp/status.ts';
import { decodeMultipart, encodeMultipart, isMimeMultipart, isWspMultipart, mimeToWspMultipart, wspMultipartToMime } from '../wsp/multipart.ts';
import type { UpstreamErrorKind, WapgateMetrics } from '../admin/metrics.ts';
import type { ContentConverter } from '../content/converter.ts';
import type { AdmissionGate, ChargingSink, Enricher } from './hooks.ts';
import type { GatewayLog } from './log.ts';
import { memoLabels, memoNames } from './memo.ts';
import type { HeaderPair, HttpProxy, ProxyOutcome } from './proxy.ts';

export interface MethodContext {
  bearer: 'wsp-cl' | 'wsp-co';
  peer: Peer;
  sessionId?: number;
  /** Headers sent in Connect/Resume; every request of the session carries them unless it overrides. */
  sessionHeaders?: readonly WspHeader[];
  /** Largest encoded Reply the client accepts (negotiated Client-Message-Size / one datagram for CL). */
  maxReplyBytes: number;
  /** Upstream deadline tighter than the configured one (the WTP hold-on budget for sessions). */
  timeoutMs?: number;
  /** The session's WSP encoding version (WAP-230 §8.4.2.70), for the WBXML version of compiled content. */
  encodingVersion?: number;
  /** Encodes the Reply in its bearer's form (with TID octet for CL); may throw on an unencodable field. */
  encode(reply: ReplyPdu): Buffer;
}

export interface TransactionDeps {
  proxy: HttpProxy;
  log: GatewayLog;
  /** Consulted before each method: draining → 503, the client policy (deny, rate-limited). */
  admission?: AdmissionGate;
  enricher?: Enricher;
  charging?: ChargingSink;
  metrics?: WapgateMetrics;
  /** WML/WMLScript compilation, charset conversion, Accept augmentation, cookie jars (src/content/). */
  content?: ContentConverter;
}

const ERROR_KIND: Partial<Record<string, UpstreamErrorKind>> = {
  'forbidden-origin': 'not_allowed',
  'upstream-refused': 'refused',
  'upstream-timeout': 'timeout',
  'upstream-reset': 'reset',
  'upstream-error': 'other',
  'response-too-large': 'too_large',
};

/** Headroom for the Reply's status, lengths and headers when capping the upstream body read. */
const REPLY_OVERHEAD = 1024;

export class MethodHandler {
  private readonly requests;
  private readonly upstreamDuration;
  private readonly upstreamErrors;

  constructor(private readonly deps: TransactionDeps) {
    const m = deps.metrics;
    this.requests = m ? memoLabels((mode, method, status) => m.wspRequests.labels(mode!, method!, status!)) : undefined;
    this.upstreamDuration = m ? memoLabels((origin) => m.upstreamDuration.labels(origin!)) : undefined;
    this.upstreamErrors = m ? memoLabels((kind) => m.upstreamErrors.labels(kind!)) : undefined;
  }

  /** A WSP session ended: what the content layer keeps for it (the cookie jar) goes. */
  sessionEnded(sessionId: number): void {
    this.deps.content?.sessionEnded(sessionId);
  }

  /** The encoded Reply, or undefined when the client is denied (dropped without an answer). */
  async handle(pdu: GetPdu | PostPdu, ctx: MethodContext): Promise<Buffer | undefined> {
    const t0 = performance.now();
    const { peer } = ctx;
    const service = ctx.bearer === 'wsp-cl' ? 'cl' : 'co';
    const method = (pdu.method ?? '').toUpperCase();
    const admit = this.deps.admission?.admit(peer.address, service, Date.now()) ?? 'ok';
    if (admit === 'draining') {
      // Shutting down: no upstream exchange, no CDR; counted as a rejected input.
      this.deps.metrics?.rejectedInputs.labels('udp', 'draining').inc();
      return ctx.encode({ type: 'Reply', status: httpToWspStatus(503), contentType: parseContentType('text/plain'), headers: [], data: Buffer.from('shutting down\n') });
    }
    if (admit === 'deny') {
      this.deps.log.warn({ client: peer.address, service }, 'client denied by policy');
      return undefined;
    }
    let status: number;
    let outcome: ProxyOutcome | 'rate-limited' | 'not-implemented';
    let headers: HeaderPair[] = [];
    let contentType: string | undefined;
    let body: Buffer = EMPTY;
    let upstreamStatus: number | undefined;
    let url: string | undefined = pdu.uri;
    let requestedUrl: string | undefined;
    let reason: string | undefined;
    let converted: string | undefined;
    if (admit === 'rate-limited') {
      [status, outcome] = [503, 'rate-limited'];
    } else if (!method) {
      // WAP-230 §8.3.2.5: an extended method PDU type the session never negotiated.
      [status, outcome, reason] = [501, 'not-implemented', `PDU type 0x${(pdu.pduType ?? 0).toString(16)}`];
    } else {
      const reqBody = pdu.type === 'Post' ? requestBody(pdu) : undefined;
      const content = this.deps.content;
      const reqHeaders = mergeHeaders(ctx.sessionHeaders, pdu.headers);
      const upHeaders = content ? content.requestHeaders(reqHeaders) : reqHeaders;
      const maxBytes = Math.max(0, ctx.maxReplyBytes - REPLY_OVERHEAD);
      const res = await this.deps.proxy.fetch({
        method,
        uri: pdu.uri,
        headers: upHeaders,
        body: reqBody?.data,
        contentType: reqBody?.contentType,
        clientIp: peer.address,
        // Sources are read up to what the compilers take: a deck shrinks when compiled (checked again after).
        maxResponseBytes: content ? content.readLimit(maxBytes) : maxBytes,
        timeoutMs: ctx.timeoutMs,
        cookies: content?.cookieHook(ctx.sessionId),
      });
      ({ status, outcome, headers, contentType, body, upstreamStatus, reason } = res);
      if (content && outcome === 'ok') {
        // The error deck links back to what the handset asked for: a URL map's target may be an internal address.
        const back = res.requestedUrl ?? res.url;
        const c = content.reply({ status, contentType, headers, body }, { headers: reqHeaders, encodingVersion: ctx.encodingVersion, maxBytes, url: back });
        ({ status, contentType, headers, body } = c);
        converted = c.converted;
        if (c.error) reason = c.error;
      }
      url = res.url ?? url;
      requestedUrl = res.requestedUrl;
      if (this.upstreamDuration && this.upstreamErrors) {
        if (res.origin && res.upstreamStatus !== undefined) {
          this.upstreamDuration(res.origin).observe((performance.now() - t0) / 1000);
        }
        const kind = res.upstreamStatus !== undefined && res.upstreamStatus >= 500 ? 'http_5xx' : ERROR_KIND[outcome];
        if (kind) this.upstreamErrors(kind).inc();
      }
    }
    if (outcome === 'ok' && contentType && isMimeMultipart(contentType)) {
      [contentType, body] = responseMultipart(contentType, body);
    }
    let reply = buildReply(status, contentType, headers, body, outcome);
    let out = encodeOrBare(reply, ctx, this.deps.log);
    if (out.length > ctx.maxReplyBytes) {
      // Never truncate: the handset gets a defined error instead (the body read was already capped).
      reason = `reply of ${out.length} octets exceeds the client's ${ctx.maxReplyBytes}`;
      [status, outcome] = [502, 'response-too-large'];
      reply = buildReply(status, undefined, [], Buffer.alloc(0), outcome);
      out = encodeOrBare(reply, ctx, this.deps.log);
    }
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    const bytesUp = pdu.type === 'Post' ? pdu.data.length : 0;
    const methodLabel = method || `0x${(pdu.pduType ?? 0).toString(16)}`;
    this.requests?.(service, methodLabel, String(status)).inc();
    // The access line (info for answers, warn for failures) is built only when it will be written.
    const log = this.deps.log;
    if (outcome !== 'ok' || log.isLevelEnabled('info')) {
      const line = {
        client: `${peer.address}:${peer.port}`,
        session: ctx.sessionId,
        bearer: ctx.bearer,
        method: methodLabel,
        url,
        ...(requestedUrl ? { requestedUrl } : {}),
        // What the content layer did (wmlc, wmlscriptc, charset, error-deck, error-status); why, for the errors.
        ...(converted ? { content: converted } : {}),
        ...(converted?.startsWith('error') ? { reason } : {}),
        status,
        wspStatus: reply.status,
        upstreamStatus,
        outcome,
        bytesUp,
        bytes: reply.data.length,
        durationMs,
      };
      if (outcome === 'ok') log.info(line, 'access');
      else log.warn({ ...line, reason }, 'access');
    }
    if (this.deps.charging) {
      const sub = this.deps.enricher?.lookup(peer.address);
      this.deps.charging.record({
        time: new Date().toISOString(),
        kind: 'transaction',
        clientIp: peer.address,
        clientPort: peer.port,
        msisdn: sub?.msisdn,
        imsi: sub?.imsi,
        sessionId: ctx.sessionId,
        bearer: ctx.bearer,
        method: methodLabel,
        url,
        ...(requestedUrl ? { requestedUrl } : {}),
        upstreamStatus,
        wspStatus: reply.status,
        bytesUp,
        bytesDown: reply.data.length,
        durationMs,
        outcome,
        // Peeked only when CDRs are written: X-Mms-Message-Type, Transaction-Id, Message-ID, recipients.
        mms: mmsTransactionSummary(
          pdu.type === 'Post' ? { body: pdu.data, contentType: pdu.contentType ? formatContentType(pdu.contentType) : undefined } : undefined,
          { body: reply.data, contentType },
        ),
      });
    }
    return out;
  }
}

/** Session headers first unless the request carries a field of the same name (request wins, WAP-230 §6.3.2.1). */
export function mergeHeaders(session: readonly WspHeader[] | undefined, request: readonly WspHeader[]): HeaderPair[] {
  const out: HeaderPair[] = [];
  if (session && session.length > 0) {
    const fields = sessionFields(session);
    next: for (let i = 0; i < fields.pairs.length; i++) {
      const lower = fields.lower[i]!;
      for (const h of request) if (lowerHttpName(h.name) === lower) continue next;
      out.push(fields.pairs[i]!);
    }
  }
  // WSP field names HTTP spells differently (Profile → X-Wap-Profile, UAProf) take their HTTP name here.
  for (const h of request) out.push([httpFieldName(h.name), h.value]);
  return out;
}

/**
 * A session's headers in HTTP form, made once per header list: sessions share their Connect profile's list, and
 * every request of every such session merges it again. The pairs are shared and never written to.
 */
function sessionFields(session: readonly WspHeader[]): { pairs: HeaderPair[]; lower: string[] } {
  let f = SESSION_FIELDS.get(session);
  if (f === undefined) {
    const pairs: HeaderPair[] = session.map((h) => [httpFieldName(h.name), h.value]);
    f = { pairs, lower: pairs.map(([n]) => n.toLowerCase()) };
    SESSION_FIELDS.set(session, f);
  }
  return f;
}
const SESSION_FIELDS = new WeakMap<readonly WspHeader[], { pairs: HeaderPair[]; lower: string[] }>();

/** The lower-case HTTP name of a WSP field name. */
const lowerHttpName = memoNames((wspName) => httpFieldName(wspName).toLowerCase());

const EMPTY = Buffer.alloc(0);

/**
 * A Post body for HTTP: WSP binary multipart (WAP-230 §8.5) becomes MIME multipart (RFC 2046), since no HTTP
 * server reads the binary form; everything else goes as sent. An unreadable multipart is forwarded untouched.
 */
function requestBody(pdu: PostPdu): { data: Buffer; contentType?: string } {
  const ct = pdu.contentType;
  if (ct && isWspMultipart(ct.type)) {
    try {
      const mime = wspMultipartToMime(decodeMultipart(pdu.data), ct);
      return { data: mime.body, contentType: mime.contentType };
    } catch {
      /* forward as sent */
    }
  }
  return { data: pdu.data, contentType: ct ? formatContentType(ct) : undefined };
}

/** A MIME multipart answer becomes WSP binary multipart for the handset; unreadable ones go as they are. */
function responseMultipart(contentType: string, body: Buffer): [string, Buffer] {
  try {
    const wsp = mimeToWspMultipart(body, contentType);
    return [formatContentType(wsp.contentType), encodeMultipart(wsp.entries)];
  } catch {
    return [contentType, body];
  }
}

function buildReply(
  status: number,
  contentType: string | undefined,
  headers: HeaderPair[],
  body: Buffer,
  outcome: string,
): ReplyPdu {
  let ct: ContentType;
  let data = body;
  if (outcome !== 'ok') {
    // A short plain-text body names the failure for a human at the handset.
    ct = { type: 'text/plain', params: [] };
    data = Buffer.from(`${status} ${statusReason(status) ?? ''} (${outcome})\n`, 'latin1');
  } else {
    ct = contentType ? safeContentType(contentType) : { type: 'application/octet-stream', params: [] };
  }
  return {
    type: 'Reply',
    status: httpToWspStatus(status),
    contentType: ct,
    headers: headers.map(([name, value]) => ({ name, value })),
    data,
  };
}

/** The upstream's Content-Type, parsed once per distinct text (upstreams repeat a handful); frozen, shared. */
function safeContentType(text: string): ContentType {
  let ct = CONTENT_TYPES.get(text);
  if (ct === undefined) {
    try {
      const parsed = parseContentType(text);
      ct = parsed.type ? parsed : { type: 'application/octet-stream', params: [] };
    } catch {
      ct = { type: 'application/octet-stream', params: [] };
    }
    for (const p of ct.params) Object.freeze(p);
    Object.freeze(ct.params);
    Object.freeze(ct);
    if (text.length <= 256) {
      if (CONTENT_TYPES.size >= 256) CONTENT_TYPES.clear();
      CONTENT_TYPES.set(text, ct);
    }
  }
  return ct;
}
const CONTENT_TYPES = new Map<string, ContentType>();

/** Encodes; if a header value has no WSP form, drops headers one by one (logged) rather than failing. */
function encodeOrBare(reply: ReplyPdu, ctx: MethodContext, log: GatewayLog): Buffer {
  try {
    return ctx.encode(reply);
  } catch (first) {
    const kept: WspHeader[] = [];
    for (const h of reply.headers) {
      try {
        ctx.encode({ ...reply, headers: [...kept, h] });
        kept.push(h);
      } catch {
        log.warn({ header: h.name, err: String(first) }, 'reply header has no WSP encoding; dropped');
      }
    }
    try {
      return ctx.encode({ ...reply, headers: kept });
    } catch {
      return ctx.encode({ ...reply, contentType: { type: 'application/octet-stream', params: [] }, headers: [] });
    }
  }
}
