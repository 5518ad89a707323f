import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapRecorder, TraceHub, httpMessage, plainAddress } from '../../src/trace/recorder.ts';
import { fieldValues, tempDir, toolAvailable, tshark } from '../support/tools.ts';

const GW = { address: '127.0.0.1', port: 9201 };
const GW_CL = { address: '127.0.0.1', port: 9200 };
const PHONE = { address: '127.0.0.2', port: 32768 };
const T0 = 1_700_000_000_000;

const url = 'http://127.0.0.1:8002/mms/abc';
const clGet = Buffer.concat([Buffer.from([0x01, 0x40, url.length]), Buffer.from(url, 'latin1')]);
// TID 1, Reply, 200 OK (0x20), headers length 1, Content-Type text/plain (0x83), data
const clReply = Buffer.concat([Buffer.from([0x01, 0x04, 0x20, 0x01, 0x83]), Buffer.from('hello', 'latin1')]);
// WTP Invoke class 2, TID 1, U/P; WSP Connect v1.0 no capabilities, no headers
const invoke = Buffer.from([0x0e, 0x00, 0x01, 0x12, 0x01, 0x10, 0x00, 0x00]);
// WTP Result TID 1 (responder direction bit), WSP ConnectReply session 1
const result = Buffer.from([0x16, 0x80, 0x01, 0x02, 0x01, 0x00, 0x00]);
const ack = Buffer.from([0x18, 0x00, 0x01]);

function flow(rec: { datagram: PcapRecorder['datagram']; http: PcapRecorder['http'] }, big = 5000) {
  rec.datagram({ direction: 'in', local: GW_CL, remote: PHONE, payload: clGet, time: T0 });
  rec.http({
    client: { address: '127.0.0.1' },
    server: { address: '127.0.0.1', port: 8002 },
    handset: PHONE,
    request: { method: 'GET', target: '/mms/abc', headers: { Host: '127.0.0.1:8002', 'X-MSISDN': '+15550000001' } },
    response: { status: 200, headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }, body: Buffer.from('hello') },
    start: T0 + 1,
    end: T0 + 5,
  });
  rec.datagram({ direction: 'out', local: GW_CL, remote: PHONE, payload: clReply, time: T0 + 6 });
  rec.datagram({ direction: 'in', local: GW, remote: PHONE, payload: invoke, time: T0 + 10 });
  rec.datagram({ direction: 'out', local: GW, remote: PHONE, payload: result, time: T0 + 11 });
  rec.datagram({ direction: 'in', local: GW, remote: PHONE, payload: ack, time: T0 + 12 });
  rec.http({
    client: { address: '127.0.0.1', port: 45000 },
    server: { address: '127.0.0.1', port: 8002 },
    handset: PHONE,
    request: {
      method: 'POST',
      target: '/mms',
      headers: [['Host', '127.0.0.1:8002'], ['Content-Type', 'application/octet-stream']],
      body: Buffer.alloc(big, 0x41),
    },
    response: { status: 204, headers: {} },
    start: T0 + 20,
    end: T0 + 40,
  });
  // an upstream that never answered
  rec.http({
    client: { address: '127.0.0.1' },
    server: { address: '127.0.0.1', port: 8002 },
    handset: { address: '127.0.0.3', port: 1 },
    request: { method: 'GET', target: '/slow', headers: { Host: '127.0.0.1:8002' } },
    start: T0 + 50,
    end: T0 + 60,
  });
}

describe('httpMessage', () => {
  it('normalises framing to Content-Length and notes a cut body', () => {
    const m = httpMessage('HTTP/1.1 200 OK', { 'Transfer-Encoding': 'chunked', A: ['1', '2'] }, Buffer.from('abcdef'), 4, true).toString('latin1');
    expect(m).toBe('HTTP/1.1 200 OK\r\nA: 1\r\nA: 2\r\nContent-Length: 4\r\nX-Wapgate-Trace: body cut from 6 to 4 octets\r\n\r\nabcd');
  });
  it('maps IPv4-mapped IPv6 to IPv4', () => {
    expect(plainAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
  });
});

describe('PcapRecorder', () => {
  it('rotates by size and keeps the configured number of files', () => {
    const dir = tempDir('wapgate-trace-');
    const file = join(dir, 'trace.pcap');
    const rec = new PcapRecorder({ file, rotateSize: 2000, keep: 2 });
    for (let i = 0; i < 100; i++) rec.datagram({ direction: 'in', local: GW, remote: PHONE, payload: Buffer.alloc(100), time: T0 + i });
    rec.close();
    expect(rec.rotations).toBeGreaterThan(2);
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) {
      const b = readFileSync(f);
      expect(b.length).toBeLessThanOrEqual(2000);
      expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    }
  });
});

