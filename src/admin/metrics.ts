/**
 * Every Prometheus metric wapgate exposes, in one prom-client Registry of its own (never prom-client's global
 * default, so tests and embedders can create independent instances and nothing a library registers leaks in).
 *
 * Names and labels are a stable operator interface: dashboards and alerts depend on them. Add, never rename.
 *
 * Cheap on the per-datagram path: prom-client's `inc({port})` hashes the labels on every call (~0.6 µs). For
 * the per-datagram counters hold a `udpPort(port)` handle instead: `rx(bytes)` / `tx(bytes)` add to plain
 * numbers (a few ns), folded into the Prometheus counters when /metrics is scraped (prom-client `collect`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Label values used across the code base, so producers and dashboards agree on spelling. */
export type WtpClass = '0' | '1' | '2';
/** How a WTP transaction ended. */
export type WtpOutcome = 'completed' | 'aborted' | 'timeout' | 'duplicate';
/** Who sent an Abort: 'local' = wapgate aborted, 'peer' = the handset did. */
export type AbortOrigin = 'local' | 'peer';
export type SarDirection = 'in' | 'out';
export type WspMode = 'cl' | 'co';
export type UpstreamErrorKind =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'dns'
  | 'tls'
  | 'http_5xx'
  | 'too_large'
  | 'not_allowed'
  | 'other';
export type PushBearer = 'ip-cl' | 'ip-co' | 'sms';
export type PushOutcome = 'delivered' | 'expired' | 'cancelled' | 'undeliverable' | 'accepted' | 'rejected';
export type RadiusUpdate = 'start' | 'interim' | 'stop' | 'static';
/** Where a rejected input came in. */
export type RejectSource = 'udp' | 'radius' | 'pap' | 'mm1' | 'admin';

export interface WapgateMetrics {
  datagramsIn: Counter<'port'>;
  datagramsOut: Counter<'port'>;
  bytesIn: Counter<'port'>;
  bytesOut: Counter<'port'>;
  wtpTransactions: Counter<'class' | 'outcome'>;
  wtpInFlight: Gauge;
  wtpRetransmissions: Counter<'pdu'>;
  wtpAborts: Counter<'reason' | 'origin'>;
  sarSegments: Counter<'direction'>;
  sarNacks: Counter<'direction'>;
  sessionsActive: Gauge;
  sessionsTotal: Counter<'event'>;
  wspRequests: Counter<'mode' | 'method' | 'status'>;
  upstreamDuration: Histogram<'origin'>;
  upstreamErrors: Counter<'kind'>;
  pushes: Counter<'bearer' | 'outcome'>;
  pushQueueDepth: Gauge;
  radiusMapSize: Gauge;
  radiusUpdates: Counter<'type'>;
  rejectedInputs: Counter<'source' | 'reason'>;
  cdrsWritten: Counter;
  configReloads: Counter<'result'>;
  buildInfo: Gauge<'version' | 'node'>;
}

/** Per-port UDP accounting for the datagram hot path. */
export interface UdpPortCounters {
  /** One datagram of `bytes` octets received on this port. */
  rx(bytes: number): void;
  /** One datagram of `bytes` octets sent from this port. */
  tx(bytes: number): void;
}

export interface MetricsBundle {
  registry: Registry;
  metrics: WapgateMetrics;
  /** The hot-path handle for one local UDP port (cached: call once per socket). */
  udpPort(port: number | string): UdpPortCounters;
}

class PortTally implements UdpPortCounters {
  inN = 0;
  inB = 0;
  outN = 0;
  outB = 0;
  constructor(readonly port: string) {}
  rx(bytes: number): void {
    this.inN++;
    this.inB += bytes;
  }
  tx(bytes: number): void {
    this.outN++;
    this.outB += bytes;
  }
}

/**
 * Cheap labelled children for the per-transaction and per-datagram counters. prom-client's own child hashes and
 * validates its label set on every `inc()` (the profile showed it on the hot path: ~1.5 % of the gateway's CPU
 * in CL Get, more in CO with several datagrams per transaction). The children `labels(...)` hands out here add
 * to a plain number; the counter's `collect` (run by prom-client before every read: scrape, `get()`, the worker
 * merge) folds them in. One child per label set, at most CHILD_CAP of them.
 */
class TallyChild implements Counter.Internal {
  n = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(value = 1): void {
    if (!(value >= 0) || !Number.isFinite(value)) throw new TypeError(`counter increment must be a finite number >= 0: ${value}`);
    this.n += value;
  }
}

const CHILD_CAP = 4096;
const CHILDREN = new WeakMap<object, Map<string, TallyChild>>();

/** prom-client `collect` hook of a tallied counter: adds what its children counted since the last read. */
function foldChildren(this: Counter<string>): void {
  const children = CHILDREN.get(this);
  if (!children) return;
  for (const c of children.values()) {
    if (c.n === 0) continue;
    const n = c.n;
    c.n = 0;
    this.inc(c.labels, n);
  }
}

