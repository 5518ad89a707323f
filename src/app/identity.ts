/**
 * The identity layer built from the validated configuration (`identity:` section, src/config/sections/
 * identity.ts): subscriber map, optional RADIUS accounting server, enricher and client policy, with a
 * `reload()` for SIGHUP that swaps what the schema marks reloadable (static table, headers, per-origin
 * settings, client lists, rate limit) without dropping the map or the RADIUS socket. serve.ts composes it:
 *
 *   const identity = createIdentityFromConfig(cfg.identity, { log });
 *   await identity.start();             // the RADIUS server (identity.radius) exists from here on
 *   createGateway(gwOptions, { enricher: identity.enricher, policy: identity.policy, charging });
 *   store.onChange((next) => identity.reload(next.identity));
 */
import type { ClientPolicy, Enricher } from '../gateway/hooks.ts';
import type { WapgateConfig } from '../config/schema.ts';
import { createEnricher, type IdentityEnricher } from '../identity/enricher.ts';
import type { EnricherOptions, OriginEnrichment, RadiusServerOptions } from '../identity/options.ts';
import { createClientPolicy, type IdentityClientPolicy } from '../identity/policy.ts';
import type { RadiusAccountingServer } from '../identity/radius-server.ts';
import { createSubscriberMap, type SubscriberMap } from '../identity/subscriber-map.ts';

export type IdentityConfig = WapgateConfig['identity'];

export interface IdentityStack {
  map: SubscriberMap;
  /** The RADIUS accounting server when identity.radius is enabled, from start() on (its code is loaded then). */
  readonly radius: RadiusAccountingServer | undefined;
  /** Stable instances for the gateway; their settings follow `reload()`. */
  enricher: Enricher & { readonly current: IdentityEnricher };
  policy: ClientPolicy & { readonly current: IdentityClientPolicy };
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies the reloadable keys of a new configuration; throws (keeping the old settings) on a bad one. */
  reload(next: IdentityConfig): void;
}

/**
 * The gateway's proxy adds X-WAP-Network-Client-IP on its own; the enricher adds a client-IP header only when
 * it is named differently, so the upstream never sees the header twice.
 */
const GATEWAY_CLIENT_IP_HEADER = 'x-wap-network-client-ip';

function clientIpHeader(name: string | undefined): string | null {
  return name && name.toLowerCase() !== GATEWAY_CLIENT_IP_HEADER ? name : null;
}

export function enricherOptionsFromConfig(c: IdentityConfig): Partial<EnricherOptions> {
  const origins: Record<string, Partial<OriginEnrichment>> = {};
  for (const o of c.origins) {
    const e: Partial<OriginEnrichment> = {};
    if (o.msisdnHeader !== undefined) e.msisdnHeader = o.msisdnHeader;
    if (o.imsiHeader !== undefined) e.imsiHeader = o.imsiHeader;
    if (o.clientIpHeader !== undefined) e.clientIpHeader = clientIpHeader(o.clientIpHeader);
    if (o.refuseUnknown !== undefined) e.unknownSubscriber = o.refuseUnknown ? 'refuse' : 'omit';
    origins[o.origin] = e;
  }
  return {
    msisdnHeader: c.msisdnHeader,
    imsiHeader: c.imsiHeader ?? null,
    clientIpHeader: clientIpHeader(c.clientIpHeader),
    unknownSubscriber: c.refuseUnknown ? 'refuse' : 'omit',
    origins,
  };
}

export function policyOptionsFromConfig(c: IdentityConfig): Parameters<typeof createClientPolicy>[0] {
  const lists = { allow: [...c.clients.allow], deny: [...c.clients.deny] };
  return { services: { cl: lists, co: lists }, rateLimit: { perSecond: c.rateLimit.rate, burst: c.rateLimit.burst } };
}

export function radiusOptionsFromConfig(c: IdentityConfig): Partial<RadiusServerOptions> | undefined {
  const r = c.radius;
  if (!r.enabled) return undefined;
  return {
    bind: r.bind,
    port: r.port,
    secret: r.secret,
    ...(r.forward.host
      ? {
          upstream: {
            host: r.forward.host,
            port: r.forward.port,
            secret: r.forward.secret,
            timeoutMs: r.forward.timeout,
            retries: 2,
            waitForUpstream: true,
            maxOutstanding: 256,
          },
        }
      : {}),
  };
}

export function createIdentityFromConfig(
  c: IdentityConfig,
  deps: {
    log?: RadiusServerOptions['log'];
    /** Several nodes (src/state): RADIUS writes through the shared map it returns; lookups stay on the local one. */
    shareMap?: (local: SubscriberMap) => SubscriberMap;
  } = {},
): IdentityStack {
  const local = createSubscriberMap({
    maxEntries: c.radius.mapMax,
    ttlMs: c.radius.mapTtl,
    static: c.static.map((s) => (s.imsi ? { cidr: s.cidr, msisdn: s.msisdn, imsi: s.imsi } : { cidr: s.cidr, msisdn: s.msisdn })),
    ...(c.staticFile ? { staticFile: c.staticFile } : {}),
  });
  const map = deps.shareMap ? deps.shareMap(local) : local;
  const ro = radiusOptionsFromConfig(c);
  let radius: RadiusAccountingServer | undefined;
  let enricher = createEnricher(enricherOptionsFromConfig(c), map);
  let policy = createClientPolicy(policyOptionsFromConfig(c));

  return {
    map,
    get radius() {
      return radius;
    },
    enricher: {
      get protectedHeaders() {
        return enricher.protectedHeaders;
      },
      lookup: (ip) => enricher.lookup(ip),
      headersFor: (ip, origin) => enricher.headersFor(ip, origin),
      get current() {
        return enricher;
      },
    },
    policy: {
      admit: (ip, service, now) => policy.admit(ip, service, now),
      get current() {
        return policy;
      },
    },
    async start() {
      if (ro && !radius) {
        // Loaded only when RADIUS runs: the radius package and the server stay out of every other process.
        const { createRadiusAccountingServer } = await import('../identity/radius-server.ts');
        radius = createRadiusAccountingServer({ ...ro, ...(deps.log ? { log: deps.log } : {}) }, map);
      }
      await radius?.start();
    },
    async stop() {
      await radius?.stop();
    },
    reload(next) {
      // Build everything first: a bad value leaves the running settings untouched.
      const e = createEnricher(enricherOptionsFromConfig(next), map);
      const p = createClientPolicy(policyOptionsFromConfig(next));
      const statics = next.static.map((s) => (s.imsi ? { cidr: s.cidr, msisdn: s.msisdn, imsi: s.imsi } : { cidr: s.cidr, msisdn: s.msisdn }));
      map.setStatic(statics, next.staticFile ?? null);
      enricher = e;
      policy = p;
    },
  };
}
