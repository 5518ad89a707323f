/**
 * The upstream side beyond plain HTTP: TLS with certificate checks (a self-signed CA made with openssl: trusted
 * when configured, refused otherwise) and an upstream forward proxy (an HTTP CONNECT proxy on loopback).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProxy } from '../../src/gateway/proxy.ts';
import { resolveOptions } from '../../src/gateway/options.ts';
import { tempDir, toolAvailable } from '../support/tools.ts';
import { startConnectProxy, type ConnectProxy } from './connect-proxy.ts';
import { startUpstream, type Upstream } from './upstream-server.ts';

const req = { method: 'GET', headers: [], clientIp: '127.0.0.9', maxResponseBytes: 1 << 20 };

describe.skipIf(!toolAvailable('openssl'))('TLS upstream', () => {
  let server: ReturnType<typeof createHttpsServer>;
  let origin = '';
  let ca = '';
  beforeAll(async () => {
    const dir = tempDir('wapgate-tls-');
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    ca = readFileSync(cert, 'utf8');
    server = createHttpsServer({ key: readFileSync(key), cert: ca }, (q, r) => {
      r.writeHead(200, { 'Content-Type': 'text/plain' });
      r.end(`tls ok, sni=${(q.socket as { servername?: string }).servername ?? ''}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('fetches over TLS with the configured CA, sending SNI', async () => {
    const o = resolveOptions({ upstream: `${origin}/`, http: { ca } });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    const r = await p.fetch({ ...req, uri: '/x' });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('tls ok, sni=localhost');
    await p.close();
  });

  it('refuses an upstream whose certificate does not verify (502, never a silent downgrade)', async () => {
    const o = resolveOptions({ upstream: `${origin}/` });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    const r = await p.fetch({ ...req, uri: '/x' });
    expect(r.status).toBe(502);
    expect(r.reason).toMatch(/certificate|self.signed|SELF_SIGNED/i);
    await p.close();
  });
});

describe('upstream through a forward proxy', () => {
  let up: Upstream;
  let proxy: ConnectProxy;
  beforeAll(async () => {
    up = await startUpstream();
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await up.close();
  });

  it('sends upstream requests through the configured proxy', async () => {
    const o = resolveOptions({ upstream: up.url, http: { proxy: proxy.url } });
    const p = new HttpProxy(o.http, o.upstream, o.allowUpstream, o.via);
    const r = await p.fetch({ ...req, uri: '/echo' });
    expect(r.status).toBe(200);
    expect(proxy.tunnels).toContain(`127.0.0.1:${up.port}`);
    // The allow-list still applies with a proxy.
    expect((await p.fetch({ ...req, uri: 'http://127.0.0.1:9/' })).status).toBe(403);
    await p.close();
  });
});
