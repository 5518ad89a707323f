/**
 * The gateway on several cores (issue 9, docs/performance.md "Beyond one process"): `gateway.workers: N > 1`.
 * Node 20's dgram has no reusePort, so this primary thread owns the 9200/9201 sockets and only routes: a hash of
 * the client's IP address (not its port: a Resume may come from a new one) picks a worker thread, so a WTP
 * transaction and a WSP session never move between workers. Limit: a Resume from a new IP address (WAP-230 allows
 * it, e.g. after a bearer change) lands on that address's worker, which does not hold the session; it is aborted
 * there with DISCONNECT (unknown session, src/wsp/session.ts) and the handset connects again. Each worker
 * (src/app/worker.ts composeWorker) runs the whole createGateway() path for its share of clients; its replies come
 * back here and leave from the bound socket. The datagram bytes are transferred between threads, not copied.
 *
 * What stays here and reaches the workers: the subscriber map (RADIUS-fed; every change is replayed on the copy
 * of the worker its client is routed to, bindingTargets; a restarted worker starts from a snapshot), identity
 * reloads, allow-list/upstream/redirect changes, URL maps, refuseNew/stop (every worker drains). What comes
 * back: CDRs (written by this thread's ChargingSink), log lines (written to this thread's log destination), traced
 * HTTP exchanges, stats, and metrics (each worker counts in plain numbers, src/app/worker-metrics.ts;
 * mergedMetrics() sums them with this thread's registry on scrape). Unit push (PPG) is
 * encoded and sent here, as are raw datagrams (sendDatagram: sendsms WAP Push); packet traces tap the sockets here
 * (this thread sees every datagram). A worker that dies is logged, counted (wapgate_gateway_worker_restarts_total)
 * and restarted; its clients' WTP/WSP state is lost (handsets retransmit, or reconnect), as when a gateway
 * restarts.
 */
import type { ContentOptions } from '../content/converter.ts';
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import { AggregatorRegistry, Counter, type Registry } from 'prom-client';
import { UdpEndpoint, type DatagramTap, type Peer } from '../bearer/udp.ts';
import { metricSpecs, type WapgateMetrics } from '../admin/metrics.ts';
import type { SubscriberMap } from '../identity/index.ts';
import type { HttpExchange } from '../trace/recorder.ts';
import { ownModule, workerSource } from '../runtime/entry.ts';
import { ConnectionlessServer } from '../wsp/connectionless-server.ts';
import type { ChargingSink } from '../gateway/hooks.ts';
import { NoPushSessionError, type Gateway, type GatewayStats } from '../gateway/index.ts';
import { WtpAbortError } from '../wtp/types.ts';
import { ThrottledWarn } from '../gateway/log.ts';
import { formatIp, isIpv6Text, parseIp } from '../net/ip.ts';
import { resolveOptions, type GatewayOptionsInput } from '../gateway/options.ts';
import { checkedUrlMap, type UrlMapRule } from '../gateway/url-map.ts';
import type { MetricJson } from './worker-metrics.ts';
import { CL, DatagramBatch, owned, type ConfirmedPushFailure, type Datagrams, type FromWorker, type IdentityConfig, type MapOp, type SubscriberBinding, type ToWorker, type WorkerInit, type WorkerStats } from './worker-protocol.ts';

export interface WorkerGatewayDeps {
  /** This thread's logger; the workers' lines are written through it, bound to the worker's index. */
  log?: Logger;
  /** This thread's registry: gets the restart counter, and is merged with the workers' by mergedMetrics(). */
  registry?: Registry;
  /**
   * This thread's metrics: given, every worker counts the same metrics (described by metricSpecs(), merged by
   * mergedMetrics()) and the datagrams this thread sends itself (unit pushes) are counted here.
   */
  metrics?: WapgateMetrics;
  charging?: ChargingSink;
  /** Identity configuration: each worker builds its enricher and client policy from it. */
  identity?: IdentityConfig;
  /** The primary's subscriber map (RADIUS-fed): its changes are replayed on every worker's copy. */
  subscriberMap?: SubscriberMap;
  trace?: { readonly active: boolean; http(x: HttpExchange): void };
  /** Content settings (config content:): each worker builds its own converter; caches and cookie jars get a share (contentShare). */
  content?: ContentOptions;
}

