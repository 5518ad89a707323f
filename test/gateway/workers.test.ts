/**
 * The gateway with 2 worker threads (src/app/workers.ts): real UDP on loopback from many client addresses,
 * a real HTTP upstream; routing by client address, affinity, WTP retransmission answered from the owning
 * worker's state, the subscriber map replicated from this thread, CDRs, metrics, drain, a worker restarted.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.ts';
import { ConfigError, defaultConfig, loadConfig } from '../../src/config/index.ts';
import type { Cdr } from '../../src/gateway/hooks.ts';
import { UrlMapError } from '../../src/gateway/url-map.ts';
import { createWorkerGateway, workerCount, type WorkerGateway } from '../../src/app/workers.ts';
import { ClClient } from '../../src/handset/cl.ts';
import { connect } from '../../src/handset/co.ts';
import { createIdentityFromConfig } from '../../src/app/identity.ts';
import { encodeWspPdu } from '../../src/wsp/pdu.ts';
import { encodeWtpPdu } from '../../src/wtp/pdu.ts';
import { TOOL_PATHS, toolAvailable } from '../support/tools.ts';
import { startUpstream, type Upstream } from './upstream-server.ts';

let up: Upstream;
let gw: WorkerGateway;
const cdrs: Cdr[] = [];
const lines: string[] = [];
const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
const cfg = defaultConfig();
const identityCfg = { ...cfg.identity, static: [{ cidr: '127.0.0.9/32', msisdn: '+15550000009' }] };
const identity = createIdentityFromConfig(identityCfg);
const fast = { retryIntervalMs: 300, ackIntervalMs: 500, waitTimeoutMs: 2000 };
/** Datagrams seen by this thread's tap, inbound on the CO port. */
const coIn: Buffer[] = [];

/** Client addresses 127.0.0.10.. split by the worker that serves them. */
function addressesOf(worker: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 10; out.length < n && i < 250; i++) if (gw.workerOf(`127.0.0.${i}`) === worker) out.push(`127.0.0.${i}`);
  return out;
}

async function until(ok: () => boolean, ms = 3000): Promise<boolean> {
  for (let t = 0; t < ms && !ok(); t += 25) await new Promise((r) => setTimeout(r, 25));
  return ok();
}

async function clGet(address: string, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const c = new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address }, timeoutMs, attempts: 1 });
  await c.open();
  try {
    const r = await c.get(path, []);
    return { status: r.status, body: r.body.toString() };
  } finally {
    await c.close();
  }
}

beforeAll(async () => {
  up = await startUpstream();
  gw = createWorkerGateway(
    { bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: up.url, http: { requestTimeoutMs: 3000, headersTimeoutMs: 2500 }, wtp: fast },
    2,
    {
      log,
      ...(() => {
        const b = createMetrics({ defaultMetrics: false });
        return { registry: b.registry, metrics: b.metrics };
      })(),
      identity: identityCfg,
      subscriberMap: identity.map,
      charging: { record: (c) => void cdrs.push(c), flush: async () => {} },
    },
  );
  await gw.start();
  gw.setTap((dir, data, _peer, local) => {
    if (dir === 'in' && local.port === gw.addresses.co.port) coIn.push(Buffer.from(data));
  });
}, 30_000);
afterAll(async () => {
  await gw?.stop(200);
  await up?.close();
});

