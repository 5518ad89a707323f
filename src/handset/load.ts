/**
 * Load mode of the handset simulator: many phones in one process, connectionless or connection-oriented,
 * Get or Post, closed loop (as fast as the gateway answers) or open loop at a fixed rate, with per-transaction
 * latency. Also holds many idle CO sessions open, for the memory figure. Used by `wapgate phone load` and
 * `wapgate bench`; it talks to a gateway only over UDP, like any outside phone.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseContentType } from '../wsp/content-type.ts';
import { encodeConnectionless } from '../wsp/pdu.ts';
import type { WspPdu } from '../wsp/pdu-types.ts';
import { wspToHttpStatus } from '../wsp/status.ts';
import type { Endpoint } from './cl.ts';
import { connect, type WspSession } from './co.ts';
import { bindSocket, CoPhones } from './load-co.ts';

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
  /** CL: time to wait for a Reply before sending the request again (once), default 5000 ms. */
  timeoutMs?: number;
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
  /** CPU this generator process spent while the load ran (user + system), per 1000 transactions, in seconds. */
  cpuPer1000: number;
}

/** One phone of the load: starts a transaction and calls back with its HTTP status (undefined: it failed). */
interface Phone {
  start(done: (status: number | undefined) => void): void;
  close(): Promise<void>;
}

const MMS = 'application/vnd.wap.mms-message';
/** What fakewap sends (Kannel answers 415-like errors to a client that accepts nothing of the reply's type). */
const ACCEPT_ALL = [{ name: 'Accept', value: '*/*' }];
/** WAP-230 §8.2.3.3 / Table 34: the Reply PDU type. */
const REPLY = 0x04;

/** A promise-shaped transaction as a Phone (HTTP and CO: their clients are promise-based). */
function promised(run: () => Promise<{ status: number }>, close: () => Promise<void>): Phone {
  return {
    start: (done) => run().then((r) => done(r.status), () => done(undefined)),
    close,
  };
}

/**
 * Connectionless phones for load: the request datagram is encoded once and only its TID octet changes; a Reply
 * is read as far as its TID, PDU type and status octet (WAP-230 §8.2.1, §8.2.3.3); lost requests are resent
 * from one shared timer. ClClient does the same with a full decode, a promise and a timer per request — right
 * for one phone, but in load mode it cost the generator about as much CPU as the gateway spent per request.
 */
class ClPhones {
  private readonly timer: NodeJS.Timeout;
  readonly phones: ClPhone[] = [];