export interface WorkerGateway extends Gateway {
  readonly workerCount: number;
  /** Which worker serves a client address (the routing hash). */
  workerOf(address: string): number;
  /** Identity settings changed (SIGHUP): every worker rebuilds its enricher and policy. */
  setIdentity(identity: IdentityConfig): void;
  /** The Prometheus exposition of this thread's registry and every worker's, summed. */
  mergedMetrics(): Promise<string>;
  /** Each worker's last reported figures (every 500 ms, and when it is ready or stopped). */
  workerStats(): WorkerStats[];
  /** Workers restarted after dying. */
  readonly restarts: number;
  /** The threads (tests: terminate one to see it restarted). */
  readonly threads: readonly (Worker | undefined)[];
}

/**
 * FNV-1a of the address text, then murmur3's final mix: FNV's low bits alone depend only on the parity of the
 * characters, and `% workers` reads the low bits.
 */
export function addressHash(address: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) h = Math.imul(h ^ address.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The workers (of `workers`, the gateway bound to `bind`) that need a dynamic binding of `address`; undefined =
 * all. A worker's copy of the subscriber map only answers for the clients routed to it, and a copy of every
 * binding in every worker cost each ~1.2 KB a subscriber (100,000 RADIUS bindings: +112 MiB of heap per worker).
 * An IPv4 host goes to the worker its datagrams reach: routed by the address as dgram writes it, a dotted quad on
 * an IPv4 socket, ::ffff:a.b.c.d on the dual-stack IPv6 one (src/bearer/udp.ts). A prefix, an IPv6 host (its text
 * form is dgram's, not ours) and what does not parse go to all.
 */
export function bindingTargets(address: string, workers: number, bind: string): number[] | undefined {
  const ip = workers > 1 && !address.includes('/') ? parseIp(address) : undefined;
  if (ip?.family !== 4) return undefined;
  const v4 = formatIp(ip);
  return [addressHash(isIpv6Text(bind) ? `::ffff:${v4}` : v4) % workers];
}

/** The thread entry: app/worker-thread.js of the compiled program, the source (through tsx) under tests. */
function workerScript(): string {
  return workerSource(ownModule('app/worker-thread'));
}

/**
 * V8 limits of each worker thread. The young generation (where every transaction's short-lived objects are made)
 * grows to V8's default of 16 MiB semi-spaces under load, per thread; capped here, a worker idles ~6 MiB and runs
 * the 16-phone CO load ~30 MiB smaller, for no measurable CPU per transaction (docs/build.md "Worker threads").
 */
export const WORKER_RESOURCE_LIMITS: Readonly<ResourceLimits> = { maxYoungGenerationSizeMb: 4 };

/**
 * The content settings of one of `workers` threads: the compile cache and the cookie jars divided between them,
 * so all workers together hold what content.cacheEntries/cacheBytes/cookieBytes allow one process (a client's
 * sessions, and so its cookie jar, stay in one worker).
 */
export function contentShare(c: ContentOptions, workers: number): ContentOptions {
  return {
    ...c,
    cacheEntries: c.cacheEntries > 0 ? Math.max(1, Math.ceil(c.cacheEntries / workers)) : 0,
    cacheBytes: Math.max(1, Math.floor(c.cacheBytes / workers)),
    cookieBytes: Math.max(1, Math.floor(c.cookieBytes / workers)),
  };
}

/** Datagrams held for a worker that is (re)starting, at most. */
const PENDING_MAX = 1024;

export function createWorkerGateway(input: GatewayOptionsInput, workers: number, deps: WorkerGatewayDeps = {}): WorkerGateway {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`gateway workers must be a positive integer, got ${workers}`);
  const options = resolveOptions(input);
  const log = deps.log ?? pino({ level: 'silent' });
  const clSock = new UdpEndpoint({ address: options.bind, port: options.clPort, bufferBytes: options.socketBufferBytes });
  const coSock = new UdpEndpoint({ address: options.bind, port: options.coPort, bufferBytes: options.socketBufferBytes });
  const socks = [clSock, coSock] as const;
  // A datagram the kernel refuses (ENOBUFS under a flood, EINVAL): logged at most once a second per socket, the
  // rest counted as suppressed in the next line — a flood of failures never floods the log.
  const sendErrors = new ThrottledWarn(log);
  for (const [name, s] of [['cl', clSock], ['co', coSock]] as const) {
    s.onError((err) => log.error({ err, port: name }, 'UDP socket error'));
    s.onSendError((err, p) => sendErrors.error(`send-${name}`, { err, port: name, client: `${p.address}:${p.port}` }, 'UDP datagram not sent'));
  }
  // Unit push (PPG) leaves from 9200 like every connectionless datagram; this instance never receives. Counted
  // here (the workers count the datagrams they send).
  const m = deps.metrics;
  const sendCl = (data: Uint8Array, peer: Peer): void => {
    clSock.send(data, peer);
    if (!m || !bound) return;
    const port = String(bound.cl.port);
    m.datagramsOut.labels(port).inc();
    m.bytesOut.labels(port).inc(data.length);
  };
  const pusher = new ConnectionlessServer({ send: sendCl }, { method: async () => undefined });

  const restartCounter = deps.registry
    ? ((deps.registry.getSingleMetric('wapgate_gateway_worker_restarts_total') as Counter | undefined) ??
      new Counter({ name: 'wapgate_gateway_worker_restarts_total', help: 'Gateway worker threads restarted after dying.', registers: [deps.registry] }))
    : undefined;

  interface Slot {
    worker: Worker | undefined;
    ready: boolean;
    /** Datagrams for this worker in this event-loop turn (held while it is not ready). */
    batch: DatagramBatch;
    /** Datagrams that arrived while the worker (re)started. */
    held: Datagrams;
    /** Broadcasts made after this worker's snapshot and before it was ready: replayed, in order, when it is. */
    missed: ToWorker[];
    stats: WorkerStats;
    stopped?: () => void;
  }
  const emptyStats = (): WorkerStats => ({ clInFlight: 0, coInFlight: 0, sessions: 0, rejected: {} });
  const slots: Slot[] = Array.from({ length: workers }, () => {
    const slot: Slot = {
      worker: undefined,
      ready: false,
      stats: emptyStats(),
      batch: new DatagramBatch((items, transfer) => {
        if (slot.ready) slot.worker!.postMessage(items, transfer);
        else if (slot.held.length < PENDING_MAX * 4) slot.held.push(...items);
      }),
      held: [],
      missed: [],
    };
    return slot;
  });
  let bound: { cl: Peer; co: Peer } | undefined;
  let refusing = false;
  let stopping = false;
  let restarts = 0;
  let traceActive = deps.trace?.active ?? false;
  let identity = deps.identity;
  let allowed: readonly string[] | undefined;
  let upstream: { value: string | undefined } | undefined;
  let urlMap: readonly UrlMapRule[] | undefined;
  let redirect: { value: ToWorker & { t: 'redirect' } } | undefined;
  const metricWaits = new Map<number, (json: MetricJson[]) => void>();
  // What each worker counts (without prom-client: src/app/worker-metrics.ts), merged here at each scrape.
  const specs = deps.metrics ? metricSpecs(deps.metrics) : undefined;
  let metricId = 0;
  // Confirmed pushes run in the worker holding the handset's sessions (its WTP initiator; the Invoke leaves from
  // coSock here like every reply, the Ack comes back to that worker by the address hash): the answers awaited.
  const pushWaits = new Map<number, { slot: number; settle: (peer: Peer | undefined, error?: Error) => void }>();
  let pushId = 0;

  const bindingWorkers = (address: string): number[] | undefined => bindingTargets(address, workers, options.bind);
  // The subscriber map: every change replayed on the workers that need it (bindingTargets); the dynamic bindings
  // kept for a (re)start.
  const bindings = new Map<string, SubscriberBinding>();
  const stopReplication =
    deps.subscriberMap && identity
      ? replicate(deps.subscriberMap, bindings, (ops, address) => broadcast({ t: 'map', ops }, address === undefined ? undefined : bindingWorkers(address)))
      : undefined;
  const snapshot = (index: number): [string, SubscriberBinding][] => {
    const map = deps.subscriberMap;
    if (!map) return [];
    for (const a of bindings.keys()) if (map.record(a)?.source !== 'radius') bindings.delete(a);
    return [...bindings].filter(([a]) => bindingWorkers(a)?.includes(index) ?? true);
  };

  /** To every worker, or to the workers `only` names. */
  const broadcast = (m: ToWorker, only?: readonly number[]): void => {
    // A worker still starting has its snapshot (bindings, identity) from before this change: it gets it when ready.
    slots.forEach((s, i) => {
      if (only && !only.includes(i)) return;
      if (s.worker && s.ready) s.worker.postMessage(m);
      else if (s.worker) s.missed.push(m);
    });
  };

  function workerOf(address: string): number {
    return workers === 1 ? 0 : addressHash(address) % workers;
  }


  function route(kind: typeof CL | 1, data: Buffer, peer: Peer): void {
    const slot = slots[workerOf(peer.address)]!;
    // dgram gives every datagram its own ArrayBuffer and nothing here keeps it (a tap runs before, and copies
    // what it keeps): transferred, not copied.
    slot.batch.add(kind, owned(data), peer.address, peer.port);
  }
  clSock.onDatagram((d, p) => route(CL, d, p));
  coSock.onDatagram((d, p) => route(1, d, p));

  /** A restart: the first at once (100 ms), then at most one a second while the new thread keeps dying. */
  function respawn(index: number, delayMs: number): void {
    setTimeout(() => {
      if (stopping) return;
      spawn(index).catch((err: unknown) => {
        log.error({ err, worker: index }, 'gateway worker did not start again: retrying in 1 s');
        respawn(index, 1000);
      });
    }, delayMs).unref();
  }

  /** What a (re)started worker must be told on top of its init: the settings changed since `input`. */
  function liveSettings(init: WorkerInit): ToWorker[] {
    const out: ToWorker[] = [];
    if (allowed) out.push({ t: 'allowed', origins: allowed });
    if (upstream) out.push({ t: 'upstream', upstream: upstream.value });
    // After the allow-list it is checked against.
    if (urlMap) out.push({ t: 'urlMap', rules: urlMap });
    if (redirect) out.push(redirect.value);
    if (traceActive !== init.trace) out.push({ t: 'trace', active: traceActive });
    if (refusing) out.push({ t: 'refuse' });
    return out;
  }

  function spawn(index: number): Promise<void> {
    const slot = slots[index]!;
    const init: WorkerInit = {
      index,
      options: { ...input, bind: options.bind, clPort: bound!.cl.port, coPort: bound!.co.port },
      ...(identity ? { identity } : {}),
      bindings: snapshot(index),
      ...(specs ? { metrics: specs } : {}),
      charging: deps.charging !== undefined,
      trace: deps.trace !== undefined,
      logLevel: log.level,
      ...(deps.content ? { content: contentShare(deps.content, workers) } : {}),
    };
    const worker = new Worker(workerScript(), { eval: true, workerData: init, resourceLimits: WORKER_RESOURCE_LIMITS });
    // Its lines (src/app/worker-log.ts) through this thread's logger, bound to its index.
    const workerLog = log.child({ worker: index });
    slot.worker = worker;
    slot.ready = false;
    // The live settings its init (built from `input`) lacks go first; broadcasts made while it starts follow.
    slot.missed = liveSettings(init);
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: FromWorker) => {
        if (Array.isArray(m)) {
          for (let i = 0; i < m.length; i += 4) socks[m[i] as 0 | 1].send(m[i + 1] as Uint8Array, { address: m[i + 2] as string, port: m[i + 3] as number });
          return;
        }
        switch (m.t) {
          case 'ready': {
            started = true;
            for (const x of slot.missed) worker.postMessage(x);
            slot.missed = [];
            slot.ready = true;
            if (slot.held.length) {
              const held = slot.held;
              slot.held = [];
              worker.postMessage(held, held.filter((x): x is Uint8Array => x instanceof Uint8Array).map((b) => b.buffer as ArrayBuffer));
            }
            resolve();
            break;
          }
          case 'cdr':
            for (const c of m.cdrs) deps.charging?.record(c);
            break;
          case 'log':
            workerLog[m.line.level](m.line.fields, m.line.msg);
            break;
          case 'http':
            if (deps.trace?.active) deps.trace.http(m.x);
            break;
          case 'stats':
            slot.stats = m.stats;
            break;
          case 'metrics':
            metricWaits.get(m.id)?.(m.json);
            break;
          case 'confirmedPush':
            pushWaits.get(m.id)?.settle(m.peer, m.error ? pushError(m.error) : undefined);
            break;
          case 'stopped':
            slot.stopped?.();
            break;
        }
      });
      worker.on('error', (err) => log.error({ err, worker: index }, 'gateway worker failed'));
      worker.on('exit', (code) => {
        if (slot.worker !== worker) return;
        slot.ready = false;
        slot.worker = undefined;
        slot.stopped?.();
        for (const w of [...pushWaits.values()]) if (w.slot === index) w.settle(undefined, new Error(`gateway worker ${index} died during a confirmed push`));
        if (stopping) return;
        if (!started) {
          // At start() the gateway fails; a restart that dies is retried by respawn().
          reject(new Error(`gateway worker ${index} exited (code ${code}) before it was ready`));
          return;
        }
        restarts++;
        restartCounter?.inc();
        slot.stats = emptyStats();
        log.error({ worker: index, code }, 'gateway worker died: restarting it (its clients lose their WTP transactions and WSP sessions)');
        respawn(index, 100);
      });
    });
  }

  // Trace state and log level follow this thread's (the admin listener starts traces; SIGHUP sets log.level).
  let logLevel = log.level;
  const traceTimer = setInterval(() => {
    const a = deps.trace?.active ?? false;
    if (a !== traceActive) {
      traceActive = a;
      broadcast({ t: 'trace', active: a });
    }
    if (log.level !== logLevel) {
      logLevel = log.level;
      broadcast({ t: 'logLevel', level: logLevel });
    }
  }, 200);
  traceTimer.unref();

  function askMetrics(slot: Slot): Promise<MetricJson[]> {
    const w = slot.worker;
    if (!w || !slot.ready) return Promise.resolve([]);
    const id = ++metricId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done([]), 2000);
      const done = (json: MetricJson[]): void => {
        clearTimeout(timer);
        metricWaits.delete(id);
        resolve(json);
      };
      metricWaits.set(id, done);
      w.postMessage({ t: 'metrics', id });
    });
  }

  return {
    options,
    workerCount: workers,
    workerOf,
    get restarts() {
      return restarts;
    },
    workerStats: () => slots.map((s) => ({ ...s.stats })),
    get threads() {
      return slots.map((s) => s.worker);
    },
    async start() {
      const a = await clSock.start();
      try {
        const b = await coSock.start();
        bound = { cl: a, co: b };
        await Promise.all(slots.map((_, i) => spawn(i)));
      } catch (e) {
        stopping = true;
        await Promise.all(slots.map((s) => s.worker?.terminate()));
        await Promise.all([clSock.stop(), coSock.stop()]);
        throw e;
      }
      log.info(
        { cl: `${a.address}:${a.port}`, co: `${bound.co.address}:${bound.co.port}`, workers, upstream: options.upstream, allow: options.allowUpstream },
        'wapgate listening',
      );
    },
    async stop(graceMs = 5000) {
      refusing = true;
      // Every worker drains (its in-flight methods and WTP transactions) while this thread still carries
      // their datagrams; then the sockets close.
      await Promise.all(
        slots.map((s) => {
          const w = s.worker;
          if (!w || !s.ready) return undefined;
          return new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, graceMs + 2000);
            s.stopped = () => {
              clearTimeout(timer);
              resolve();
            };
            w.postMessage({ t: 'stop', graceMs });
          });
        }),
      );
      stopping = true;
      clearInterval(traceTimer);
      await Promise.all(slots.map((s) => s.worker?.terminate()));
      await Promise.all([clSock.stop(), coSock.stop()]);
      stopReplication?.();
      await deps.charging?.flush();
      log.info('wapgate stopped');
    },
    get addresses() {
      if (!bound) throw new Error('gateway not started');
      return bound;
    },
    sendUnitPush: (peer, pdu, tid) => pusher.sendUnitPush(peer, pdu, tid),
    confirmedPush(address, data) {
      if (!bound) return Promise.reject(new Error('gateway not started'));
      const index = workerOf(address);
      const slot = slots[index]!;
      // A worker (re)starting holds no session: as with no session at all.
      if (!slot.worker || !slot.ready) return Promise.reject(new NoPushSessionError(address, 'no-session', `no WSP session (gateway worker ${index} is starting)`));
      const id = ++pushId;
      return new Promise<Peer>((resolve, reject) => {
        pushWaits.set(id, {
          slot: index,
          settle: (peer, error) => {
            pushWaits.delete(id);
            if (error || !peer) reject(error ?? new Error('confirmed push: no answer'));
            else resolve(peer);
          },
        });
        slot.worker!.postMessage({ t: 'confirmedPush', id, address, data });
      });
    },
    // Raw WDP (sendsms WAP Push): this thread owns the socket, so it leaves from here directly.
    sendDatagram(peer, payload) {
      if (!bound) throw new Error('gateway not started');
      sendCl(payload, peer);
    },
    refuseNew() {
      if (!refusing) log.info('refusing new methods (503): shutting down');
      refusing = true;
      broadcast({ t: 'refuse' });
    },
    setAllowedUpstreams(origins) {
      allowed = [...origins];
      broadcast({ t: 'allowed', origins: allowed });
    },
    setUpstream(value) {
      upstream = { value };
      broadcast({ t: 'upstream', upstream: value });
    },
    setUrlMap(rules) {
      // Checked here against the live allow-list, so a refused map throws to the caller (SIGHUP) and no worker
      // sees it; the workers check again against the same list.
      checkedUrlMap(rules, allowed ?? options.allowUpstream);
      urlMap = [...rules];
      broadcast({ t: 'urlMap', rules: urlMap });
    },
    setRedirect(value) {
      redirect = { value: { t: 'redirect', redirect: value } };
      broadcast(redirect.value);
    },
    setIdentity(next) {
      identity = next;
      broadcast({ t: 'identity', identity: next });
    },
    setTap(tap: DatagramTap | undefined) {
      clSock.setTap(tap);
      coSock.setTap(tap);
    },
    stats(): GatewayStats {
      const rejected: Record<string, number> = {};
      let clInFlight = 0;
      let coInFlight = 0;
      let sessions = 0;
      for (const { stats: s } of slots) {
        clInFlight += s.clInFlight;
        coInFlight += s.coInFlight;
        sessions += s.sessions;
        for (const [k, v] of Object.entries(s.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
      }
      return { cl: { ...clSock.stats, inFlight: clInFlight }, co: { ...coSock.stats, sessions, inFlight: coInFlight }, rejected };
    },
    async mergedMetrics() {
      const own = deps.registry ? await deps.registry.getMetricsAsJSON() : [];
      const theirs = await Promise.all(slots.map(askMetrics));
      return AggregatorRegistry.aggregate([own, ...theirs] as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics();
    },
  };
}

/**
 * The subscriber map's changes (SubscriberMap.onChange) as worker messages (`address`: the binding a bind or
 * unbind is about), and the dynamic bindings kept for a worker's (re)start snapshot. A static table set anew
 * reaches the workers through setIdentity (SIGHUP). Returns the function that stops listening.
 */
function replicate(map: SubscriberMap, bindings: Map<string, SubscriberBinding>, send: (ops: MapOp[], address?: string) => void): () => void {
  return map.onChange((c) => {
    switch (c.op) {
      case 'bind':
        bindings.set(c.address, c.rec);
        send([{ op: 'bind', address: c.address, rec: c.rec }], c.address);
        break;
      case 'unbind':
        bindings.delete(c.address);
        send([c.match ? { op: 'unbind', address: c.address, match: c.match } : { op: 'unbind', address: c.address }], c.address);
        break;
      case 'unbindNas':
        for (const [a, rec] of bindings) if (rec.nas === c.nas) bindings.delete(a);
        send([{ op: 'unbindNas', nas: c.nas }]);
        break;
      case 'clear':
        bindings.clear();
        send([{ op: 'clear' }]);
        break;
      case 'reloadStatic':
        send([{ op: 'reloadStatic' }]);
        break;
      case 'setStatic':
        break;
    }
  });
}

/** A worker's confirmed-push failure as the error its own gateway rejected with. */
function pushError(f: ConfirmedPushFailure): Error {
  if (f.kind === 'no-session') return new NoPushSessionError(f.address, f.reason, f.detail);
  if (f.kind === 'abort') return new WtpAbortError(f.reason);
  return new Error(f.message);
}

/** `gateway.workers` → threads: 0 or 'auto' = one per CPU. */
export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' || setting === 0 ? availableParallelism() : setting;
}
