/**
 * The check: an upstream that builds content locations from its public name, reached only through a
 * URL map — retrieval works with Kannel's fakewap (a client we did not write) and with our phone (CO and CL);
 * an unmapped foreign origin is still refused and never contacted.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clGet } from '../../src/handset/cl.ts';
import { connect } from '../../src/handset/co.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { TOOL_PATHS, toolAvailable } from '../support/tools.ts';

const PUBLIC = 'http://mmsc.operator.example:8002';

function fakewap(port: number, mode: 'co' | 'cl', url: string): Promise<string> {
  const args = ['-g', '127.0.0.1', '-p', String(port), '-M', mode === 'co' ? '1' : '0', '-m', '1', '-i', '0', '-c', '1', url];
  return new Promise((resolve) => execFile('timeout', ['20', TOOL_PATHS.fakewap!, ...args], { encoding: 'utf8' }, (_e, o, e) => resolve(`${o}${e}`)));
}

describe('URL map: an MMSC known by its public name only', () => {
  let gw: Gateway;
  let mmsc: Server;
  let foreign: Server;
  const mmscSaw: { url: string; host: string }[] = [];
  const foreignSaw: string[] = [];
  let foreignOrigin = '';

  beforeAll(async () => {
    // Builds the content location it answers from the Host it was asked for, as Mbuni does.
    mmsc = createServer((req, res) => {
      mmscSaw.push({ url: req.url!, host: req.headers.host ?? '' });
      res.setHeader('content-type', 'text/plain');
      res.setHeader('x-location', `http://${req.headers.host}/mms/next`);
      res.end(`message ${req.url} at http://${req.headers.host}${req.url}`);
    });
    foreign = createServer((req, res) => {
      foreignSaw.push(req.url!);
      res.end('should never be reached');
    });
    await new Promise<void>((r) => mmsc.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    const real = `http://127.0.0.1:${(mmsc.address() as AddressInfo).port}`;
    foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    gw = createGateway({
      bind: '127.0.0.1',
      clPort: 0,
      coPort: 0,
      upstream: `${real}/mms`,
      urlMap: [{ from: `${PUBLIC}/*`, to: `${real}/*`, keepHost: true }],
      http: { requestTimeoutMs: 5000 },
    });
    await gw.start();
  });
  afterAll(async () => {
    await gw?.stop(100);
    mmsc?.close();
    foreign?.close();
  });

  it('our phone retrieves the content location over CO and CL; the MMSC saw its public Host', async () => {
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, bind: { address: '127.0.0.2' } });
    try {
      const r = await s.get(`${PUBLIC}/mms/abc?x=1`);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('message /mms/abc?x=1 at http://mmsc.operator.example:8002/mms/abc?x=1');
    } finally {
      await s.disconnect?.();
    }
    const c = await clGet({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address: '127.0.0.2' } }, `${PUBLIC}/mms/def`);
    expect(c.status).toBe(200);
    expect(mmscSaw.map((x) => x.host)).toEqual(['mmsc.operator.example:8002', 'mmsc.operator.example:8002']);
  });

  it('an unmapped foreign origin is refused (403) and never contacted', async () => {
    const c = await clGet({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address: '127.0.0.2' } }, `${foreignOrigin}/x`);
    expect(c.status).toBe(403);
    expect(foreignSaw).toHaveLength(0);
  });

  it.skipIf(!toolAvailable('fakewap'))('fakewap retrieves through the map (CO and CL) and gets 403 for the foreign origin', async () => {
    const co = await fakewap(gw.addresses.co.port, 'co', `${PUBLIC}/mms/fw1`);
    expect(co).toMatch(/WSP Reply with status code 200/);
    const cl = await fakewap(gw.addresses.cl.port, 'cl', `${PUBLIC}/mms/fw2`);
    expect(cl).toMatch(/status code 200/);
    const bad = await fakewap(gw.addresses.co.port, 'co', `${foreignOrigin}/y`);
    expect(bad).toMatch(/received reply with status 403/);
    expect(mmscSaw.map((x) => x.url)).toEqual(expect.arrayContaining(['/mms/fw1', '/mms/fw2']));
    expect(foreignSaw).toHaveLength(0);
  }, 60_000);
});
