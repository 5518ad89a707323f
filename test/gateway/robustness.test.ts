/**
 * Hostile and broken input on the live 9201 socket, the policy/charging hooks on the request path, Method-MOR,
 * the session table bound, idle expiry and IPv6.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/index.ts';
import { createMetrics } from '../../src/admin/metrics.ts';
import type { Cdr, ChargingSink, ClientPolicy } from '../../src/gateway/hooks.ts';
import { ClClient } from '../../src/handset/cl.ts';
import { connect } from '../../src/handset/co.ts';
import { encodeWspPdu } from '../../src/wsp/pdu.ts';
import { decodeWtpDatagram, encodeWtpPdu, type WtpPdu } from '../../src/wtp/pdu.ts';
import { startHarness, type Harness } from './harness.ts';
import { startUpstream } from './upstream-server.ts';

const fast = { retryIntervalMs: 300, ackIntervalMs: 500, waitTimeoutMs: 1500 };

function invoke(tid: number, data: Buffer, opts: { version?: number; cls?: 0 | 1 | 2 } = {}): Buffer {
  return encodeWtpPdu({
    type: 'Invoke',
    tid,
    tidResponse: false,
    tpis: [],
    rid: false,
    gtr: false,
    ttr: true,
    data,
    version: opts.version ?? 0,
    tidNew: false,
    uack: false,
    class: opts.cls ?? 2,
  });
}

async function socketTo(port: number): Promise<{ send(b: Buffer): Promise<void>; got: WtpPdu[]; close(): void; port: number }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const got: WtpPdu[] = [];
  s.on('message', (m) => {
    try {
      got.push(...decodeWtpDatagram(m));
    } catch {
      /* not WTP */
    }
  });
  return {
    send: (b) => new Promise<void>((r) => s.send(b, port, '127.0.0.1', () => r())),
    got,
    close: () => s.close(),
    port: s.address().port,
  };
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('bad input on 9201', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ wtp: fast, session: { maxSessions: 40 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers as the spec says and keeps serving', async () => {
    const port = h.gw.addresses.co.port;
    const s = await socketTo(port);
    // Unknown WSP PDU type inside a class-2 Invoke → user Abort PROTOERR (WAP-230 Table 35).
    await s.send(invoke(1, Buffer.from([0x3f, 0x00])));
    // A method without a session → user Abort DISCONNECT.
    await s.send(invoke(2, encodeWspPdu({ type: 'Get', method: 'GET', uri: '/echo', headers: [] })));
    // A truncated Connect → PROTOERR.
    await s.send(invoke(3, Buffer.from([0x01, 0x10, 0x85])));
    // Wrong WTP version → provider Abort (WTPVERSIONONE) from the WTP layer.
    await s.send(invoke(4, Buffer.from([0x01, 0x10, 0x00, 0x00]), { version: 1 }));
    // Truncated and random datagrams.
    await s.send(Buffer.from([0x0a]));
    for (let i = 0; i < 300; i++) await s.send(Buffer.from(Array.from({ length: 1 + (i % 90) }, (_, j) => (i * 73 + j * 29 + 5) & 0xff)));
    const abortTids = () => new Set(s.got.filter((p) => p.type === 'Abort').map((p) => p.tid));
    for (let i = 0; i < 50 && ![1, 2, 3, 4].every((t) => abortTids().has(t)); i++) await settle(100);
    const aborts = s.got.filter((p) => p.type === 'Abort') as Extract<WtpPdu, { type: 'Abort' }>[];
    const byTid = new Map(aborts.map((a) => [a.tid, a]));
    expect(byTid.get(1)).toMatchObject({ abortType: 'User', reason: 0xe0 });
    expect(byTid.get(2)).toMatchObject({ abortType: 'User', reason: 0xe1 });
    expect(byTid.get(3)).toMatchObject({ abortType: 'User', reason: 0xe0 });
    expect(byTid.get(4)).toMatchObject({ abortType: 'Provider' });
    s.close();
    const phone = await connect({ gateway: { host: '127.0.0.1', port }, timers: fast });
    expect((await phone.get('/echo')).status).toBe(200);
    await phone.disconnect();
  });

  it('a flood of Connects from many ports keeps the session table within its bound', async () => {
    const port = h.gw.addresses.co.port;
    const before = process.memoryUsage().heapUsed;
    const socks = await Promise.all(Array.from({ length: 120 }, () => socketTo(port)));
    const connectPdu = encodeWspPdu({ type: 'Connect', version: { major: 1, minor: 0 }, capabilities: {}, headers: [] });
    await Promise.all(socks.map((s, i) => s.send(invoke(100 + i, connectPdu))));
    const answered = () => socks.filter((s) => s.got.some((p) => p.type === 'Result')).length;
    for (let i = 0; i < 50 && answered() < 120; i++) await settle(100);
    expect(h.gw.stats().co.sessions).toBeLessThanOrEqual(40);
    expect(answered()).toBe(120);
    for (const s of socks) s.close();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('hooks on the request path', () => {
  it('denied clients get nothing, rate-limited ones 503, and every transaction one CDR', async () => {
    const up = await startUpstream();
    const cdrs: Cdr[] = [];
    const charging: ChargingSink = { record: (c) => cdrs.push(c), flush: async () => {} };
    const policy: ClientPolicy = {
      admit: (ip) => (ip === '127.0.0.3' ? 'deny' : ip === '127.0.0.4' ? 'rate-limited' : 'ok'),
    };
    const gw = createGateway({ clPort: 0, coPort: 0, upstream: up.url, wtp: fast }, { policy, charging });
    await gw.start();
    try {
      const ok = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address: '127.0.0.2' }, timeoutMs: 3000, attempts: 1 });
      expect((await ok.get('/echo')).status).toBe(200);
      await ok.close();
      const limited = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address: '127.0.0.4' }, timeoutMs: 3000, attempts: 1 });
      expect((await limited.get('/echo')).status).toBe(503);
      await limited.close();
      const denied = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address: '127.0.0.3' }, timeoutMs: 400, attempts: 1 });
      await expect(denied.get('/echo')).rejects.toThrow(/no Reply/);
      await denied.close();
      const s = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, bind: { address: '127.0.0.2' }, timers: fast });
      await s.post('/raw', 'text/plain', Buffer.from('hello'));
      await s.disconnect();
      expect(cdrs.map((c) => [c.bearer, c.method, c.wspStatus])).toEqual([
        ['wsp-cl', 'GET', 0x20],
        ['wsp-cl', 'GET', 0x63],
        ['wsp-co', 'POST', 0x20],
      ]);
      expect(cdrs[2]).toMatchObject({ clientIp: '127.0.0.2', bytesUp: 5, bytesDown: 5, upstreamStatus: 200 });
      expect(typeof cdrs[2]!.sessionId).toBe('number');
    } finally {
      await gw.stop(0);
      await up.close();
    }
  });
});

