import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy, type ProxyRequest } from '../../src/gateway/proxy.ts';
import { resolveOptions } from '../../src/gateway/options.ts';
import type { Enricher } from '../../src/gateway/hooks.ts';
import { deadPort, pattern, sha, startUpstream, type Upstream } from './upstream-server.ts';

let up: Upstream;
let proxy: HttpProxy;

function req(over: Partial<ProxyRequest>): ProxyRequest {
  return { method: 'GET', uri: '/echo', headers: [], clientIp: '127.0.0.9', maxResponseBytes: 1 << 20, ...over };
}

beforeAll(async () => {
  up = await startUpstream();
  const o = resolveOptions({ upstream: up.url, http: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } });
  proxy = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
});
afterAll(async () => {
  await proxy.close();
  await up.close();
});

describe('HttpProxy', () => {
  it('resolves relative URIs against the upstream, adds Via and X-WAP-Network-Client-IP, strips hop-by-hop', async () => {
    const r = await proxy.fetch(
      req({
        headers: [
          ['Accept', '*/*'],
          ['Connection', 'close'],
          ['Host', 'evil.example'],
          ['X-WAP-Network-Client-IP', '1.2.3.4'],
          ['User-Agent', 'Nokia6600/1.0'],
        ],
      }),
    );
    expect(r.outcome).toBe('ok');
    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json');
    const j = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
    expect(j.headers['via']).toBe('WSP/1.0 wapgate');
    expect(j.headers['x-wap-network-client-ip']).toBe('127.0.0.9');
    expect(j.headers['host']).toBe(`127.0.0.1:${up.port}`);
    expect(j.headers['user-agent']).toBe('Nokia6600/1.0');
    expect(j.headers['connection']).not.toBe('close');
    expect(r.headers).toContainEqual(['X-Echo', 'yes']);
    expect(r.headers.find(([n]) => n === 'Content-Type')).toBeUndefined();
  });

  it('posts a body with Content-Type and Content-Length from the PDU', async () => {
    const body = pattern(300_000);
    const r = await proxy.fetch(req({ method: 'POST', uri: `${up.origin}/echo`, body, contentType: 'application/vnd.wap.mms-message' }));
    const j = JSON.parse(r.body.toString()) as { bodyLength: number; bodySha: string; headers: Record<string, string> };
    expect(j.bodyLength).toBe(300_000);
    expect(j.bodySha).toBe(sha(body));
    expect(j.headers['content-type']).toBe('application/vnd.wap.mms-message');
  });

  it('refuses origins outside the allow-list (never an open proxy)', async () => {
    const r = await proxy.fetch(req({ uri: 'http://127.0.0.1:1/x' }));
    expect(r.status).toBe(403);
    expect(r.outcome).toBe('forbidden-origin');
    const r2 = await proxy.fetch(req({ uri: 'ftp://127.0.0.1/x' }));
    expect(r2.status).toBe(400);
  });

  it('passes redirects through by default', async () => {
    const r = await proxy.fetch(req({ uri: '/redirect' }));
    expect(r.status).toBe(302);
    expect(r.headers).toContainEqual(['Location', '/echo']);
  });

  it('follows redirects only when configured, and only to allowed origins', async () => {
    const o = resolveOptions({ upstream: up.url, http: { followRedirects: true } });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    const r = await p.fetch(req({ uri: '/redirect' }));
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${up.origin}/echo`);
    await p.close();
  });

  it('maps upstream 5xx, refused, reset, timeout and oversize', async () => {
    expect((await proxy.fetch(req({ uri: '/status/503' }))).status).toBe(503);
    const reset = await proxy.fetch(req({ uri: '/reset' }));
    expect([reset.status, reset.outcome]).toEqual([502, 'upstream-reset']);
    const t0 = Date.now();
    const slow = await proxy.fetch(req({ uri: '/hang' }));
    expect([slow.status, slow.outcome]).toEqual([504, 'upstream-timeout']);
    expect(Date.now() - t0).toBeLessThan(3000);
    const big = await proxy.fetch(req({ uri: '/bytes/5000', maxResponseBytes: 4000 }));
    expect([big.status, big.outcome]).toEqual([502, 'response-too-large']);
    const bigChunked = await proxy.fetch(req({ uri: '/chunked/100000', maxResponseBytes: 40000 }));
    expect(bigChunked.outcome).toBe('response-too-large');
    const port = await deadPort();
    const o = resolveOptions({ upstream: `http://127.0.0.1:${port}/` });
    const p2 = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    const refused = await p2.fetch(req({ uri: '/x' }));
    expect([refused.status, refused.outcome]).toEqual([502, 'upstream-refused']);
    await p2.close();
  });

  it('strips protected headers and adds the enricher headers; refuses when it says so', async () => {
    const enricher: Enricher = {
      protectedHeaders: new Set(['x-msisdn']),
      lookup: () => ({ msisdn: '15550000001' }),
      headersFor: (ip) => (ip === '127.0.0.66' ? 'refuse' : { 'X-MSISDN': '15550000001' }),
    };
    const o = resolveOptions({ upstream: up.url });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via, { enricher });
    const r = await p.fetch(req({ headers: [['X-MSISDN', '999']] }));
    const j = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
    expect(j.headers['x-msisdn']).toBe('15550000001');
    const refused = await p.fetch(req({ clientIp: '127.0.0.66' }));
    expect(refused.status).toBe(403);
    await p.close();
  });

  it('a request still queued in the pool at its deadline is answered 504 at once; HEAD keeps the declared length', async () => {
    const o = resolveOptions({ upstream: up.url, http: { connections: 1, requestTimeoutMs: 5000 } });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    try {
      const busy = p.fetch(req({ uri: '/slow/600' })); // holds the one connection
      const t0 = Date.now();
      const queued = await p.fetch(req({ uri: '/echo', timeoutMs: 100 }));
      expect([queued.status, queued.outcome]).toEqual([504, 'upstream-timeout']);
      expect(Date.now() - t0).toBeLessThan(450);
      expect((await busy).status).toBe(200);
      const head = await p.fetch(req({ method: 'HEAD', uri: '/bytes/5000', maxResponseBytes: 100 }));
      expect([head.status, head.outcome, head.body.length]).toEqual([200, 'ok', 0]);
      expect(head.headers).toContainEqual(['Content-Length', '5000']);
    } finally {
      await p.close();
    }
  });

  it('a deadline passing mid-body answers 504 and keeps the status the upstream had sent (as a reset or body timeout does)', async () => {
    const stall = createServer((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
      res.write('0123456789'); // and never the rest
    });
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(stall.address() as AddressInfo).port}`;
    const o = resolveOptions({ upstream: `${origin}/`, http: { requestTimeoutMs: 5000, bodyTimeoutMs: 5000 } });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    try {
      const r = await p.fetch(req({ uri: '/x', timeoutMs: 200 }));
      expect([r.status, r.outcome, r.upstreamStatus]).toEqual([504, 'upstream-timeout', 200]);
    } finally {
      await p.close();
      stall.closeAllConnections();
      await new Promise((r) => stall.close(r));
    }
  });

  it('drops header values HTTP cannot carry', async () => {
    const r = await proxy.fetch(req({ headers: [['X-Bad', 'a\r\nInjected: 1'], ['X-Good', 'ok']] }));
    const j = JSON.parse(r.body.toString()) as { headers: Record<string, string> };
    expect(j.headers['x-bad']).toBeUndefined();
    expect(j.headers['injected']).toBeUndefined();
    expect(j.headers['x-good']).toBe('ok');
  });
});
