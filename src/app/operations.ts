/**
 * Everything operating wapgate needs, composed once from the configuration, for serve.ts (and `wapgate mmsc`):
 * the admin listener, graceful shutdown, reload on SIGHUP, the packet-trace tap and the access log.
 *
 *   const ops = createOperations({ config: cfg, reload: () => loadConfig(sameOptions), log });
 *   const gateway = createGateway(opts, { log, metrics, tap: ops.trace });        // ops.trace: a PacketTap
 *   ops.addReadiness('sockets', () => gateway.bound);
 *   ops.addStatus('sessions', () => gateway.sessionStats());
 *   ops.lifecycle.onStop('udp', () => gateway.refuseNew()).onDrain('wtp', (c) => gateway.drain(c.signal))
 *     .onFlush('cdr', () => cdr.flush()).onClose('udp', () => gateway.stop());
 *   ops.store.subscribe((next, diff) => identity.reload(next.identity));
 *   await ops.start();                       // binds the admin listener, installs SIGTERM/SIGINT/SIGHUP
 *   return await ops.lifecycle.done;         // resolves with the exit status after a signal
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ConfigStore, type ReloadResult } from '../config/reload.ts';
import type { WapgateConfig } from '../config/schema.ts';
import { TraceHub } from '../trace/recorder.ts';
import { createAccessLog, type AccessLog } from '../admin/access-log.ts';
import { Lifecycle } from '../admin/lifecycle.ts';
import { metrics as defaultMetrics, registry as defaultRegistry, type WapgateMetrics } from '../admin/metrics.ts';
import { createAdminServer, type MetricsSource, type AdminProviders, type AdminServer, type ReadinessProbe } from '../admin/server.ts';

export interface OperationsOptions {
  config: WapgateConfig;
  /** Loads the configuration again (same file, env and flags) for SIGHUP. Without it SIGHUP only logs. */
  reload?: () => WapgateConfig;
  log: Logger;
  registry?: Registry;
  metrics?: WapgateMetrics;
  /** Signals come from here (default: process); tests pass an EventEmitter. */
  emitter?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Default: process.exit. */
  exit?: (code: number) => void;
}

export interface Operations {
  store: ConfigStore;
  lifecycle: Lifecycle & { readonly done: Promise<number> };
  /** The packet tap to hand to the gateway (records only when --trace-pcap or a per-session trace is on). */
  trace: TraceHub;
  accessLog: AccessLog;
  admin: AdminServer | undefined;
  /** Set after start() when the admin listener is enabled. */
  adminAddress: AddressInfo | undefined;
  addReadiness(name: string, probe: ReadinessProbe): void;
  addStatus(name: string, provider: () => Record<string, unknown>): void;
  /** What /metrics exposes instead of the registry alone (the worker pool's merged exposition). */
  setMetricsSource(source: MetricsSource): void;
  /** Binds the admin listener and installs SIGTERM/SIGINT (shutdown) and SIGHUP (reload). */
  start(): Promise<void>;
  /** What SIGHUP does: reload, apply the reloadable keys, log what changed. */
  reloadNow(): ReloadResult;
}

export function createOperations(o: OperationsOptions): Operations {
  const cfg = o.config;
  const registry = o.registry ?? defaultRegistry;
  const m = o.metrics ?? defaultMetrics;
  const emitter = o.emitter ?? process;
  const store = new ConfigStore(cfg);
  const providers: Required<Pick<AdminProviders, 'readiness' | 'status'>> & AdminProviders = { readiness: {}, status: {} };

  const trace = new TraceHub({
    main: cfg.trace.pcap ? { file: cfg.trace.pcap, rotateSize: cfg.trace.rotateSize, keep: cfg.trace.rotateKeep } : undefined,
    sessionDir: cfg.trace.sessionDir,
    maxHttpBody: cfg.trace.maxHttpBody,
  });
  providers.traces = trace;
  if (cfg.trace.pcap) o.log.info({ file: cfg.trace.pcap, rotateSize: cfg.trace.rotateSize }, 'recording every datagram and upstream exchange to a pcap');

  const accessLog = cfg.log.access.enabled
    ? createAccessLog({ ...cfg.log.access, logger: o.log })
    : { write() {}, setFields() {}, close: async () => {} };

  const admin = cfg.admin.enabled
    ? createAdminServer(
        { bind: cfg.admin.bind, port: cfg.admin.port, username: cfg.admin.username, password: cfg.admin.password, registry },
        providers,
      )
    : undefined;

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const lifecycle = Object.assign(
    new Lifecycle({
      drainTimeoutMs: cfg.gateway.drainTimeout,
      emitter,
      log: o.log,
      // the first signal's shutdown resolves `done` (serve.ts returns it as the exit status); a second one exits now
      exit: (code) => (code === 130 ? exit(code) : resolveDone(code)),
    }),
    { done },
  );
  lifecycle.onStop('admin', () => admin?.setDraining(true));
  lifecycle.onFlush('access-log', () => accessLog.close());
  lifecycle.onClose('trace', () => trace.close());
  lifecycle.onClose('admin', () => admin?.close());

  // Reloadable keys this module owns itself.
  store.subscribe((next, diff) => {
    if (diff.changed.includes('log.level')) o.log.level = next.log.level;
    if (diff.changed.includes('log.access.fields')) accessLog.setFields(next.log.access.fields);
  });

  const reloadNow = (): ReloadResult => {
    if (!o.reload) {
      o.log.warn('SIGHUP: no configuration source to reload from');
      return { ok: false, summary: 'no configuration source to reload from' };
    }
    const r = store.reload(o.reload);
    m.configReloads.inc({ result: r.ok ? 'applied' : 'rejected' });
    if (r.ok) o.log.info({ changed: r.diff?.changed, restartRequired: r.diff?.restartRequired }, r.summary);
    else o.log.error({ err: r.error?.message }, r.summary);
    return r;
  };
  const onHup = () => void reloadNow();

  let adminAddress: AddressInfo | undefined;
  const ops: Operations = {
    store,
    lifecycle,
    trace,
    accessLog,
    admin,
    get adminAddress() {
      return adminAddress;
    },
    addReadiness: (name, probe) => void (providers.readiness[name] = probe),
    addStatus: (name, provider) => void (providers.status[name] = provider),
    setMetricsSource: (source) => void Object.assign(providers, { exposition: source }),
    async start() {
      if (admin) {
        adminAddress = await admin.listen();
        o.log.info({ address: adminAddress.address, port: adminAddress.port, auth: cfg.admin.username !== undefined }, 'admin listener up');
      }
      lifecycle.install();
      emitter.on('SIGHUP', onHup);
      lifecycle.onClose('sighup', () => void emitter.off('SIGHUP', onHup));
    },
    reloadNow,
  };
  return ops;
}
