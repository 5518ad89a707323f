/**
 * UDP bearer (WDP over IP, WAP-259): one node:dgram socket per port. Datagrams are handed up as views of the
 * buffer dgram gives us (no copy); replies go to the datagram's source address and port. IPv4 and IPv6: the
 * socket type follows the bind address. No logging on the per-datagram path.
 */
import dgram from 'node:dgram';
import { isIpv6Text } from '../net/ip.ts';

export interface Peer {
  address: string;
  port: number;
}

export type DatagramHandler = (data: Buffer, peer: Peer) => void;

/** Sees every datagram in and out (pcap tracing); `local` is this endpoint's bound address. */
export type DatagramTap = (direction: 'in' | 'out', data: Uint8Array, peer: Peer, local: Peer) => void;

export interface UdpEndpointOptions {
  address: string;
  port: number;
  /** SO_RCVBUF / SO_SNDBUF in bytes (0 = OS default). */
  bufferBytes?: number;
  /**
   * No socket: the endpoint of a gateway worker thread (src/gateway/worker-main.ts). Datagrams out go to
   * `relay` (the primary thread sends them from the bound socket), datagrams in arrive through `deliver()`, and
   * `address`/`port` are reported as bound. Counters, tap and onSent behave as with a socket.
   */
  relay?: (data: Uint8Array, peer: Peer) => void;
}

export class UdpEndpoint {
  private socket: dgram.Socket | undefined;
  private handler: DatagramHandler = () => {};
  /** Counters for metrics/status; cheap integers on the hot path. */
  readonly stats = { in: 0, out: 0, sendErrors: 0, bytesIn: 0, bytesOut: 0 };
  private errorListener: (err: Error) => void = () => {};
  private sendErrorListener: ((err: Error, peer: Peer) => void) | undefined;
  private tap: DatagramTap | undefined;
  private sent: ((bytes: number) => void) | undefined;
  private local: Peer = { address: '', port: 0 };
  /** Datagrams handed to dgram whose send has not completed. */
  private sending = 0;
  /** Started with a relay instead of a socket. */
  private relaying = false;

  constructor(private readonly opts: UdpEndpointOptions) {}

  onDatagram(handler: DatagramHandler): void {
    this.handler = handler;
  }

  /** Called with the size of every datagram sent (metrics). */
  onSent(listener: ((bytes: number) => void) | undefined): void {
    this.sent = listener;
  }

  /** Installs (or removes) a tap that sees every datagram; free when unset. */
  setTap(tap: DatagramTap | undefined): void {
    this.tap = tap;
  }

  /** Errors that are not the fault of one datagram (socket-level), for the owner to log. */
  onError(listener: (err: Error) => void): void {
    this.errorListener = listener;
  }

  /** A datagram dgram could not send (counted in stats.sendErrors either way), for the owner to log. */
  onSendError(listener: ((err: Error, peer: Peer) => void) | undefined): void {
    this.sendErrorListener = listener;
  }

  async start(): Promise<Peer> {
    if (this.opts.relay) {
      this.relaying = true;
      this.local = { address: this.opts.address, port: this.opts.port };
      return this.local;
    }
    const type = isIpv6Text(this.opts.address) ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, reuseAddr: false, ipv6Only: type === 'udp6' ? false : undefined });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.deliver(msg, { address: rinfo.address, port: rinfo.port }));
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error): void => reject(e);
      socket.once('error', onErr);
      socket.bind({ address: this.opts.address, port: this.opts.port, exclusive: true }, () => {
        socket.off('error', onErr);
        resolve();
      });
    });
    socket.on('error', (e) => this.errorListener(e));
    const size = this.opts.bufferBytes ?? 0;
    if (size > 0) {
      // The OS may cap these (net.core.rmem_max); a smaller buffer is not fatal.
      try {
        socket.setRecvBufferSize(size);
        socket.setSendBufferSize(size);
      } catch {
        /* capped by the OS */
      }
    }
    this.local = this.address();
    return this.local;
  }

  /** One datagram in (from the socket, or relayed to a worker's endpoint). */
  deliver(msg: Buffer, peer: Peer): void {
    this.stats.in++;
    this.stats.bytesIn += msg.length;
    if (this.tap) this.tap('in', msg, peer, this.local);
    this.handler(msg, peer);
  }

  address(): Peer {
    if (this.relaying) return this.local;
    if (!this.socket) throw new Error('UDP endpoint not started');
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  /** Sends one datagram; failures (e.g. ICMP unreachable surfacing as ECONNREFUSED) are counted, never thrown. */
  send(data: Uint8Array, peer: Peer): void {
    const s = this.socket;
    if (!s && !this.relaying) return;
    this.stats.out++;
    this.stats.bytesOut += data.length;
    if (this.tap) this.tap('out', data, peer, this.local);
    if (this.sent) this.sent(data.length);
    if (!s) {
      this.opts.relay!(data, peer);
      return;
    }
    this.sending++;
    s.send(data, peer.port, peer.address, (err) => {
      this.sending--;
      if (err) {
        this.stats.sendErrors++;
        this.sendErrorListener?.(err, peer);
      }
    });
  }

  /** Closes the socket once the datagrams already handed to it have gone (the last Aborts of a shutdown). */
  async stop(): Promise<void> {
    this.relaying = false;
    const s = this.socket;
    this.socket = undefined;
    if (!s) return;
    for (let i = 0; i < 100 && this.sending > 0; i++) await new Promise((r) => setTimeout(r, 5));
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