  constructor(private readonly timeoutMs: number) {
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const p of this.phones) p.tick(now);
    }, Math.max(10, Math.min(500, timeoutMs / 10)));
    this.timer.unref();
  }

  async add(o: LoadOptions, bind: { address: string }, attempts: number): Promise<ClPhone> {
    const pdu: WspPdu = o.postBody
      ? { type: 'Post', method: 'POST', uri: o.url, contentType: parseContentType(MMS), headers: ACCEPT_ALL, data: o.postBody }
      : { type: 'Get', method: 'GET', uri: o.url, headers: ACCEPT_ALL };
    const p = new ClPhone(o.gateway, encodeConnectionless(0, pdu), this.timeoutMs, attempts);
    await p.open(bind);
    this.phones.push(p);
    return p;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

class ClPhone implements Phone {
  private readonly socket: dgram.Socket;
  private tid = Math.floor(Math.random() * 256);
  private done: ((status: number | undefined) => void) | undefined;
  private deadline = 0;
  private tries = 0;

  constructor(
    private readonly gateway: Endpoint,
    /** The request with TID 0; octet 0 is set per request (one request outstanding per phone). */
    private readonly datagram: Buffer,
    private readonly timeoutMs: number,
    private readonly attempts: number,
  ) {
    this.socket = dgram.createSocket(isIPv6(gateway.host) ? 'udp6' : 'udp4');
    this.socket.on('message', (msg: Buffer) => {
      // Our Reply: same TID, Reply type (anything else is ignored, as a handset would).
      if (this.done === undefined || msg.length < 3 || msg[0] !== this.tid || msg[1] !== REPLY) return;
      const done = this.done;
      this.done = undefined;
      done(wspToHttpStatus(msg[2]!));
    });
    this.socket.on('error', () => {});
  }

  open(bind: { address: string }): Promise<void> {
    return bindSocket(this.socket, bind.address);
  }

  start(done: (status: number | undefined) => void): void {
    this.tid = (this.tid + 1) & 0xff;
    this.datagram[0] = this.tid;
    this.done = done;
    this.tries = 1;
    this.send();
  }

  private send(): void {
    this.deadline = performance.now() + this.timeoutMs;
    this.socket.send(this.datagram, this.gateway.port, this.gateway.host);
  }

  tick(now: number): void {
    if (this.done === undefined || now < this.deadline) return;
    if (this.tries++ < this.attempts) {
      this.send();
      return;
    }
    const done = this.done;
    this.done = undefined;
    done(undefined);
  }

  close(): Promise<void> {
    this.done = undefined;
    return new Promise((r) => this.socket.close(() => r()));
  }
}

async function makePhones(o: LoadOptions): Promise<{ phones: Phone[]; stop: () => void }> {
  const addrs = o.bindAddresses?.length ? o.bindAddresses : ['127.0.0.1'];
  const bindOf = (i: number) => ({ address: addrs[i % addrs.length]! });
  const ids = Array.from({ length: o.phones }, (_, i) => i);
  if (o.mode === 'cl') {
    const cl = new ClPhones(o.timeoutMs ?? 5000);
    return { phones: await Promise.all(ids.map((i) => cl.add(o, bindOf(i), 2))), stop: () => cl.stop() };
  }
  if (o.mode === 'http') {
    const { Pool } = await import('undici');
    const u = new URL(o.url);
    const phones = ids.map(() => {
      const pool = new Pool(u.origin, { connections: 1 });
      const run = async () => {
        const r = await pool.request({ path: u.pathname + u.search, method: o.postBody ? 'POST' : 'GET', body: o.postBody, headers: o.postBody ? { 'content-type': MMS } : {} });
        await r.body.arrayBuffer();
        return { status: r.statusCode };
      };
      return promised(run, () => pool.close());
    });
    return { phones, stop: () => {} };
  }
  if (!o.reconnect) {
    const co = new CoPhones(o.timeoutMs ?? 5000);
    const phones = await Promise.all(ids.map((i) => co.add({ gateway: o.gateway, url: o.url, postBody: o.postBody, timeoutMs: o.timeoutMs ?? 5000 }, bindOf(i))));
    return { phones, stop: () => co.stop() };
  }
  const once = (s: WspSession) => (o.postBody ? s.post(o.url, MMS, o.postBody) : s.get(o.url));
  {
    const phones = ids.map((i) =>
      promised(
        async () => {
          const s = await connect({ gateway: o.gateway, bind: bindOf(i) });
          try {
            return await once(s);
          } finally {
            await s.disconnect();
          }
        },
        async () => {},
      ),
    );
    return { phones, stop: () => {} };
  }
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const { phones, stop } = await makePhones(o);
  // Latencies in a growing typed array (no boxed numbers, no per-transaction allocation).
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let started = 0;
  let late = 0;
  const limit = o.count ?? Number.POSITIVE_INFINITY;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + (o.durationMs ?? 3_600_000);
  const more = () => started < limit && performance.now() < deadline;

  /** Starts one transaction on `p`; `after` runs when it has ended and been counted. */
  const one = (p: Phone, after: () => void): void => {
    started++;
    const s = performance.now();
    p.start((status) => {
      if (status === undefined) errors++;
      else {
        if (n === latencies.length) {
          const bigger = new Float64Array(n * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[n++] = performance.now() - s;
        if (status >= 200 && status < 300) ok++;
        else non2xx++;
      }
      after();
    });
  };

  if (!o.rate) {
    // Closed loop: every phone starts its next transaction when the last one ends.
    await new Promise<void>((resolve) => {
      let running = phones.length;
      const next = (p: Phone): void => {
        if (more()) one(p, () => next(p));
        else if (--running === 0) resolve();
      };
      if (running === 0) resolve();
      for (const p of phones) next(p);
    });
  } else {
    // Open loop: transactions start on a fixed schedule; a free phone takes each one.
    const idle = [...phones];
    let inflight = 0;
    let drained: (() => void) | undefined;
    const interval = 1000 / o.rate;
    let next = performance.now();
    while (more()) {
      const now = performance.now();
      while (next <= now && more()) {
        const p = idle.pop();
        next += interval;
        if (!p) {
          late++;
          continue;
        }
        inflight++;
        one(p, () => {
          idle.push(p);
          if (--inflight === 0) drained?.();
        });
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, next - performance.now()))));
    }
    if (inflight > 0) await new Promise<void>((r) => (drained = r));
  }
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stop();
  await Promise.all(phones.map((p) => p.close().catch(() => {})));
  const sorted = latencies.slice(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    mode: o.mode + (o.postBody ? '-post' : '-get') + (o.reconnect ? '-reconnect' : ''),
    phones: o.phones,
    requested: started,
    ok,
    non2xx,
    errors,
    elapsedMs: Math.round(elapsedMs),
    tps: (ok * 1000) / elapsedMs,
    meanMs: sum / Math.max(1, n),
    p50Ms: pct(sorted, 50),
    p90Ms: pct(sorted, 90),
    p99Ms: pct(sorted, 99),
    maxMs: n ? sorted[n - 1]! : NaN,
    late,
    cpuPer1000: ok + non2xx > 0 ? (cpu.user + cpu.system) / 1000 / (ok + non2xx) : NaN,
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
