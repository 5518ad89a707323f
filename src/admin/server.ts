/**
 * The admin HTTP listener (loopback by default, optional Basic auth):
 *
 *   GET /healthz            200 "ok" while the process serves (503 "draining" during shutdown) — never authenticated
 *   GET /readyz             200/503 with each injected readiness probe's result (sockets bound, upstream reachable)
 *   GET /metrics            Prometheus text exposition of the wapgate registry (prom-client)
 *   GET /status             JSON: version, uptime, sessions, in-flight transactions, push queue, ... (providers)
 *   GET /status.html, /     the same as a small human-readable page
 *   GET  /traces            per-session traces (when a trace hub is given)
 *   POST /traces?client=IP[&port=N]   start recording one handset → 201 {id, file, ...}
 *   DELETE /traces/ID       stop it;   GET /traces/ID.pcap   download the pcap
 *
 * Everything comes in through `providers`, so the listener knows nothing of the gateway's internals.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { registry as defaultRegistry, WAPGATE_VERSION } from './metrics.ts';
import type { SessionTraceInfo, SessionTraceLimits } from '../trace/recorder.ts';

export interface ProbeResult {
  ok: boolean;
  detail?: string;
}
/** A readiness probe: true/false or a result with a reason; may be async; a throw counts as not ready. */
export type ReadinessProbe = () => boolean | ProbeResult | Promise<boolean | ProbeResult>;

/** What /status shows; each provider returns a JSON-able section. Conventional names below. */
export interface StatusProviders {
  /** e.g. { active: 12, suspended: 1, max: 10000 } */
  sessions?: () => Record<string, unknown>;
  /** e.g. { inFlight: 3 } */
  transactions?: () => Record<string, unknown>;
  /** e.g. { pending: 4, max: 10000, oldestAgeMs: 1200 } */
  pushQueue?: () => Record<string, unknown>;
  /** Further sections by name (listeners, radius map, upstreams...). */
  [section: string]: (() => Record<string, unknown>) | undefined;
}

/** Per-session trace control (src/trace/recorder.ts TraceHub satisfies it). */
export interface TraceControl {
  startSession(client: string, port?: number, limits?: SessionTraceLimits): SessionTraceInfo;
  stopSession(id: string): SessionTraceInfo | undefined;
  listSessions(): SessionTraceInfo[];
  session(id: string): SessionTraceInfo | undefined;
}

export interface AdminProviders {
  readiness?: Record<string, ReadinessProbe>;
  status?: StatusProviders;
  traces?: TraceControl;
  /**
   * What /metrics exposes, when not the registry alone: e.g. this thread's registry merged with every gateway
   * worker's (src/app/workers.ts mergedMetrics). A prom-client Registry is one.
   */
  exposition?: MetricsSource;
}

/** A Prometheus text exposition and its content type. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface AdminOptions {
  bind?: string;
  port?: number;
  username?: string;
  password?: string;
  registry?: Registry;
  /** Start time for uptime (ms since the epoch); default: when the server was created. */
  startedAt?: number;
  /** Longest time a readiness probe may take before it counts as failed. */
  probeTimeoutMs?: number;
  /** Called for each request (method, path, status) — e.g. a debug log line. */
  onRequest?: (method: string, path: string, status: number) => void;
}

