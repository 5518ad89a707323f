/**
 * Load mode of the handset simulator (src/handset/load.ts) against a live gateway: closed and open loop, CL and
 * CO, and a gateway that never answers (timeouts counted as errors, each request sent twice).
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/handset/load.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { startHarness, type Harness } from '../gateway/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('phone load', () => {
  it('CL Get, closed loop: every transaction answered, latencies measured', async () => {
    const r = await runLoad({ gateway: { host: '127.0.0.1', port: h.gw.addresses.cl.port }, mode: 'cl', url: '/echo', phones: 8, count: 200 });
    expect(r).toMatchObject({ requested: 200, ok: 200, non2xx: 0, errors: 0 });
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    expect(r.maxMs).toBeGreaterThanOrEqual(r.p99Ms);
  });

  it('CL Post and non-2xx answers are told apart', async () => {
    const gateway = { host: '127.0.0.1', port: h.gw.addresses.cl.port };
    const post = await runLoad({ gateway, mode: 'cl', url: '/echo', phones: 4, count: 40, postBody: Buffer.from('hello') });
    expect(post).toMatchObject({ ok: 40, errors: 0 });
    const missing = await runLoad({ gateway, mode: 'cl', url: '/status/404', phones: 2, count: 10 });
    expect(missing).toMatchObject({ ok: 0, non2xx: 10, errors: 0 });
  });

  it('CO Get on persistent sessions, and open loop at a fixed rate', async () => {
    const co = await runLoad({ gateway: { host: '127.0.0.1', port: h.gw.addresses.co.port }, mode: 'co', url: '/echo', phones: 4, count: 40 });
    expect(co).toMatchObject({ ok: 40, errors: 0 });
    const open = await runLoad({ gateway: { host: '127.0.0.1', port: h.gw.addresses.cl.port }, mode: 'cl', url: '/echo', phones: 4, rate: 200, durationMs: 300 });
    expect(open.errors).toBe(0);
    expect(open.ok).toBeGreaterThan(10); // 60 scheduled; a loaded machine makes some late
    expect(open.ok).toBeLessThanOrEqual(62);
  });

  it('a gateway that never answers: each request sent twice, then counted as an error', async () => {
    const silent = dgram.createSocket('udp4');
    const seen: string[] = [];
    silent.on('message', (m, from) => seen.push(`${from.port}/${decodeConnectionless(m).tid}`));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const r = await runLoad({ gateway: { host: '127.0.0.1', port: silent.address().port }, mode: 'cl', url: '/x', phones: 2, count: 4, timeoutMs: 40 });
      expect(r).toMatchObject({ requested: 4, ok: 0, errors: 4 });
      expect(seen).toHaveLength(8);
      // Each phone sends the same TID twice (a retry), then a new one for its next request.
      expect(new Set(seen).size).toBe(4);
    } finally {
      silent.close();
    }
  });
});