describe('sessions', () => {
  it('enforces Method-MOR and drops idle sessions', async () => {
    const up = await startUpstream();
    const gw = createGateway({ clPort: 0, coPort: 0, upstream: up.url, wtp: fast, session: { methodMor: 1, idleTimeoutMs: 400 } });
    await gw.start();
    try {
      const s = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, timers: fast });
      expect(s.capabilities.methodMor).toBe(1);
      const [a, b] = await Promise.allSettled([s.get('/slow/300'), s.get('/echo')]);
      expect(a.status).toBe('fulfilled');
      expect(b.status).toBe('rejected');
      expect(String((b as PromiseRejectedResult).reason)).toMatch(/MOREXCEEDED|0xe7|aborted/i);
      expect(gw.stats().co.sessions).toBe(1);
      for (let i = 0; i < 60 && gw.stats().co.sessions !== 0; i++) await settle(50);
      expect(gw.stats().co.sessions).toBe(0);
      await s.disconnect().catch(() => {});
    } finally {
      await gw.stop(0);
      await up.close();
    }
  });

  it('serves IPv6 on ::1', async () => {
    const up = await startUpstream();
    const gw = createGateway({ bind: '::1', clPort: 0, coPort: 0, upstream: up.url, wtp: fast });
    try {
      await gw.start();
    } catch {
      // No IPv6 loopback on this machine.
      await up.close();
      return;
    }
    try {
      const c = new ClClient({ gateway: { host: '::1', port: gw.addresses.cl.port }, timeoutMs: 3000, attempts: 1 });
      const r = await c.get('/echo');
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body.toString()) as { headers: Record<string, string> }).headers['x-wap-network-client-ip']).toBe('::1');
      await c.close();
      const s = await connect({ gateway: { host: '::1', port: gw.addresses.co.port }, timers: fast });
      expect((await s.get('/echo')).status).toBe(200);
      await s.disconnect();
    } finally {
      await gw.stop(0);
      await up.close();
    }
  });
});

