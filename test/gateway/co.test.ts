/**
 * Connection-oriented WSP through the live gateway: our WTP initiator + WSP client over real UDP on loopback,
 * a real HTTP upstream. tshark reads the capture of the whole run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, WspRedirectError } from '../../src/handset/co.ts';
import { createGateway } from '../../src/gateway/index.ts';
import { toolAvailable, tshark } from '../support/tools.ts';
import { startHarness, type Harness } from './harness.ts';
import { pattern, sha } from './upstream-server.ts';

let h: Harness;
const gwAddr = () => ({ host: '127.0.0.1', port: h.gw.addresses.co.port });
const fast = { retryIntervalMs: 300, ackIntervalMs: 500, waitTimeoutMs: 2000 };

/** Waits (bounded) until the gateway holds `n` sessions: datagrams may still be in flight under load. */
async function sessionsBecome(n: number): Promise<number> {
  for (let i = 0; i < 50 && h.gw.stats().co.sessions !== n; i++) await new Promise((r) => setTimeout(r, 50));
  return h.gw.stats().co.sessions;
}

beforeAll(async () => {
  h = await startHarness({ wtp: fast });
});
afterAll(async () => {
  await h?.close();
});

type Echo = { method: string; headers: Record<string, string>; bodyLength: number; bodySha: string };

describe('connection-oriented WSP (9201)', () => {
  it('connects, negotiates, applies session headers (request headers win), every method, disconnects', async () => {
    const s = await connect({
      gateway: gwAddr(),
      headers: [
        { name: 'User-Agent', value: 'TestPhone/1.0' },
        { name: 'Accept', value: 'application/vnd.wap.mms-message' },
        { name: 'X-Wap-Profile', value: '"http://example.com/uaprof.xml"' },
      ],
      timers: fast,
    });
    expect(s.sessionId).toBeGreaterThan(0);
    expect(s.capabilities.methodMor).toBe(4);
    expect(s.capabilities.clientSduSize).toBe(1_048_576);
    expect(await sessionsBecome(1)).toBe(1);
    for (const m of ['GET', 'OPTIONS', 'DELETE', 'TRACE']) {
      const r = await s.get('/echo', [{ name: 'Accept', value: 'application/json' }], m);
      expect(r.status).toBe(200);
      const j = JSON.parse(r.body.toString()) as Echo;
      expect(j.method).toBe(m);
      expect(j.headers['user-agent']).toBe('TestPhone/1.0');
      expect(j.headers['accept']).toBe('application/json');
      expect(j.headers['x-wap-profile']).toContain('uaprof.xml');
    }
    const head = await s.get('/echo', [], 'HEAD');
    expect([head.status, head.body.length]).toEqual([200, 0]);
    for (const m of ['POST', 'PUT']) {
      const body = pattern(3000);
      const r = await s.post('/raw', 'application/octet-stream', body, [], m);
      expect(r.status).toBe(200);
      expect(r.contentType).toBe('application/octet-stream');
      expect(sha(r.body)).toBe(sha(body));
      expect(h.up.seen.at(-1)?.method).toBe(m);
    }
    await s.disconnect();
    expect(await sessionsBecome(0)).toBe(0);
  });

  it('carries a 300 KB Post and a 300 KB Reply through SAR, byte-identical', async () => {
    const s = await connect({ gateway: gwAddr(), timers: fast });
    const body = pattern(300 * 1024);
    const r = await s.post('/echo', 'application/octet-stream', body);
    const j = JSON.parse(r.body.toString()) as Echo;
    expect([j.bodyLength, j.bodySha]).toEqual([body.length, sha(body)]);
    const big = await s.get('/bytes/307200');
    expect(big.status).toBe(200);
    expect(sha(big.body)).toBe(sha(pattern(307200)));
    await s.disconnect();
  }, 60_000);

  it('refuses a Reply larger than the negotiated Client-SDU/Message-Size with a defined error, not truncation', async () => {
    const s = await connect({ gateway: gwAddr(), timers: fast, capabilities: { clientSduSize: 8000, serverSduSize: 8000 } });
    expect(s.capabilities.clientSduSize).toBe(8000);
    const r = await s.get('/bytes/20000');
    expect(r.status).toBe(502);
    expect((await s.get('/bytes/5000')).body.length).toBe(5000);
    await s.disconnect();
  });

  it('Suspend, then Resume from a new port: the session and its headers survive', async () => {
    const s = await connect({ gateway: gwAddr(), timers: fast, headers: [{ name: 'User-Agent', value: 'Mover/2' }] });
    const before = s.local.port;
    await s.suspend();
    await new Promise((r) => setTimeout(r, 50));
    const r = await s.resume({ newPort: true });
    expect(r.status).toBe(200);
    expect(s.local.port).not.toBe(before);
    const g = await s.get('/echo');
    expect((JSON.parse(g.body.toString()) as Echo).headers['user-agent']).toBe('Mover/2');
    await s.disconnect();
  });

  it('a new Connect from the same address and port replaces the old session', async () => {
    const n = await sessionsBecome(0);
    const a = await connect({ gateway: gwAddr(), timers: fast });
    const port = a.local.port;
    expect(await sessionsBecome(n + 1)).toBe(n + 1);
    await a.abandon(); // no Disconnect: the gateway still holds the session
    const b = await connect({ gateway: gwAddr(), timers: fast, bind: { address: '127.0.0.1', port } });
    expect(b.sessionId).not.toBe(a.sessionId);
    expect(h.gw.stats().co.sessions).toBe(n + 1);
    expect((await b.get('/echo')).status).toBe(200);
    await b.disconnect();
    expect(await sessionsBecome(n)).toBe(n);
  });

  it('upstream failures and the allow-list come back as WSP statuses; slow upstreams are held with an Ack', async () => {
    const s = await connect({ gateway: gwAddr(), timers: fast });
    expect((await s.get('http://127.0.0.1:9/x')).status).toBe(403);
    expect((await s.get('/status/500')).status).toBe(500);
    expect((await s.get('/reset')).status).toBe(502);
    expect((await s.get('/hang')).status).toBe(504);
    // Slower than the WTP ack and retry intervals: hold-on Ack, no Abort.
    const slow = await s.get('/slow/1200');
    expect(slow.status).toBe(200);
    await s.disconnect();
  }, 30_000);

  it.skipIf(!toolAvailable('tshark'))('tshark dissects the whole run with no Malformed/expert error', () => {
    // The 300 KB transfers make a large capture: dissect everything except the SAR bulk.
    const ts = tshark(h.pcap((d) => d.payload.length < 1500 || h.datagrams.indexOf(d) < 200));
    expect(ts.problems, ts.text.slice(0, 3000)).toEqual([]);
  }, 60_000);
});

