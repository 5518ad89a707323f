/**
 * The services `serve` runs beside the gateway, the PPG and the embedded MMSC — one block each in
 * createServices() below. To wire a new service (sendsms, OTA provisioning, the durable store's users…):
 *   1. its room exports a constructor taking its dependencies, e.g. `createSmsbox(deps)` in src/smsbox/index.ts,
 *      and its settings are a config section (src/config/sections/<room>.ts, one line in SECTIONS);
 *   2. add one block to createServices(): `if (cfg.<section>.enabled) services.push(service('<name>', …))`, passing
 *      what it needs from ServeParts (logger, metrics registry, CDR sink, subscriber map, gateway, PPG, …);
 *   3. startServe() (src/app/serve.ts) starts the services in order after the gateway and the PPG, stops them on
 *      shutdown in reverse order, and shows their status() under /status.
 * A part the new service needs that ServeParts lacks: add it to ServeParts and pass it in startServe().
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { WapgateMetrics } from '../admin/metrics.ts';
import type { CdrWriter } from '../charging/cdr-writer.ts';
import type { WapgateConfig } from '../config/index.ts';
import type { Gateway } from '../gateway/index.ts';
import type { Ppg } from '../push/ppg.ts';
import type { PapTlsListener } from '../push/pap-tls.ts';
import type { Store } from '../store/index.ts';
import type { IdentityStack } from './identity.ts';
import type { Operations } from './operations.ts';
import type { SharedState } from './shared-state.ts';

/** What a service of `serve` may be given (created and started before any service). */
export interface ServeParts {
  cfg: WapgateConfig;
  log: Logger;
  registry: Registry;
  metrics: WapgateMetrics;
  ops: Operations;
  gateway: Gateway;
  identity: IdentityStack;
  cdr: CdrWriter | undefined;
  ppg: Ppg | undefined;
  /** The durable store (src/store): a service keeps its tables in a room of it (see src/store/store.ts). */
  store: Store;
  /** State shared with other nodes (state.redis.url): the sendsms queue lives there then. */
  shared?: SharedState | undefined;
}

/** A service as startServe() runs it. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Stops it (shutdown, or a later service failed to start); called once, only after start() resolved. */
  stop(): Promise<void>;
  /** Its section of /status, if any. */
  status?(): Record<string, unknown>;
}

/** A service from its three functions (a room's object usually has listen/close under other names). */
export function service(name: string, parts: Omit<Service, 'name'>): Service {
  return { name, ...parts };
}

/**
 * The services the configuration turns on, in start order. Each one's modules are loaded here, only when it is
 * configured: a process that runs none of them never loads (or holds in memory) their code.
 */
export async function createServices(parts: ServeParts): Promise<Service[]> {
  const services: Service[] = [];
  const { cfg } = parts;
  // Kannel's sendsms interface (src/smsbox): on when sendsms.port is given. WAP Push by IP out of the gateway's
  // connectionless socket, SMS through the PPG's SMPP client; queue and DLR correlations in the store.
  if (cfg.sendsms.port !== undefined) {
    const [{ createSmsbox, gatewayWdpTransport }, { mountSendota, sendotaDepsFromConfig }] = await Promise.all([import('../smsbox/index.ts'), import('../smsbox/sendota.ts')]);
    const sms = parts.ppg?.engine.deps.sms;
    const box = createSmsbox(cfg.sendsms, {
      wdp: gatewayWdpTransport(parts.gateway),
      ...(sms ? { sms: parts.shared ? parts.shared.smsReceipts(sms) : sms } : {}),
      resolveMsisdn: (msisdn) => parts.identity.map.ipForMsisdn(msisdn),
      ...(parts.cdr ? { charging: parts.cdr } : {}),
      store: parts.store,
      ...(parts.shared ? { queueBackend: parts.shared.smsQueue } : {}),
      registry: parts.registry,
      log: parts.log,
      rejected: (reason) => parts.metrics.rejectedInputs.labels('sendsms', reason).inc(),
    });
    // Before the shared queue's first adoption pass can hand this node a dead node's jobs.
    parts.shared?.attachSmsbox(box);
    // OTA provisioning (src/prov): Kannel's /cgi-bin/sendota on the same listener; named settings from prov:
    const resolveMsisdn = (msisdn: string) => parts.identity.map.ipForMsisdn(msisdn);
    mountSendota(box.listener, sendotaDepsFromConfig(cfg.prov, { authenticate: box.listener.authenticate, ...(parts.ppg ? { ppg: parts.ppg.engine } : {}), ...(sms ? { sms } : {}), resolveMsisdn, globalSender: cfg.sendsms.globalSender, log: parts.log }));
    parts.ops.store.subscribe((next, diff) => {
      if (!diff.changed.some((k) => k.startsWith('sendsms.'))) return;
      try {
        box.setAccess(next.sendsms);
      } catch (err) {
        parts.log.error({ err }, 'SIGHUP: sendsms access settings not applied; the running ones stay');
      }
    });
    services.push(service('sendsms', { start: async () => void (await box.listen(cfg.sendsms.port, cfg.sendsms.bind)), stop: () => box.close(), status: () => box.stats() }));
  }
  // PAP over TLS (push.tls, Kannel's ppg-ssl-port): the PPG's handler on a second, HTTPS listener.
  if (parts.ppg && cfg.push.tls.port !== undefined) {
    const ppg = parts.ppg;
    const { listenPapTls } = await import('../push/pap-tls.ts');
    let tls: PapTlsListener | undefined;
    services.push(
      service('pap-tls', {
        start: async () => void (tls = await listenPapTls(ppg.handler, { cert: cfg.push.tls.cert!, key: cfg.push.tls.key!, clientCa: cfg.push.tls.clientCa }, cfg.push.tls.port!, cfg.push.tls.bind ?? cfg.push.papBind)),
        stop: async () => void (await tls?.close()),
        status: () => ({ address: tls ? `${tls.address.address}:${tls.address.port}` : null, mutualTls: !!cfg.push.tls.clientCa }),
      }),
    );
  }
  return services;
}