export interface AdminServer {
  server: Server;
  /** Binds; resolves with the bound address (port 0 → ephemeral). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting and closes idle connections. */
  close(): Promise<void>;
  /** From now on /healthz and /readyz answer 503 "draining" (used by graceful shutdown). */
  setDraining(draining: boolean): void;
  /** The full /status document. */
  status(): Record<string, unknown>;
  /** The /readyz result. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, ProbeResult> }>;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function createAdminServer(opts: AdminOptions = {}, providers: AdminProviders = {}): AdminServer {
  const reg = opts.registry ?? defaultRegistry;
  const startedAt = opts.startedAt ?? Date.now();
  const probeTimeout = opts.probeTimeoutMs ?? 2_000;
  const auth =
    opts.username !== undefined && opts.password !== undefined
      ? digest(`Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`)
      : undefined;
  let draining = false;

  const authorized = (req: IncomingMessage) => {
    if (!auth) return true;
    const m = /^basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(`Basic ${m[1]}`), auth);
  };

  const status = (): Record<string, unknown> => {
    const doc: Record<string, unknown> = {
      version: WAPGATE_VERSION,
      node: process.versions.node,
      pid: process.pid,
      startedAt: new Date(startedAt).toISOString(),
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      state: draining ? 'draining' : 'running',
      memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
    };
    for (const [name, fn] of Object.entries(providers.status ?? {})) {
      if (!fn) continue;
      try {
        doc[name] = fn();
      } catch (e) {
        doc[name] = { error: String(e) };
      }
    }
    if (providers.traces) doc.traces = providers.traces.listSessions().filter((t) => t.active);
    return doc;
  };

  const readiness = async () => {
    const checks: Record<string, ProbeResult> = {};
    if (draining) checks.shutdown = { ok: false, detail: 'draining: shutting down' };
    await Promise.all(
      Object.entries(providers.readiness ?? {}).map(async ([name, probe]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const r = await Promise.race([
            Promise.resolve().then(probe),
            new Promise<ProbeResult>((resolve) => {
              timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${probeTimeout} ms` }), probeTimeout);
            }),
          ]);
          checks[name] = typeof r === 'boolean' ? { ok: r } : r;
        } catch (e) {
          checks[name] = { ok: false, detail: e instanceof Error ? e.message : String(e) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };

  const send = (res: ServerResponse, code: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const json = (res: ServerResponse, code: number, doc: unknown) => send(res, code, 'application/json; charset=utf-8', JSON.stringify(doc, null, 2) + '\n');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';

    if (path === '/healthz') {
      if (!read) return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      return draining ? send(res, 503, 'text/plain; charset=utf-8', 'draining\n') : send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    }
    if (!authorized(req)) {
      return send(res, 401, 'text/plain; charset=utf-8', 'authentication required\n', { 'WWW-Authenticate': 'Basic realm="wapgate admin", charset="UTF-8"' });
    }
    if (path === '/readyz') {
      if (!read) return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      const r = await readiness();
      return json(res, r.ready ? 200 : 503, r);
    }
    if (path === '/metrics') {
      if (!read) return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      const source = providers.exposition ?? reg;
      return send(res, 200, source.contentType, await source.metrics());
    }
    if (path === '/status') {
      if (!read) return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      return json(res, 200, status());
    }
    if (path === '/' || path === '/status.html') {
      if (!read) return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      return send(res, 200, 'text/html; charset=utf-8', renderStatusHtml(status(), await readiness()));
    }
    if (path === '/traces' || path.startsWith('/traces/')) return traces(req, res, url, method);
    return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /readyz, /metrics, /status, /status.html, /traces\n');
  };

  const traces = (req: IncomingMessage, res: ServerResponse, url: URL, method: string) => {
    const hub = providers.traces;
    if (!hub) return send(res, 404, 'text/plain; charset=utf-8', 'per-session traces are not available in this process\n');
    if (url.pathname === '/traces') {
      if (method === 'GET' || method === 'HEAD') return json(res, 200, hub.listSessions());
      if (method === 'POST') {
        const client = url.searchParams.get('client') ?? '';
        const portText = url.searchParams.get('port');
        const port = portText === null ? undefined : Number(portText);
        if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
          return json(res, 400, { error: `port must be an integer from 0 to 65535, got ${JSON.stringify(portText)}` });
        const limits: SessionTraceLimits = {};
        const maxBytes = url.searchParams.get('maxBytes');
        const maxSeconds = url.searchParams.get('maxSeconds');
        if (maxBytes !== null) limits.maxBytes = Number(maxBytes);
        if (maxSeconds !== null) limits.maxDurationMs = Number(maxSeconds) * 1000;
        if (Object.values(limits).some((v) => !Number.isFinite(v) || v <= 0))
          return json(res, 400, { error: 'maxBytes and maxSeconds must be positive numbers' });
        try {
          return json(res, 201, hub.startSession(client, port, limits));
        } catch (e) {
          return json(res, 400, { error: `client must be the handset's IP address: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
      return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD, POST' });
    }
    const m = /^\/traces\/([A-Za-z0-9-]+)(\.pcap)?$/.exec(url.pathname);
    const info = m ? hub.session(m[1]!) : undefined;
    if (!m || !info) return json(res, 404, { error: 'no such trace' });
    if (m[2]) {
      if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      res.writeHead(200, {
        'Content-Type': 'application/vnd.tcpdump.pcap',
        'Content-Disposition': `attachment; filename="wapgate-${info.client.replace(/[^0-9a-fA-F.]/g, '_')}-${info.id}.pcap"`,
        'Cache-Control': 'no-store',
      });
      if (method === 'HEAD') return void res.end();
      createReadStream(info.file).on('error', () => res.destroy()).pipe(res);
      return;
    }
    if (method === 'DELETE') return json(res, 200, hub.stopSession(info.id));
    if (method === 'GET' || method === 'HEAD') return json(res, 200, info);
    return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD, DELETE' });
  };

  const server = createServer((req, res) => {
    res.on('finish', () => opts.onRequest?.(req.method ?? '', req.url ?? '', res.statusCode));
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return {
    server,
    listen: () =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? 9280, opts.bind ?? '127.0.0.1', () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    setDraining: (d: boolean) => {
      draining = d;
    },
    status,
    readiness,
  };
}

function renderValue(v: unknown): string {
  if (v === null || v === undefined) return '<span class="none">–</span>';
  if (Array.isArray(v)) return v.length ? `<ul>${v.map((x) => `<li>${renderValue(x)}</li>`).join('')}</ul>` : '<span class="none">none</span>';
  if (typeof v === 'object') {
    return `<table>${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `<tr><th>${esc(k)}</th><td>${renderValue(x)}</td></tr>`)
      .join('')}</table>`;
  }
  return esc(String(v));
}

/** The human-readable view of /status and /readyz. */
export function renderStatusHtml(status: Record<string, unknown>, ready: { ready: boolean; checks: Record<string, ProbeResult> }): string {
  const checks = Object.entries(ready.checks)
    .map(([k, c]) => `<tr><th>${esc(k)}</th><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'not ready'}</td><td>${esc(c.detail ?? '')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>wapgate status</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:.3em 0}
th,td{text-align:left;padding:.2em .8em;border-bottom:1px solid #ddd;vertical-align:top}.ok{color:#070}.bad{color:#b00;font-weight:bold}.none{color:#999}</style>
</head><body>
<h1>wapgate ${esc(String(status.version ?? ''))} — <span class="${ready.ready ? 'ok' : 'bad'}">${ready.ready ? 'ready' : 'not ready'}</span></h1>
<h2>Readiness</h2><table>${checks || '<tr><td class="none">no probes</td></tr>'}</table>
<h2>Status</h2>${renderValue(status)}
<p><a href="/metrics">metrics</a> · <a href="/status">status as JSON</a> · <a href="/readyz">readyz</a> · <a href="/traces">traces</a></p>
</body></html>
`;
}
