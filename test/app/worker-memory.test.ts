/**
 * Issue 13, each extra gateway worker thread ≤ 10 MiB: what keeps a worker small, checked by what it is given
 * and what it loads rather than by an RSS threshold (docs/build.md "Worker threads" has the figures). A worker
 * counts its metrics without prom-client and the primary merges them (the same exposition as a registry's);
 * its V8 young generation is capped; its content caches are a share of the configured total.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, metricSpecs, type WapgateMetrics } from '../../src/admin/metrics.ts';
import { DEFAULT_CONTENT_OPTIONS } from '../../src/content/converter.ts';
import { createWorkerMetrics } from '../../src/app/worker-metrics.ts';
import { addressHash, bindingTargets, contentShare, createWorkerGateway, WORKER_RESOURCE_LIMITS } from '../../src/app/workers.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** What the gateway does to its metrics in a transaction or two (the calls src/gateway makes). */
function exercise(m: WapgateMetrics): void {
  const port = m.datagramsIn.labels('9201');
  port.inc();
  port.inc();
  m.bytesIn.labels('9201').inc(300);
  m.wtpTransactions.labels('2', 'completed').inc();
  m.wtpTransactions.inc({ class: '0', outcome: 'completed' }, 2);
  m.wtpInFlight.inc();
  m.wtpInFlight.inc();
  m.wtpInFlight.dec();
  m.sessionsActive.set(7);
  m.wspRequests.labels('co', 'GET', '200').inc();
  for (const s of [0.003, 0.02, 0.02, 0.7, 90]) m.upstreamDuration.labels('http://127.0.0.1:8040').observe(s);
  m.upstreamDuration.observe({ origin: 'http://mmsc' }, 0.04);
  m.rejectedInputs.labels('udp', 'draining').inc();
  m.cdrsWritten.inc();
}

/** Static (value) imports from `file`, resolved: our sources by path, packages by name; `import type` skipped. */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
    const spec = m[3] ?? m[4]!;
    const names = m[2] ?? '';
    // `import type …` and `import { type A, type B }` load nothing at run time.
    if (m[1] || (/^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type')))) continue;
    if (spec.startsWith('.')) out.push(resolve(dirname(file), spec));
    else if (!spec.startsWith('node:')) out.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return out;
}

function moduleGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (f.startsWith('/')) todo.push(...staticImports(f));
  }
  return new Set([...seen].map((f) => (f.startsWith(ROOT) ? f.slice(ROOT.length + 1) : f)));
}

