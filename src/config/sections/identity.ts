/**
 * `identity:` — who the handset is (RADIUS accounting, static table), what the upstream is told (X-MSISDN and
 * friends, per origin), who may use the gateway (client allow/deny, rate limit). Owned by the identity area.
 */
import * as z from 'zod';
import { RADIUS_UPSTREAM_DEFAULTS, SUBSCRIBER_MAP_DEFAULTS } from '../../identity/options.ts';
import { cidr, duration, group, ipAddress, key, origin, port } from '../meta.ts';

const msisdn = () => z.string().regex(/^\+?\d{3,15}$/, { message: 'an MSISDN: 3 to 15 digits, optionally with +' });
const headerName = () => z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'an HTTP header name' });

const staticEntry = z.strictObject({
  cidr: key(cidr(), { description: 'Handset address or block.' }),
  msisdn: key(msisdn(), { description: 'Subscriber number for it.' }),
  imsi: key(z.string().regex(/^\d{6,15}$/).optional(), { description: 'Optional IMSI.' }),
});

const originPolicy = z.strictObject({
  origin: key(origin(), { description: 'Upstream origin this entry applies to.' }),
  msisdnHeader: key(headerName().optional(), { description: 'MSISDN header name for this origin.' }),
  imsiHeader: key(headerName().optional(), { description: 'IMSI header name for this origin (unset: not sent).' }),
  clientIpHeader: key(headerName().optional(), { description: 'Client-IP header name for this origin.' }),
  refuseUnknown: key(z.boolean().optional(), { description: 'Refuse requests from unknown subscribers.' }),
});

export const identitySection = group({
  radius: group({
    enabled: key(z.boolean().default(false), { description: 'Run the RADIUS accounting server (RFC 2866).' }),
    bind: key(ipAddress().default('127.0.0.1'), { description: 'Address the RADIUS accounting server binds.' }),
    port: key(port().default(1813), { description: 'UDP port of the RADIUS accounting server.', flag: 'radius-port' }),
    secret: key(z.string().default(''), {
      description: 'Shared secret checked on every Accounting-Request (required when radius.enabled).',
      secret: true,
      flag: 'radius-secret',
    }),
    mapMax: key(z.number().int().min(1).default(SUBSCRIBER_MAP_DEFAULTS.maxEntries), { description: 'Most entries in the IP → MSISDN map.' }),
    mapTtl: key(duration().default(SUBSCRIBER_MAP_DEFAULTS.ttlMs), {
      description:
        'An entry with no accounting update for this long is forgotten (ms or 6h; 0 = never); keep it above the Acct-Interim-Interval.',
    }),
    forward: group({
      host: key(z.string().optional(), { description: 'Upstream RADIUS server every request is forwarded to (unset: none).' }),
      port: key(port().default(1813), { description: 'Upstream RADIUS server port.' }),
      secret: key(z.string().default(''), { description: 'Shared secret with the upstream RADIUS server.', secret: true }),
      timeout: key(duration().default(RADIUS_UPSTREAM_DEFAULTS.timeoutMs), { description: 'Wait for the upstream RADIUS answer (ms or 3s).' }),
    }),
  }),
  static: key(z.array(staticEntry).default([]), {
    description: 'Static subscriber table: list of {cidr, msisdn, imsi?}, for labs and fixed devices.',
    reloadable: true,
  }),
  staticFile: key(z.string().optional(), {
    description: 'YAML/JSON file with more static entries in the same shape (re-read on SIGHUP).',
    reloadable: true,
  }),
  msisdnHeader: key(headerName().default('X-MSISDN'), {
    description: 'Header carrying the MSISDN to the upstream (e.g. X-WAP-Network-Client-MSISDN).',
    reloadable: true,
  }),
  imsiHeader: key(headerName().optional(), { description: 'Header carrying the IMSI (unset: not sent).', reloadable: true }),
  clientIpHeader: key(headerName().default('X-WAP-Network-Client-IP'), {
    description: "Header carrying the handset's IP address to the upstream.",
    reloadable: true,
  }),
  refuseUnknown: key(z.boolean().default(false), {
    description: 'Refuse (WSP 403) requests from handsets with no known MSISDN.',
    reloadable: true,
  }),
  origins: key(z.array(originPolicy).default([]), {
    description: 'Per-upstream-origin overrides: list of {origin, msisdnHeader?, imsiHeader?, clientIpHeader?, refuseUnknown?}.',
    reloadable: true,
  }),
  clients: group({
    allow: key(z.array(cidr()).default([]), {
      description: 'Handset addresses/blocks allowed on 9200/9201 (empty: all not denied).',
      reloadable: true,
    }),
    deny: key(z.array(cidr()).default([]), {
      description: 'Handset addresses/blocks refused on 9200/9201 (wins over allow).',
      reloadable: true,
    }),
  }),
  rateLimit: group({
    rate: key(z.number().min(0).default(0), {
      description: 'Requests per second allowed per client IP (token bucket; 0 = no limit).',
      reloadable: true,
    }),
    burst: key(z.number().int().min(1).default(20), { description: 'Token bucket size per client IP.', reloadable: true }),
  }),
});
