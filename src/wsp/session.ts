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
import { ipBytes } from '../net/ip.ts';
import { isWapDecodeError } from '../wire/errors.ts';
import { Writer } from '../wire/writer.ts';
import { BEARER_IPV4, BEARER_IPV6, negotiate, type Capabilities, type ExtendedMethod, type WspAddress } from './capabilities.ts';
import type { WspHeader } from './headers/index.ts';
import { decodeWspPdu, encodeWspPdu } from './pdu.ts';
import { PDU_TYPE, type ConnectPdu, type GetPdu, type PostPdu, type ReplyPdu, type ResumePdu, type WspPduOptions } from './pdu-types.ts';
import { WspStatus } from './status.ts';
import { type Clock, realClock } from '../wtp/clock.ts';
import type { TimerList, TimerNode } from '../wtp/engine.ts';
import { USER_ABORT } from '../wtp/pdu.ts';
import { type SessionEndReason, SessionTable, type TableEntry } from './session-table.ts';

export type { SessionEndReason } from './session-table.ts';

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
  /** Once per session, however it ended (idle covers a suspended session's timeout too). */
  disconnected?(s: Session, why: SessionEndReason): void;
  suspended?(s: Session): void;
  resumed?(s: Session, moved: boolean): void;
  redirected?(peer: { address: string; port: number }): void;
  /** A PDU that could not be served (bad input, protocol error), for a throttled log line. */
  rejected?(reason: string, peer: { address: string; port: number }, detail: string): void;
  failed?(err: unknown, peer: { address: string; port: number }): void;
}

export interface SessionServerOptions {
  maxSessions: number;
  /** A session with no PDU for this long ends ('idle'). */
  idleTimeoutMs: number;
  /** A suspended session not resumed within this ends ('idle'). */
  suspendedTimeoutMs: number;
  /** Drives both timeouts (default: the real clock; tests inject a FakeClock). */
  clock?: Clock;
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
class SessionRecord implements Session, TableEntry, TimerNode {
  state: SessionState = 'connecting';
  methods: Set<SessionTx> | undefined = undefined;
  /** Headers sent with Resume (undefined: the profile's). */
  private ownHeaders: WspHeader[] | undefined = undefined;
  /** @internal The session's place in the table's idle or suspend list (src/wsp/session-table.ts). */
  timerPrev: TimerNode | undefined = undefined;
  /** @internal */ timerNext: TimerNode | undefined = undefined;
  /** @internal */ timerDue = 0;
  /** @internal */ timerList: TimerList | undefined = undefined;

  constructor(
    readonly id: number,
    public peer: { address: string; port: number },
    /** The transactions' peer key string of `peer` (the by-peer table keys with this very string). */
    public peerKey: string | undefined,
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

export class SessionServer {
  /** Every session's lifecycle: by id, by peer, bounded, idle and suspend expiry on the clock. */
  private readonly sessions: SessionTable<SessionRecord>;
  /** Connect PDU bytes → decoded and negotiated profile (bounded: cleared when full). */
  private readonly profiles = new Map<string, ConnectProfile>();
  private inflightTotal = 0;

  constructor(
    private readonly opts: SessionServerOptions,
    private readonly user: SessionMethodUser,
    private readonly events: SessionEvents = {},
  ) {
    this.sessions = new SessionTable<SessionRecord>({
      max: opts.maxSessions,
      idleTimeoutMs: opts.idleTimeoutMs,
      suspendedTimeoutMs: opts.suspendedTimeoutMs,
      clock: opts.clock ?? realClock,
      ended: (s, why) => {
        // However it ended, its outstanding methods end with it (WAP-230 §7.1.3: S-Disconnect aborts them).
        abortAll(s, WSP_ABORT.DISCONNECT);
        this.events.disconnected?.(s, why);
      },
    });
  }

  /** Live sessions (expired ones leave the table when their time is up). */
  get size(): number {
    return this.sessions.size;
  }

  /** The same as size (kept for callers that wanted an O(1) count when size was not). */
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

  /** The session `id` (counts as activity on it, as any PDU of its peer does). */
  get(id: number): Session | undefined {
    const s = this.sessions.peek(id);
    if (s) this.sessions.touch(s);
    return s;
  }

  /**
   * A connected session of a client at this IP address (of several, the one added last), without counting as
   * activity: WAP-230 §8.2.4 S-ConfirmedPush goes to its client over the session's WTP (src/gateway confirmedPush).
   * A scan of the table: pushes are rare beside methods, and nothing is kept for them on the method path.
   */
  connectedAt(address: string): Session | undefined {
    let found: Session | undefined;
    for (const s of this.sessions.all()) if (s.state === 'connected' && s.peer.address === address) found = s;
    return found;
  }

  /** Ends every session (shutdown). */
  close(): void {
    this.sessions.close();
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
    const session = this.sessions.atPeer(tx.peerKey);
    if (session) this.sessions.touch(session);
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
        const s = byId && byId.peerKey === tx.peerKey ? byId : session;
        if (s) this.sessions.end(s, 'disconnect');
        if (tx.class === 2) tx.abort(WSP_ABORT.DISCONNECT);
        return;
      }
      case 'Suspend': {
        const byId = this.sessions.peek(pdu.sessionId);
        const s = byId && byId.peerKey === tx.peerKey ? byId : undefined;
        if (s) {
          abortAll(s, WSP_ABORT.SUSPEND);
          s.state = 'suspended';
          // A suspended session lives as long as the suspend timeout allows.
          this.sessions.detach(s);
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

  private connect(tx: SessionTx, pdu: ConnectPdu, info: SessionInvokeInfo, old: SessionRecord | undefined, known?: ConnectProfile, rawKey?: string): void {
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
    if (old) this.sessions.end(old, 'replaced');
    const p = known ?? this.profileOf(pdu, rawKey);
    const s = new SessionRecord(this.newId(), peer, tx.peerKey, p);
    this.sessions.add(s);
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
    const s = this.sessions.atPeer(tx.peerKey);
    if (s && s.state === 'connecting') s.state = 'connected';
  }

  /** TR-Abort.ind: a method the peer (or WTP) aborted is no longer outstanding. */
  aborted(tx: SessionTx): void {
    const s = this.sessions.atPeer(tx.peerKey);
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
      .method(pdu, { session: s, peer, maxReplyBytes: limit, encode: (reply) => encodeWspPdu(reply, opts) })
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
    const s = this.sessions.peek(pdu.sessionId);
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
    const moved = s.peerKey !== tx.peerKey;
    abortAll(s, WSP_ABORT.RESUME);
    const other = this.sessions.atPeer(tx.peerKey);
    if (other && other !== s) this.sessions.end(other, 'replaced');
    s.peer = peer;
    this.sessions.attach(s, tx.peerKey);
    // Headers sent with Resume replace the session headers (WAP-230 §8.2.2.6, S-Resume).
    if (pdu.headers.length > 0) s.headers = pdu.headers.filter((h) => h.name.toLowerCase() !== 'encoding-version');
    s.state = 'connected';
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

/** WAP-230 §8.2.2.3 Redirect address: bearer type from the address family (the project's one IP parser). */
function toWspAddress(a: { address: string; port?: number }): WspAddress {
  const ip = ipBytes(a.address);
  // The configuration validates redirect addresses; an invalid one here is a programming error, not input.
  if (!ip) throw new Error(`redirect address ${JSON.stringify(a.address)} is not an IP address`);
  const out: WspAddress = { bearerType: ip.family === 4 ? BEARER_IPV4 : BEARER_IPV6, address: ip.bytes };
  if (a.port !== undefined) out.port = a.port;
  return out;
}
