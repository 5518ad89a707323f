/**
 * Header enrichment: what an upstream origin is told about the handset (RFC-less but universal operator
 * practice: X-MSISDN & co, WAP-217 names X-WAP-Network-Client-IP / -MSISDN). Configured once with defaults
 * and per-origin overrides; the subscriber comes from the subscriber map (RADIUS, then the static table).
 */
import type { Enricher, Subscriber } from '../gateway/hooks.ts';
import { isSafeHeaderName, sanitizeHeaderValue } from './headers.ts';
import { normalizeIp } from '../net/ip.ts';
import { ALWAYS_PROTECTED_HEADERS, ENRICHER_DEFAULTS, type EnricherOptions, type OriginEnrichment } from './options.ts';

export interface EnricherCounters {
  /** Requests enriched with a known subscriber. */
  enriched: number;
  /** Requests from an unknown subscriber sent on without identity headers. */
  unknown: number;
  /** Requests refused because the subscriber was unknown and the origin requires one. */
  refused: number;
}

export interface IdentityEnricher extends Enricher {
  readonly counters: Readonly<EnricherCounters>;
  /** The effective settings for an origin (defaults merged with its override). */
  settingsFor(origin: string): OriginEnrichment;
}

/** `http://Host:80/` → `http://host` (URL origin rules); text that is no URL is kept lower-cased. */
export function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.trim().toLowerCase().replace(/\/+$/, '');
  }
}

function checkName(name: string | null, what: string): void {
  if (name !== null && !isSafeHeaderName(name)) throw new Error(`enrichment: ${what} ${JSON.stringify(name)} is not a header name`);
}

export function createEnricher(
  options: Partial<EnricherOptions>,
  map: { lookup(ip: string): Subscriber | undefined },
): IdentityEnricher {
  const opts: EnricherOptions = { ...ENRICHER_DEFAULTS, ...options };
  const base: OriginEnrichment = {
    msisdnHeader: opts.msisdnHeader,
    clientIpHeader: opts.clientIpHeader,
    imsiHeader: opts.imsiHeader,
    unknownSubscriber: opts.unknownSubscriber,
  };
  const perOrigin = new Map<string, OriginEnrichment>();
  for (const [origin, o] of Object.entries(opts.origins)) perOrigin.set(normalizeOrigin(origin), { ...base, ...o });

  const all = [base, ...perOrigin.values()];
  const prot = new Set<string>(ALWAYS_PROTECTED_HEADERS);
  for (const s of all) {
    checkName(s.msisdnHeader, 'msisdnHeader');
    checkName(s.clientIpHeader, 'clientIpHeader');
    checkName(s.imsiHeader, 'imsiHeader');
    for (const n of [s.msisdnHeader, s.clientIpHeader, s.imsiHeader]) if (n) prot.add(n.toLowerCase());
  }
  for (const n of opts.extraProtectedHeaders) prot.add(n.toLowerCase());

  const counters: EnricherCounters = { enriched: 0, unknown: 0, refused: 0 };
  // Per origin text its settings: the upstream origins are a handful, and a URL parse per request was ~1 % of a CO Get.
  const settingsMemo = new Map<string, OriginEnrichment>();
  const settingsFor = (origin: string): OriginEnrichment => {
    let s = settingsMemo.get(origin);
    if (!s) {
      s = perOrigin.get(normalizeOrigin(origin)) ?? base;
      if (settingsMemo.size >= 256) settingsMemo.clear();
      settingsMemo.set(origin, s);
    }
    return s;
  };

  return {
    protectedHeaders: prot,
    counters,
    settingsFor,
    lookup: (ip) => map.lookup(ip),
    headersFor(clientIp, origin) {
      const s = settingsFor(origin);
      const out: Record<string, string> = {};
      if (s.clientIpHeader) out[s.clientIpHeader] = normalizeIp(clientIp) ?? clientIp;
      if (!s.msisdnHeader && !s.imsiHeader) return out;
      const sub = map.lookup(clientIp);
      // Identity values come from RADIUS / config; they are checked like any header value all the same.
      const msisdn = sub ? sanitizeHeaderValue(sub.msisdn) : undefined;
      if (!sub || !msisdn) {
        if (s.unknownSubscriber === 'refuse') {
          counters.refused++;
          return 'refuse';
        }
        counters.unknown++;
        return out;
      }
      counters.enriched++;
      if (s.msisdnHeader) out[s.msisdnHeader] = msisdn;
      const imsi = sub.imsi !== undefined ? sanitizeHeaderValue(sub.imsi) : undefined;
      if (s.imsiHeader && imsi) out[s.imsiHeader] = imsi;
      return out;
    },
  };
}