describe('connectionless overload', () => {
  it('answers 503 at once beyond clMaxInFlight', async () => {
    const up = await startUpstream();
    const gw = createGateway({ clPort: 0, coPort: 0, upstream: up.url, clMaxInFlight: 1 });
    await gw.start();
    try {
      const a = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, timeoutMs: 3000, attempts: 1 });
      const b = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, timeoutMs: 3000, attempts: 1 });
      const slow = a.get('/slow/400');
      await settle(100);
      expect((await b.get('/echo')).status).toBe(503);
      expect((await slow).status).toBe(200);
      expect((await b.get('/echo')).status).toBe(200);
      await a.close();
      await b.close();
    } finally {
      await gw.stop(0);
      await up.close();
    }
  });
});

describe('metrics', () => {
  it('counts datagrams, WSP requests by mode/method/status, sessions and WTP transactions', async () => {
    const up = await startUpstream();
    const { registry, metrics } = createMetrics({ defaultMetrics: false });
    const gw = createGateway({ clPort: 0, coPort: 0, upstream: up.url, wtp: fast }, { metrics });
    await gw.start();
    try {
      const c = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, timeoutMs: 3000, attempts: 1 });
      await c.get('/echo');
      await c.get('http://127.0.0.1:9/forbidden');
      await c.close();
      const s = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, timers: fast });
      await s.post('/raw', 'text/plain', Buffer.from('x'));
      await s.disconnect();
      let text = await registry.metrics();
      for (let i = 0; i < 40 && !/event="disconnect"\} 1/.test(text); i++) {
        await settle(50);
        text = await registry.metrics();
      }
      expect(text).toMatch(/wapgate_wsp_requests_total\{mode="cl",method="GET",status="200"\} 1/);
      expect(text).toMatch(/wapgate_wsp_requests_total\{mode="cl",method="GET",status="403"\} 1/);
      expect(text).toMatch(/wapgate_wsp_requests_total\{mode="co",method="POST",status="200"\} 1/);
      expect(text).toMatch(/wapgate_upstream_errors_total\{kind="not_allowed"\} 1/);
      expect(text).toMatch(/wapgate_wsp_session_events_total\{event="connect"\} 1/);
      expect(text).toMatch(/wapgate_wsp_session_events_total\{event="disconnect"\} 1/);
      expect(text).toMatch(/wapgate_wtp_transactions_total\{class="2",outcome="completed"\} 2/);
      // Labelled with the ports actually bound, not the configured 0.
      expect(text).toMatch(new RegExp(`wapgate_datagrams_received_total\\{port="${gw.addresses.cl.port}"\\} [1-9]`));
      expect(text).toMatch(new RegExp(`wapgate_datagrams_received_total\\{port="${gw.addresses.co.port}"\\} [1-9]`));
      expect(text).not.toMatch(/port="0"/);
    } finally {
      await gw.stop(0);
      await up.close();
    }
  });
});