/**
 * A prom-client Counter whose positional `labels(...)` children are TallyChild (a subclass: prom-client's own
 * methods are extended, never replaced on an instance). The object form, unlabelled counters and anything past
 * CHILD_CAP keep prom-client's own children.
 */
class TalliedCounter<L extends string> extends Counter<L> {
  private tally(): Map<string, TallyChild> {
    let children = CHILDREN.get(this);
    if (!children) CHILDREN.set(this, (children = new Map()));
    return children;
  }

  override labels(...values: unknown[]): Counter.Internal {
    const names = (this as unknown as { labelNames: readonly string[] }).labelNames;
    if (names.length === 0 || values.length !== names.length || values.some((v) => typeof v !== 'string')) {
      return (super.labels as (...a: unknown[]) => Counter.Internal)(...values);
    }
    const children = this.tally();
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0000');
    let child = children.get(key);
    if (child === undefined) {
      // Beyond the cap (label values are bounded; this is a guard), prom-client's own children.
      if (children.size >= CHILD_CAP) return (super.labels as (...a: unknown[]) => Counter.Internal)(...values);
      const labels: Record<string, string> = {};
      names.forEach((n, i) => (labels[n] = values[i] as string));
      child = new TallyChild(labels);
      children.set(key, child);
    }
    return child;
  }

  // Children stay valid after reset/remove (callers keep them): what they counted before is dropped, what they
  // count after is folded in at the next read, re-creating the series as prom-client's own children do.
  override reset(): void {
    // prom-client's constructor resets too, before this instance has children.
    for (const child of CHILDREN.get(this)?.values() ?? []) child.n = 0;
    super.reset();
  }

  override remove(...values: unknown[]): void {
    foldChildren.call(this as Counter<string>);
    (super.remove as (...a: unknown[]) => void)(...values);
  }
}

/**
 * What one metric of a WapgateMetrics is (name, help, type, labels, buckets), for a producer without a registry of
 * its own: a gateway worker thread counts in plain numbers (src/app/worker-metrics.ts) and the primary merges
 * them into its exposition, so no worker loads prom-client.
 */
export interface MetricSpec {
  key: keyof WapgateMetrics;
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  labelNames: readonly string[];
  buckets?: readonly number[];
}

const SPECS = new WeakMap<object, Omit<MetricSpec, 'key'>>();

function described<M extends object>(m: M, spec: Omit<MetricSpec, 'key'>): M {
  SPECS.set(m, spec);
  return m;
}

/** The specs of every metric in `metrics` (made by createMetrics). */
export function metricSpecs(metrics: WapgateMetrics): MetricSpec[] {
  const out: MetricSpec[] = [];
  for (const [key, m] of Object.entries(metrics) as [keyof WapgateMetrics, object][]) {
    const spec = SPECS.get(m);
    if (spec) out.push({ key, ...spec });
  }
  return out;
}

/** Upstream latency buckets (seconds): handsets wait on slow MMSCs, so the tail up to a minute matters. */
export const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const UPSTREAM_HELP = 'Time from sending the HTTP request upstream to the end of its response body, by upstream origin.';

/**
 * A fresh registry with every wapgate metric and (unless `defaultMetrics: false`) prom-client's process/Node
 * metrics. The module-level `registry`/`metrics` below is the instance the gateway uses; tests that need
 * isolation call this.
 */
