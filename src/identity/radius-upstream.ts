/**
 * Forwarding of Accounting-Requests to an upstream RADIUS accounting server (the operator's AAA or billing
 * collector), as a RADIUS proxy does (RFC 2866 §2.2 "proxy", Kannel's radius proxy): the attributes are re-sent
 * under our own Identifier and signed with the upstream's shared secret; each request is retransmitted on
 * timeout up to `retries` times; the upstream's Accounting-Response is checked (Response Authenticator,
 * RFC 2866 §3) before it counts. One socket, at most 256 outstanding Identifiers (and `maxOutstanding`).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createHash, timingSafeEqual } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import radius from 'radius';
import { ATTR, HEADER_LENGTH, RADIUS_CODE, type RawAttr } from './radius-packet.ts';
import { normalizeIp } from '../net/ip.ts';
import type { RadiusUpstreamOptions } from './options.ts';

export interface UpstreamCounters {
  forwarded: number;
  retransmissions: number;
  answered: number;
  timeouts: number;
  /** Datagrams on the upstream socket that were not a valid answer to an outstanding request. */
  badResponses: number;
  busy: number;
}

interface Outstanding {
  packet: Buffer;
  tries: number;
  timer?: NodeJS.Timeout;
  resolve: (ok: boolean) => void;
}

export type ForwardResult = Promise<boolean> | 'busy';

export class RadiusForwarder {
  readonly counters: UpstreamCounters = {
    forwarded: 0,
    retransmissions: 0,
    answered: 0,
    timeouts: 0,
    badResponses: 0,
    busy: 0,
  };
  private socket: Socket | undefined;
  private readonly outstanding = new Map<number, Outstanding>();
  private nextId = 0;
  /** The upstream's address (a host name is resolved once, at start). */
  private host = '';

  constructor(private readonly opts: RadiusUpstreamOptions) {}

  async start(): Promise<void> {
    const { address, family } = await lookup(this.opts.host);
    this.host = normalizeIp(address) ?? address;
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.socket = socket;
  }

  stop(): void {
    for (const [id, o] of this.outstanding) {
      clearTimeout(o.timer);
      o.resolve(false);
      this.outstanding.delete(id);
    }
    this.socket?.close();
    this.socket = undefined;
  }

  get pending(): number {
    return this.outstanding.size;
  }

  /**
   * Sends the request's attributes upstream. Resolves true once a valid Accounting-Response arrived, false
   * after the last retransmission timed out; 'busy' (synchronously) when no Identifier is free.
   */
  forward(attrs: readonly RawAttr[]): ForwardResult {
    const socket = this.socket;
    if (!socket || this.outstanding.size >= Math.min(256, this.opts.maxOutstanding)) {
      this.counters.busy++;
      return 'busy';
    }
    let id = this.nextId;
    while (this.outstanding.has(id)) id = (id + 1) & 0xff;
    this.nextId = (id + 1) & 0xff;
    // A Message-Authenticator belongs to the hop it was computed for; it is not carried over.
    const packet = radius.encode({
      code: 'Accounting-Request',
      secret: this.opts.secret,
      identifier: id,
      attributes: attrs.filter((a) => a.type !== ATTR.MESSAGE_AUTHENTICATOR).map((a): [number, Buffer] => [a.type, Buffer.from(a.value)]),
      add_message_authenticator: false,
    });
    this.counters.forwarded++;
    return new Promise<boolean>((resolve) => {
      const o: Outstanding = { packet, tries: 0, resolve };
      this.outstanding.set(id, o);
      this.send(id, o);
    });
  }

  private send(id: number, o: Outstanding): void {
    o.tries++;
    if (o.tries > 1) this.counters.retransmissions++;
    this.socket?.send(o.packet, this.opts.port, this.host);
    clearTimeout(o.timer);
    o.timer = setTimeout(() => {
      if (this.outstanding.get(id) !== o) return;
      if (o.tries <= this.opts.retries) return this.send(id, o);
      this.outstanding.delete(id);
      this.counters.timeouts++;
      o.resolve(false);
    }, this.opts.timeoutMs);
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    const fromUpstream = (normalizeIp(address) ?? address) === this.host && port === this.opts.port;
    if (!fromUpstream || msg.length < HEADER_LENGTH || msg[0] !== RADIUS_CODE.ACCOUNTING_RESPONSE) {
      this.counters.badResponses++;
      return;
    }
    const length = msg.readUInt16BE(2);
    const o = this.outstanding.get(msg[1] as number);
    if (!o || length < HEADER_LENGTH || length > msg.length || !this.authentic(msg.subarray(0, length), o.packet)) {
      this.counters.badResponses++;
      return;
    }
    clearTimeout(o.timer);
    this.outstanding.delete(msg[1] as number);
    this.counters.answered++;
    o.resolve(true);
  }

  /** RFC 2866 §3: Response Authenticator = MD5(Code+ID+Length+RequestAuth+Attributes+Secret). */
  private authentic(response: Buffer, request: Buffer): boolean {
    const copy = Buffer.from(response);
    request.copy(copy, 4, 4, 20);
    const expected = createHash('md5').update(copy).update(this.opts.secret, 'utf8').digest();
    return timingSafeEqual(expected, response.subarray(4, 20));
  }
}
