/**
 * Issue 8, watching it: a scripted run against a real `wapgate serve` process (a CO Get, a CL Post, a CL Get the
 * allow-list refuses, an undecodable datagram, a PAP push to a handset's push port and a PAP request that is not
 * PAP), then /metrics is scraped and its counters must equal what happened. The exposition is checked by
 * Prometheus's own promtool (`promtool check metrics`) and read by the strict parser in test/admin/prom-text.ts;
 * the per-port datagram counters are compared with what tshark counts in the `--trace-pcap` file of the same run.
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClClient } from '../../src/handset/cl.ts';
import { connect, type WspSession } from '../../src/handset/co.ts';
import { submitPush } from '../../src/mmsc/pap-client.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { parsePrometheusText, sampleValue, type Family } from '../admin/prom-text.ts';
import { startUpstream, type Upstream } from '../gateway/upstream-server.ts';
import { fieldValues, tempDir, toolAvailable, tshark } from '../support/tools.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

const promtoolHere = spawnSync('promtool', ['--version']).status === 0;
const sum = (fams: Map<string, Family>, name: string, where: Record<string, string> = {}) =>
  (fams.get(name)?.samples ?? [])
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);

describe('metrics after a scripted run of wapgate serve equal what happened', () => {
  let up: Upstream;
  let gw: ServeProcess;
  let session: WspSession | undefined;
  let cl: ClClient | undefined;
  let handset: dgram.Socket | undefined;
  let text = '';
  let pcapFile = '';
  const pushes: Buffer[] = [];

  beforeAll(async () => {
    up = await startUpstream();
    pcapFile = join(tempDir('wapgate-metrics-'), 'run.pcap');
    handset = dgram.createSocket('udp4');
    handset.on('message', (m) => pushes.push(m));
    await new Promise<void>((r) => handset!.bind(0, '127.0.0.1', () => r()));
    gw = await startServe({ config: { gateway: { upstream: up.url } }, args: ['--trace-pcap', pcapFile], pushPort: handset.address().port });
  }, 120_000);
  afterAll(async () => {
    await session?.abandon();
    await cl?.close();
    handset?.close();
    await gw?.stop();
    await up?.close();
  });

  it('CO Get, CL Post, refused CL Get, an undecodable datagram, a push and a bad PAP request', async () => {
    session = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    expect((await session.get(`${up.origin}/echo`)).status).toBe(200);
    // 6000 octets: more than one WTP segment (SAR)
    expect((await session.get(`${up.origin}/bytes/6000`)).body.length).toBe(6000);

    cl = new ClClient({ gateway: { host: '127.0.0.1', port: gw.ports.cl }, bind: { address: '127.0.0.1' }, timeoutMs: 20_000, attempts: 1 });
    expect((await cl.post(`${up.origin}/raw`, 'application/octet-stream', Buffer.alloc(500, 1))).status).toBe(200);
    expect((await cl.get('http://127.0.0.9:1/not-allowed')).status).toBe(403);

    // an undecodable datagram to the connectionless port (TID 1, Extended Post 0x7f with no body): refused, and
    // since its TID could be read the handset is told so with a 400 Reply
    const junk = dgram.createSocket('udp4');
    const junkReply = new Promise<Buffer>((r) => junk.once('message', r));
    await new Promise<void>((r) => junk.bind(0, '127.0.0.1', () => r()));
    junk.send(Buffer.from([0x01, 0x7f]), gw.ports.cl, '127.0.0.1');
    const answer = decodeConnectionless(await junkReply);
    junk.close();
    expect(answer).toMatchObject({ tid: 1, pdu: { type: 'Reply', status: 0x40 } });

    const pushed = await submitPush(gw.pap, { address: 'WAPPUSH=127.0.0.1/TYPE=IPv4@ppg', content: Buffer.from('not really MMS') });
    expect(pushed).toMatchObject({ ok: true });
    for (let i = 0; i < 200 && pushes.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(pushes).toHaveLength(1);
    expect(decodeConnectionless(pushes[0]!).pdu.type).toBe('Push');

    const bad = await fetch(gw.pap, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'no PAP here' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    await bad.arrayBuffer();

    // the engine settles the push asynchronously: wait until the outcome shows, then take the scrape
    for (let i = 0; i < 100; i++) {
      text = await (await fetch(`${gw.admin}/metrics`)).text();
      if (/wapgate_pushes_total\{[^}]*outcome="delivered"/.test(text)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const fams = parsePrometheusText(text);

    // WSP requests by mode, method and status
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'co', method: 'GET', status: '200' })).toBe(2);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'cl', method: 'POST', status: '200' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'cl', method: 'GET', status: '403' })).toBe(1);
    expect(sum(fams, 'wapgate_wsp_requests_total')).toBe(4);
    // upstream: three fetched, one refused by the allow-list
    expect(sampleValue(fams, 'wapgate_upstream_request_duration_seconds_count', { origin: up.origin })).toBe(3);
    expect(sampleValue(fams, 'wapgate_upstream_errors_total', { kind: 'not_allowed' })).toBe(1);
    expect(sum(fams, 'wapgate_upstream_errors_total')).toBe(1);
    expect(up.seen).toHaveLength(3);
    // sessions
    expect(sampleValue(fams, 'wapgate_wsp_sessions_active')).toBe(1);
    expect(sampleValue(fams, 'wapgate_wsp_session_events_total', { event: 'connect' })).toBe(1);
    expect(sum(fams, 'wapgate_wsp_session_events_total')).toBe(1);
    // pushes by bearer and outcome
    expect(sampleValue(fams, 'wapgate_pushes_total', { bearer: 'ip-cl', outcome: 'accepted' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_pushes_total', { bearer: 'ip-cl', outcome: 'delivered' })).toBe(1);
    expect(sum(fams, 'wapgate_pushes_total')).toBe(2);
    // rejected inputs by source and reason: the undecodable datagram and the non-PAP request
    expect(sum(fams, 'wapgate_rejected_inputs_total', { source: 'udp' })).toBe(1);
    expect(sum(fams, 'wapgate_rejected_inputs_total', { source: 'pap' })).toBe(1);
    expect(sum(fams, 'wapgate_rejected_inputs_total')).toBe(2);
    for (const s of fams.get('wapgate_rejected_inputs_total')!.samples) expect(s.labels.reason).toMatch(/^[a-z0-9_-]+$/);
    // datagrams per local port: CL took the Post, the Get and the junk; it sent three Replies and the push
    expect(sampleValue(fams, 'wapgate_datagrams_received_total', { port: String(gw.ports.cl) })).toBe(3);
    expect(sampleValue(fams, 'wapgate_datagrams_sent_total', { port: String(gw.ports.cl) })).toBe(4);
    expect(sampleValue(fams, 'wapgate_datagrams_received_total', { port: String(gw.ports.co) })).toBeGreaterThanOrEqual(4);
    expect(sampleValue(fams, 'wapgate_datagrams_sent_total', { port: String(gw.ports.co) })).toBeGreaterThanOrEqual(2);
    // WTP: the Connect and the two Gets completed as class-2 transactions; the 6000-octet Result went in segments
    expect(sampleValue(fams, 'wapgate_wtp_transactions_total', { class: '2', outcome: 'completed' })).toBe(3);
    expect(sampleValue(fams, 'wapgate_wtp_sar_segments_total', { direction: 'out' })).toBeGreaterThan(1);
  }, 240_000);

  it.skipIf(!promtoolHere)("promtool (Prometheus's own parser and linter) parses the scrape; it remarks only on prom-client's default gauges", () => {
    expect(text).not.toBe('');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    expect(out).not.toMatch(/error|parsing/i);
    for (const line of out.split('\n').filter(Boolean)) expect(line).toMatch(/^wapgate_nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/);
  });

  it.skipIf(!toolAvailable('tshark'))('the datagram counters equal what tshark counts in the same run\'s --trace-pcap', async () => {
    const fams = parsePrometheusText(text);
    await session?.abandon();
    session = undefined;
    gw.signal('SIGTERM');
    expect((await gw.exited).code).toBe(0);
    const r = tshark(pcapFile, ['-d', `udp.port==${gw.ports.cl},wsp`, '-d', `udp.port==${gw.ports.co},wtp`]);
    const count = (field: string, port: number) =>
      r.packets.filter((p) => fieldValues(p, field).includes(String(port)) && 'udp' in p._source.layers).length;
    // SAR: every segment of a segmented Result the gateway sent (first transmission, RID 0), by tshark's reading
    const fromCo = r.packets.filter((p) => fieldValues(p, 'udp.srcport').includes(String(gw.ports.co)));
    const pduTypes = (p: (typeof r.packets)[number]) => fieldValues(p, 'wtp.pdu_type');
    const segmented = fromCo.filter((p) => pduTypes(p).some((t) => t === '0x06' || t === '6'));
    const segTids = new Set(segmented.flatMap((p) => fieldValues(p, 'wtp.TID')));
    const segs = fromCo.filter(
      (p) => fieldValues(p, 'wtp.RID').every((v) => v === '0' || v === 'False') && fieldValues(p, 'wtp.TID').some((t) => segTids.has(t)) && pduTypes(p).some((t) => ['0x02', '2', '0x06', '6'].includes(t)),
    );
    expect(segmented.length).toBeGreaterThan(0);
    expect(sampleValue(fams, 'wapgate_wtp_sar_segments_total', { direction: 'out' })).toBe(segs.length);
    // retransmissions the gateway made are the datagrams tshark sees with the RID flag set
    const resent = fromCo.filter((p) => fieldValues(p, 'wtp.RID').some((v) => v === '1' || v === 'True')).length;
    expect(sum(fams, 'wapgate_wtp_retransmissions_total')).toBe(resent);
    for (const port of [gw.ports.cl, gw.ports.co]) {
      expect(sampleValue(fams, 'wapgate_datagrams_received_total', { port: String(port) }), `in on ${port}`).toBe(count('udp.dstport', port));
      expect(sampleValue(fams, 'wapgate_datagrams_sent_total', { port: String(port) }), `out of ${port}`).toBe(count('udp.srcport', port));
    }
  }, 120_000);
});