describe('extended methods (WAP-230 §8.3.2.5)', () => {
  it('proxies a negotiated extended method and answers 501 for one never negotiated', async () => {
    const x = await startHarness({ wtp: fast, session: { extendedMethods: { 0x50: 'PROPFIND', 0x70: 'PATCH' } } });
    try {
      const s = await connect({
        gateway: { host: '127.0.0.1', port: x.gw.addresses.co.port },
        timers: fast,
        capabilities: {
          clientSduSize: 1_048_576,
          serverSduSize: 1_048_576,
          methodMor: 2,
          extendedMethods: [
            { pduType: 0x50, name: 'PROPFIND' },
            { pduType: 0x70, name: 'PATCH' },
            { pduType: 0x51, name: 'MKCOL' },
          ],
        },
      });
      expect(s.capabilities.extendedMethods?.map((m) => m.pduType)).toEqual([0x50, 0x70]);
      const r = await s.get('/echo', [], 'PROPFIND');
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body.toString()) as Echo).method).toBe('PROPFIND');
      const p = await s.post('/echo', 'text/plain', Buffer.from('patch'), [], 'PATCH');
      expect((JSON.parse(p.body.toString()) as Echo).method).toBe('PATCH');
      expect((await s.request({ type: 'Get', pduType: 0x51, uri: '/echo', headers: [] })).status).toBe(501);
      await s.disconnect();
    } finally {
      await x.close();
    }
  });
});

describe('maintenance redirect', () => {
  it('answers Connect with a Redirect to the configured address', async () => {
    const gw = createGateway({
      clPort: 0,
      coPort: 0,
      upstream: 'http://127.0.0.1:1/',
      redirect: { addresses: [{ address: '127.0.0.7', port: 9201 }], permanent: false, reuseSecuritySession: false },
    });
    await gw.start();
    try {
      const err = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, timers: fast }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WspRedirectError);
      const re = err as WspRedirectError;
      expect(re.permanent).toBe(false);
      expect([...re.addresses[0]!.address]).toEqual([127, 0, 0, 7]);
      expect(re.addresses[0]!.port).toBe(9201);
    } finally {
      await gw.stop(0);
    }
  });
});
