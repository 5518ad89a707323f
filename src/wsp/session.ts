/**
 * Connection-oriented WSP, server side (WAP-230 §7.1, §8.2.2): the session table and the session/method
 * state above a WTP responder. It is the responder's WtpUser: every transaction arrives as invoke(tx, data).
 * Methods are handed to an injected user (the gateway's HTTP side); this file knows no sockets and no HTTP.
 *
 *   Connect (class 2)      → ConnectReply with negotiated capabilities (or Redirect in maintenance)
 *   Get/Post… (class 2)    → S-MethodInvoke on the peer's session, at most Method-MOR at a time → Reply
 *   Disconnect (class 0)   → session gone, its methods aborted (DISCONNECT)
 *   Suspend (class 0)      → session kept but detached, methods aborted (SUSPEND)
 *   Resume (class 2)       → session re-attached to the (possibly new) address, Reply 200
 */
import { randomInt } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { isWapDecodeError } from '../wire/errors.ts';
import { Writer } from '../wire/writer.ts';
import { BEARER_IPV4, BEARER_IPV6, negotiate, type Capabilities, type ExtendedMethod, type WspAddress } from './capabilities.ts';
import type { WspHeader } from './headers/index.ts';
import { decodeWspPdu, encodeWspPdu } from './pdu.ts';
import { PDU_TYPE, type ConnectPdu, type GetPdu, type PostPdu, type ReplyPdu, type ResumePdu, type WspPduOptions } from './pdu-types.ts';
import { WspStatus } from './status.ts';
import { USER_ABORT } from '../wtp/pdu.ts';
import { peerKey } from '../wtp/types.ts';

/** WAP-230 Table 35 abort reasons, carried as WTP user abort reasons (one table: src/wtp/pdu.ts). */
export const WSP_ABORT = USER_ABORT;

/** The slice of the WTP responder's transaction handle this layer uses (see src/wtp/types.ts). */
export interface SessionTx {
  readonly peer: { address: string; port: number };
  /** `address|port` of peer, made once per datagram by WTP: the by-peer table keys with this very string. */
  readonly peerKey: string;
  readonly class: 0 | 1 | 2;
  readonly maxResultSize: number;
  readonly done: boolean;
  result(data: Buffer): void;
  abort(reason: number): void;
  ack(): void;
}

export interface SessionInvokeInfo {
  uack: boolean;
}

export type SessionState = 'connecting' | 'connected' | 'suspended';

export interface Session {
  readonly id: number;
  state: SessionState;
  peer: { address: string; port: number };
  /** Headers from Connect/Resume, applied to every request (request headers override). */
  headers: WspHeader[];
  /** Negotiated capabilities (what the ConnectReply said). */
  readonly caps: Capabilities;
  /** Largest Reply the client takes (Client-SDU-Size / Client-Message-Size, 0 = unlimited). */
  readonly maxReplyBytes: number;
  /** Method-MOR: outstanding methods allowed. */
  readonly methodMor: number;
  /** Decoder options: encoding version, extended methods. */
  readonly pduOpts: WspPduOptions;
  /** Methods in flight (undefined until the first method: most sessions are idle). */
  methods: Set<SessionTx> | undefined;
}

export interface SessionMethodContext {
  session: Session;
  peer: { address: string; port: number };
  maxReplyBytes: number;
  encode(reply: ReplyPdu): Buffer;
}

export interface SessionMethodUser {
  /** The encoded Reply, or undefined to abort the transaction without an answer (client denied). */
  method(pdu: GetPdu | PostPdu, ctx: SessionMethodContext): Promise<Buffer | undefined>;
}

export interface SessionEvents {
  connected?(s: Session, replaced: boolean): void;
  disconnected?(s: Session, why: 'disconnect' | 'replaced' | 'idle' | 'evicted' | 'closed'): void;
  suspended?(s: Session): void;
  resumed?(s: Session, moved: boolean): void;
  redirected?(peer: { address: string; port: number }): void;
  /** A PDU that could not be served (bad input, protocol error), for a throttled log line. */
  rejected?(reason: string, peer: { address: string; port: number }, detail: string): void;
  failed?(err: unknown, peer: { address: string; port: number }): void;
}

