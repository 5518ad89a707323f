/**
 * Bridges the identity and charging counters (plain cumulative fields, cheap on the packet path) to the
 * Prometheus metrics of src/admin/metrics.ts. `sync()` adds what happened since its last call; call it from
 * the registry's collect hook (before each scrape) or on a timer. Targets are structural, so this file does
 * not depend on prom-client or on the admin room.
 */
import type { CdrWriterCounters } from '../charging/cdr-writer.ts';
import type { RadiusCounters } from './radius-server.ts';
import type { SubscriberMap } from './subscriber-map.ts';

export interface IdentityMetricTargets {
  radiusMapSize?: { set(v: number): void };
  /** Label `type`: start | interim | stop (RADIUS) — as src/admin/metrics.ts RadiusUpdate. */
  radiusUpdates?: { labels(type: string): { inc(n?: number): void } };
  /** Labels `source` ('radius') and `reason` (the drop reason, a stable code). */
  rejectedInputs?: { labels(source: string, reason: string): { inc(n?: number): void } };
  cdrsWritten?: { inc(n?: number): void };
}

export interface IdentityMetricSources {
  map?: SubscriberMap;
  radius?: { counters: Readonly<RadiusCounters> };
  cdrs?: { counters: Readonly<CdrWriterCounters> };
}

export function createIdentityMetricsSync(targets: IdentityMetricTargets, sources: IdentityMetricSources): () => void {
  const seen = new Map<string, number>();
  /** Adds the growth of a cumulative value since the last sync. */
  const delta = (key: string, value: number, add: (n: number) => void): void => {
    const d = value - (seen.get(key) ?? 0);
    seen.set(key, value);
    if (d > 0) add(d);
  };
  return () => {
    if (sources.map) targets.radiusMapSize?.set(sources.map.size);
    const rc = sources.radius?.counters;
    if (rc) {
      const up = targets.radiusUpdates;
      if (up) {
        delta('start', rc.starts, (n) => up.labels('start').inc(n));
        delta('interim', rc.interims, (n) => up.labels('interim').inc(n));
        delta('stop', rc.stops, (n) => up.labels('stop').inc(n));
      }
      const rej = targets.rejectedInputs;
      if (rej) for (const [reason, v] of Object.entries(rc.dropped)) delta(`drop:${reason}`, v, (n) => rej.labels('radius', reason).inc(n));
    }
    const cc = sources.cdrs?.counters;
    const cw = targets.cdrsWritten;
    if (cc && cw) delta('cdrs', cc.written, (n) => cw.inc(n));
  };
}