describe('gateway worker threads', () => {
  it('spreads client addresses over both workers, and keeps each client on its worker', () => {
    const all = Array.from({ length: 64 }, (_, i) => `127.0.0.${i + 1}`);
    const share = [0, 0];
    for (const a of all) share[gw.workerOf(a)]!++;
    expect(share[0]).toBeGreaterThan(10);
    expect(share[1]).toBeGreaterThan(10);
    for (const a of all) expect(gw.workerOf(a)).toBe(gw.workerOf(a));
  });

  it('answers CL Gets from many addresses and ports, served by the worker of each address', async () => {
    const addrs = [...addressesOf(0, 3), ...addressesOf(1, 3)];
    const results = await Promise.all(addrs.flatMap((a) => [clGet(a, '/echo'), clGet(a, '/echo')]));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body).method).toBe('GET');
    }
    expect(gw.stats().cl.in).toBeGreaterThanOrEqual(12);
    expect(gw.stats().cl.out).toBeGreaterThanOrEqual(12);
  });

  it('CO Connect + Get + Disconnect; sessions live on the worker of their address', async () => {
    const [a0, b0] = addressesOf(0, 2);
    const [a1] = addressesOf(1, 1);
    const sessions = await Promise.all(
      [a0!, b0!, a1!].map((address) => connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, bind: { address }, timers: fast })),
    );
    for (const s of sessions) expect((await s.get('/echo')).status).toBe(200);
    expect(await until(() => gw.workerStats()[0]!.sessions === 2 && gw.workerStats()[1]!.sessions === 1)).toBe(true);
    expect(gw.stats().co.sessions).toBe(3);
    for (const s of sessions) await s.disconnect();
    expect(await until(() => gw.stats().co.sessions === 0)).toBe(true);
  });

  it('answers a retransmitted Invoke from WTP state: the upstream sees the method once', async () => {
    const [address] = addressesOf(1, 1);
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, bind: { address: address! }, timers: { ...fast, retryIntervalMs: 100 } });
    const before = coIn.length;
    const r = await s.get('/slow/700');
    expect(r.status).toBe(200);
    // WTP header octet 0: CON | PDU type (4 bits) | GTR | TTR | RID; Invoke = 1.
    const retransmitted = coIn.slice(before).filter((d) => ((d[0]! >> 3) & 0x0f) === 1 && (d[0]! & 1) === 1);
    expect(retransmitted.length).toBeGreaterThan(0);
    expect(up.seen.filter((x) => x.url === '/slow/700')).toHaveLength(1);
    await s.disconnect();
  });

  it('retransmits its own Result from WTP state, intact (the datagram kept by WTP is copied, never handed over)', async () => {
    const [address] = addressesOf(0, 1);
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, address!, () => r()));
    const got: Buffer[] = [];
    s.on('message', (m) => got.push(m));
    const connectPdu = encodeWspPdu({ type: 'Connect', version: { major: 1, minor: 0 }, capabilities: {}, headers: [] });
    const invoke = encodeWtpPdu({ type: 'Invoke', tid: 7, tidResponse: false, tpis: [], rid: false, gtr: false, ttr: true, data: connectPdu, version: 0, tidNew: false, uack: false, class: 2 });
    s.send(invoke, gw.addresses.co.port, '127.0.0.1');
    // No Ack: the gateway retransmits the Result (RID set) after its retry interval (300 ms here).
    const results = () => got.filter((d) => ((d[0]! >> 3) & 0x0f) === 2);
    expect(await until(() => results().length >= 2, 3000)).toBe(true);
    const [first, again] = results();
    expect(again![0]! & 1).toBe(1);
    expect(again!.length).toBe(first!.length);
    expect(again!.subarray(1)).toEqual(first!.subarray(1));
    s.close();
  });

  it('adds X-MSISDN in a worker after the subscriber map changes here, and drops it after the unbind', async () => {
    const [address] = addressesOf(1, 1);
    const msisdn = () => clGet(address!, '/echo').then((r) => (JSON.parse(r.body) as { headers: Record<string, string> }).headers['x-msisdn']);
    expect(await msisdn()).toBeUndefined();
    identity.map.bind(address!, { msisdn: '+15551230001', sessionId: 's1' });
    expect(await msisdn()).toBe('+15551230001');
    identity.map.unbind(address!, { sessionId: 's1' });
    expect(await msisdn()).toBeUndefined();
    // The static table comes from the identity configuration in every worker.
    expect((JSON.parse((await clGet('127.0.0.9', '/echo')).body) as { headers: Record<string, string> }).headers['x-msisdn']).toBe('+15550000009');
  });

  it('follows this thread’s log level (SIGHUP sets it): worker lines are written to this thread’s destination', async () => {
    const [address] = addressesOf(0, 1);
    const access = () => lines.filter((l) => l.includes('"msg":"access"') && l.includes(`"client":"${address}:`)).length;
    const before = access();
    await clGet(address!, '/echo');
    expect(await until(() => access() === before + 1)).toBe(true);
    expect(lines.find((l) => l.includes('"msg":"access"'))).toMatch(/"worker":[01]/);
    log.level = 'warn';
    await new Promise((r) => setTimeout(r, 400));
    await clGet(address!, '/echo');
    await new Promise((r) => setTimeout(r, 100));
    expect(access()).toBe(before + 1);
    log.level = 'info';
  });

  it('writes CDRs through this thread, and merges every worker’s metrics', async () => {
    expect(await until(() => cdrs.length >= 12)).toBe(true);
    expect(cdrs.some((c) => c.bearer === 'wsp-co')).toBe(true);
    expect(cdrs.some((c) => c.bearer === 'wsp-cl')).toBe(true);
    const text = await gw.mergedMetrics();
    const m = /wapgate_datagrams_received_total\{port="(\d+)"\} (\d+)/.exec(text);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThanOrEqual(12);
  });

  it.skipIf(!toolAvailable('fakewap'))('serves Kannel’s fakewap (CO and CL) from addresses on both workers, every reply a 200', async () => {
    const fakewap = (address: string, mode: 'co' | 'cl'): Promise<number> =>
      new Promise((resolve) => {
        const port = mode === 'co' ? gw.addresses.co.port : gw.addresses.cl.port;
        const args = ['-I', address, '-g', '127.0.0.1', '-p', String(port), '-M', mode === 'co' ? '1' : '0', '-m', '5', '-i', '0', '-c', '1', `${up.origin}/echo`];
        execFile('timeout', ['30', TOOL_PATHS.fakewap!, ...args], { encoding: 'utf8' }, (_err, stdout, stderr) =>
          resolve((`${stdout}${stderr}`.match(/Received WSP Reply with status code 200OK/g) ?? []).length),
        );
      });
    const addrs = [...addressesOf(0, 2), ...addressesOf(1, 2)];
    const ok = await Promise.all(addrs.flatMap((a) => [fakewap(a, 'co'), fakewap(a, 'cl')]));
    expect(ok).toEqual(ok.map(() => 5));
  }, 40_000);

  it('a URL map set here (SIGHUP) reaches both workers; a target off the allow-list is refused and the running map stays', async () => {
    const a0 = addressesOf(0, 1)[0]!;
    const a1 = addressesOf(1, 1)[0]!;
    expect((await clGet(a0, 'http://mmsc.example/echo')).status).toBe(403);
    gw.setUrlMap([{ from: 'http://mmsc.example/*', to: `${up.url}*`, keepHost: true }]);
    // The map message goes down each worker's port before any later datagram: no wait needed.
    for (const a of [a0, a1]) {
      const r = await clGet(a, 'http://mmsc.example/echo?x=1');
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ url: '/echo?x=1', headers: { host: 'mmsc.example' } });
    }
    expect(() => gw.setUrlMap([{ from: 'http://mmsc.example/*', to: 'http://10.0.0.5:8002/*' }])).toThrow(UrlMapError);
    expect((await clGet(a1, 'http://mmsc.example/echo')).status).toBe(200);
    gw.setUrlMap([]);
    for (const a of [a0, a1]) expect((await clGet(a, 'http://mmsc.example/echo')).status).toBe(403);
  });

  it('sends a raw datagram from this thread’s connectionless socket, exactly as given (sendsms WAP Push)', async () => {
    const sock = dgram.createSocket('udp4');
    const got: { msg: Buffer; port: number }[] = [];
    sock.on('message', (msg, from) => got.push({ msg, port: from.port }));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      // A Push with a padded uintvar headers length (80 01): our WSP codec would write 01.
      const datagram = Buffer.from([0x01, 0x06, 0x80, 0x01, 0xbe, 0x8c, 0x82]);
      gw.sendDatagram({ address: '127.0.0.1', port: sock.address().port }, datagram);
      expect(await until(() => got.length > 0)).toBe(true);
      expect(got[0]!.msg.equals(datagram)).toBe(true);
      expect(got[0]!.port).toBe(gw.addresses.cl.port);
    } finally {
      sock.close();
    }
  });

  it('restarts a worker that dies (logged, counted), and its clients are served again', async () => {
    await gw.threads[0]!.terminate();
    expect(await until(() => gw.restarts === 1 && gw.threads[0] !== undefined && gw.workerStats().length === 2, 15_000)).toBe(true);
    expect(lines.some((l) => l.includes('gateway worker died'))).toBe(true);
    const [address] = addressesOf(0, 1);
    // The first datagrams may wait for the new thread to load (held, not dropped): one attempt, given the time a
    // thread takes to start on a loaded machine (5-7 s seen here at load 20).
    expect((await clGet(address!, '/echo', 20_000)).status).toBe(200);
  }, 40_000);

  it('a subscriber bound while a worker restarts (spawned, not yet ready) reaches the new worker', async () => {
    const [address] = addressesOf(0, 1);
    await gw.threads[0]!.terminate();
    // The new thread exists (its snapshot taken) but has not loaded yet: the binding made now must not be lost.
    expect(await until(() => gw.restarts === 2 && gw.threads[0] !== undefined, 15_000)).toBe(true);
    identity.map.bind(address!, { msisdn: '+15551230002', sessionId: 's2' });
    const r = await clGet(address!, '/echo', 20_000);
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { headers: Record<string, string> }).headers['x-msisdn']).toBe('+15551230002');
    identity.map.unbind(address!, { sessionId: 's2' });
  }, 40_000);

  it('a restarted worker starts from the bindings of its own clients (each worker holds only its clients’ bindings)', async () => {
    const [mine, other] = [addressesOf(1, 1)[0]!, addressesOf(0, 1)[0]!];
    identity.map.bind(mine, { msisdn: '+15551230003', sessionId: 's3' });
    identity.map.bind(other, { msisdn: '+15551230004', sessionId: 's4' });
    const restarts = gw.restarts;
    await gw.threads[1]!.terminate();
    expect(await until(() => gw.restarts === restarts + 1 && gw.threads[1] !== undefined, 15_000)).toBe(true);
    const msisdn = async (a: string) => (JSON.parse((await clGet(a, '/echo', 20_000)).body) as { headers: Record<string, string> }).headers['x-msisdn'];
    expect(await msisdn(mine)).toBe('+15551230003');
    expect(await msisdn(other)).toBe('+15551230004');
    identity.map.unbind(mine, { sessionId: 's3' });
    identity.map.unbind(other, { sessionId: 's4' });
    expect(await msisdn(mine)).toBeUndefined();
  }, 40_000);

  it('stop() drains: a method waiting for the upstream still gets its Reply', async () => {
    const [address] = addressesOf(0, 1);
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, bind: { address: address! }, timers: fast });
    const pending = s.get('/slow/400');
    await new Promise((r) => setTimeout(r, 100));
    await gw.stop(3000);
    expect((await pending).status).toBe(200);
    await s.abandon();
  });
});

describe('gateway.workers', () => {
  it('comes from the flag, the environment or the file; 0 and auto mean one per CPU; anything else is refused', () => {
    expect(defaultConfig().gateway.workers).toBe(1);
    expect(loadConfig({ argv: ['--gateway-workers', '2'], env: {} }).gateway.workers).toBe(2);
    expect(loadConfig({ argv: [], env: { WAPGATE_GATEWAY_WORKERS: 'auto' } }).gateway.workers).toBe('auto');
    expect(workerCount('auto')).toBeGreaterThanOrEqual(1);
    expect(workerCount(0)).toBe(workerCount('auto'));
    expect(workerCount(3)).toBe(3);
    expect(() => loadConfig({ argv: ['--gateway-workers', '-1'], env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--gateway-workers', 'many'], env: {} })).toThrow(ConfigError);
  });
});