export interface SessionServerOptions {
  maxSessions: number;
  idleTimeoutMs: number;
  suspendedTimeoutMs: number;
  /** The server's capability offer (sizes, MORs, extended methods, protocol options, aliases). */
  capabilities: Capabilities;
  redirect?: { addresses: { address: string; port?: number }[]; permanent: boolean; reuseSecuritySession: boolean };
}

/** What every session made from one Connect PDU shares; read-only. */
interface ConnectProfile {
  pdu: ConnectPdu;
  headers: WspHeader[];
  caps: Capabilities;
  maxReplyBytes: number;
  methodMor: number;
  pduOpts: WspPduOptions;
  replyHeaders: WspHeader[];
  /** The ConnectReply's octets after its session id (capabilities and headers), encoded at the first use. */
  replyTail?: Buffer;
}

/**
 * One session: its own state and a pointer to the profile its Connect shares with every session of the same
 * handset model. 100,000 idle sessions are the memory figure of issue 9, so nothing per session that the
 * profile already holds, no Set before the first method, and the peer object of the Connect's datagram.
 */
class SessionRecord implements Session {
  state: SessionState = 'connecting';
  methods: Set<SessionTx> | undefined = undefined;
  /** Headers sent with Resume (undefined: the profile's). */
  private ownHeaders: WspHeader[] | undefined = undefined;

  constructor(
    readonly id: number,
    public peer: { address: string; port: number },
    private readonly profile: ConnectProfile,
  ) {}

  get headers(): WspHeader[] {
    return this.ownHeaders ?? this.profile.headers;
  }

  set headers(h: WspHeader[]) {
    this.ownHeaders = h;
  }

  get caps(): Capabilities {
    return this.profile.caps;
  }

  get maxReplyBytes(): number {
    return this.profile.maxReplyBytes;
  }

  get methodMor(): number {
    return this.profile.methodMor;
  }

  get pduOpts(): WspPduOptions {
    return this.profile.pduOpts;
  }
}

/** Distinct Connect PDUs remembered (handset models × their header sets). */
const CONNECT_PROFILES = 256;

// WAP-230 §8.3.2: defaults of capabilities a client leaves out.
const DEFAULT_SDU = 1400;

/** A session's peer as the key of the by-peer table (the same form as the transactions' peerKey). */
const key = peerKey;

export class SessionServer {
  private readonly sessions: LRUCache<number, Session>;
  private readonly byPeer = new Map<string, number>();
  private readonly reasons = new Map<Session, 'disconnect' | 'replaced' | 'idle' | 'evicted' | 'closed'>();
  /** Connect PDU bytes → decoded and negotiated profile (bounded: cleared when full). */
  private readonly profiles = new Map<string, ConnectProfile>();
  private inflightTotal = 0;

  constructor(
    private readonly opts: SessionServerOptions,
    private readonly user: SessionMethodUser,
    private readonly events: SessionEvents = {},
  ) {
    this.sessions = new LRUCache<number, Session>({
      max: opts.maxSessions,
      ttl: opts.idleTimeoutMs,
      updateAgeOnGet: true,
      // 'set' is a TTL refresh of the same session object, not an ending.
      dispose: (s, _id, why) => {
        if (why !== 'set') this.ended(s, why === 'evict' ? 'evicted' : why === 'expire' ? 'idle' : undefined);
      },
    });
  }

  /** Live sessions (idle ones past their timeout are dropped first). */
  get size(): number {
    this.sessions.purgeStale();
    return this.sessions.size;
  }

  /** Sessions in the table, idle ones not yet dropped included: O(1), for per-event gauges (size is O(n)). */
  get storedSize(): number {
    return this.sessions.size;
  }

  /** Replaces the maintenance redirect (SIGHUP reload of gateway.redirect.addresses): later Connects see it. */
  setRedirect(redirect: SessionServerOptions['redirect']): void {
    this.opts.redirect = redirect;
  }

  get inFlight(): number {
    return this.inflightTotal;
  }

  get(id: number): Session | undefined {
    return this.sessions.get(id);
  }

