/**
 * The whole of `wapgate serve`, composed in one place (src/app/, the composition root) from the validated configuration: the gateway (UDP
 * 9200/9201 → HTTP), identity (subscriber map, RADIUS, enrichment, client policy), charging (CDRs), the PPG
 * (PAP → unit push out of the gateway's 9200 socket, confirmed push over WTP, SMS over SMPP), the reference MMSC
 * in-process when no upstream is configured, and operations (admin listener, SIGHUP reload, graceful shutdown,
 * packet traces, access log). No other module knows all of these.
 */
import type { Logger } from 'pino';
import { metrics, registry } from '../admin/metrics.ts';
import { createOperations, type Operations } from './operations.ts';
import type { WapgateConfig } from '../config/index.ts';
import { createIdentityMetricsSync } from '../identity/metrics.ts';
import { createCdrWriterFromConfig } from './charging.ts';
import { createIdentityFromConfig } from './identity.ts';
import type { Mmsc } from '../mmsc/index.ts';
import { gatewayConfirmedPush } from '../push/confirmed.ts';
import { gatewayPushTransport } from '../push/delivery.ts';
import { createPpg, type Ppg } from '../push/ppg.ts';
import { gatewayOptionsFromConfig } from './gateway-config.ts';
import { createGateway, type Gateway } from '../gateway/index.ts';
import { createContentConverter } from '../content/create.ts';
import { createWorkerGateway, workerCount, type WorkerGateway } from './workers.ts';
import { demoInstructions, host, isEmbedded, withEmbeddedDefaults } from './embedded.ts';
import { openStore, storeOptionsFromConfig } from '../store/index.ts';
import { createServices, type Service } from './services.ts';
import { composeSharedState, nodeCharging } from './shared-state.ts';
import type { SubscriberMap } from '../identity/subscriber-map.ts';
import { createProcessLogger } from './log.ts';

export interface Stack {
  gateway: Gateway;
  ppg: Ppg | undefined;
  mmsc: Mmsc | undefined;
  ops: Operations;
  /** Resolves with the exit status once a signal has shut everything down. */
  done: Promise<number>;
}

/**
 * `wapgate serve` as a process: its logger, the parts started (startServe), the demo instructions when the
 * MMSC is embedded; resolves with the exit status once a signal has shut everything down.
 */
export async function runServe(cfg: WapgateConfig, reload: () => WapgateConfig): Promise<number> {
  const pretty = cfg.log.pretty === 'auto' ? process.stderr.isTTY === true : cfg.log.pretty;
  const { log } = createProcessLogger(cfg.log.level, pretty);
  let stack;
  try {
    stack = await startServe(cfg, reload, log);
  } catch (err) {
    log.fatal({ err }, 'cannot start wapgate');
    return 1;
  }
  if (stack.mmsc) process.stderr.write(demoInstructions(withEmbeddedDefaults(cfg)) + '\n');
  return await stack.done;
}

