/**
 * A connection-oriented WSP client over our WTP initiator (WAP-230 §7.1 client side, WAP-224 class 2 with
 * SAR and retransmission): Connect → ConnectReply, methods as class-2 transactions, Suspend/Resume (also from
 * a new local port, as after a bearer change), Disconnect. One UDP socket per session, so one process can hold
 * many phones, each on its own address.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parseContentType } from '../wsp/content-type.ts';
import type { Capabilities, WspAddress } from '../wsp/capabilities.ts';
import type { WspHeader } from '../wsp/headers/index.ts';
import { decodeWspPdu, encodeWspPdu } from '../wsp/pdu.ts';
import type { ConfirmedPushPdu, PushPdu, WspPdu, WspPduOptions } from '../wsp/pdu-types.ts';
import { WtpInitiator } from '../wtp/initiator.ts';
import { wtpDirection } from '../wtp/engine.ts';
import { USER_ABORT } from '../wtp/pdu.ts';
import { WtpResponder } from '../wtp/responder.ts';
import type { WtpTimers } from '../wtp/timers.ts';
import { replyToResponse, type Endpoint, type WspResponse } from './cl.ts';

export interface ConnectOptions {
  gateway: Endpoint;
  /** The handset's own address/port. */
  bind?: { address?: string; port?: number };
  /** Session headers sent in Connect (User-Agent, Accept, x-wap-profile...). */
  headers?: WspHeader[];
  /** Capabilities proposed (defaults: 1 MiB SDU and message sizes both ways, Method-MOR 4). */
  capabilities?: Capabilities;
  /** WTP timers (retransmission like a handset; defaults from src/wtp/timers.ts). */
  timers?: Partial<WtpTimers>;
  /** WSP version sent in Connect (default 1.0). */
  version?: { major: number; minor: number };
  /**
   * Pushes the server sends in this session (WAP-230 §8.2.4): Push (class 0) and ConfirmedPush (class 1). A
   * ConfirmedPush is acknowledged (S-ConfirmedPush.res) once this returns (or its promise resolves); a throw or
   * a rejection aborts it (USERRFS). Without it the phone still answers a ConfirmedPush with its Ack.
   */
  onPush?: (pdu: PushPdu | ConfirmedPushPdu, from: { address: string; port: number }) => void | Promise<void>;
}

export class WspRedirectError extends Error {
  override readonly name = 'WspRedirectError';
  readonly code = 'WSP_ERR_REDIRECT';
  constructor(
    readonly permanent: boolean,
    readonly addresses: WspAddress[],
  ) {
    super(`gateway redirected the session (${permanent ? 'permanent' : 'temporary'})`);
  }
}

export class WspProtocolError extends Error {
  override readonly name = 'WspProtocolError';
  readonly code = 'WSP_ERR_PROTOCOL';
}

const DEFAULT_CAPS: Capabilities = {
  clientSduSize: 1_048_576,
  serverSduSize: 1_048_576,
  clientMessageSize: 1_048_576,
  serverMessageSize: 1_048_576,
  methodMor: 4,
  pushMor: 1,
};

interface Link {
  socket: dgram.Socket;
  wtp: WtpInitiator;
  /** The phone's WTP responder on the same socket: the server's pushes in the session. */
  pushes: WtpResponder;
  /** Datagrams handed to dgram whose send has not completed (closing now would drop them). */
  sending: { n: number };
}

