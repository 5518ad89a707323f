/**
 * The shared PPG queue (issue 20) against a real redis-server: push-ids unique across nodes, one claim per
 * target, a dead node's open pushes adopted by exactly one survivor (its in-flight claims reported), cancel and
 * lookup of a push another node owns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePushAddress } from '../../src/push/address.ts';
import type { RecoveredQueue } from '../../src/push/queue.ts';
import type { PushRecord } from '../../src/push/store.ts';
import { RedisPushQueue } from '../../src/state/push-queue-redis.ts';
import { RedisLink } from '../../src/state/redis-link.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { toolAvailable } from '../support/tools.ts';

const HAVE_REDIS = toolAvailable('redis-server');
const CLAIM_IDLE = 300;

function record(pushId: string, addresses = ['WAPPUSH=10.0.0.1/TYPE=IPv4@ppg.example']): PushRecord {
  const now = Date.now();
  return {
    pushId,
    version: '2.0',
    receivedTime: now,
    deliverBefore: now + 60_000,
    priority: 'medium',
    qos: { deliveryMethod: 'unconfirmed', network: 'any', networkRequired: false, bearer: 'any', bearerRequired: false, priority: 'medium' } as unknown as PushRecord['qos'],
    initiator: { ip: '127.0.0.1' },
    content: { contentType: 'application/vnd.wap.sic', body: Buffer.from([0x02, 0x05, 0x6a, 0x00, 0xff, 0x00]), entityHeaders: [['x-wap-application-id', 'x-wap-application:wml.ua']] },
    targets: addresses.map((a, index) => ({ index, address: parsePushAddress(a), state: 'pending', code: 1001, eventTime: now, attempts: 0, notBefore: now, busy: false })),
    seq: 0,
  };
}

describe.skipIf(!HAVE_REDIS)('Redis push queue (real redis-server)', () => {
  let redis: RedisServer;
  const links: RedisLink[] = [];
  const queues: RedisPushQueue[] = [];

  async function node(id: string) {
    const link = new RedisLink({ url: redis.url, keyPrefix: 'wgq', nodeId: id, graceMs: 1000, commandTimeoutMs: 1000 });
    link.on('error', () => undefined);
    await link.connect();
    const q = new RedisPushQueue(link, { claimIdleMs: CLAIM_IDLE });
    links.push(link);
    queues.push(q);
    return { link, q, recovered: await q.recover() };
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const q of queues) await q.close();
    for (const l of links) await l.close();
    await redis?.stop();
  });

  it('push-ids are unique across nodes; a target is claimed by one node only; content octets survive', async () => {
    const a = await node('a');
    const b = await node('b');
    expect(a.recovered).toEqual({ records: [], inFlight: [] });
    const rec = record('p-1');
    expect(await a.q.insert(rec)).toBe(true);
    expect(await b.q.insert(record('p-1'))).toBe(false);
    // Only the owner claims (b could claim neither while a holds it nor while a owns the push).
    expect(await b.q.claim(rec, rec.targets[0]!)).toBe(false);
    expect(await a.q.claim(rec, rec.targets[0]!)).toBe(true);
    const seen = await b.q.find('p-1');
    expect(seen?.content.body).toEqual(rec.content.body);
    expect(seen?.content.entityHeaders).toEqual(rec.content.entityHeaders);
    expect(seen?.targets[0]?.address.raw).toBe(rec.targets[0]!.address.raw);
    // Delivered: final, released, no longer open.
    const t = rec.targets[0]!;
    Object.assign(t, { state: 'delivered', code: 1000, attempts: 1 });
    await a.q.update(rec, t);
    expect(await b.q.claim(rec, t)).toBe(false);
    expect((await b.q.find('p-1'))?.targets[0]?.state).toBe('delivered');
    expect(await a.link.cmd.sismember('wgq:open:a', 'p-1')).toBe(0);
  });

  it('a dead node: its open pushes are adopted once, by one survivor, with its claims in flight', async () => {
    const dead = await node('dead');
    const r1 = record('d-1');
    const r2 = record('d-2', ['WAPPUSH=10.0.0.2/TYPE=IPv4@x', 'WAPPUSH=10.0.0.3/TYPE=IPv4@x']);
    await dead.q.insert(r1);
    await dead.q.insert(r2);
    await dead.q.claim(r2, r2.targets[1]!);
    // It dies: no more heartbeats.
    await dead.q.close();
    const adopted: { by: string; found: RecoveredQueue }[] = [];
    for (const [i, q] of queues.entries()) {
      if (q === dead.q) continue;
      q.on('adopt', (found) => adopted.push({ by: String(i), found }));
    }
    const end = Date.now() + 5 * CLAIM_IDLE + 2000;
    while (adopted.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, CLAIM_IDLE));
    expect(adopted).toHaveLength(1);
    const found = adopted[0]!.found;
    expect(found.records.map((r) => r.pushId).sort()).toEqual(['d-1', 'd-2']);
    expect(found.inFlight).toEqual([{ pushId: 'd-2', index: 1 }]);
    // The adopter owns them now; the claim was released.
    const owner = await dead.link.cmd.hget('wgq:push:d-2', 'owner');
    expect(['a', 'b']).toContain(owner);
    expect(await queues[0]!.claim(r2, r2.targets[1]!) || await queues[1]!.claim(r2, r2.targets[1]!)).toBe(true);
  });

  it('cancel at another node: pending targets cancelled in Redis, the owner told, claimed ones refused', async () => {
    const [qa, qb] = queues;
    const rec = record('c-1', ['WAPPUSH=10.0.0.4/TYPE=IPv4@x', 'WAPPUSH=10.0.0.5/TYPE=IPv4@x']);
    await qa!.insert(rec);
    await qa!.claim(rec, rec.targets[1]!);
    const told = new Promise<[string, number[]]>((r) => qa!.once('cancelled', (id, idx) => r([id, idx])));
    expect(await qb!.cancel('c-1', [0, 1])).toEqual({ cancelled: [0], refused: [1] });
    expect(await told).toEqual(['c-1', [0]]);
    expect(await qa!.claim(rec, rec.targets[0]!)).toBe(false);
    expect((await qb!.find('c-1'))?.targets[0]?.state).toBe('cancelled');
    expect(await qb!.cancel('nope', [0])).toBeUndefined();
  });
});
