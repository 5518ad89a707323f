/**
 * The identity layer's public surface: subscriber map (RADIUS + static table), RADIUS accounting server,
 * header enrichment, client policy (ACL + rate limit), header hygiene.
 */
export { createSubscriberMap, parseStaticTable } from './subscriber-map.ts';
export type { SubscriberMap, SubscriberRecord, ThreeGppInfo, SubscriberMapCounters, BindResult, SubscriberChange, SubscriberBindInput } from './subscriber-map.ts';
export { createRadiusAccountingServer } from './radius-server.ts';
export type { RadiusAccountingServer, RadiusCounters } from './radius-server.ts';
export { DROP_REASONS as RADIUS_DROP_REASONS } from './radius-packet.ts';
export type { DropReason as RadiusDropReason } from './radius-packet.ts';
export { createEnricher, normalizeOrigin } from './enricher.ts';
export type { IdentityEnricher, EnricherCounters } from './enricher.ts';
export { createClientPolicy } from './policy.ts';
export type { IdentityClientPolicy, PolicyCounters } from './policy.ts';
export { isSafeHeader, isSafeHeaderName, sanitizeHeaderValue, stripProtected } from './headers.ts';
export { normalizeIp, parseCidr, parseIp } from '../net/ip.ts';
export * from './options.ts';
export { createIdentityMetricsSync } from './metrics.ts';
export type { IdentityMetricTargets, IdentityMetricSources } from './metrics.ts';
export { readStaticTableFile } from './subscriber-map.ts';