describe.skipIf(!toolAvailable('tshark'))('trace pcaps dissected by tshark', () => {
  it('UDP on 9200/9201 as WSP/WTP and the upstream exchanges as HTTP, with no Malformed/expert errors', () => {
    const file = join(tempDir('wapgate-trace-'), 'flow.pcap');
    const rec = new PcapRecorder({ file, maxHttpBody: 3000 });
    flow(rec);
    rec.close();
    const r = tshark(file);
    expect(r.problems).toEqual([]);
    const protos = r.packets.map((p) => Object.keys(p._source.layers));
    expect(protos[0]).toContain('wsp');
    expect(fieldValues(r.packets[0]!, 'wsp.pdu_type')).toEqual(['0x40']);
    const http = r.packets.filter((p) => 'http' in p._source.layers);
    const methods = http.flatMap((p) => fieldValues(p, 'http.request.method'));
    expect(methods).toEqual(['GET', 'POST', 'GET']);
    const codes = http.flatMap((p) => fieldValues(p, 'http.response.code'));
    expect(codes).toEqual(['200', '204']);
    expect(r.text).toContain('X-MSISDN: +15550000001');
    expect(r.text).toContain('X-Wapgate-Trace: body cut from 5000 to 3000 octets');
    const wtp = r.packets.filter((p) => 'wtp' in p._source.layers);
    expect(wtp.length).toBe(3);
    expect(wtp.flatMap((p) => fieldValues(p, 'wsp.pdu_type'))).toEqual(['0x01', '0x02']);
  });

  it('IPv6 and IPv4-mapped addresses', () => {
    const file = join(tempDir('wapgate-trace-'), 'v6.pcap');
    const rec = new PcapRecorder({ file });
    rec.datagram({ direction: 'in', local: { address: '::', port: 9200 }, remote: { address: '::ffff:127.0.0.2', port: 5000 }, payload: clGet });
    rec.datagram({ direction: 'out', local: { address: '::1', port: 9200 }, remote: { address: '::1', port: 5000 }, payload: clReply });
    rec.http({
      client: { address: '::1' },
      server: { address: '::1', port: 8080 },
      request: { method: 'GET', target: '/', headers: { Host: '[::1]:8080' } },
      response: { status: 200, headers: {}, body: Buffer.from('x') },
      start: T0,
      end: T0 + 1,
    });
    rec.close();
    const r = tshark(file);
    expect(r.problems).toEqual([]);
    expect(r.packets.filter((p) => 'wsp' in p._source.layers)).toHaveLength(2);
    expect(fieldValues(r.packets[1]!, 'ipv6.src')).toEqual(['::1']);
  });

  it('per-session traces hold only that handset, and stop on request', () => {
    const dir = tempDir('wapgate-trace-');
    const hub = new TraceHub({ main: { file: join(dir, 'all.pcap') }, sessionDir: join(dir, 'sessions') });
    const s = hub.startSession('127.0.0.2');
    flow(hub);
    const info = hub.stopSession(s.id)!;
    expect(info.active).toBe(false);
    flow(hub); // not recorded in the session file any more
    hub.close();
    const all = tshark(join(dir, 'all.pcap'));
    const one = tshark(info.file);
    expect(one.problems).toEqual([]);
    expect(all.problems).toEqual([]);
    const addrs = one.packets.flatMap((p) => [...fieldValues(p, 'ip.src'), ...fieldValues(p, 'ip.dst')]);
    expect(addrs).toContain('127.0.0.2');
    expect(addrs).not.toContain('127.0.0.3');
    // the whole flow minus the exchange made for 127.0.0.3
    expect(one.packets.filter((p) => 'http' in p._source.layers).length).toBe(4);
    expect(all.packets.length).toBeGreaterThan(2 * one.packets.length);
    expect(info.packets).toBe(one.packets.length);
  });
});

describe.skipIf(!toolAvailable('tshark'))('traceInterceptor: undici exchanges recorded as they happen', () => {
  it('records GET and POST through a Pool with their bodies; a refused connection without a response', async () => {
    const { createServer } = await import('node:http');
    const { Pool } = await import('undici');
    const { traceInterceptor } = await import('../../src/trace/http-interceptor.ts');
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = req.method === 'POST' ? Buffer.concat(parts) : Buffer.alloc(4000, 0x62);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const file = join(tempDir('wapgate-trace-'), 'undici.pcap');
    const rec = new PcapRecorder({ file });
    const pool = new Pool(`http://127.0.0.1:${port}`).compose(traceInterceptor(rec));
    try {
      const a = await pool.request({ origin: `http://127.0.0.1:${port}`, path: '/mms/x?y=1', method: 'GET', headers: ['X-MSISDN', '+15550000001'] });
      expect((await a.body.arrayBuffer()).byteLength).toBe(4000);
      const b = await pool.request({ origin: `http://127.0.0.1:${port}`, path: '/mms', method: 'POST', body: Buffer.from('m-send-req'), headers: { 'content-type': 'application/octet-stream' } });
      expect(Buffer.from(await b.body.arrayBuffer()).toString()).toBe('m-send-req');
    } finally {
      await pool.close();
      await new Promise((r) => server.close(r));
    }
    // the server is gone now: a refused connection is recorded as a request that got no response
    const dead = new Pool(`http://127.0.0.1:${port}`).compose(traceInterceptor(rec));
    await expect(dead.request({ origin: `http://127.0.0.1:${port}`, path: '/gone', method: 'GET' })).rejects.toThrow(/ECONNREFUSED/);
    await dead.close();
    rec.close();
    // an ephemeral port: Wireshark's HTTP-over-TCP heuristic finds it without being told
    const r = tshark(file);
    expect(r.problems).toEqual([]);
    const http = r.packets.filter((p) => 'http' in p._source.layers);
    expect(http.flatMap((p) => fieldValues(p, 'http.request.method'))).toEqual(['GET', 'POST', 'GET']);
    expect(http.flatMap((p) => fieldValues(p, 'http.request.uri'))).toEqual(['/mms/x?y=1', '/mms', '/gone']);
    expect(http.flatMap((p) => fieldValues(p, 'http.response.code'))).toEqual(['200', '200']);
    expect(r.text).toContain('X-MSISDN: +15550000001');
    expect(r.text).toContain('File Data: 4000 bytes');
  });
});
