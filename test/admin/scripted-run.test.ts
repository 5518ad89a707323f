/**
 * Issue 8's metrics check on a real gateway: a scripted run (CL Get, CL Post, a request the allow-list refuses)
 * over real UDP against a real HTTP upstream; the counters scraped from the admin listener's /metrics equal what
 * happened, and the trace tap recorded the same datagrams in a pcap tshark dissects cleanly.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.ts';
import { createAdminServer, type AdminServer } from '../../src/admin/server.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { clGet, clPost } from '../../src/handset/cl.ts';
import { PcapRecorder, udpTap } from '../../src/trace/recorder.ts';
import { tempDir, toolAvailable, tshark } from '../support/tools.ts';
import { startUpstream, type Upstream } from '../gateway/upstream-server.ts';
import { parsePrometheusText, sampleValue, type Family } from './prom-text.ts';

const sum = (fams: Map<string, Family>, name: string) =>
  fams.get(name)?.samples.reduce((a, s) => a + s.value, 0) ?? 0;

describe('metrics after a scripted run equal what happened', () => {
  let up: Upstream;
  let gw: Gateway;
  let admin: AdminServer;
  let base: string;
  let rec: PcapRecorder;
  const bundle = createMetrics({ defaultMetrics: false });
  const pcapFile = join(tempDir('wapgate-run-'), 'run.pcap');

  beforeAll(async () => {
    up = await startUpstream();
    gw = createGateway({ bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: up.url }, { metrics: bundle.metrics });
    await gw.start();
    rec = new PcapRecorder({ file: pcapFile });
    gw.setTap(udpTap(rec));
    admin = createAdminServer({ bind: '127.0.0.1', port: 0, registry: bundle.registry }, { status: { gateway: () => ({ ...gw.stats() }) } });
    base = `http://127.0.0.1:${(await admin.listen()).port}`;
  });
  afterAll(async () => {
    await admin?.close();
    await gw?.stop(200);
    await up?.close();
    rec?.close();
  });

  it('CL Get, CL Post and a refused request', async () => {
    const opts = { gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address: '127.0.0.2' }, timeoutMs: 3000, attempts: 2 };
    expect((await clGet(opts, `${up.origin}/echo`)).status).toBe(200);
    expect((await clPost(opts, `${up.origin}/raw`, 'application/octet-stream', Buffer.alloc(300, 7))).status).toBe(200);
    expect((await clGet(opts, 'http://127.0.0.9:1/not-allowed')).status).toBe(403);

    const text = await (await fetch(`${base}/metrics`)).text();
    const fams = parsePrometheusText(text);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'cl', method: 'GET', status: '200' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'cl', method: 'POST', status: '200' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'cl', method: 'GET', status: '403' })).toBe(1);
    expect(sum(fams, 'wapgate_wsp_requests_total')).toBe(3);
    expect(sum(fams, 'wapgate_datagrams_received_total')).toBe(3);
    expect(sum(fams, 'wapgate_datagrams_sent_total')).toBe(3);
    expect(sampleValue(fams, 'wapgate_upstream_request_duration_seconds_count', { origin: up.origin })).toBe(2);
    expect(rec.packets).toBe(6);
    // stable labels: the datagram counters are per local port (9200/9201 in production)
    expect(fams.get('wapgate_datagrams_received_total')!.samples.every((s) => /^\d+$/.test(s.labels.port!))).toBe(true);
  });

  it.skipIf(!toolAvailable('tshark'))('the trace of that run dissects as WSP with no Malformed/expert errors', () => {
    rec.close();
    const r = tshark(pcapFile, ['-d', `udp.port==${gw.addresses.cl.port},wsp`]);
    expect(r.problems).toEqual([]);
    expect(r.packets).toHaveLength(6);
    expect(r.packets.every((p) => 'wsp' in p._source.layers)).toBe(true);
  });
});
