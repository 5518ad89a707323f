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
import type { Store } from '../store/index.ts';
import type { IdentityStack } from './identity.ts';
import type { Operations } from './operations.ts';

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

/** The services the configuration turns on, in start order. */
export function createServices(parts: ServeParts): Service[] {
  const services: Service[] = [];
  // One block per service, e.g.:
  // if (parts.cfg.sendsms.enabled) {
  //   const box = createSmsbox({ config: parts.cfg.sendsms, log: parts.log, registry: parts.registry, ppg: parts.ppg });
  //   services.push(service('sendsms', { start: () => box.listen(), stop: () => box.close(), status: () => box.status() }));
  // }
  return services;
}