/** Creates and starts every part of `serve` (the gateway, identity, charging, PPG, MMSC, services, operations). */
export async function startServe(rawConfig: WapgateConfig, reload: () => WapgateConfig, log: Logger): Promise<Stack> {
  const cfg = withEmbeddedDefaults(rawConfig);
  const ops = createOperations({ config: cfg, reload: () => withEmbeddedDefaults(reload()), log, registry, metrics });

  // state.redis.url: the subscriber map, the PPG queue and the push-ids are shared with the other nodes.
  const shared = await composeSharedState(cfg, log);
  const identity = createIdentityFromConfig(cfg.identity, {
    log: (level, fields, msg) => log[level](fields, msg),
    ...(shared ? { shareMap: (local: SubscriberMap) => shared.subscribers(local) } : {}),
  });
  const cdr = createCdrWriterFromConfig(await nodeCharging(cfg), { onError: (err) => log.error({ err }, 'CDR destination failed') });
  // gateway.workers > 1: worker threads behind this one, which owns the sockets (src/gateway/workers.ts).
  const threads = workerCount(cfg.gateway.workers);
  const pool: WorkerGateway | undefined =
    threads > 1
      ? createWorkerGateway(gatewayOptionsFromConfig(cfg), threads, {
          log,
          registry,
          metrics,
          trace: ops.trace,
          identity: cfg.identity,
          subscriberMap: identity.map,
          content: cfg.content,
          ...(cdr ? { charging: cdr } : {}),
        })
      : undefined;
  // WML/WMLScript compilation, charsets, Accept, cookie jars (src/content/); each worker builds its own.
  const content = pool ? undefined : createContentConverter(cfg.content);
  const gateway: Gateway =
    pool ??
    createGateway(gatewayOptionsFromConfig(cfg), {
      log,
      metrics,
      trace: ops.trace,
      enricher: identity.enricher,
      policy: identity.policy,
      content,
      ...(cdr ? { charging: cdr } : {}),
    });
  // /metrics: this thread's registry and every worker's, summed at each scrape.
  if (pool) ops.setMetricsSource({ contentType: registry.contentType, metrics: () => pool.mergedMetrics() });
  if (ops.trace.active || cfg.trace.sessionDir) {
    gateway.setTap((direction, payload, remote, local) => {
      if (ops.trace.active) ops.trace.datagram({ direction, payload, remote, local });
    });
  }

  // The durable store (src/store): the PPG queue, the embedded MMSC's messages, the services' tables.
  const store = openStore(storeOptionsFromConfig(cfg, { onError: (err) => log.error({ err }, 'store write failed') }));
  let ppg: Ppg | undefined;
  if (cfg.push.enabled) {
    ppg = createPpg(cfg.push, {
      transport: gatewayPushTransport(gateway),
      // Confirmed push over the handset's session, out of the gateway's 9201 socket (its send errors are logged
      // there); no session: a Session Initiation Request to the handset's push port first, as Kannel.
      wtp: gatewayConfirmedPush(gateway, {
        ...(cfg.push.sessionRequest.enabled
          ? { sessionRequest: { pushPort: cfg.push.pushPort, waitMs: cfg.push.sessionRequest.wait, ...(cfg.push.sessionRequest.contactAddress ? { contactAddress: cfg.push.sessionRequest.contactAddress } : {}) } }
          : {}),
        log,
      }),
      resolveMsisdn: (msisdn) => identity.map.ipForMsisdn(msisdn),
      log,
      metrics,
      store,
      ...(shared ? { queue: shared.pushQueue } : {}),
      ...(cdr ? { charging: cdr } : {}),
    });
    // Before the shared queue's first adoption pass can hand this node a dead node's pushes.
    shared?.attachPpg(ppg.engine);
  }

  let mmsc: Mmsc | undefined;

  const syncIdentityMetrics = createIdentityMetricsSync(
    { radiusMapSize: metrics.radiusMapSize, radiusUpdates: metrics.radiusUpdates, rejectedInputs: metrics.rejectedInputs, cdrsWritten: metrics.cdrsWritten },
    // identity.radius exists once identity.start() has loaded it (RADIUS enabled): read at each sync.
    { map: identity.map, get radius() { return identity.radius; }, ...(cdr ? { cdrs: cdr } : {}) },
  );
  const metricsTimer = setInterval(syncIdentityMetrics, 5000);
  metricsTimer.unref();

  // Order of start: what others depend on first (the MMSC last, so its first push finds the PPG listening).
  // A part that cannot start (a port in use) stops the parts already running, so the process can exit.
  let papPort = cfg.push.papPort;
  let upstream = cfg.gateway.upstream;
  // The services beside the gateway (src/app/services.ts: one block each), started last, stopped first.
  const services = await createServices({ cfg, log, registry, metrics, ops, gateway, identity, cdr, ppg, store, shared });
  const started: Service[] = [];
  try {
    await identity.start();
    await gateway.start();
    if (ppg) papPort = (await ppg.listen(cfg.push.papPort, cfg.push.papBind)).port;
    if (isEmbedded(rawConfig)) {
      // Created once the PPG listens, so its PAP URL names the port actually bound (--pap-port 0 included).
      // Loaded only when it runs in-process (an upstream configured: never).
      const { createMmsc } = await import('../mmsc/index.ts');
      mmsc = createMmsc({
        storeDir: cfg.mmsc.storeDir,
        stateStore: store,
        ppgUrl: cfg.mmsc.ppgUrl ?? `http://${host(cfg.push.papBind)}:${papPort}${cfg.push.papPath}`,
        ...(cfg.mmsc.publicUrl ? { publicUrl: cfg.mmsc.publicUrl } : {}),
        maxSize: cfg.mmsc.maxSize,
        expiry: cfg.mmsc.expiry,
        requireMsisdn: cfg.mmsc.requireMsisdn,
        msisdnHeader: cfg.identity.msisdnHeader.toLowerCase(),
        logger: log,
      });
      const bound = await mmsc.listen(cfg.mmsc.port, cfg.mmsc.bind);
      if (cfg.mmsc.port === 0) {
        // An ephemeral MM1 port is known only now: point the gateway's upstream (and allow-list) at it.
        const mm1 = `http://${host(cfg.mmsc.bind)}:${bound.port}`;
        upstream = `${mm1}/mms`;
        gateway.setUpstream(upstream);
        gateway.setAllowedUpstreams([...cfg.gateway.allowUpstream.filter((o) => !o.endsWith(':0')), mm1]);
      }
    }
    for (const svc of services) {
      await svc.start();
      started.push(svc);
    }
  } catch (err) {
    clearInterval(metricsTimer);
    for (const svc of started.reverse()) await svc.stop().catch((e: unknown) => log.error({ err: e, service: svc.name }, 'service did not stop'));
    await Promise.allSettled([mmsc?.close(), ppg?.close(), gateway.stop(0), identity.stop(), cdr?.close(), ops.trace.close()]);
    store.close();
    throw err;
  }

  ops.addReadiness('sockets', () => ({ ok: gateway.addresses.cl.port > 0 && gateway.addresses.co.port > 0, detail: `cl ${gateway.addresses.cl.port}, co ${gateway.addresses.co.port}` }));
  if (shared) {
    // Redis away beyond state.redis.graceMs: not ready (the node still serves what needs no shared state).
    ops.addReadiness('redis', () => shared.readiness());
    ops.addStatus('state', () => shared.status());
  }
  ops.addReadiness('upstream', async () => upstreamReachable(ops.store.current.gateway.upstream));
  // The admin listener's conventional sections (src/admin/server.ts StatusProviders), then the detail.
  ops.addStatus('sessions', () => ({ active: gateway.stats().co.sessions, max: cfg.gateway.session.max }));
  ops.addStatus('transactions', () => {
    const s = gateway.stats();
    return { inFlight: s.cl.inFlight + s.co.inFlight, cl: s.cl.inFlight, co: s.co.inFlight };
  });
  if (ppg) {
    const store = ppg.engine.store;
    ops.addStatus('pushQueue', () => ({ pending: store.pending, records: store.size, max: cfg.push.queue.max }));
  }
  ops.addStatus('gateway', () => gateway.stats() as unknown as Record<string, unknown>);
  if (ppg) ops.addStatus('push', () => ({ queue: ppg!.engine.store.size }));
  if (identity.radius) ops.addStatus('identity', () => ({ subscribers: identity.map.size, radius: identity.radius!.counters }));
  else ops.addStatus('identity', () => ({ subscribers: identity.map.size }));
  for (const svc of services) if (svc.status) ops.addStatus(svc.name, () => svc.status!());

  ops.lifecycle
    .onStop('gateway', () => gateway.refuseNew())
    .onDrain('gateway', (ctx) => gateway.stop(Math.max(0, ctx.deadline - Date.now())))
    .onFlush('push', async () => void (await ppg?.close()))
    .onFlush('cdr', async () => void (await cdr?.flush()))
    .onClose('services', async () => {
      for (const svc of [...services].reverse()) await svc.stop().catch((err: unknown) => log.error({ err, service: svc.name }, 'service did not stop'));
    })
    .onClose('mmsc', async () => void (await mmsc?.close()))
    .onClose('identity', () => identity.stop())
    .onClose('shared-state', async () => void (await shared?.close()))
    .onClose('cdr', async () => void (await cdr?.close()))
    .onClose('store', () => store.close())
    .onClose('metrics', () => clearInterval(metricsTimer));

  // Every key the schema marks reloadable is applied here (the reload log line names what changed).
  ops.store.subscribe((next, diff) => {
    if (diff.changed.some((k) => k.startsWith('identity.'))) {
      try {
        identity.reload(next.identity);
        pool?.setIdentity(next.identity);
      } catch (err) {
        log.error({ err }, 'SIGHUP: identity settings not applied; the running ones stay');
      }
    }
    if (diff.changed.some((k) => k.startsWith('content.'))) {
      if (content) content.setOptions(next.content);
      else log.warn('SIGHUP: content.* changes need a restart with gateway.workers > 1');
    }
    if (diff.changed.includes('gateway.upstream')) gateway.setUpstream(next.gateway.upstream);
    if (diff.changed.includes('gateway.redirect.addresses')) gateway.setRedirect(gatewayOptionsFromConfig(next).redirect);
    if (diff.changed.some((k) => k.startsWith('gateway.allowUpstream') || k === 'gateway.upstream')) {
      const origins = [...next.gateway.allowUpstream];
      if (next.gateway.upstream) origins.push(new URL(next.gateway.upstream).origin);
      gateway.setAllowedUpstreams(origins);
    }
    if (diff.changed.some((k) => k.startsWith('gateway.urlMap') || k.startsWith('gateway.allowUpstream') || k === 'gateway.upstream')) {
      try {
        // Checked against the allow-list just set (the worker-thread gateway checks here, then broadcasts).
        gateway.setUrlMap(next.gateway.urlMap);
      } catch (err) {
        log.error({ err }, 'SIGHUP: URL map not applied; the running one stays');
      }
    }
    if (ppg && diff.changed.some((k) => k === 'push.trustedIps' || k === 'push.credentials')) {
      try {
        ppg.setAccess({ trustedIps: next.push.trustedIps, credentials: next.push.credentials });
      } catch (err) {
        log.error({ err }, 'SIGHUP: push access settings not applied; the running ones stay');
      }
    }
  });
  // SIGHUP also reopens the CDR file (after log rotation) and re-reads the static subscriber file, whether or
  // not any configuration key changed.
  const onHup = (): void => {
    cdr?.reopen().catch((err: unknown) => log.error({ err }, 'SIGHUP: CDR file not reopened'));
    try {
      identity.map.reloadStatic();
    } catch (err) {
      log.error({ err }, 'SIGHUP: static subscriber table not reloaded');
    }
  };
  process.on('SIGHUP', onHup);
  ops.lifecycle.onClose('sighup-extra', () => void process.off('SIGHUP', onHup));
  await ops.start();

  const cl = gateway.addresses.cl;
  const co = gateway.addresses.co;
  log.info(
    { cl: `${cl.address}:${cl.port}`, co: `${co.address}:${co.port}`, upstream, pap: ppg ? `http://${host(cfg.push.papBind)}:${papPort}${cfg.push.papPath}` : null, mmsc: mmsc ? upstream : null, admin: ops.adminAddress ? `${ops.adminAddress.address}:${ops.adminAddress.port}` : null },
    'wapgate ready',
  );
  return { gateway, ppg, mmsc, ops, done: ops.lifecycle.done };
}

async function upstreamReachable(url: string | undefined): Promise<{ ok: boolean; detail: string }> {
  if (!url) return { ok: false, detail: 'no upstream configured' };
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return { ok: true, detail: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}