  /** Drops idle sessions (call periodically; lru-cache also drops them lazily on access). */
  sweep(): void {
    this.sessions.purgeStale();
  }

  /** Ends every session (shutdown). */
  close(): void {
    for (const s of [...this.sessions.values()]) this.remove(s, 'closed');
  }

  private ended(s: Session, why: 'evicted' | 'idle' | undefined): void {
    const reason = this.reasons.get(s) ?? why;
    this.reasons.delete(s);
    if (this.byPeer.get(key(s.peer)) === s.id) this.byPeer.delete(key(s.peer));
    abortAll(s, WSP_ABORT.DISCONNECT);
    if (reason) this.events.disconnected?.(s, reason);
  }

  private remove(s: Session, why: 'disconnect' | 'replaced' | 'closed'): void {
    this.reasons.set(s, why);
    this.sessions.delete(s.id);
  }

  private newId(): number {
    // Unguessable ids: a Resume from a new address is accepted on the session id alone (WAP-230 §8.2.2.6).
    for (;;) {
      const id = randomInt(1, 0x7fffffff);
      if (!this.sessions.has(id)) return id;
    }
  }

  /** WtpUser.invoke: one WTP transaction (whole message) from `tx.peer`. */
  invoke(tx: SessionTx, data: Buffer, info: SessionInvokeInfo): void {
    const peer = tx.peer;
    const sid = this.byPeer.get(tx.peerKey);
    const session = sid !== undefined ? this.sessions.get(sid) : undefined;
    // A Connect byte-identical to an earlier one (the same handset model, fakewap) reuses its decoded and
    // negotiated profile: no decode, no negotiation, and every such session shares one set of objects.
    const rawKey = data.length > 0 && data[0] === PDU_TYPE.Connect && session === undefined ? data.toString('latin1') : undefined;
    const known = rawKey !== undefined ? this.profiles.get(rawKey) : undefined;
    if (known) return this.connect(tx, known.pdu, info, undefined, known);
    let pdu;
    try {
      pdu = decodeWspPdu(data, session?.pduOpts ?? {});
    } catch (e) {
      if (!isWapDecodeError(e)) throw e;
      this.events.rejected?.('undecodable', peer, e.message);
      // WAP-230 §8.2: a PDU we cannot read aborts its transaction (PROTOERR); a method keeps its session.
      if (tx.class !== 0) tx.abort(WSP_ABORT.PROTOERR);
      return;
    }
    switch (pdu.type) {
      case 'Connect':
        return this.connect(tx, pdu, info, session, undefined, rawKey);
      case 'Get':
      case 'Post':
        return this.method(tx, pdu, info, session);
      case 'Disconnect': {
        // WAP-230 §8.2.2.4: by session id; fakewap sends it as class 0 on the Get's TID. Only the session's own
        // address may end it (a guessed id from elsewhere must not disconnect someone else).
        const byId = this.sessions.peek(pdu.sessionId);
        const s = byId && key(byId.peer) === tx.peerKey ? byId : session;
        if (s) this.remove(s, 'disconnect');
        if (tx.class === 2) tx.abort(WSP_ABORT.DISCONNECT);
        return;
      }
      case 'Suspend': {
        const byId = this.sessions.peek(pdu.sessionId);
        const s = byId && key(byId.peer) === tx.peerKey ? byId : undefined;
        if (s) {
          abortAll(s, WSP_ABORT.SUSPEND);
          if (this.byPeer.get(key(s.peer)) === s.id) this.byPeer.delete(key(s.peer));
          s.state = 'suspended';
          // A suspended session lives as long as the suspend timeout allows.
          this.sessions.set(s.id, s, { ttl: this.opts.suspendedTimeoutMs });
          this.events.suspended?.(s);
        } else this.events.rejected?.('suspend-unknown-session', peer, String(pdu.sessionId));
        if (tx.class === 2) tx.abort(WSP_ABORT.SUSPEND);
        return;
      }
      case 'Resume':
        return this.resume(tx, pdu, info);
      default:
        this.events.rejected?.('unexpected-pdu', peer, pdu.type);
        if (tx.class !== 0) tx.abort(WSP_ABORT.PROTOERR);
    }
  }

