/**
 * Load mode of the handset simulator: many phones in one process, connectionless or connection-oriented,
 * Get or Post, closed loop (as fast as the gateway answers) or open loop at a fixed rate, with per-transaction
 * latency. Also holds many idle CO sessions open, for the memory figure. Used by `wapgate phone load` and
 * `wapgate bench`; it talks to a gateway only over UDP, like any outside phone.
 */
import { performance } from 'node:perf_hooks';
import { ClClient, type Endpoint, type WspResponse } from './cl.ts';
import { connect, type WspSession } from './co.ts';

export interface LoadOptions {
  gateway: Endpoint;
  mode: 'cl' | 'co' | 'http';
  url: string;
  phones: number;
  /** Stop after this many transactions in all… */
  count?: number;
  /** …or after this many milliseconds (whichever comes first). */
  durationMs?: number;
  /** Open loop: start this many transactions per second in all (default: closed loop). */
  rate?: number;
  /** POST this body (content type application/vnd.wap.mms-message) instead of GET. */
  postBody?: Buffer;
  /** CO: a new session (Connect … Disconnect) for every transaction, as fakewap does. */
  reconnect?: boolean;
  /** Local addresses to spread phones over (default 127.0.0.1). */
  bindAddresses?: string[];
}

export interface LoadResult {
  mode: string;
  phones: number;
  requested: number;
  ok: number;
  non2xx: number;
  errors: number;
  elapsedMs: number;
  tps: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Open loop only: transactions that could not start on time because every phone was busy. */
  late: number;
}

interface Phone {
  run(): Promise<WspResponse | { status: number }>;
  close(): Promise<void>;
}

const MMS = 'application/vnd.wap.mms-message';

async function makePhone(o: LoadOptions, i: number): Promise<Phone> {
  const addrs = o.bindAddresses?.length ? o.bindAddresses : ['127.0.0.1'];
  const bind = { address: addrs[i % addrs.length]! };
  if (o.mode === 'http') {
    const { Pool } = await import('undici');
    const u = new URL(o.url);
    const pool = new Pool(u.origin, { connections: 1 });
    return {
      run: async () => {
        const r = await pool.request({ path: u.pathname + u.search, method: o.postBody ? 'POST' : 'GET', body: o.postBody, headers: o.postBody ? { 'content-type': MMS } : {} });
        await r.body.arrayBuffer();
        return { status: r.statusCode };
      },
      close: () => pool.close(),
    };
  }
  if (o.mode === 'cl') {
    const c = new ClClient({ gateway: o.gateway, bind, timeoutMs: 5000, attempts: 2 });
    await c.open();
    return { run: () => (o.postBody ? c.post(o.url, MMS, o.postBody) : c.get(o.url)), close: () => c.close() };
  }
  const once = async (s: WspSession) => (o.postBody ? s.post(o.url, MMS, o.postBody) : s.get(o.url));
  if (o.reconnect) {
    return {
      run: async () => {
        const s = await connect({ gateway: o.gateway, bind });
        try {
          return await once(s);
        } finally {
          await s.disconnect();
        }
      },
      close: async () => {},
    };
  }
  const s = await connect({ gateway: o.gateway, bind });
  return { run: () => once(s), close: () => s.disconnect() };
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const phones = await Promise.all(Array.from({ length: o.phones }, (_, i) => makePhone(o, i)));
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let started = 0;
  let late = 0;
  const limit = o.count ?? Number.POSITIVE_INFINITY;
  const t0 = performance.now();
  const deadline = t0 + (o.durationMs ?? 3_600_000);
  const more = () => started < limit && performance.now() < deadline;

  const one = async (p: Phone): Promise<void> => {
    started++;
    const s = performance.now();
    try {
      const r = await p.run();
      latencies.push(performance.now() - s);
      if (r.status >= 200 && r.status < 300) ok++;
      else non2xx++;
    } catch {
      errors++;
    }
  };

  if (!o.rate) {
    // Closed loop: every phone starts its next transaction when the last one ends.
    await Promise.all(
      phones.map(async (p) => {
        while (more()) await one(p);
      }),
    );
  } else {
    // Open loop: transactions start on a fixed schedule; a free phone takes each one.
    const idle = [...phones];
    const inflight = new Set<Promise<void>>();
    const interval = 1000 / o.rate;
    let next = performance.now();
    while (more()) {
      const now = performance.now();
      while (next <= now && more()) {
        const p = idle.pop();
        if (!p) {
          late++;
          next += interval;
          continue;
        }
        const job = one(p).finally(() => {
          idle.push(p);
          inflight.delete(job);
        });
        inflight.add(job);
        next += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, next - performance.now()))));
    }
    await Promise.all(inflight);
  }
  const elapsedMs = performance.now() - t0;
  await Promise.all(phones.map((p) => p.close().catch(() => {})));
  const sorted = Float64Array.from(latencies).sort();
  return {
    mode: o.mode + (o.postBody ? '-post' : '-get') + (o.reconnect ? '-reconnect' : ''),
    phones: o.phones,
    requested: started,
    ok,
    non2xx,
    errors,
    elapsedMs: Math.round(elapsedMs),
    tps: (ok * 1000) / elapsedMs,
    meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    p50Ms: pct(sorted, 50),
    p90Ms: pct(sorted, 90),
    p99Ms: pct(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    late,
  };
}

/**
 * Opens `count` CO sessions (Connect → ConnectReply) spread over the given local addresses and keeps them
 * open until `hold` resolves; then disconnects them. Each session owns a UDP socket, so a process holds at most
 * what its file-descriptor limit allows — callers split large counts across processes.
 */
export async function holdIdleSessions(
  gateway: Endpoint,
  count: number,
  bindAddresses: string[],
  hold: (opened: number, failed: number) => Promise<void>,
  concurrency = 200,
): Promise<{ opened: number; failed: number }> {
  const sessions: WspSession[] = [];
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        try {
          sessions.push(await connect({ gateway, bind: { address: bindAddresses[i % bindAddresses.length]! } }));
        } catch {
          failed++;
        }
      }
    }),
  );
  await hold(sessions.length, failed);
  const opened = sessions.length;
  for (let i = 0; i < sessions.length; i += 500) {
    await Promise.all(sessions.slice(i, i + 500).map((s) => s.disconnect().catch(() => {})));
  }
  return { opened, failed };
}