async function openLink(gateway: Endpoint, bind: ConnectOptions['bind'], timers?: Partial<WtpTimers>, onPush?: ConnectOptions['onPush']): Promise<Link> {
  const family = isIPv6(bind?.address ?? gateway.host) ? 'udp6' : 'udp4';
  const socket = dgram.createSocket(family);
  const sending = { n: 0 };
  const transport = {
    send: (d: Buffer, p: { address: string; port: number }) => {
      sending.n++;
      socket.send(d, p.port, p.address, () => sending.n--);
    },
  };
  const wtp = new WtpInitiator({ transport, timers });
  const pushes = new WtpResponder({
    transport,
    timers,
    user: {
      invoke: (tx, data, info) => {
        let pdu: WspPdu;
        try {
          pdu = decodeWspPdu(data);
        } catch {
          return tx.abort(USER_ABORT.PROTOERR);
        }
        if (pdu.type !== 'Push' && pdu.type !== 'ConfirmedPush') return tx.abort(USER_ABORT.PROTOERR);
        Promise.resolve()
          .then(() => onPush?.(pdu, tx.peer))
          .then(
            () => {
              if (info.uack && !tx.done) tx.ack();
            },
            () => {
              if (!tx.done) tx.abort(USER_ABORT.USERRFS);
            },
          );
      },
      abort: () => {},
      resultConfirmed: () => {},
    },
  });
  // WAP-224 §8.2.3: the TID direction bit — set on the gateway's answers to the phone's methods (its initiator),
  // clear on what the gateway initiates (pushes: the responder).
  socket.on('message', (msg, rinfo) => {
    const peer = { address: rinfo.address, port: rinfo.port };
    if (wtpDirection(msg) === 'toResponder') pushes.receive(msg, peer);
    else wtp.receive(msg, peer);
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: bind?.address, port: bind?.port ?? 0 }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return { socket, wtp, pushes, sending };
}

async function closeLink(l: Link): Promise<void> {
  for (let i = 0; i < 50 && l.sending.n > 0; i++) await new Promise((r) => setTimeout(r, 2));
  l.wtp.close();
  l.pushes.close();
  await new Promise<void>((r) => l.socket.close(() => r()));
}

export class WspSession {
  private link: Link;
  private readonly peer: { address: string; port: number };
  private closed = false;

  private constructor(
    link: Link,
    private readonly opts: ConnectOptions,
    readonly sessionId: number,
    /** What the gateway answered in ConnectReply. */
    readonly capabilities: Capabilities,
    readonly serverHeaders: WspHeader[],
    private readonly pduOpts: WspPduOptions,
  ) {
    this.link = link;
    this.peer = { address: opts.gateway.host, port: opts.gateway.port };
  }

  /** S-Connect (WAP-230 §8.2.2.1): class-2 Connect, ConnectReply carries the session id. */
  static async connect(opts: ConnectOptions): Promise<WspSession> {
    const link = await openLink(opts.gateway, opts.bind, opts.timers, opts.onPush);
    try {
      const connect: WspPdu = {
        type: 'Connect',
        version: opts.version ?? { major: 1, minor: 0 },
        capabilities: opts.capabilities ?? DEFAULT_CAPS,
        headers: opts.headers ?? [],
      };
      const peer = { address: opts.gateway.host, port: opts.gateway.port };
      const data = await link.wtp.invoke(peer, encodeWspPdu(connect), { class: 2, uack: true });
      if (!data) throw new WspProtocolError('Connect got no result');
      const reply = decodeWspPdu(data);
      if (reply.type === 'Redirect') throw new WspRedirectError(reply.permanent, reply.addresses);
      if (reply.type !== 'ConnectReply') throw new WspProtocolError(`Connect answered with ${reply.type}`);
      const ext = (reply.capabilities.extendedMethods ?? []).map((m) => ({
        pduType: m.pduType,
        name: opts.capabilities?.extendedMethods?.find((c) => c.pduType === m.pduType)?.name,
      }));
      return new WspSession(link, opts, reply.sessionId, reply.capabilities, reply.headers, { extendedMethods: ext });
    } catch (e) {
      await closeLink(link);
      throw e;
    }
  }

  /** The local address and port this session currently uses. */
  get local(): { address: string; port: number } {
    return this.link.socket.address();
  }

  async request(pdu: WspPdu): Promise<WspResponse> {
    if (this.closed) throw new WspProtocolError('session closed');
    const data = await this.link.wtp.invoke(this.peer, encodeWspPdu(pdu, this.pduOpts), { class: 2, uack: true });
    if (!data) throw new WspProtocolError('method got no result');
    const reply = decodeWspPdu(data, this.pduOpts);
    if (reply.type !== 'Reply') throw new WspProtocolError(`method answered with ${reply.type}`);
    return replyToResponse(reply);
  }

  /** S-MethodInvoke with a Get PDU (GET, OPTIONS, HEAD, DELETE, TRACE or an extended Get-type method). */
  get(uri: string, headers: WspHeader[] = [], method = 'GET'): Promise<WspResponse> {
    return this.request({ type: 'Get', method, uri, headers });
  }

  /** S-MethodInvoke with a Post PDU (POST, PUT or an extended Post-type method). */
  post(uri: string, contentType: string, body: Buffer, headers: WspHeader[] = [], method = 'POST'): Promise<WspResponse> {
    return this.request({ type: 'Post', method, uri, contentType: parseContentType(contentType), headers, data: body });
  }

  /** S-Suspend (WAP-230 §8.2.2.5): class-0 Suspend; the session stays at the gateway. */
  async suspend(): Promise<void> {
    await this.link.wtp.invoke(this.peer, encodeWspPdu({ type: 'Suspend', sessionId: this.sessionId }), { class: 0 });
  }

  /**
   * S-Resume (WAP-230 §8.2.2.6): class-2 Resume. With `newPort` the phone first moves to a fresh local socket
   * (a bearer change), so the gateway sees the session come back from a new address/port.
   */
  async resume(opts: { newPort?: boolean; bind?: { address?: string; port?: number }; headers?: WspHeader[] } = {}): Promise<WspResponse> {
    if (opts.newPort || opts.bind) {
      const next = await openLink(this.opts.gateway, opts.bind ?? { address: this.opts.bind?.address }, this.opts.timers, this.opts.onPush);
      await closeLink(this.link);
      this.link = next;
    }
    const pdu: WspPdu = { type: 'Resume', sessionId: this.sessionId, capabilities: {}, headers: opts.headers ?? [] };
    const data = await this.link.wtp.invoke(this.peer, encodeWspPdu(pdu), { class: 2, uack: true });
    if (!data) throw new WspProtocolError('Resume got no result');
    const reply = decodeWspPdu(data, this.pduOpts);
    if (reply.type !== 'Reply') throw new WspProtocolError(`Resume answered with ${reply.type}`);
    return replyToResponse(reply);
  }

  /** Drops the session without a Disconnect (a handset losing power or coverage); the socket closes. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeLink(this.link);
  }

  /** S-Disconnect (WAP-230 §8.2.2.4): class-0 Disconnect, then the socket closes. */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.link.wtp.invoke(this.peer, encodeWspPdu({ type: 'Disconnect', sessionId: this.sessionId }), { class: 0 });
    } finally {
      await closeLink(this.link);
    }
  }
}

/** connect(...) → a WspSession (the library entry point). */
export function connect(opts: ConnectOptions): Promise<WspSession> {
  return WspSession.connect(opts);
}
