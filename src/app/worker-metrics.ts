/**
 * A gateway worker thread's metrics without prom-client (issue 13: each worker thread ≤ 10 MiB). The worker counts
 * in plain numbers behind the WapgateMetrics shape the gateway writes to; at a scrape the primary asks every worker
 * for `snapshot()` — the same JSON prom-client's `Registry.getMetricsAsJSON()` gives — and sums it with its own
 * registry's (AggregatorRegistry.aggregate in src/app/workers.ts). What each metric is (name, help, labels,
 * buckets) comes from the primary's registry (src/admin/metrics.ts metricSpecs), so nothing is defined twice.
 * Importing prom-client and src/admin/metrics.ts (whose process-wide registry collects Node's default metrics:
 * an event-loop-delay sampler and a GC observer) cost each worker ~3–5 MiB RSS and CPU it never needed.
 */
import type { Counter, Gauge, Histogram, IncreaseDataWithExemplar, LabelValues, ObserveDataWithExemplar } from 'prom-client';
import type { MetricSpec, WapgateMetrics } from '../admin/metrics.ts';

/** One value of a metric as prom-client's getMetricsAsJSON() gives it (histograms: metricName _bucket/_sum/_count). */
export interface MetricValueJson {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** One metric as prom-client's getMetricsAsJSON() gives it. */
export interface MetricJson {
  name: string;
  help: string;
  type: MetricSpec['type'];
  values: MetricValueJson[];
  aggregator: 'sum';
}

interface Series {
  labels: Record<string, string | number>;
  value: number;
  /** Histograms: observations per bucket (not cumulative), then the sum. */
  counts?: number[];
  sum?: number;
}

/** The counts of one metric, by label set (as many label sets as the gateway makes, like prom-client's own). */
class Tally {
  private readonly series = new Map<string, Series>();

  constructor(readonly spec: MetricSpec) {}

  /** Positional label values or a labels object as a labels record and its key; throws on labels the metric lacks. */
  private labelled(values: readonly unknown[] | LabelValues<string> | undefined): { key: string; labels: Record<string, string | number> } {
    const names = this.spec.labelNames;
    const labels: Record<string, string | number> = {};
    if (Array.isArray(values)) {
      if (values.length !== names.length) throw new Error(`${this.spec.name}: ${names.length} label values expected, got ${values.length}`);
      names.forEach((n, i) => (labels[n] = values[i] as string | number));
    } else if (values !== undefined) {
      for (const [k, v] of Object.entries(values as LabelValues<string>)) {
        if (!names.includes(k)) throw new Error(`${this.spec.name}: label "${k}" is not one of ${names.join(', ') || '(none)'}`);
        if (typeof v === 'string' || typeof v === 'number') labels[k] = v;
      }
    }
    return { key: names.map((n) => String(labels[n] ?? '')).join('\u0000'), labels };
  }

  /** The series of these labels (made at first use). */
  at(values: readonly unknown[] | LabelValues<string> | undefined): Series {
    const { key, labels } = this.labelled(values);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, value: 0 };
      if (this.spec.buckets) {
        s.counts = new Array<number>(this.spec.buckets.length + 1).fill(0);
        s.sum = 0;
      }
      this.series.set(key, s);
    }
    return s;
  }

  reset(): void {
    this.series.clear();
  }

  remove(values: readonly unknown[] | LabelValues<string>): void {
    this.series.delete(this.labelled(values).key);
  }

  json(): MetricJson | undefined {
    if (this.series.size === 0) return undefined;
    const { name, help, type, buckets } = this.spec;
    const values: MetricValueJson[] = [];
    for (const s of this.series.values()) {
      if (!buckets) {
        values.push({ value: s.value, labels: { ...s.labels } });
        continue;
      }
      let acc = 0;
      buckets.forEach((le, i) => {
        acc += s.counts![i]!;
        values.push({ value: acc, labels: { le, ...s.labels }, metricName: `${name}_bucket` });
      });
      values.push({ value: s.value, labels: { le: '+Inf', ...s.labels }, metricName: `${name}_bucket` });
      values.push({ value: s.sum!, labels: { ...s.labels }, metricName: `${name}_sum` });
      values.push({ value: s.value, labels: { ...s.labels }, metricName: `${name}_count` });
    }
    return { name, help, type, values, aggregator: 'sum' };
  }

  /** prom-client's MetricObjectWithValues (its `type` is typed as an enum it never holds at run time). */
  async get(): Promise<never> {
    const j = this.json() ?? { name: this.spec.name, help: this.spec.help, type: this.spec.type, values: [], aggregator: 'sum' as const };
    return j as never;
  }
}

