/** Helpers for RADIUS tests: packets built with the npm `radius` library, a UDP client that collects answers. */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import radius from 'radius';

export type Attr = [string | number, ...unknown[]];

export function acctRequest(secret: string, attributes: Attr[], identifier = 7): Buffer {
  return radius.encode({ code: 'Accounting-Request', secret, identifier, attributes: attributes as never, add_message_authenticator: false });
}

/** A 3GPP (10415) vendor-specific attribute from raw sub-attributes. */
export function vsa3gpp(subs: Array<[number, Buffer]>): Attr {
  const body = Buffer.concat(subs.map(([t, v]) => Buffer.concat([Buffer.from([t, v.length + 2]), v])));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(10415);
  return [26, Buffer.concat([head, body])];
}

export class UdpPeer {
  readonly answers: Buffer[] = [];
  private constructor(private readonly sock: Socket) {
    sock.on('message', (m) => this.answers.push(m));
  }
  static async open(): Promise<UdpPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new UdpPeer(s);
  }
  send(buf: Buffer, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(buf, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }
  async waitFor(n: number, ms = 2000): Promise<Buffer[]> {
    const end = Date.now() + ms;
    while (this.answers.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return this.answers;
  }
  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }
}

export const settle = (ms = 100): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RadResult {
  code: number | null;
  out: string;
  answered: boolean;
}

/** Runs radclient with attribute lines on stdin (async: the server under test lives in this process). */
export function radclient(port: number, secret: string, attrs: string, args: string[] = [], host = '127.0.0.1'): Promise<RadResult> {
  return new Promise((resolve, reject) => {
    const server = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const p = spawn('radclient', ['-x', '-r', '2', '-t', '3', ...(host.includes(':') ? ['-6'] : []), ...args, server, 'acct', secret]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, answered: /Received Accounting-Response/.test(out) }));
    p.stdin.end(attrs);
  });
}

