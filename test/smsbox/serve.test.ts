/**
 * `wapgate serve` as a real process with the sendsms interface on (src/app/services.ts): a WAP Push GET reaches
 * the static subscriber's IP on 2948 from the gateway's 9200 socket, /status and /metrics show it; SIGHUP swaps
 * the sendsms users and adds a URL map that the next handset request follows — with one gateway thread and with
 * two worker threads.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clGet } from '../../src/handset/cl.ts';
import { freeTcpPort, startServe, type ServeProcess } from '../ops/serve-process.ts';

const HANDSET = '127.0.0.46';

function get(port: number, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// gateway.workers 2: the push leaves from the primary thread's socket and SIGHUP's URL map reaches the workers.
describe.each([1, 2])('serve with --sendsms-port, gateway.workers %i', (workers) => {
  let serve: ServeProcess;
  let upstream: Server;
  let origin = '';
  let handset: Socket;
  let sendsmsPort = 0;
  const got: { msg: Buffer; from: AddressInfo }[] = [];
  const config = (users: { username: string; password: string }[], urlMap: string[]) => ({
    gateway: { upstream: `${origin}/mms`, urlMap, workers },
    identity: { static: [{ cidr: `${HANDSET}/32`, msisdn: '+15550000046' }] },
    sendsms: { port: sendsmsPort, users },
  });

  beforeAll(async () => {
    upstream = createServer((req, res) => res.end(`upstream ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    handset = createSocket('udp4');
    handset.on('message', (msg, from) => got.push({ msg, from: from as AddressInfo }));
    await new Promise<void>((r) => handset.bind(2948, HANDSET, r));
    sendsmsPort = await freeTcpPort();
    serve = await startServe({ config: config([{ username: 'mmsc', password: 'one' }], []) });
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
    handset?.close();
    upstream?.close();
  });

  it('a WAP Push GET reaches the subscriber from the gateway socket; status and metrics count it', async () => {
    const push = '%01%06%03%BE%AF%84%8C%82%98serve%00';
    const r = await get(sendsmsPort, `/cgi-bin/sendsms?username=mmsc&password=one&to=%2B15550000046&udh=%06%05%04%0B%84%23%F0&text=${push}`);
    expect(r).toEqual({ status: 202, body: '0: Accepted for delivery' });
    const end = Date.now() + 10_000;
    while (got.length === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    expect(got[0]!.msg).toEqual(Buffer.concat([Buffer.from('010603beaf848c8298', 'hex'), Buffer.from('serve'), Buffer.from([0])]));
    expect(got[0]!.from.port).toBe(serve.ports.cl);
    const status = JSON.parse((await (await fetch(`${serve.admin}/status`)).text())) as { sendsms?: { delivered: number } };
    expect(status.sendsms?.delivered).toBe(1);
    expect(await (await fetch(`${serve.admin}/metrics`)).text()).toMatch(/wapgate_sendsms_messages_total\{bearer="ip",outcome="delivered"\} 1/);
  }, 60_000);

  it('SIGHUP: new sendsms users apply; a URL map added to the config is followed', async () => {
    const before = await clGet({ gateway: { host: '127.0.0.1', port: serve.ports.cl }, bind: { address: HANDSET } }, 'http://mmsc.public.example/x');
    expect(before.status).toBe(403);
    serve.writeConfig(config([{ username: 'mbuni', password: 'two' }], [`http://mmsc.public.example/* ${origin}/*`]));
    serve.signal('SIGHUP');
    await serve.waitLog((l) => /reload/i.test(String(l.msg)) && JSON.stringify(l).includes('sendsms'), 30_000);
    expect((await get(sendsmsPort, '/cgi-bin/sendsms?username=mmsc&password=one&to=1&text=x')).status).toBe(403);
    const ok = await get(sendsmsPort, '/cgi-bin/sendsms?username=mbuni&password=two&to=%2B15550000046&udh=%06%05%04%0B%84%23%F0&text=%02%06%01%BE');
    expect(ok.status).toBe(202);
    const after = await clGet({ gateway: { host: '127.0.0.1', port: serve.ports.cl }, bind: { address: HANDSET } }, 'http://mmsc.public.example/x');
    expect(after.status).toBe(200);
    expect(after.body.toString()).toBe('upstream /x');
  }, 60_000);
});
