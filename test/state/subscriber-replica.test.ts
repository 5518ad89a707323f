/**
 * The shared subscriber map (issue 20) against a real redis-server: accounting heard by one node is visible to
 * the others within 100 ms, a Stop naming another session removes nothing, and a Redis restart (data gone) is
 * healed by the nodes re-asserting what they learned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubscriberMap, type SubscriberMap } from '../../src/identity/subscriber-map.ts';
import { RedisLink } from '../../src/state/redis-link.ts';
import { createReplicatedSubscriberMap, type ReplicatedSubscriberMap } from '../../src/state/subscriber-replica.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { toolAvailable } from '../support/tools.ts';

const HAVE_REDIS = toolAvailable('redis-server');

async function until(cond: () => boolean, ms = 2000): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - t0;
}

describe.skipIf(!HAVE_REDIS)('replicated subscriber map (real redis-server)', () => {
  let redis: RedisServer;
  const nodes: { id: string; local: SubscriberMap; link: RedisLink; map: ReplicatedSubscriberMap }[] = [];
  const errors: string[] = [];

  async function node(id: string, reassertGraceMs?: number) {
    const local = createSubscriberMap();
    const link = new RedisLink({ url: redis.url, keyPrefix: 'wgtest', nodeId: id, graceMs: 1000, commandTimeoutMs: 1000 });
    link.on('error', () => undefined);
    await link.connect();
    const map = createReplicatedSubscriberMap(local, link, { ttlMs: 60_000, ...(reassertGraceMs !== undefined ? { reassertGraceMs } : {}), onError: (e, what) => errors.push(`${id} ${what}: ${e.message}`) });
    await map.synced;
    const n = { id, local, link, map };
    nodes.push(n);
    return n;
  }

  beforeAll(async () => {
    redis = await startRedis({ persist: false });
  });
  afterAll(async () => {
    for (const n of nodes) {
      await n.map.stop();
      await n.link.close();
    }
    await redis?.stop();
  });

  it('a Start heard by A is seen by B and C within 100 ms; a Stop at C removes it everywhere', async () => {
    const [a, b, c] = [await node('a'), await node('b'), await node('c')];
    // Propagation time, A's bind → B and C answer: the median of 15 (the machine is shared and noisy; the issue's
    // bound is 100 ms, a pub/sub round trip is ~1 ms on loopback).
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const ip = `10.1.1.${i}`;
      a.map.bind(ip, { msisdn: `+1555000${2000 + i}`, sessionId: `w${i}` });
      times.push(await until(() => b.local.lookup(ip) !== undefined && c.local.lookup(ip) !== undefined));
    }
    times.sort((x, y) => x - y);
    expect(times[7]).toBeLessThan(100);
    a.map.bind('10.1.0.7', { msisdn: '+15550001000', sessionId: 's1', nas: '192.0.2.1' });
    await until(() => b.local.lookup('10.1.0.7')?.msisdn === '+15550001000' && c.local.lookup('10.1.0.7') !== undefined);
    expect(b.local.ipForMsisdn('+15550001000')).toBe('10.1.0.7');
    // A late Stop of another session changes nothing anywhere.
    expect(c.map.unbind('10.1.0.7', { sessionId: 'old' })).toBe('mismatch');
    await new Promise((r) => setTimeout(r, 50));
    expect(a.local.lookup('10.1.0.7')?.msisdn).toBe('+15550001000');
    expect(c.map.unbind('10.1.0.7', { sessionId: 's1' })).toBe('removed');
    await until(() => a.local.lookup('10.1.0.7') === undefined && b.local.lookup('10.1.0.7') === undefined);
    expect(await a.link.cmd.exists('wgtest:sub:10.1.0.7')).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a node that starts later adopts the bindings already shared', async () => {
    nodes[0]!.map.bind('10.1.0.8', { msisdn: '+15550001001', sessionId: 's2' });
    await until(() => nodes[1]!.local.lookup('10.1.0.8') !== undefined);
    const d = await node('d');
    expect(d.local.lookup('10.1.0.8')?.msisdn).toBe('+15550001001');
  });

  it('Accounting-On from a NAS drops its bindings on every node', async () => {
    const [a, b] = nodes;
    a!.map.bind('10.2.0.1', { msisdn: '+15550002001', sessionId: 'n1', nas: '192.0.2.9' });
    a!.map.bind('10.2.0.2', { msisdn: '+15550002002', sessionId: 'n2', nas: '192.0.2.9' });
    await until(() => b!.local.lookup('10.2.0.2') !== undefined);
    b!.map.unbindNas('192.0.2.9');
    await until(() => a!.local.lookup('10.2.0.1') === undefined && a!.local.lookup('10.2.0.2') === undefined);
  });

  it('Redis restarted with its data gone: the nodes re-assert what they learned, and keep serving meanwhile', async () => {
    const [a, b] = nodes;
    a!.map.bind('10.3.0.1', { msisdn: '+15550003001', sessionId: 'r1' });
    await until(() => b!.local.lookup('10.3.0.1') !== undefined);
    await redis.restart();
    // Lookups never waited on Redis: still answered from the local copies.
    expect(b!.local.lookup('10.3.0.1')?.msisdn).toBe('+15550003001');
    await until(() => a!.link.up && b!.link.up, 5000);
    // A re-asserts its own binding into the empty Redis.
    const t0 = performance.now();
    while (performance.now() - t0 < 3000 && (await a!.link.cmd.exists('wgtest:sub:10.3.0.1')) === 0) await new Promise((r) => setTimeout(r, 20));
    expect(await a!.link.cmd.exists('wgtest:sub:10.3.0.1')).toBe(1);
    // And replication works again after the restart.
    b!.map.bind('10.3.0.2', { msisdn: '+15550003002', sessionId: 'r2' });
    await until(() => a!.local.lookup('10.3.0.2') !== undefined);
  });

  it('after Redis lost its data, a binding whose owner never re-asserts it is dropped once the grace is over', async () => {
    const f = await node('f', 400);
    const g = await node('g');
    g.map.bind('10.4.0.1', { msisdn: '+15550004001', sessionId: 'g1' });
    await until(() => f.local.lookup('10.4.0.1') !== undefined);
    // g goes away without a Stop (its process died), then Redis restarts empty.
    await g.map.stop();
    await g.link.close();
    nodes.splice(nodes.indexOf(g), 1);
    await redis.restart();
    await until(() => f.link.up, 5000);
    await f.map.synced;
    // Kept through the resync and the grace (its owner could still re-assert it), then dropped.
    await until(() => f.local.lookup('10.4.0.1') === undefined, 5000);
    expect(await f.link.cmd.exists('wgtest:sub:10.4.0.1')).toBe(0);
  });
});
