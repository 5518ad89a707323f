/**
 * Issue 8, stopping: SIGTERM to `wapgate serve` while a handset is fetching 300 KB over WTP SAR lets that transfer
 * finish (every octet, checked by hash) and the process exits 0; a transaction still running when
 * gateway.drainTimeout passes gets a WTP Abort (the handset's invoke rejects with WtpAbortError, it is not left
 * to time out), then exit 0; a second signal exits at once.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clGet } from '../../src/handset/cl.ts';
import { connect, type WspSession } from '../../src/handset/co.ts';
import { WtpAbortError } from '../../src/wtp/types.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

const SIZE = 300 * 1024;
const body = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) body[i] = (i * 131 + (i >> 9)) & 0xff;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * /slow-300k: 300 KB in 12 chunks over ~1.2 s (onHalf once half is written);
 * /fast-300k: 300 KB at once (onSent when the response has been handed to the socket);
 * /hang: never answers (onRequest).
 */
interface Origin {
  url: string;
  events: { onHalf?: () => void; onSent?: () => void; onRequest?: (path: string) => void };
  close(): Promise<void>;
}
async function startOrigin(): Promise<Origin> {
  const events: Origin['events'] = {};
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res: ServerResponse) => {
    events.onRequest?.(req.url ?? '');
    req.resume();
    if (req.url === '/hang') return;
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(SIZE) });
    if (req.url === '/fast-300k') {
      res.end(body, () => events.onSent?.());
      return;
    }
    const step = SIZE / 12;
    let i = 0;
    const next = () => {
      res.write(body.subarray(i * step, (i + 1) * step));
      i++;
      if (i === 6) events.onHalf?.();
      if (i === 12) res.end();
      else {
        const t = setTimeout(next, 100);
        timers.add(t);
      }
    };
    next();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('graceful shutdown of wapgate serve', () => {
  let origin: Origin | undefined;
  let gw: ServeProcess | undefined;
  let session: WspSession | undefined;
  afterEach(async () => {
    await session?.abandon();
    session = undefined;
    await gw?.stop();
    await origin?.close();
  });

  async function setup(drainTimeout: number): Promise<{ origin: Origin; gw: ServeProcess; session: WspSession }> {
    origin = await startOrigin();
    gw = await startServe({ config: { gateway: { upstream: `${origin.url}/`, drainTimeout, maxMessageSize: 1_048_576 } } });
    session = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    return { origin, gw, session };
  }

  it('SIGTERM while the upstream is still sending 300 KB: the handset gets every octet, exit 0', async () => {
    const { origin, gw, session } = await setup(30_000);
    origin.events.onHalf = () => gw.signal('SIGTERM');
    const r = await session.get(`${origin.url}/slow-300k`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(SIZE);
    expect(sha(r.body)).toBe(sha(body));
    const exit = await gw.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    const msgs = gw.logs.map((l) => l.msg);
    expect(msgs.indexOf('wapgate stopped')).toBeGreaterThan(msgs.findIndex((m) => String(m).startsWith('shutting down')));
    expect(gw.logs.find((l) => l.msg === 'shutdown complete')).toMatchObject({ exitCode: 0, failedSteps: 0 });
  }, 120_000);

  it('SIGTERM once the upstream has answered, while WTP SAR carries the 300 KB Result: it finishes, exit 0', async () => {
    const { origin, gw, session } = await setup(30_000);
    origin.events.onSent = () => gw.signal('SIGTERM');
    const r = await session.get(`${origin.url}/fast-300k`);
    expect(r.status).toBe(200);
    expect(sha(r.body)).toBe(sha(body));
    expect(await gw.exited).toMatchObject({ code: 0, signal: null });
  }, 120_000);

  it('during the drain new methods are refused with 503 at once (never fetched) while the one in flight finishes', async () => {
    const { origin, gw, session } = await setup(30_000);
    const other = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    const seen: string[] = [];
    let halfway!: () => void;
    const half = new Promise<void>((r) => (halfway = r));
    origin.events.onRequest = (p) => seen.push(p);
    origin.events.onHalf = () => halfway();
    const first = session.get(`${origin.url}/slow-300k`);
    await half;
    const mark = gw.logs.length;
    gw.signal('SIGTERM');
    await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && l.msg === 'refusing new methods (503): shutting down', 30_000);
    try {
      const refused = await other.get(`${origin.url}/hang`);
      expect(refused.status).toBe(503);
      const clRefused = await clGet({ gateway: { host: '127.0.0.1', port: gw.ports.cl }, bind: { address: '127.0.0.1' }, timeoutMs: 10_000, attempts: 1 }, `${origin.url}/hang`);
      expect(clRefused.status).toBe(503);
    } finally {
      await other.abandon();
    }
    const r = await first;
    expect(sha(r.body)).toBe(sha(body));
    expect(seen).toEqual(['/slow-300k']);
    expect(await gw.exited).toMatchObject({ code: 0, signal: null });
  }, 120_000);

  it('a transaction still running past gateway.drainTimeout gets a WTP Abort, then exit 0', async () => {
    const { origin, gw, session } = await setup(1500);
    origin.events.onRequest = (p) => p === '/hang' && gw.signal('SIGTERM');
    const t0 = Date.now();
    const err = await session.get(`${origin.url}/hang`).then(
      () => undefined,
      (e: unknown) => e,
    );
    const waited = Date.now() - t0;
    expect(err).toBeInstanceOf(WtpAbortError);
    // aborted by the gateway once the drain deadline passed — not the handset's own retransmission give-up
    expect((err as WtpAbortError).reason.remote).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(waited).toBeLessThan(20_000);
    const exit = await gw.exited;
    expect(exit, JSON.stringify(gw.logs.filter((l) => (l.level ?? 0) >= 40))).toMatchObject({ code: 0, signal: null });
  }, 120_000);

  it('a second signal during the drain exits at once', async () => {
    const { origin, gw, session } = await setup(60_000);
    let asked!: () => void;
    const requested = new Promise<void>((r) => (asked = r));
    origin.events.onRequest = (p) => p === '/hang' && asked();
    const pending = session.get(`${origin.url}/hang`).catch(() => undefined);
    await requested;
    const mark = gw.logs.length;
    gw.signal('SIGTERM');
    await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && String(l.msg).startsWith('shutting down'), 30_000);
    const t0 = Date.now();
    gw.signal('SIGINT');
    const exit = await gw.exited;
    expect(exit.at - t0).toBeLessThan(5000);
    expect(exit.code).toBe(130);
    await session.abandon();
    await pending;
  }, 120_000);
});
