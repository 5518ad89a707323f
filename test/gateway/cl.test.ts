/**
 * Connectionless WSP through the live gateway: real UDP on loopback, a real HTTP upstream, our CL client.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { ClClient } from '../../src/handset/cl.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { decodeMultipart, encodeMultipart } from '../../src/wsp/multipart.ts';
import { pattern, sha, startUpstream, type Upstream } from './upstream-server.ts';

let up: Upstream;
let gw: Gateway;
let client: ClClient;

beforeAll(async () => {
  up = await startUpstream();
  gw = createGateway({ bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: up.url, http: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } });
  await gw.start();
  client = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, timeoutMs: 4000, attempts: 1 });
});
afterAll(async () => {
  await client?.close();
  await gw?.stop(100);
  await up?.close();
});

type Echo = { method: string; headers: Record<string, string>; bodyLength: number; bodySha: string };

describe('connectionless WSP (9200)', () => {
  it('GET, OPTIONS, DELETE, TRACE reach the upstream with the right method and headers', async () => {
    for (const m of ['GET', 'OPTIONS', 'DELETE', 'TRACE']) {
      const r = await client.get(`${up.origin}/echo`, [{ name: 'Accept', value: 'application/json' }, { name: 'X-Test', value: m }], m);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/json');
      const j = JSON.parse(r.body.toString()) as Echo;
      expect(j.method).toBe(m);
      expect(j.headers['x-test']).toBe(m);
      expect(j.headers['accept']).toBe('application/json');
      expect(j.headers['x-wap-network-client-ip']).toBe('127.0.0.1');
      expect(r.headers.find((h) => h.name.toLowerCase() === 'x-echo')?.value).toBe('yes');
    }
  });

  it('HEAD gets headers and no body', async () => {
    const r = await client.get('/echo', [], 'HEAD');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
  });

  it('POST and PUT carry the body and its Content-Type both ways', async () => {
    const body = pattern(20_000);
    for (const m of ['POST', 'PUT']) {
      const r = await client.post('/raw', 'application/vnd.wap.mms-message', body, [], m);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/vnd.wap.mms-message');
      expect(sha(r.body)).toBe(sha(body));
      expect(up.seen.at(-1)?.method).toBe(m);
      expect(up.seen.at(-1)?.headers['content-length']).toBe('20000');
    }
  });

  it('converts WSP multipart to MIME towards HTTP and MIME multipart back to WSP for the handset', async () => {
    const wsp = encodeMultipart([
      { contentType: { type: 'text/plain', params: [] }, headers: [], data: Buffer.from('field value') },
      { contentType: { type: 'image/jpeg', params: [] }, headers: [{ name: 'Content-Location', value: 'p.jpg' }], data: pattern(500) },
    ]);
    const r = await client.post('/echo', 'application/vnd.wap.multipart.form-data', wsp);
    expect(r.status).toBe(200);
    const seen = up.seen.at(-1)!;
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.body.toString('latin1')).toContain('field value');
    expect(seen.body.toString('latin1')).toContain('Content-Location: p.jpg');
    const m = await client.get('/multipart');
    expect(m.contentType).toBe('application/vnd.wap.multipart.mixed');
    const parts = decodeMultipart(m.body);
    expect(parts.map((p) => [p.contentType.type, p.data.toString('latin1')])).toEqual([
      ['text/plain', 'first part'],
      ['image/gif', 'GIF89a'],
    ]);
  });

  it('answers an origin outside the allow-list with 403 and never fetches it', async () => {
    const before = up.seen.length;
    const r = await client.get('http://127.0.0.1:9/secret');
    expect(r.status).toBe(403);
    expect(up.seen.length).toBe(before);
  });

  it('maps upstream failures: 5xx, reset, timeout, oversize', async () => {
    expect((await client.get('/status/503')).status).toBe(503);
    expect((await client.get('/status/500')).status).toBe(500);
    expect((await client.get('/reset')).status).toBe(502);
    expect((await client.get('/hang')).status).toBe(504);
    // A reply larger than one datagram is refused, not truncated.
    expect((await client.get('/bytes/70000')).status).toBe(502);
    expect((await client.get('/bytes/60000')).body.length).toBe(60000);
  });

  it('keeps serving after garbage, truncated and non-method datagrams; a bad method PDU gets 400', async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const replies: Buffer[] = [];
    s.on('message', (m) => replies.push(m));
    const port = gw.addresses.cl.port;
    const send = (b: Buffer) => new Promise<void>((r) => s.send(b, port, '127.0.0.1', () => r()));
    await send(Buffer.alloc(0));
    await send(Buffer.from([0x01]));
    await send(Buffer.from([0x07, 0x40, 0x85])); // Get with a truncated URI length
    await send(Buffer.from([0x08, 0x04, 0x20])); // a Reply sent to the server
    await send(Buffer.from([0x09, 0x3f, 0x00])); // unknown PDU type
    for (let i = 0; i < 200; i++) await send(Buffer.from(Array.from({ length: 1 + (i % 60) }, (_, j) => (i * 131 + j * 17) & 0xff)));
    const find = () => replies.map((m) => decodeConnectionless(m)).find((x) => x.tid === 0x07);
    for (let i = 0; i < 50 && !find(); i++) await new Promise((r) => setTimeout(r, 100));
    const bad = find();
    expect(bad?.pdu.type).toBe('Reply');
    expect(bad?.pdu.type === 'Reply' && bad.pdu.status).toBe(0x40);
    s.close();
    const r = await client.get('/echo');
    expect(r.status).toBe(200);
  });

  it('sends unit pushes out of the connectionless port', async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<{ msg: Buffer; port: number }>((r) => s.once('message', (msg, rinfo) => r({ msg, port: rinfo.port })));
    const tid = gw.sendUnitPush(
      { address: '127.0.0.1', port: s.address().port },
      { type: 'Push', contentType: { type: 'application/vnd.wap.sic', params: [] }, headers: [], data: Buffer.from([1, 2, 3]) },
    );
    const { msg, port } = await got;
    expect(port).toBe(gw.addresses.cl.port);
    const d = decodeConnectionless(msg);
    expect(d.tid).toBe(tid);
    expect(d.pdu.type).toBe('Push');
    s.close();
  });
});
