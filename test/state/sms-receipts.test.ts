/**
 * Delivery receipts across nodes (issue 20), real redis-server: a plain SMS sent through node A with dlr-mask 1,
 * its receipt handed by the SMSC to node B's bind: A's dlr-url is called once. Then A dies with a correlation
 * pending: B adopts it, and the receipt (at B again) is reported by B, once.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmsPushSender, SmsReceipt, SubmitOptions } from '../../src/bearer/sms/sender.ts';
import { createSmsbox, type Smsbox } from '../../src/smsbox/index.ts';
import { RedisLink } from '../../src/state/redis-link.ts';
import { RedisSmsQueue } from '../../src/state/sms-queue-redis.ts';
import { shareReceipts, type SharedReceipts } from '../../src/state/sms-receipts.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { toolAvailable } from '../support/tools.ts';

const HAVE_REDIS = toolAvailable('redis-server');

class FakeSmsc implements SmsPushSender {
  submits: string[] = [];
  private fns: ((r: SmsReceipt) => void)[] = [];
  constructor(private readonly prefix: string) {}
  async submitUserData(_msisdn: string, blocks: readonly Buffer[], _opts: SubmitOptions) {
    return blocks.map(() => {
      const id = `${this.prefix}${this.submits.length + 1}`;
      this.submits.push(id);
      return id;
    });
  }
  onReceipt(fn: (r: SmsReceipt) => void) {
    this.fns.push(fn);
  }
  receipt(r: SmsReceipt) {
    for (const f of this.fns) f(r);
  }
}

function get(addr: AddressInfo, path: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: addr.port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(!HAVE_REDIS)('delivery receipts shared by several nodes (real redis-server)', () => {
  let redis: RedisServer;
  let dlrServer: Server;
  let dlrUrl = '';
  const calls: string[] = [];
  const links: RedisLink[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  async function node(id: string) {
    const link = new RedisLink({ url: redis.url, keyPrefix: 'r1', nodeId: id, graceMs: 1000, commandTimeoutMs: 1000 });
    link.on('error', () => undefined);
    await link.connect();
    links.push(link);
    const q = new RedisSmsQueue(link, { claimIdleMs: 300 });
    await q.recover();
    const smsc = new FakeSmsc(`${id}-`);
    const shared: SharedReceipts = shareReceipts(link, smsc, (e) => {
      throw e;
    });
    const box: Smsbox = createSmsbox({ user: 'u', password: 'p', queue: { max: 10, concurrency: 2, retryInterval: 50, expiry: 60_000 } }, { sms: shared, queueBackend: q, registry: new Registry() });
    q.on('adopt', (r) => box.absorb(r.jobs, r.correlations));
    q.start();
    const addr = await box.listen(0, '127.0.0.1');
    closers.push(() => box.close(), () => q.close(), () => shared.stop());
    await new Promise((r) => setTimeout(r, 50)); // subscribed
    return { link, q, smsc, shared, box, addr };
  }

  beforeAll(async () => {
    redis = await startRedis();
    dlrServer = createServer((req, res) => {
      calls.push(req.url!);
      res.end('ok');
    });
    await new Promise<void>((r) => dlrServer.listen(0, '127.0.0.1', r));
    dlrUrl = encodeURIComponent(`http://127.0.0.1:${(dlrServer.address() as AddressInfo).port}/dlr?type=%d&id=%F&node=`);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    for (const l of links) await l.close();
    dlrServer?.close();
    await redis?.stop();
  });

  it("a receipt at B for A's message is reported by A once; after A dies, B adopts the correlation and reports it", async () => {
    const a = await node('a');
    const b = await node('b');
    expect(await get(a.addr, `/cgi-bin/sendsms?username=u&password=p&to=%2B15550001&text=hello&dlr-mask=1&dlr-url=${dlrUrl}a`)).toBe(202);
    await until(() => a.smsc.submits.length === 1 && a.box.stats().correlations === 1);
    b.smsc.receipt({ messageId: 'a-1', state: 'delivered' });
    await until(() => calls.length === 1);
    expect(calls[0]).toMatch(/type=1&id=a-1&node=a$/);
    await until(() => a.box.stats().correlations === 0);
    expect(b.shared.counts).toMatchObject({ out: 1 });
    expect(a.shared.counts).toMatchObject({ in: 1 });

    // A second message; A dies (its heartbeat stops, nothing cleaned up) with the correlation pending.
    expect(await get(a.addr, `/cgi-bin/sendsms?username=u&password=p&to=%2B15550002&text=again&dlr-mask=1&dlr-url=${dlrUrl}a`)).toBe(202);
    await until(() => a.box.stats().correlations === 1);
    await new Promise((r) => setTimeout(r, 100)); // the correlation's write reached Redis
    await a.shared.stop();
    await a.q.close();
    await a.box.close();
    await until(() => b.box.stats().correlations === 1, 3000);
    b.smsc.receipt({ messageId: 'a-2', state: 'delivered' });
    await until(() => calls.length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatch(/type=1&id=a-2&node=a$/);
    expect(b.box.stats().correlations).toBe(0);
    expect(await b.link.cmd.keys('r1:sms:dlr:*')).toEqual([]);
  });
});