  private connect(tx: SessionTx, pdu: ConnectPdu, info: SessionInvokeInfo, old: Session | undefined, known?: ConnectProfile, rawKey?: string): void {
    const peer = tx.peer;
    if (tx.class !== 2) {
      this.events.rejected?.('connect-not-class-2', peer, `class ${tx.class}`);
      if (tx.class === 1) tx.abort(WSP_ABORT.PROTOERR);
      return;
    }
    if (info.uack) tx.ack();
    // WAP-230 §8.2.2.3 Redirect: maintenance, the handset is sent elsewhere and no session is made.
    if (this.opts.redirect) {
      const r = this.opts.redirect;
      tx.result(
        encodeWspPdu({
          type: 'Redirect',
          permanent: r.permanent,
          reuseSecuritySession: r.reuseSecuritySession,
          addresses: r.addresses.map(toWspAddress),
        }),
      );
      this.events.redirected?.(peer);
      return;
    }
    // A new Connect from the same address and port replaces the old session (WAP-230 §7.1.3.1 note).
    if (old) this.remove(old, 'replaced');
    const p = known ?? this.profileOf(pdu, rawKey);
    const s = new SessionRecord(this.newId(), peer, p);
    this.sessions.set(s.id, s);
    this.byPeer.set(tx.peerKey, s.id);
    tx.result(connectReply(s.id, p));
    this.events.connected?.(s, old !== undefined);
  }

  /** Decoded Connect → what its sessions share (read-only: never mutated, replaced on Resume). */
  private profileOf(pdu: ConnectPdu, rawKey: string | undefined): ConnectProfile {
    const client: Capabilities = { ...pdu.capabilities };
    client.clientSduSize ??= DEFAULT_SDU;
    client.serverSduSize ??= DEFAULT_SDU;
    client.clientMessageSize ??= client.clientSduSize;
    client.serverMessageSize ??= client.serverSduSize;
    const caps = negotiate(client, this.opts.capabilities);
    const extended: ExtendedMethod[] = (caps.extendedMethods ?? []).map((m) => ({
      pduType: m.pduType,
      name: pdu.capabilities.extendedMethods?.find((c) => c.pduType === m.pduType)?.name,
    }));
    // WAP-230 §8.4.2.70: a client that sends no Encoding-Version is taken to support encoding version 1.2, so
    // newer well-known codes (e.g. application/vnd.wap.mms-message, 1.4) go to it as text — as Kannel does.
    const encodingVersion = encodingVersionOf(pdu.headers) ?? DEFAULT_ENCODING_VERSION;
    const replyHeaders: WspHeader[] = [];
    if (encodingVersionOf(pdu.headers)) replyHeaders.push({ name: 'Encoding-Version', value: formatVersion(Math.min(encodingVersion, 0x15)) });
    const p: ConnectProfile = {
      pdu,
      headers: pdu.headers.filter((h) => h.name.toLowerCase() !== 'encoding-version'),
      caps,
      maxReplyBytes: minNonZero(caps.clientSduSize, caps.clientMessageSize),
      methodMor: caps.methodMor ?? 1,
      pduOpts: { extendedMethods: extended, ...(encodingVersion ? { encodingVersion } : {}) },
      replyHeaders,
    };
    if (rawKey !== undefined) {
      if (this.profiles.size >= CONNECT_PROFILES) this.profiles.clear();
      this.profiles.set(rawKey, p);
    }
    return p;
  }

  /** TR-Result.cnf for a ConnectReply: the session is now connected (WAP-230 §7.1.3 CONNECTING_2 → CONNECTED). */
  resultConfirmed(tx: SessionTx): void {
    const sid = this.byPeer.get(tx.peerKey);
    const s = sid !== undefined ? this.sessions.peek(sid) : undefined;
    if (s && s.state === 'connecting') s.state = 'connected';
  }

  /** TR-Abort.ind: a method the peer (or WTP) aborted is no longer outstanding. */
  aborted(tx: SessionTx): void {
    const sid = this.byPeer.get(tx.peerKey);
    const s = sid !== undefined ? this.sessions.peek(sid) : undefined;
    if (s?.methods) settled(s, s.methods, tx);
  }

