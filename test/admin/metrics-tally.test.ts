import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.ts';

async function values(get: () => Promise<{ values: { labels: Record<string, unknown>; value: number }[] }>) {
  return (await get()).values.map((v) => [v.labels, v.value]);
}

describe('hot-path counter children (labels() tallies folded on read)', () => {
  it('counts through cached children, the object form and inc(labels) alike', async () => {
    const { metrics: m, registry } = createMetrics({ defaultMetrics: false });
    const ok = m.wspRequests.labels('cl', 'GET', '200');
    expect(m.wspRequests.labels('cl', 'GET', '200')).toBe(ok);
    ok.inc();
    ok.inc(2);
    m.wspRequests.labels({ mode: 'cl', method: 'GET', status: '200' }).inc();
    m.wspRequests.inc({ mode: 'co', method: 'POST', status: '502' });
    expect(await values(() => m.wspRequests.get())).toEqual([
      [{ mode: 'cl', method: 'GET', status: '200' }, 4],
      [{ mode: 'co', method: 'POST', status: '502' }, 1],
    ]);
    // Folded once: a second read does not add again.
    expect((await m.wspRequests.get()).values[0]!.value).toBe(4);
    expect(await registry.metrics()).toMatch(/wapgate_wsp_requests_total\{mode="cl",method="GET",status="200"\} 4/);
  });

  it('keeps per-port datagram children and the udpPort tallies together', async () => {
    const { metrics: m, udpPort } = createMetrics({ defaultMetrics: false });
    m.datagramsIn.labels('9200').inc();
    udpPort(9200).rx(10);
    expect(await values(() => m.datagramsIn.get())).toEqual([[{ port: '9200' }, 2]]);
  });

  it('reset drops what was counted; a kept child counts again afterwards; remove re-creates on the next inc', async () => {
    const { metrics: m } = createMetrics({ defaultMetrics: false });
    const c = m.upstreamErrors.labels('timeout');
    c.inc(5);
    m.upstreamErrors.reset();
    expect(await values(() => m.upstreamErrors.get())).toEqual([]);
    c.inc();
    expect(await values(() => m.upstreamErrors.get())).toEqual([[{ kind: 'timeout' }, 1]]);
    m.upstreamErrors.remove('timeout');
    expect(await values(() => m.upstreamErrors.get())).toEqual([]);
    c.inc(3);
    expect(await values(() => m.upstreamErrors.get())).toEqual([[{ kind: 'timeout' }, 3]]);
  });

  it('refuses what prom-client refuses', () => {
    const { metrics: m } = createMetrics({ defaultMetrics: false });
    expect(() => m.wspRequests.labels('cl', 'GET').inc()).toThrow();
    expect(() => m.upstreamErrors.labels('x').inc(-1)).toThrow();
    expect(() => m.upstreamErrors.labels('x').inc(Number.NaN)).toThrow();
  });
});