export function createMetrics(opts: { defaultMetrics?: boolean; prefix?: string } = {}): MetricsBundle {
  const registry = new Registry();
  const p = opts.prefix ?? 'wapgate_';
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    described(new TalliedCounter<L>({ name: p + name, help, labelNames, registers, collect: foldChildren }), { name: p + name, help, type: 'counter', labelNames });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    described(new Gauge<L>({ name: p + name, help, labelNames, registers }), { name: p + name, help, type: 'gauge', labelNames });

  const tallies = new Map<string, PortTally>();
  // Folds the hot-path tallies into the counters; prom-client calls it before each scrape of these four.
  const fold = () => {
    for (const t of tallies.values()) {
      if (t.inN) metrics.datagramsIn.inc({ port: t.port }, t.inN);
      if (t.inB) metrics.bytesIn.inc({ port: t.port }, t.inB);
      if (t.outN) metrics.datagramsOut.inc({ port: t.port }, t.outN);
      if (t.outB) metrics.bytesOut.inc({ port: t.port }, t.outB);
      t.inN = t.inB = t.outN = t.outB = 0;
    }
  };
  const udpCounter = (name: string, help: string) =>
    described(
      new TalliedCounter<'port'>({
        name: p + name,
        help,
        labelNames: ['port'],
        registers,
        collect(this: Counter<'port'>) {
          fold();
          foldChildren.call(this);
        },
      }),
      { name: p + name, help, type: 'counter', labelNames: ['port'] },
    );

  const metrics: WapgateMetrics = {
    datagramsIn: udpCounter('datagrams_received_total', 'UDP datagrams received, by local port.'),
    datagramsOut: udpCounter('datagrams_sent_total', 'UDP datagrams sent, by local port.'),
    bytesIn: udpCounter('udp_received_bytes_total', 'UDP payload octets received, by local port.'),
    bytesOut: udpCounter('udp_sent_bytes_total', 'UDP payload octets sent, by local port.'),
    wtpTransactions: counter(
      'wtp_transactions_total',
      'WTP transactions ended, by class (0, 1, 2) and outcome (completed, aborted, timeout, duplicate).',
      ['class', 'outcome'],
    ),
    wtpInFlight: gauge('wtp_transactions_in_flight', 'WTP transactions currently open.'),
    wtpRetransmissions: counter(
      'wtp_retransmissions_total',
      'WTP PDUs sent again after a retry timer expired or a NACK, by PDU type (invoke, result, ack, segment).',
      ['pdu'],
    ),
    wtpAborts: counter(
      'wtp_aborts_total',
      'WTP Abort PDUs, by abort reason and origin (local = sent by wapgate, peer = received).',
      ['reason', 'origin'],
    ),
    sarSegments: counter('wtp_sar_segments_total', 'WTP SAR segments, by direction (in, out).', ['direction']),
    sarNacks: counter('wtp_sar_nacks_total', 'WTP SAR NACK PDUs, by direction (in = received, out = sent).', [
      'direction',
    ]),
    sessionsActive: gauge('wsp_sessions_active', 'Connection-oriented WSP sessions currently open (incl. suspended).'),
    sessionsTotal: counter(
      'wsp_session_events_total',
      'WSP session lifecycle events (connect, disconnect, suspend, resume, idle_timeout, evicted, redirect).',
      ['event'],
    ),
    wspRequests: counter(
      'wsp_requests_total',
      'WSP method requests answered, by mode (cl, co), method (GET, POST, ...) and HTTP-equivalent status.',
      ['mode', 'method', 'status'],
    ),
    upstreamDuration: described(
      new Histogram<'origin'>({
        name: p + 'upstream_request_duration_seconds',
        help: UPSTREAM_HELP,
        labelNames: ['origin'],
        buckets: UPSTREAM_BUCKETS,
        registers,
      }),
      { name: p + 'upstream_request_duration_seconds', help: UPSTREAM_HELP, type: 'histogram', labelNames: ['origin'], buckets: UPSTREAM_BUCKETS },
    ),
    upstreamErrors: counter(
      'upstream_errors_total',
      'Upstream HTTP failures, by kind (refused, timeout, reset, dns, tls, http_5xx, too_large, not_allowed, other).',
      ['kind'],
    ),
    pushes: counter(
      'pushes_total',
      'WAP pushes, by bearer (ip-cl, ip-co, sms) and outcome (accepted, delivered, expired, cancelled, undeliverable, rejected).',
      ['bearer', 'outcome'],
    ),
    pushQueueDepth: gauge('push_queue_depth', 'Pushes accepted by the PPG and not yet finished.'),
    radiusMapSize: gauge('radius_map_size', 'Entries in the IP → MSISDN subscriber map.'),
    radiusUpdates: counter(
      'radius_updates_total',
      'Subscriber map updates, by type (start, interim, stop from RADIUS accounting; static from configuration).',
      ['type'],
    ),
    rejectedInputs: counter(
      'rejected_inputs_total',
      'Inputs refused or dropped, by source (udp, radius, pap, mm1, admin) and reason (stable code).',
      ['source', 'reason'],
    ),
    cdrsWritten: counter('cdrs_written_total', 'Charging data records written.'),
    configReloads: counter('config_reloads_total', 'Configuration reloads (SIGHUP), by result (applied, rejected).', [
      'result',
    ]),
    buildInfo: gauge('build_info', 'Always 1; labels carry the wapgate and Node.js versions.', ['version', 'node']),
  };
  metrics.buildInfo.set({ version: WAPGATE_VERSION, node: process.versions.node }, 1);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: p });
  const udpPort = (port: number | string): UdpPortCounters => {
    const key = String(port);
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = new PortTally(key)));
    return t;
  };
  return { registry, metrics, udpPort };
}

export const WAPGATE_VERSION = '0.1.0';

const shared = createMetrics();
/** The process-wide registry scraped by the admin listener's /metrics. */
export const registry: Registry = shared.registry;
/** The process-wide metrics; e.g. `metrics.wspRequests.inc({ mode: 'co', method: 'GET', status: '200' })`. */
export const metrics: WapgateMetrics = shared.metrics;
/** The process-wide hot-path UDP counters: `const c = udpPort(9201); ... c.rx(msg.length)`. */
export const udpPort: (port: number | string) => UdpPortCounters = shared.udpPort;

/** The Content-Type of the exposition (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = registry.contentType;