describe('a gateway worker thread’s memory (issue 13)', () => {
  it('counts its metrics without prom-client: the snapshot is what a prom-client registry reports for the same calls', async () => {
    const bundle = createMetrics({ defaultMetrics: false });
    const light = createWorkerMetrics(metricSpecs(bundle.metrics));
    exercise(bundle.metrics);
    exercise(light.metrics);
    const key = (v: object): string => JSON.stringify(v);
    const strip = (j: { name: string; values: { value: number; labels: object; metricName?: string }[] }[]) =>
      j
        // prom-client reports an unlabelled metric never touched as 0; a worker leaves it out (the sum is the same).
        .filter((x) => x.values.some((v) => v.value !== 0 || Object.keys(v.labels).length > 0) && !x.name.endsWith('build_info'))
        .map((x) => ({ name: x.name, values: x.values.map((v) => ({ value: v.value, labels: { ...v.labels }, metricName: v.metricName })).sort((a, b) => key(a).localeCompare(key(b))) }))
        .sort((a, b) => a.name.localeCompare(b.name));
    const expected = strip(await bundle.registry.getMetricsAsJSON());
    expect(expected.length).toBe(9);
    expect(strip(light.snapshot())).toEqual(expected);
  });

  it('the primary’s merge of its registry and the workers’ snapshots sums them (counters, gauges, histogram buckets)', async () => {
    const all = createMetrics({ defaultMetrics: false });
    const own = createMetrics({ defaultMetrics: false });
    const workers = [createWorkerMetrics(metricSpecs(own.metrics)), createWorkerMetrics(metricSpecs(own.metrics))];
    for (const m of [all.metrics, all.metrics, all.metrics]) exercise(m);
    exercise(own.metrics);
    for (const w of workers) exercise(w.metrics);
    const merged = AggregatorRegistry.aggregate([await own.registry.getMetricsAsJSON(), ...workers.map((w) => w.snapshot())] as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    const lines = (text: string) => text.split('\n').filter((l) => l && !l.includes('build_info')).sort();
    // A gauge is each thread's own value, summed: sessions open in all threads together.
    const expected = lines(await all.registry.metrics()).map((l) => (l === 'wapgate_wsp_sessions_active 7' ? 'wapgate_wsp_sessions_active 21' : l));
    expect(expected).toContain('wapgate_wsp_sessions_active 21');
    expect(lines(await merged.metrics())).toEqual(expected);
  });

  it('refuses what prom-client refuses: a wrong number of label values, an unknown label, a negative increment', () => {
    const w = createWorkerMetrics(metricSpecs(createMetrics({ defaultMetrics: false }).metrics)).metrics;
    expect(() => w.wspRequests.labels('co', 'GET')).toThrow(/3 label values/);
    expect(() => w.datagramsIn.inc({ nope: 'x' } as never)).toThrow(/label "nope"/);
    expect(() => w.cdrsWritten.inc(-1)).toThrow(TypeError);
  });

  it('remove() drops one label set and reset() all of them, as prom-client does', () => {
    const light = createWorkerMetrics(metricSpecs(createMetrics({ defaultMetrics: false }).metrics));
    light.metrics.wspRequests.labels('co', 'GET', '200').inc();
    light.metrics.wspRequests.labels('cl', 'GET', '404').inc();
    light.metrics.wspRequests.remove('co', 'GET', '200');
    const requests = () => light.snapshot().find((j) => j.name === 'wapgate_wsp_requests_total')?.values;
    expect(requests()).toEqual([{ value: 1, labels: { mode: 'cl', method: 'GET', status: '404' } }]);
    light.metrics.wspRequests.reset();
    expect(requests()).toBeUndefined();
  });

  it('loads neither prom-client nor anything only the primary runs (static imports of its entry)', () => {
    const graph = moduleGraph(join(ROOT, 'src/app/worker-thread.ts'));
    expect(graph.has('src/gateway/index.ts'), 'the walk reached the gateway').toBe(true);
    expect(graph.has('src/gateway/undici.ts'), 'the walk reached the HTTP client').toBe(true);
    const primaryOnly = ['prom-client', 'src/admin/metrics.ts', 'better-sqlite3', 'src/app/serve.ts', 'src/app/workers.ts', 'src/mmsc/index.ts', 'src/store/index.ts', 'src/push/ppg.ts'];
    expect(primaryOnly.filter((m) => graph.has(m))).toEqual([]);
  });

  it('divides the content caches and cookie jars between the workers (all together hold the configured total)', () => {
    const c = { ...DEFAULT_CONTENT_OPTIONS, cacheEntries: 1000, cacheBytes: 8_000_000, cookieBytes: 64_000_000 };
    expect(contentShare(c, 3)).toEqual({ ...c, cacheEntries: 334, cacheBytes: 2_666_666, cookieBytes: 21_333_333 });
    expect(contentShare({ ...c, cacheEntries: 0 }, 2).cacheEntries).toBe(0);
    expect(contentShare(c, 1)).toEqual(c);
  });

  it('sends an IPv4 subscriber binding only to the worker its datagrams are routed to; prefixes and IPv6 to all', () => {
    const hosts = Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    for (const workers of [2, 3]) {
      // The address as dgram writes it: dotted quad on an IPv4 socket, IPv4-mapped on the dual-stack one.
      expect(hosts.map((a) => bindingTargets(a, workers, '0.0.0.0'))).toEqual(hosts.map((a) => [addressHash(a) % workers]));
      expect(hosts.map((a) => bindingTargets(a, workers, '::'))).toEqual(hosts.map((a) => [addressHash(`::ffff:${a}`) % workers]));
      const share = hosts.filter((a) => bindingTargets(a, workers, '127.0.0.1')![0] === 0).length;
      expect(share).toBeGreaterThan(300 / workers / 2);
      expect(share).toBeLessThan((300 / workers) * 1.5);
    }
    // Another spelling of the same address goes to the same worker.
    expect(bindingTargets('::ffff:10.1.0.7', 3, '0.0.0.0')).toEqual(bindingTargets('10.1.0.7', 3, '0.0.0.0'));
    for (const a of ['10.2.0.0/16', '2001:db8::1', '2001:db8::/64', 'not an address']) expect(bindingTargets(a, 2, '0.0.0.0')).toBeUndefined();
    expect(bindingTargets('10.1.0.7', 1, '0.0.0.0')).toBeUndefined();
  });

  it('starts each worker with a capped young generation', async () => {
    const gw = createWorkerGateway({ bind: '127.0.0.1', clPort: 0, coPort: 0 }, 1);
    await gw.start();
    try {
      const limits = gw.threads[0]!.resourceLimits;
      expect(limits?.maxYoungGenerationSizeMb).toBe(WORKER_RESOURCE_LIMITS.maxYoungGenerationSizeMb);
      expect(WORKER_RESOURCE_LIMITS.maxYoungGenerationSizeMb).toBeLessThanOrEqual(8);
    } finally {
      await gw.stop(100);
    }
  }, 60_000);
});
