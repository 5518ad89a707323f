/**
 * A real local HTTP origin for gateway tests (node:http on 127.0.0.1, ephemeral port).
 *   /echo        → 200, JSON {method, url, headers, bodyLength, bodySha} ; the request body is echoed in X-Body
 *                  only when small. Content-Type of the answer: application/json.
 *   /raw         → 200, echoes the request body back with the request's Content-Type.
 *   /bytes/N     → 200, N octets (deterministic pattern), application/octet-stream, Content-Length set.
 *   /chunked/N   → 200, N octets without Content-Length (chunked).
 *   /status/C    → status C with a small text body.
 *   /redirect    → 302 Location: /echo
 *   /slow/MS     → answers after MS milliseconds.
 *   /hang        → never answers (the socket is closed when the server stops).
 *   /reset       → destroys the socket without answering.
 *   /wml         → 200 text/vnd.wap.wml deck.
 *   /multipart   → 200 multipart/mixed with a text and a GIF part.
 *   /mms         → 200 a small m-send-conf (application/vnd.wap.mms-message), like Kannel's peer upstream.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: Buffer;
}

export function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

export function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface Upstream {
  url: string;
  origin: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startUpstream(host = '127.0.0.1', listenPort = 0): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      seen.push({ method: req.method ?? '', url, headers: req.headers, rawHeaders: req.rawHeaders, body });
      const [, route = '', arg = ''] = url.split('?')[0]!.split('/');
      switch (route) {
        case 'echo': {
          const json = JSON.stringify({
            method: req.method,
            url,
            headers: req.headers,
            bodyLength: body.length,
            bodySha: sha(body),
          });
          res.writeHead(200, { 'Content-Type': 'application/json', 'X-Echo': 'yes', 'Cache-Control': 'no-cache' });
          res.end(req.method === 'HEAD' ? undefined : json);
          return;
        }
        case 'raw':
          res.writeHead(200, {
            'Content-Type': req.headers['content-type'] ?? 'application/octet-stream',
            'X-Body-Length': String(body.length),
          });
          res.end(body);
          return;
        case 'bytes': {
          const b = pattern(Number(arg));
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(b.length) });
          res.end(b);
          return;
        }
        case 'chunked': {
          const b = pattern(Number(arg));
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
          for (let i = 0; i < b.length; i += 16384) res.write(b.subarray(i, i + 16384));
          res.end();
          return;
        }
        case 'status':
          // '/status' alone is a readiness probe (as the peer harness's upstream.js answers it).
          res.writeHead(/^[1-5]\d\d$/.test(arg) ? Number(arg) : 200, { 'Content-Type': 'text/plain' });
          res.end(`status ${arg}\n`);
          return;
        case 'redirect':
          res.writeHead(302, { Location: '/echo' });
          res.end();
          return;
        case 'slow':
          setTimeout(() => {
            res.writeHead(200, { 'Content-Type': 'text/plain' });
            res.end('slow\n');
          }, Number(arg));
          return;
        case 'hang':
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'multipart': {
          const b = 'XyZ-boundary';
          res.writeHead(200, { 'Content-Type': `multipart/mixed; boundary=${b}` });
          res.end(
            `--${b}\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n` +
              `--${b}\r\nContent-Type: image/gif\r\nContent-Location: a.gif\r\n\r\nGIF89a\r\n--${b}--\r\n`,
          );
          return;
        }
        case 'mms': {
          // A minimal m-send-conf (OMA-MMS-ENC §6.1.2): type, Transaction-Id, MMS-Version 1.0, Response-Status Ok.
          const conf = Buffer.concat([Buffer.from([0x8c, 0x81, 0x98]), Buffer.from('wapgate-1\0', 'latin1'), Buffer.from([0x8d, 0x90, 0x92, 0x80])]);
          res.writeHead(200, { 'Content-Type': 'application/vnd.wap.mms-message', 'X-Body-Length': String(body.length) });
          res.end(conf);
          return;
        }
        case 'wml':
          res.writeHead(200, { 'Content-Type': 'text/vnd.wap.wml' });
          res.end('<?xml version="1.0"?><wml><card id="a"><p>hello</p></card></wml>');
          return;
        default:
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          res.end('not found\n');
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/`,
    origin,
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A TCP port with nothing listening (bind, read the port, close). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
