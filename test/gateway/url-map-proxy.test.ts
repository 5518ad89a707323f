import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/gateway/options.ts';
import { HttpProxy } from '../../src/gateway/proxy.ts';
import { UrlMap, UrlMapError } from '../../src/gateway/url-map.ts';
import { createGateway } from '../../src/gateway/index.ts';

const servers: Server[] = [];
const proxies: HttpProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) s.close();
});

async function origin() {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const s = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.url}`);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { seen, origin: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

const req = (uri: string) => ({ method: 'GET', uri, headers: [] as [string, string][], clientIp: '127.0.0.2', maxResponseBytes: 100_000 });

describe('URL maps in the proxy path', () => {
  it('a public name reached only through a map; the requested and mapped URLs are both reported; Host kept on request', async () => {
    const mmsc = await origin();
    const foreign = await origin();
    const p = new HttpProxy(DEFAULT_OPTIONS.http, `${mmsc.origin}/mms`, [mmsc.origin], 'WSP/1.0 wapgate');
    proxies.push(p);
    p.setUrlMap(
      new UrlMap([
        { from: 'http://mmsc.operator.example/*', to: `${mmsc.origin}/*` },
        { from: 'http://old.operator.example/mms', to: `${mmsc.origin}/mms`, keepHost: true },
      ]),
    );
    const r = await p.fetch(req('http://mmsc.operator.example/mms?m=abc'));
    expect(r).toMatchObject({ status: 200, outcome: 'ok', url: `${mmsc.origin}/mms?m=abc`, requestedUrl: 'http://mmsc.operator.example/mms?m=abc' });
    expect(r.body.toString()).toBe('hello /mms?m=abc');
    expect(mmsc.seen[0]!.headers.host).toBe(new URL(mmsc.origin).host);
    const k = await p.fetch(req('http://old.operator.example/mms'));
    expect(k.status).toBe(200);
    expect(mmsc.seen[1]!.headers.host).toBe('old.operator.example');
    // An unmapped foreign origin is refused and never contacted; an unmapped URL has no requestedUrl.
    const f = await p.fetch(req(`${foreign.origin}/x`));
    expect(f).toMatchObject({ status: 403, outcome: 'forbidden-origin' });
    expect(f.requestedUrl).toBeUndefined();
    expect(foreign.seen).toHaveLength(0);
    const n = await p.fetch(req('http://unknown.operator.example/mms'));
    expect(n.status).toBe(403);
  });
});

describe('URL maps on the gateway', () => {
  it('a target off the allow-list is refused at creation and on reload (the running map stays)', async () => {
    expect(() => createGateway({ clPort: 0, coPort: 0, upstream: 'http://127.0.0.1:1/mms', urlMap: [{ from: 'http://m.example/*', to: 'http://10.9.9.9/*' }] })).toThrow(UrlMapError);
    const mmsc = await origin();
    const gw = createGateway({ clPort: 0, coPort: 0, upstream: `${mmsc.origin}/mms`, urlMap: [{ from: 'http://m.example/*', to: `${mmsc.origin}/*` }] });
    expect(() => gw.setUrlMap!([{ from: 'http://m.example/*', to: 'http://10.9.9.9/*' }])).toThrow(/not on the upstream allow-list/);
    gw.setUrlMap!([{ from: 'http://n.example/*', to: `${mmsc.origin}/*` }]);
    await gw.stop(0);
  });
});
