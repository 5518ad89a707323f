/**
 * A connectionless WSP client (WAP-230 §7.2, §8.2.1): TID octet + Get/Post over UDP to a gateway's 9200, the
 * Reply matched by TID. Like a handset's browser it retries an unanswered request a few times. One socket per
 * client, so many clients (phones) can live in one process, each on its own address.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { formatContentType, parseContentType } from '../wsp/content-type.ts';
import type { WspHeader } from '../wsp/headers/index.ts';
import { decodeConnectionless, encodeConnectionless } from '../wsp/pdu.ts';
import type { ReplyPdu, WspPdu } from '../wsp/pdu-types.ts';
import { wspToHttpStatus } from '../wsp/status.ts';

export interface Endpoint {
  host: string;
  port: number;
}

export interface WspResponse {
  /** HTTP status (from the WSP status octet). */
  status: number;
  /** The WSP status octet as received. */
  wspStatus: number;
  contentType: string;
  headers: WspHeader[];
  body: Buffer;
}

export interface ClOptions {
  gateway: Endpoint;
  /** Local address (and port) to bind: the handset's own address, e.g. 127.0.0.2. */
  bind?: { address?: string; port?: number };
  /** Time to wait for each attempt. */
  timeoutMs?: number;
  /** Attempts in all (first send + retries). */
  attempts?: number;
}

export class WspTimeoutError extends Error {
  override readonly name = 'WspTimeoutError';
  readonly code = 'WSP_ERR_TIMEOUT';
}

/** Converts 'Name: value' lines (or pairs) to WspHeaders. */
export function parseHeaderLines(lines: readonly string[]): WspHeader[] {
  return lines.map((l) => {
    const i = l.indexOf(':');
    if (i <= 0) throw new Error(`header must be 'Name: value': ${l}`);
    return { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
  });
}

export function replyToResponse(r: ReplyPdu): WspResponse {
  return {
    status: wspToHttpStatus(r.status),
    wspStatus: r.status,
    contentType: r.contentType ? formatContentType(r.contentType) : '',
    headers: r.headers,
    body: r.data,
  };
}

export class ClClient {
  private socket: dgram.Socket | undefined;
  private tid = Math.floor(Math.random() * 256);
  private readonly pending = new Map<number, (r: ReplyPdu) => void>();

  constructor(private readonly opts: ClOptions) {}

  async open(): Promise<{ address: string; port: number }> {
    if (this.socket) return this.socket.address();
    const family = isIPv6(this.opts.bind?.address ?? this.opts.gateway.host) ? 'udp6' : 'udp4';
    const s = dgram.createSocket(family);
    s.on('message', (msg) => {
      try {
        const { tid, pdu } = decodeConnectionless(msg);
        if (pdu.type !== 'Reply') return;
        const done = this.pending.get(tid);
        if (done) {
          this.pending.delete(tid);
          done(pdu);
        }
      } catch {
        /* not a Reply we can read: ignore, as a handset would */
      }
    });
    s.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: this.opts.bind?.address, port: this.opts.bind?.port ?? 0 }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    this.socket = s;
    return s.address();
  }

  get address(): { address: string; port: number } {
    if (!this.socket) throw new Error('client not open');
    return this.socket.address();
  }

  async request(pdu: WspPdu): Promise<WspResponse> {
    await this.open();
    // Each request a fresh TID not in use (WAP-230 §8.2.1: the TID pairs request and reply).
    let tid = (this.tid = (this.tid + 1) & 0xff);
    for (let i = 0; i < 255 && this.pending.has(tid); i++) tid = this.tid = (this.tid + 1) & 0xff;
    if (this.pending.has(tid)) throw new Error('256 connectionless requests already outstanding on this client');
    const datagram = encodeConnectionless(tid, pdu);
    const attempts = this.opts.attempts ?? 3;
    const timeout = this.opts.timeoutMs ?? 5000;
    for (let a = 0; a < attempts; a++) {
      const reply = await new Promise<ReplyPdu | undefined>((resolve) => {
        const t = setTimeout(() => {
          this.pending.delete(tid);
          resolve(undefined);
        }, timeout);
        this.pending.set(tid, (r) => {
          clearTimeout(t);
          resolve(r);
        });
        this.socket!.send(datagram, this.opts.gateway.port, this.opts.gateway.host);
      });
      if (reply) return replyToResponse(reply);
    }
    throw new WspTimeoutError(`no Reply from ${this.opts.gateway.host}:${this.opts.gateway.port} after ${attempts} attempt(s)`);
  }

  get(uri: string, headers: WspHeader[] = [], method = 'GET'): Promise<WspResponse> {
    return this.request({ type: 'Get', method, uri, headers });
  }

  post(uri: string, contentType: string, body: Buffer, headers: WspHeader[] = [], method = 'POST'): Promise<WspResponse> {
    return this.request({ type: 'Post', method, uri, contentType: parseContentType(contentType), headers, data: body });
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    this.pending.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

/** One-shot connectionless Get. */
export async function clGet(opts: ClOptions, uri: string, headers: WspHeader[] = []): Promise<WspResponse> {
  const c = new ClClient(opts);
  try {
    return await c.get(uri, headers);
  } finally {
    await c.close();
  }
}

/** One-shot connectionless Post. */
export async function clPost(
  opts: ClOptions,
  uri: string,
  contentType: string,
  body: Buffer,
  headers: WspHeader[] = [],
): Promise<WspResponse> {
  const c = new ClClient(opts);
  try {
    return await c.post(uri, contentType, body, headers);
  } finally {
    await c.close();
  }
}
