/**
 * Who may use the gateway: CIDR allow / deny lists (IPv4 and IPv6), global and per service (cl = port 9200,
 * co = port 9201, ppg = push initiators), then a per-client-IP token bucket. Deny wins over allow; an empty
 * allow list allows everyone. Answers: 'ok', 'deny' (the gateway drops silently), 'rate-limited' (the gateway
 * answers with a WSP 503-class Reply).
 */
import type { ClientPolicy, Service } from '../gateway/hooks.ts';
import { cidrSet, formatIp, parseIp, type CidrTable } from '../net/ip.ts';
import { CLIENT_POLICY_DEFAULTS, type AccessLists, type ClientPolicyOptions, type RateLimitOptions } from './options.ts';
import { TokenBuckets } from './token-bucket.ts';

const SERVICES: readonly Service[] = ['cl', 'co', 'ppg'];

export interface PolicyCounters {
  admitted: Record<Service, number>;
  denied: Record<Service, number>;
  rateLimited: Record<Service, number>;
}

export interface IdentityClientPolicy extends ClientPolicy {
  readonly counters: Readonly<PolicyCounters>;
}

interface Lists {
  allow: CidrTable<true> | undefined;
  deny: CidrTable<true> | undefined;
}

function compile(l: AccessLists | undefined, what: string): Lists {
  return {
    allow: l?.allow?.length ? cidrSet(l.allow, `${what}.allow`) : undefined,
    deny: l?.deny?.length ? cidrSet(l.deny, `${what}.deny`) : undefined,
  };
}

function permits(l: Lists, ip: ReturnType<typeof parseIp> & object): boolean {
  if (l.deny?.match(ip)) return false;
  if (l.allow && !l.allow.match(ip)) return false;
  return true;
}

/**
 * Options merge: `services` entries replace the default entry of the same service (so configuring
 * `services.ppg.allow` replaces the loopback default), `rateLimit` fields override one by one.
 */
export function createClientPolicy(options: Partial<Omit<ClientPolicyOptions, 'rateLimit'>> & { rateLimit?: Partial<RateLimitOptions> } = {}): IdentityClientPolicy {
  const opts: ClientPolicyOptions = {
    ...CLIENT_POLICY_DEFAULTS,
    ...options,
    services: { ...CLIENT_POLICY_DEFAULTS.services, ...options.services },
    rateLimit: { ...CLIENT_POLICY_DEFAULTS.rateLimit, ...options.rateLimit },
  };
  const global = compile(opts, 'policy');
  const per = new Map<Service, Lists>(SERVICES.map((s) => [s, compile(opts.services[s], `policy.services.${s}`)]));
  const limited = new Set<Service>(opts.rateLimit.services);
  const buckets = new TokenBuckets(opts.rateLimit.perSecond, opts.rateLimit.burst, opts.rateLimit.maxClients);
  const zero = (): Record<Service, number> => ({ cl: 0, co: 0, ppg: 0 });
  const counters: PolicyCounters = { admitted: zero(), denied: zero(), rateLimited: zero() };

  return {
    counters,
    admit(clientIp, service, now) {
      const ip = parseIp(clientIp);
      const lists = per.get(service);
      // An address we cannot parse is no client we can vouch for.
      if (!ip || !lists || !permits(global, ip) || !permits(lists, ip)) {
        if (lists) counters.denied[service]++;
        return 'deny';
      }
      if (limited.has(service) && !buckets.take(formatIp(ip), now)) {
        counters.rateLimited[service]++;
        return 'rate-limited';
      }
      counters.admitted[service]++;
      return 'ok';
    },
  };
}
