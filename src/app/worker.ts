/**
 * The per-thread composition of a gateway worker (its thread, src/app/worker-thread.ts, is started by
 * src/app/workers.ts): the whole UDP → WTP → WSP → HTTP path of
 * createGateway() for the clients the primary routes here (by client address, so a WTP transaction and a WSP
 * session never move). Its two UDP endpoints have no socket: datagrams arrive as messages and replies go back
 * to the primary, which sends them from the bound 9200/9201 sockets. Its own undici pool, WTP and session
 * tables, policy buckets and metric counts (no prom-client: src/app/worker-metrics.ts). CDRs, log lines (no pino
 * here: src/app/worker-log.ts) and traced HTTP exchanges go to the primary.
 */
import type { MessagePort } from 'node:worker_threads';
import { UdpEndpoint, type Peer } from '../bearer/udp.ts';
import { createIdentityFromConfig, type IdentityStack } from './identity.ts';
import type { Cdr } from '../gateway/hooks.ts';
import { createGateway, NoPushSessionError, type GatewayDeps } from '../gateway/index.ts';
import { WtpAbortError } from '../wtp/types.ts';
import { createContentConverter } from '../content/create.ts';
import { createWorkerMetrics } from './worker-metrics.ts';
import { WorkerLog } from './worker-log.ts';
import { CL, CO, copyOf, DatagramBatch, type ConfirmedPushFailure, type FromWorker, type MapOp, type ToWorker, type WorkerInit } from './worker-protocol.ts';

