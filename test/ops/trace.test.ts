/**
 * Issue 8, interop labs: `wapgate serve --trace-pcap FILE` records every datagram in and out and the HTTP
 * exchanges with the upstream. After a CO Get and a CL Get through a running serve, tshark (Wireshark 4.0)
 * dissects the file with no Malformed packet and no expert warning or error, and shows WTP/WSP for the
 * handset side and HTTP for the upstream side, with the same URIs and statuses.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clGet } from '../../src/handset/cl.ts';
import { connect } from '../../src/handset/co.ts';
import { startUpstream, type Upstream } from '../gateway/upstream-server.ts';
import { fieldValues, tempDir, toolAvailable, tshark } from '../support/tools.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

describe.skipIf(!toolAvailable('tshark'))('serve --trace-pcap: a pcap tshark dissects cleanly', () => {
  let up: Upstream;
  let gw: ServeProcess;
  let pcapFile = '';

  beforeAll(async () => {
    up = await startUpstream();
    pcapFile = join(tempDir('wapgate-trace-'), 'serve.pcap');
    gw = await startServe({ config: { gateway: { upstream: up.url } }, args: ['--trace-pcap', pcapFile] });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await up?.close();
  });

  it('a CO Get and a CL Get: WTP/WSP and HTTP, no Malformed, no expert warnings', async () => {
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    expect((await s.get(`${up.origin}/echo?via=co`)).status).toBe(200);
    await s.disconnect();
    const cl = { gateway: { host: '127.0.0.1', port: gw.ports.cl }, bind: { address: '127.0.0.1' }, timeoutMs: 20_000, attempts: 1 };
    expect((await clGet(cl, `${up.origin}/bytes/700`)).body.length).toBe(700);
    gw.signal('SIGTERM');
    expect((await gw.exited).code).toBe(0);

    const r = tshark(pcapFile, [
      '-d', `udp.port==${gw.ports.cl},wsp`,
      '-d', `udp.port==${gw.ports.co},wtp`,
      '-d', `tcp.port==${up.port},http`,
    ]);
    expect(r.problems).toEqual([]);
    const layers = (p: (typeof r.packets)[number]) => Object.keys(p._source.layers);
    const udp = r.packets.filter((p) => layers(p).includes('udp'));
    const tcp = r.packets.filter((p) => layers(p).includes('tcp'));
    // every datagram is WSP (CL) or WTP (CO); the CO ones carry WSP Connect, Get, Disconnect
    expect(udp.length).toBeGreaterThanOrEqual(8);
    for (const p of udp) expect(layers(p).some((l) => l === 'wsp' || l === 'wtp')).toBe(true);
    const wspTypes = udp.flatMap((p) => fieldValues(p, 'wsp.pdu_type'));
    for (const t of ['0x01', '0x02', '0x40', '0x04', '0x05']) expect(wspTypes, `WSP PDU type ${t}`).toContain(t);
    const uris = udp.flatMap((p) => fieldValues(p, 'wsp.uri'));
    expect(uris).toEqual(expect.arrayContaining([`${up.origin}/echo?via=co`, `${up.origin}/bytes/700`]));
    // the upstream side: two HTTP exchanges, as the upstream saw them
    expect(tcp.length).toBeGreaterThan(0);
    const requests = tcp.flatMap((p) => fieldValues(p, 'http.request.uri'));
    expect(requests).toEqual(['/echo?via=co', '/bytes/700']);
    expect(up.seen.map((x) => x.url)).toEqual(requests);
    expect(tcp.flatMap((p) => fieldValues(p, 'http.response.code'))).toEqual(['200', '200']);
    expect(tcp.flatMap((p) => fieldValues(p, 'http.content_length_header'))).toContain('700');
  }, 180_000);
});