  private method(tx: SessionTx, pdu: GetPdu | PostPdu, info: SessionInvokeInfo, s: Session | undefined): void {
    const peer = tx.peer;
    if (!s || s.state === 'suspended') {
      // WAP-230 §7.1.3: a method outside a session is refused (the handset must Connect or Resume first).
      this.events.rejected?.('no-session', peer, pdu.uri.slice(0, 100));
      if (tx.class !== 0) tx.abort(WSP_ABORT.DISCONNECT);
      return;
    }
    if (tx.class !== 2) {
      this.events.rejected?.('method-not-class-2', peer, `class ${tx.class}`);
      if (tx.class === 1) tx.abort(WSP_ABORT.PROTOERR);
      return;
    }
    // A method in CONNECTING means the ConnectReply's Ack was lost or overtaken: the handset has the reply.
    if (s.state === 'connecting') s.state = 'connected';
    const outstanding = s.methods?.size ?? 0;
    if (outstanding >= s.methodMor) {
      this.events.rejected?.('method-mor-exceeded', peer, `${outstanding} outstanding`);
      tx.abort(WSP_ABORT.MOREXCEEDED);
      return;
    }
    const methods = (s.methods ??= new Set());
    // S-MethodInvoke.res: acknowledge now; WTP's hold-on Ack then covers a slow upstream.
    if (info.uack) tx.ack();
    methods.add(tx);
    this.inflightTotal++;
    const limit = minNonZero(s.maxReplyBytes, tx.maxResultSize);
    const opts = s.pduOpts;
    this.user
      .method(pdu, { session: s, peer, maxReplyBytes: limit, encode: replyEncoder(opts) })
      .then(
        (out) => {
          this.inflightTotal--;
          settled(s, methods, tx);
          if (tx.done) return;
          if (out) tx.result(out);
          else tx.abort(WSP_ABORT.USERREQ);
        },
        (err: unknown) => {
          this.inflightTotal--;
          settled(s, methods, tx);
          this.events.failed?.(err, peer);
          if (!tx.done) {
            try {
              tx.result(errorReply(WspStatus.INTERNAL_SERVER_ERROR, opts));
            } catch {
              tx.abort(WSP_ABORT.PROTOERR);
            }
          }
        },
      );
  }

  private resume(tx: SessionTx, pdu: ResumePdu, info: SessionInvokeInfo): void {
    const peer = tx.peer;
    const s = this.sessions.get(pdu.sessionId);
    if (tx.class !== 2) {
      if (tx.class === 1) tx.abort(WSP_ABORT.PROTOERR);
      return;
    }
    if (!s) {
      this.events.rejected?.('resume-unknown-session', peer, String(pdu.sessionId));
      tx.abort(WSP_ABORT.DISCONNECT);
      return;
    }
    if (info.uack) tx.ack();
    // WAP-230 §8.2.2.6: Resume may come from a new address (bearer change); the session moves there.
    const moved = key(s.peer) !== tx.peerKey;
    abortAll(s, WSP_ABORT.RESUME);
    if (this.byPeer.get(key(s.peer)) === s.id) this.byPeer.delete(key(s.peer));
    const other = this.byPeer.get(tx.peerKey);
    if (other !== undefined && other !== s.id) {
      const o = this.sessions.peek(other);
      if (o) this.remove(o, 'replaced');
    }
    s.peer = peer;
    this.byPeer.set(tx.peerKey, s.id);
    // Headers sent with Resume replace the session headers (WAP-230 §8.2.2.6, S-Resume).
    if (pdu.headers.length > 0) s.headers = pdu.headers.filter((h) => h.name.toLowerCase() !== 'encoding-version');
    s.state = 'connected';
    this.sessions.set(s.id, s, { ttl: this.opts.idleTimeoutMs });
    tx.result(
      encodeWspPdu(
        { type: 'Reply', status: WspStatus.OK, contentType: { type: 'application/octet-stream', params: [] }, headers: [], data: Buffer.alloc(0) },
        s.pduOpts,
      ),
    );
    this.events.resumed?.(s, moved);
  }
}