/** Composes one worker thread's gateway on `port` (the thread's parentPort) and starts it. */
export async function composeWorker(init: WorkerInit, port: MessagePort): Promise<void> {
  const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

  // Log lines go to the primary as data; its logger writes them (src/app/worker-log.ts).
  const log = new WorkerLog(init.logLevel, (line) => post({ t: 'log', line }));

  // Replies go back in one message per event-loop turn.
  const replies = new DatagramBatch((items, transfer) => {
    port.postMessage(items, transfer);
    statsIfChanged();
  });
  // Always a copy: WTP keeps the Result datagrams it sends (retransmission), and a transferred buffer is emptied.
  const relay = (kind: typeof CL | typeof CO) => (data: Uint8Array, peer: Peer) => replies.add(kind, copyOf(data), peer.address, peer.port);
  const opts = init.options;
  const endpoints = {
    cl: new UdpEndpoint({ address: opts.bind ?? '127.0.0.1', port: opts.clPort ?? 0, relay: relay(CL) }),
    co: new UdpEndpoint({ address: opts.bind ?? '127.0.0.1', port: opts.coPort ?? 0, relay: relay(CO) }),
  };

  let identity: IdentityStack | undefined;
  if (init.identity) {
    // RADIUS stays in the primary; this copy of the map is fed by its changes (applyMap).
    identity = createIdentityFromConfig({ ...init.identity, radius: { ...init.identity.radius, enabled: false } });
    for (const [address, rec] of init.bindings) identity.map.bind(address, rec);
  }

  // CDRs go to the primary's ChargingSink in batches (one message per 64 records or per 20 ms).
  let cdrs: Cdr[] = [];
  let cdrTimer: NodeJS.Timeout | undefined;
  const flushCdrs = (): void => {
    if (cdrTimer) clearTimeout(cdrTimer);
    cdrTimer = undefined;
    if (cdrs.length === 0) return;
    post({ t: 'cdr', cdrs });
    cdrs = [];
  };

  let traceActive = init.trace;
  // Plain counts (no prom-client here): the primary merges every worker's into /metrics (mergedMetrics).
  const bundle = init.metrics ? createWorkerMetrics(init.metrics) : undefined;
  const deps: GatewayDeps = { log, endpoints, ...(bundle ? { metrics: bundle.metrics } : {}) };
  if (identity) {
    deps.enricher = identity.enricher;
    deps.policy = identity.policy;
  }
  if (init.charging) {
    deps.charging = {
      record(cdr) {
        cdrs.push(cdr);
        if (cdrs.length >= 64) flushCdrs();
        else cdrTimer ??= setTimeout(flushCdrs, 20);
      },
      flush: async () => flushCdrs(),
    };
  }
  if (init.trace) {
    deps.trace = {
      get active() {
        return traceActive;
      },
      http: (x) => post({ t: 'http', x }),
    };
  }
  if (init.content) deps.content = createContentConverter(init.content);
  const gateway = createGateway(opts, deps);

  function applyMap(ops: MapOp[]): void {
    const map = identity?.map;
    if (!map) return;
    for (const o of ops) {
      if (o.op === 'bind') map.bind(o.address, o.rec);
      else if (o.op === 'unbind') map.unbind(o.address, o.match);
      else if (o.op === 'unbindNas') map.unbindNas(o.nas);
      else if (o.op === 'clear') map.clear();
      else {
        try {
          map.reloadStatic();
        } catch (err) {
          log.error({ err }, 'static subscriber table not reloaded');
        }
      }
    }
  }

  // Stats for the primary's /status: every 500 ms, and at once when sessions or methods in flight changed (after
  // each batch in and each batch of replies out), so /status is current right after a Disconnect or a Reply.
  let last = { clInFlight: -1, coInFlight: -1, sessions: -1 };
  const sendStats = (): void => {
    const s = gateway.stats();
    last = { clInFlight: s.cl.inFlight, coInFlight: s.co.inFlight, sessions: s.co.sessions };
    post({ t: 'stats', stats: { ...last, rejected: s.rejected } });
  };
  function statsIfChanged(): void {
    const s = gateway.stats();
    if (s.cl.inFlight !== last.clInFlight || s.co.inFlight !== last.coInFlight || s.co.sessions !== last.sessions) sendStats();
  }
  const statsTimer = setInterval(sendStats, 500);

  port.on('message', (m: ToWorker) => {
    if (Array.isArray(m)) {
      for (let i = 0; i < m.length; i += 4) {
        const data = m[i + 1] as Uint8Array;
        const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        (m[i] === CL ? endpoints.cl : endpoints.co).deliver(buf, { address: m[i + 2] as string, port: m[i + 3] as number });
      }
      statsIfChanged();
      return;
    }
    switch (m.t) {
      case 'map':
        applyMap(m.ops);
        break;
      case 'identity':
        try {
          identity?.reload(m.identity);
        } catch (err) {
          log.error({ err }, 'identity settings not applied in this worker');
        }
        break;
      case 'allowed':
        gateway.setAllowedUpstreams(m.origins);
        break;
      case 'upstream':
        gateway.setUpstream(m.upstream);
        break;
      case 'urlMap':
        try {
          gateway.setUrlMap(m.rules);
        } catch (err) {
          log.error({ err }, 'URL map not applied in this worker; the running one stays');
        }
        break;
      case 'redirect':
        gateway.setRedirect(m.redirect);
        break;
      case 'trace':
        traceActive = m.active;
        break;
      case 'logLevel':
        log.level = m.level;
        break;
      case 'refuse':
        gateway.refuseNew();
        break;
      case 'metrics':
        // build_info is the primary's (summing it over threads would count the process N+1 times): not in it.
        post({ t: 'metrics', id: m.id, json: bundle ? bundle.snapshot() : [] });
        break;
      case 'confirmedPush':
        gateway.confirmedPush(m.address, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)).then(
          (peer) => post({ t: 'confirmedPush', id: m.id, peer }),
          (err: unknown) => post({ t: 'confirmedPush', id: m.id, error: pushFailure(err) }),
        );
        break;
      case 'stop':
        void (async () => {
          await gateway.stop(m.graceMs);
          replies.flush();
          flushCdrs();
          clearInterval(statsTimer);
          sendStats();
          post({ t: 'stopped' });
          port.close();
        })();
        break;
    }
  });

  await gateway.start();
  sendStats();
  post({ t: 'ready' });
}

function pushFailure(err: unknown): ConfirmedPushFailure {
  if (err instanceof NoPushSessionError) return { kind: 'no-session', address: err.address, reason: err.reason, detail: err.detail };
  if (err instanceof WtpAbortError) return { kind: 'abort', reason: { ...err.reason } };
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}
