import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.ts';
import { createAdminServer, type AdminServer } from '../../src/admin/server.ts';
import { TraceHub } from '../../src/trace/recorder.ts';
import { tempDir, toolAvailable, tshark } from '../support/tools.ts';
import { parsePrometheusText, sampleValue } from './prom-text.ts';

const open: AdminServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(...args: Parameters<typeof createAdminServer>) {
  const s = createAdminServer({ bind: '127.0.0.1', port: 0, ...args[0] }, args[1]);
  open.push(s);
  const addr: AddressInfo = await s.listen();
  const base = `http://127.0.0.1:${addr.port}`;
  return { s, base, get: (p: string, init?: RequestInit) => fetch(base + p, init) };
}

describe('metrics registry', () => {
  it('every metric the issue lists, with stable names and labels; the exposition parses strictly', async () => {
    const { registry, metrics: m } = createMetrics();
    m.datagramsIn.inc({ port: '9201' }, 3);
    m.datagramsOut.labels('9201').inc();
    m.wtpTransactions.inc({ class: '2', outcome: 'completed' });
    m.wtpRetransmissions.inc({ pdu: 'result' });
    m.wtpAborts.inc({ reason: 'NORESPONSE', origin: 'local' });
    m.sarSegments.inc({ direction: 'out' }, 8);
    m.sarNacks.inc({ direction: 'in' });
    m.sessionsActive.set(2);
    m.wspRequests.inc({ mode: 'co', method: 'GET', status: '200' });
    m.upstreamDuration.observe({ origin: 'http://127.0.0.1:8002' }, 0.042);
    m.upstreamErrors.inc({ kind: 'timeout' });
    m.pushes.inc({ bearer: 'ip-cl', outcome: 'delivered' });
    m.radiusMapSize.set(5);
    m.radiusUpdates.inc({ type: 'start' });
    m.rejectedInputs.inc({ source: 'udp', reason: 'WTP_TRUNCATED "x"\\y' });
    const text = await registry.metrics();
    const fams = parsePrometheusText(text);
    const expected: [string, string][] = [
      ['wapgate_datagrams_received_total', 'counter'],
      ['wapgate_datagrams_sent_total', 'counter'],
      ['wapgate_wtp_transactions_total', 'counter'],
      ['wapgate_wtp_retransmissions_total', 'counter'],
      ['wapgate_wtp_aborts_total', 'counter'],
      ['wapgate_wtp_sar_segments_total', 'counter'],
      ['wapgate_wtp_sar_nacks_total', 'counter'],
      ['wapgate_wsp_sessions_active', 'gauge'],
      ['wapgate_wsp_requests_total', 'counter'],
      ['wapgate_upstream_request_duration_seconds', 'histogram'],
      ['wapgate_upstream_errors_total', 'counter'],
      ['wapgate_pushes_total', 'counter'],
      ['wapgate_radius_map_size', 'gauge'],
      ['wapgate_radius_updates_total', 'counter'],
      ['wapgate_rejected_inputs_total', 'counter'],
      ['wapgate_process_cpu_seconds_total', 'counter'],
      ['wapgate_nodejs_eventloop_lag_seconds', 'gauge'],
    ];
    for (const [name, type] of expected) expect(fams.get(name)?.type, name).toBe(type);
    expect(sampleValue(fams, 'wapgate_datagrams_received_total', { port: '9201' })).toBe(3);
    expect(sampleValue(fams, 'wapgate_wtp_sar_segments_total', { direction: 'out' })).toBe(8);
    expect(sampleValue(fams, 'wapgate_rejected_inputs_total', { source: 'udp', reason: 'WTP_TRUNCATED "x"\\y' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_upstream_request_duration_seconds_count', { origin: 'http://127.0.0.1:8002' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_upstream_request_duration_seconds_bucket', { origin: 'http://127.0.0.1:8002', le: '0.05' })).toBe(1);
  });

  it('udpPort(): hot-path tallies fold into the same counters at scrape time, summed with direct increments', async () => {
    const { registry, metrics, udpPort } = createMetrics({ defaultMetrics: false });
    const p = udpPort(9200);
    expect(udpPort('9200')).toBe(p);
    for (let i = 0; i < 5; i++) p.rx(100);
    p.tx(40);
    metrics.datagramsIn.labels('9200').inc();
    let fams = parsePrometheusText(await registry.metrics());
    expect(sampleValue(fams, 'wapgate_datagrams_received_total', { port: '9200' })).toBe(6);
    expect(sampleValue(fams, 'wapgate_udp_received_bytes_total', { port: '9200' })).toBe(500);
    expect(sampleValue(fams, 'wapgate_datagrams_sent_total', { port: '9200' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_udp_sent_bytes_total', { port: '9200' })).toBe(40);
    p.rx(1);
    fams = parsePrometheusText(await registry.metrics());
    expect(sampleValue(fams, 'wapgate_datagrams_received_total', { port: '9200' })).toBe(7);
  });

  it('two registries are independent', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.metrics.cdrsWritten.inc();
    expect(sampleValue(parsePrometheusText(await b.registry.metrics()), 'wapgate_cdrs_written_total')).toBe(0);
  });

  it('the strict reader rejects what the format forbids', () => {
    expect(() => parsePrometheusText('# TYPE a counter\na{x="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na 2\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE a counter\na one\n')).toThrow(/float/);
    expect(() => parsePrometheusText('# TYPE a counter\na{x="\\q"} 1\n')).toThrow(/escape/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
  });
});

/** Prometheus's own promtool (Debian package prometheus): its text-format parser and metric-name linter. */
const promtoolHere = spawnSync('promtool', ['--version']).status === 0;
function promtool(text: string) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

describe.skipIf(!promtoolHere)('promtool check metrics (a parser and linter we did not write)', () => {
  it("wapgate's own metrics parse and pass the lint with nothing to say", async () => {
    const { registry, metrics: m } = createMetrics({ defaultMetrics: false });
    m.datagramsIn.inc({ port: '9201' });
    m.wtpAborts.inc({ reason: 'NORESPONSE', origin: 'peer' });
    m.upstreamDuration.observe({ origin: 'http://127.0.0.1:8002' }, 1.5);
    m.rejectedInputs.inc({ source: 'pap', reason: 'bad "xml"\\n' });
    expect(promtool(await registry.metrics())).toEqual({ status: 0, out: '' });
  });

  it('the full /metrics scrape (with process metrics) parses; the only lint remarks are on prom-client default gauges', async () => {
    const { registry } = createMetrics();
    const { get } = await start({ registry });
    const r = promtool(await (await get('/metrics')).text());
    expect(r.out).not.toMatch(/parsing error/);
    for (const line of r.out.split('\n').filter(Boolean)) expect(line).toMatch(/^wapgate_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/);
  });
});

describe('admin listener', () => {
  it('/healthz, /metrics, /status and the HTML view', async () => {
    const { registry, metrics } = createMetrics();
    metrics.sessionsActive.set(7);
    const { get } = await start(
      { registry, startedAt: Date.now() - 5000 },
      {
        status: { sessions: () => ({ active: 7, max: 10000 }), transactions: () => ({ inFlight: 2 }), pushQueue: () => ({ pending: 1 }) },
      },
    );
    const h = await get('/healthz');
    expect([h.status, await h.text()]).toEqual([200, 'ok\n']);
    const m = await get('/metrics');
    expect(m.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sampleValue(parsePrometheusText(await m.text()), 'wapgate_wsp_sessions_active')).toBe(7);
    const st = (await (await get('/status')).json()) as Record<string, unknown>;
    expect(st).toMatchObject({ version: '0.1.0', state: 'running', sessions: { active: 7 }, transactions: { inFlight: 2 }, pushQueue: { pending: 1 } });
    expect(st.uptimeSeconds).toBeGreaterThanOrEqual(5);
    const html = await (await get('/status.html')).text();
    expect(html).toContain('<th>inFlight</th><td>2</td>');
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/metrics', { method: 'POST' })).status).toBe(405);
  });

  it('/readyz runs the injected probes: 200 when all pass, 503 naming the failing one', async () => {
    let upstream = true;
    const { get, s } = await start(
      { probeTimeoutMs: 200 },
      {
        readiness: {
          sockets: () => true,
          upstream: async () => (upstream ? { ok: true } : { ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:8002' }),
          slow: () => new Promise<boolean>((r) => setTimeout(() => r(true), 10)),
        },
      },
    );
    let r = await get('/readyz');
    expect(r.status).toBe(200);
    upstream = false;
    r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ ready: false, checks: { sockets: { ok: true }, upstream: { ok: false, detail: /ECONNREFUSED/ } } });
    s.setDraining(true);
    expect((await get('/healthz')).status).toBe(503);
  });

  it('a probe that hangs or throws counts as not ready', async () => {
    const { get } = await start({ probeTimeoutMs: 50 }, { readiness: { hang: () => new Promise<boolean>(() => {}), boom: () => { throw new Error('bad'); } } });
    const body = (await (await get('/readyz')).json()) as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.checks.hang).toEqual({ ok: false, detail: 'no answer within 50 ms' });
    expect(body.checks.boom).toEqual({ ok: false, detail: 'bad' });
  });

  it('Basic auth guards everything but /healthz', async () => {
    const { get } = await start({ username: 'ops', password: 'pw' });
    expect((await get('/healthz')).status).toBe(200);
    const r = await get('/metrics');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="wapgate admin"/);
    const good = { headers: { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` } };
    const bad = { headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` } };
    expect((await get('/status', good)).status).toBe(200);
    expect((await get('/status', bad)).status).toBe(401);
  });

  it.skipIf(!toolAvailable('tshark'))('per-session traces: start, stop, download a pcap tshark reads', async () => {
    const dir = tempDir('wapgate-admin-');
    mkdirSync(join(dir, 's'));
    const hub = new TraceHub({ sessionDir: join(dir, 's') });
    const { get } = await start({}, { traces: hub });
    expect((await get('/traces?client=not-an-ip', { method: 'POST' })).status).toBe(400);
    const started = (await (await get('/traces?client=127.0.0.2', { method: 'POST' })).json()) as { id: string };
    const url = 'http://127.0.0.1/x';
    hub.datagram({
      direction: 'in',
      local: { address: '127.0.0.1', port: 9200 },
      remote: { address: '127.0.0.2', port: 4000 },
      payload: Buffer.concat([Buffer.from([0x01, 0x40, url.length]), Buffer.from(url)]),
    });
    hub.datagram({ direction: 'in', local: { address: '127.0.0.1', port: 9200 }, remote: { address: '127.0.0.3', port: 4000 }, payload: Buffer.from([1, 0x40, 0]) });
    const list = (await (await get('/traces')).json()) as { id: string; packets: number }[];
    expect(list).toMatchObject([{ id: started.id, packets: 1 }]);
    const stopped = await (await get(`/traces/${started.id}`, { method: 'DELETE' })).json();
    expect(stopped).toMatchObject({ active: false, stopped: 'request', packets: 1 });
    const pcap = Buffer.from(await (await get(`/traces/${started.id}.pcap`)).arrayBuffer());
    const r = tshark(pcap);
    expect(r.problems).toEqual([]);
    expect(r.packets).toHaveLength(1);
    expect(Object.keys(r.packets[0]!._source.layers)).toContain('wsp');
    hub.close();
  });
});