function increment(s: Series, value: number, name: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new TypeError(`${name}: counter increment must be a finite number >= 0: ${value}`);
  s.value += value;
}

function observe(s: Series, buckets: readonly number[], value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`histogram observation must be a finite number: ${value}`);
  let i = 0;
  while (i < buckets.length && value > buckets[i]!) i++;
  s.counts![i]!++;
  s.sum! += value;
  s.value++;
}

/** `labels(...)`'s arguments: positional values, or one labels object. */
function labelArgs(args: unknown[]): readonly unknown[] | LabelValues<string> {
  return args.length === 1 && typeof args[0] === 'object' && args[0] !== null ? (args[0] as LabelValues<string>) : args;
}

/** An IncreaseDataWithExemplar / ObserveDataWithExemplar argument (exemplars are off in wapgate: ignored). */
function isData(x: unknown, spec: MetricSpec): x is { labels?: LabelValues<string>; value?: number } {
  return typeof x === 'object' && x !== null && !spec.labelNames.includes('labels') && ('labels' in x || 'exemplarLabels' in x);
}

class LightCounter extends Tally implements Counter<string> {
  inc(a?: LabelValues<string> | IncreaseDataWithExemplar<string> | number, b?: number): void {
    if (typeof a === 'number' || a === undefined) return increment(this.at(undefined), a ?? 1, this.spec.name);
    if (isData(a, this.spec)) return increment(this.at(a.labels), a.value ?? 1, this.spec.name);
    increment(this.at(a), b ?? 1, this.spec.name);
  }
  labels(...args: unknown[]): Counter.Internal {
    const s = this.at(labelArgs(args));
    return { inc: (v = 1) => increment(s, v, this.spec.name) };
  }
  override remove(...args: unknown[]): void {
    super.remove(labelArgs(args));
  }
}

class LightGauge extends Tally implements Gauge<string> {
  private add(a: LabelValues<string> | number | undefined, b: number | undefined, sign: 1 | -1): void {
    if (typeof a === 'number' || a === undefined) this.at(undefined).value += sign * (a ?? 1);
    else this.at(a).value += sign * (b ?? 1);
  }
  inc(a?: LabelValues<string> | number, b?: number): void {
    this.add(a, b, 1);
  }
  dec(a?: LabelValues<string> | number, b?: number): void {
    this.add(a, b, -1);
  }
  set(a: LabelValues<string> | number, b?: number): void {
    if (typeof a === 'number') this.at(undefined).value = a;
    else this.at(a).value = b ?? 0;
  }
  setToCurrentTime(labels?: LabelValues<string>): void {
    this.at(labels).value = Date.now() / 1000;
  }
  startTimer(labels?: LabelValues<string>): (end?: LabelValues<string>) => number {
    const t0 = performance.now();
    return (end) => {
      const seconds = (performance.now() - t0) / 1000;
      this.at({ ...labels, ...end }).value = seconds;
      return seconds;
    };
  }
  labels(...args: unknown[]): Gauge.Internal<string> {
    const s = this.at(labelArgs(args));
    return {
      inc: (v = 1) => void (s.value += v),
      dec: (v = 1) => void (s.value -= v),
      set: (v) => void (s.value = v),
      setToCurrentTime: () => void (s.value = Date.now() / 1000),
      startTimer: () => {
        const t0 = performance.now();
        return () => (s.value = (performance.now() - t0) / 1000);
      },
    };
  }
  override remove(...args: unknown[]): void {
    super.remove(labelArgs(args));
  }
  zero(labels: LabelValues<string>): void {
    this.at(labels).value = 0;
  }
}