/** A method is no longer outstanding; an idle session drops its empty Set. */
function settled(s: Session, methods: Set<SessionTx>, tx: SessionTx): void {
  methods.delete(tx);
  if (methods.size === 0 && s.methods === methods) s.methods = undefined;
}

/** Aborts the session's outstanding methods with `reason` (Disconnect, Suspend, Resume elsewhere). */
function abortAll(s: Session, reason: number): void {
  const methods = s.methods;
  if (!methods) return;
  s.methods = undefined;
  for (const m of methods) if (!m.done) m.abort(reason);
}

/**
 * The ConnectReply of session `id` (WAP-230 §8.2.2.2: PDU type, ServerSessionId as a uintvar, then the lengths, the
 * capabilities and the headers). Everything after the session id is the profile's, so it is encoded once — with id
 * 0, whose uintvar is the one octet 0x00 — and each reply is the type, the new id and that tail: the capability
 * encoder was half of what a Connect allocated. Own memory (not the Buffer pool), since WTP holds it until the Ack:
 * Buffer.alloc, which V8 keeps in the JS heap up to 64 octets (a ConnectReply is about 30).
 */
function connectReply(id: number, p: ConnectProfile): Buffer {
  let tail = p.replyTail;
  if (!tail) {
    const whole = encodeWspPdu({ type: 'ConnectReply', sessionId: 0, capabilities: p.caps, headers: p.replyHeaders });
    tail = p.replyTail = Buffer.allocUnsafeSlow(whole.length - 2);
    whole.copy(tail, 0, 2);
  }
  const head = new Writer(6).u8(PDU_TYPE.ConnectReply).uintvar(id).finish();
  const out = Buffer.alloc(head.length + tail.length);
  head.copy(out);
  tail.copy(out, head.length);
  return out;
}

/**
 * The Reply encoder of a session's decoder options, one per options object (a profile's, shared by its sessions):
 * a closure per method cost an allocation and, under tsx's keepNames, a defineProperty.
 */
function replyEncoder(opts: WspPduOptions): (reply: ReplyPdu) => Buffer {
  let enc = ENCODERS.get(opts);
  if (enc === undefined) {
    enc = (reply) => encodeWspPdu(reply, opts);
    ENCODERS.set(opts, enc);
  }
  return enc;
}
const ENCODERS = new WeakMap<WspPduOptions, (reply: ReplyPdu) => Buffer>();

function errorReply(status: number, opts: WspPduOptions): Buffer {
  return encodeWspPdu(
    { type: 'Reply', status, contentType: { type: 'text/plain', params: [] }, headers: [], data: Buffer.alloc(0) },
    opts,
  );
}

function minNonZero(...xs: (number | undefined)[]): number {
  let m = 0;
  for (const x of xs) if (x && (m === 0 || x < m)) m = x;
  return m === 0 ? Number.MAX_SAFE_INTEGER : m;
}

const DEFAULT_ENCODING_VERSION = 0x12;

/** 'Encoding-Version: 1.3' → 0x13 (undefined when absent or unreadable). */
function encodingVersionOf(headers: readonly WspHeader[]): number | undefined {
  const h = headers.find((x) => x.name.toLowerCase() === 'encoding-version');
  const m = h && /^(\d+)(?:\.(\d+))?/.exec(h.value.trim());
  if (!m) return undefined;
  return (Math.min(7, Number(m[1])) << 4) | Math.min(15, Number(m[2] ?? 0));
}

function formatVersion(v: number): string {
  return `${v >> 4}.${v & 0x0f}`;
}

function toWspAddress(a: { address: string; port?: number }): WspAddress {
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(a.address);
  const bytes = v4 ? Buffer.from(a.address.split('.').map(Number)) : ipv6Bytes(a.address);
  const out: WspAddress = { bearerType: v4 ? BEARER_IPV4 : BEARER_IPV6, address: bytes };
  if (a.port !== undefined) out.port = a.port;
  return out;
}

function ipv6Bytes(a: string): Buffer {
  const [head = '', tail = ''] = a.includes('::') ? a.split('::') : [a, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => b.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return b;
}