class LightHistogram extends Tally implements Histogram<string> {
  private get buckets(): readonly number[] {
    return this.spec.buckets ?? [];
  }
  observe(a: LabelValues<string> | ObserveDataWithExemplar<string> | number, b?: number): void {
    if (typeof a === 'number') return observe(this.at(undefined), this.buckets, a);
    if (isData(a, this.spec)) return observe(this.at(a.labels), this.buckets, a.value ?? 0);
    observe(this.at(a), this.buckets, b ?? 0);
  }
  startTimer(labels?: LabelValues<string>): (end?: LabelValues<string>) => number {
    const t0 = performance.now();
    return (end) => {
      const seconds = (performance.now() - t0) / 1000;
      observe(this.at({ ...labels, ...end }), this.buckets, seconds);
      return seconds;
    };
  }
  labels(...args: unknown[]): Histogram.Internal<string> {
    const s = this.at(labelArgs(args));
    return {
      observe: (v) => observe(s, this.buckets, v),
      startTimer: () => {
        const t0 = performance.now();
        return () => observe(s, this.buckets, (performance.now() - t0) / 1000);
      },
    };
  }
  override remove(...args: unknown[]): void {
    super.remove(labelArgs(args));
  }
  zero(labels: LabelValues<string>): void {
    this.at(labels);
  }
}

export interface WorkerMetrics {
  /** What the gateway counts to (createGateway's deps.metrics). */
  metrics: WapgateMetrics;
  /** Every metric with values, as getMetricsAsJSON() would give it (build_info: the primary's alone). */
  snapshot(): MetricJson[];
}

/** Metrics for `specs` (the primary's metricSpecs(), sent in the worker's init). */
export function createWorkerMetrics(specs: readonly MetricSpec[]): WorkerMetrics {
  const tallies: Tally[] = [];
  const metrics: Record<string, Tally> = {};
  for (const spec of specs) {
    const t = spec.type === 'counter' ? new LightCounter(spec) : spec.type === 'gauge' ? new LightGauge(spec) : new LightHistogram(spec);
    metrics[spec.key] = t;
    if (!spec.name.endsWith('build_info')) tallies.push(t);
  }
  const missing = KEYS.filter((k) => !(k in metrics));
  if (missing.length) throw new Error(`worker metrics: no spec for ${missing.join(', ')}`);
  return {
    metrics: metrics as unknown as WapgateMetrics,
    snapshot: () => tallies.map((t) => t.json()).filter((j): j is MetricJson => j !== undefined),
  };
}

/** Every key of WapgateMetrics (checked by the compiler both ways: a key added there must be added here). */
const KEY_SET: { [K in keyof WapgateMetrics]: true } = {
  datagramsIn: true,
  datagramsOut: true,
  bytesIn: true,
  bytesOut: true,
  wtpTransactions: true,
  wtpInFlight: true,
  wtpRetransmissions: true,
  wtpAborts: true,
  sarSegments: true,
  sarNacks: true,
  sessionsActive: true,
  sessionsTotal: true,
  wspRequests: true,
  upstreamDuration: true,
  upstreamErrors: true,
  pushes: true,
  pushQueueDepth: true,
  radiusMapSize: true,
  radiusUpdates: true,
  rejectedInputs: true,
  cdrsWritten: true,
  configReloads: true,
  buildInfo: true,
};
const KEYS = Object.keys(KEY_SET);
