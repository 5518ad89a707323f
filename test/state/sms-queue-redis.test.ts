/**
 * The shared sendsms queue (issue 20) against a real redis-server: job ids unique across nodes, attempts only by
 * the owner, a dead node's open jobs and DLR correlations adopted by exactly one survivor once its heartbeat has
 * expired (its in-flight attempts reported, Buffers intact), and through two smsboxes: a WAP Push answered 202 at
 * node A, A gone before the deferred delivery, delivered once by node B as one datagram with the bytes of text.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmsbox, type Smsbox } from '../../src/smsbox/index.ts';
import type { Correlation, SmsJob } from '../../src/smsbox/queue.ts';
import { RedisLink } from '../../src/state/redis-link.ts';
import { RedisSmsQueue, type RecoveredSms } from '../../src/state/sms-queue-redis.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { toolAvailable } from '../support/tools.ts';

const HAVE_REDIS = toolAvailable('redis-server');
const CLAIM_IDLE = 300;
const PUSH_UDH = '%06%05%04%0B%84%23%F0';
const PUSH = Buffer.from('01060603be81ea8dca0001020304', 'hex');
const esc = (b: Buffer) => [...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('');

function job(id: string, over: Partial<SmsJob> = {}): SmsJob {
  const now = Date.now();
  return {
    id,
    to: '+15550000001',
    msg: { kind: 'wdp', user: 'mmsc', from: 'ppg', text: PUSH, data: PUSH, ports: { src: 9200, dst: 2948 }, coding: 1, dataCoding: 4, dlrMask: 0 } as unknown as SmsJob['msg'],
    accepted: now,
    expires: now + 60_000,
    notBefore: now,
    attempts: 0,
    ...over,
  };
}

function correlation(jobId: string): Correlation {
  return { jobId, to: '+15550000002', pending: ['smsc-1', 'smsc-2'], msg: { user: 'mmsc', from: 'x', coding: 0, dataCoding: 0, dlrMask: 3, dlrUrl: 'http://127.0.0.1/d?%d' } as Correlation['msg'], created: Date.now() };
}

function get(addr: AddressInfo, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: addr.port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
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

describe.skipIf(!HAVE_REDIS)('Redis sendsms queue (real redis-server)', () => {
  let redis: RedisServer;
  const links: RedisLink[] = [];
  const queues: RedisSmsQueue[] = [];
  const boxes: Smsbox[] = [];

  async function node(id: string, prefix: string) {
    const link = new RedisLink({ url: redis.url, keyPrefix: prefix, nodeId: id, graceMs: 1000, commandTimeoutMs: 1000 });
    link.on('error', () => undefined);
    await link.connect();
    const q = new RedisSmsQueue(link, { claimIdleMs: CLAIM_IDLE });
    const errors: Error[] = [];
    q.on('error', (e) => errors.push(e));
    links.push(link);
    queues.push(q);
    return { link, q, errors, recovered: await q.recover() };
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const b of boxes) await b.close();
    for (const q of queues) await q.close();
    for (const l of links) await l.close();
    await redis?.stop();
  });

  it('job ids are unique across nodes; only the owner attempts; a delivered job is gone for every node', async () => {
    const a = await node('a', 'u1');
    const b = await node('b', 'u1');
    expect(a.recovered).toEqual({ jobs: [], correlations: [], inFlight: 0 });
    const j = job('j-1');
    await a.q.insert([j]);
    await expect(b.q.insert([job('j-1')])).rejects.toThrow(/exists already/);
    expect(await b.q.claim(j)).toBe(false);
    expect(await a.q.claim(j)).toBe(true);
    // A retry releases the claim and stores the new schedule; only the owner may write it.
    b.q.update({ ...j, attempts: 9 });
    a.q.update({ ...j, attempts: 1, lastError: 'no IP' });
    const h = await a.link.cmd.hgetall('u1:sms:job:j-1');
    expect(h.claim).toBeUndefined();
    expect(JSON.parse(h.job!).attempts).toBe(1);
    a.q.remove('j-1');
    expect(await a.q.claim(j)).toBe(false);
    expect(await a.link.cmd.sismember('u1:sms:open:a', 'j-1')).toBe(0);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("a dead node's jobs and correlations are adopted by exactly one survivor after its heartbeat expires", async () => {
    const a = await node('a', 'u2');
    await a.q.insert([job('k-1'), job('k-2', { attempts: 1, notBefore: Date.now() + 5000 }), job('k-3')]);
    expect(await a.q.claim(job('k-1'))).toBe(true); // in an attempt when it dies
    a.q.putCorrelation(correlation('k-0'));
    a.q.remove('k-3');
    // a dies: it never started its heartbeat beyond recover()'s one beat; b and c run.
    const found: { by: string; r: RecoveredSms; from: string }[] = [];
    const b = await node('b', 'u2');
    const c = await node('c', 'u2');
    b.q.on('adopt', (r, from) => found.push({ by: 'b', r, from }));
    c.q.on('adopt', (r, from) => found.push({ by: 'c', r, from }));
    const t0 = Date.now();
    b.q.start();
    c.q.start();
    await until(() => found.length > 0, 3000);
    await new Promise((r) => setTimeout(r, CLAIM_IDLE));
    const took = Date.now() - t0;
    expect(found).toHaveLength(1);
    const { by, r, from } = found[0]!;
    expect(from).toBe('a');
    expect(took).toBeLessThan(CLAIM_IDLE * 3 + 1000);
    expect(r.jobs.map((x) => x.id).sort()).toEqual(['k-1', 'k-2']);
    expect(r.inFlight).toBe(1);
    expect(Buffer.isBuffer(r.jobs[0]!.msg.data) && r.jobs[0]!.msg.data.equals(PUSH)).toBe(true);
    expect(r.correlations).toEqual([correlation('k-0')].map((x) => ({ ...x, created: r.correlations[0]!.created })));
    // The survivor owns them now; the stalled former owner may neither attempt nor take a correlation back.
    const survivor = by === 'b' ? b : c;
    expect(await a.q.claim(job('k-2'))).toBe(false);
    expect(await survivor.q.claim(job('k-2'))).toBe(true);
    a.q.putCorrelation({ ...correlation('k-0'), pending: [] });
    expect(await a.link.cmd.hget('u2:sms:dlr:k-0', 'owner')).toBe(by);
    expect(JSON.parse((await a.link.cmd.hget('u2:sms:dlr:k-0', 'c'))!).pending).toEqual(['smsc-1', 'smsc-2']);
    // Restarted under the same id, a finds nothing of its own any more.
    const a2 = await node('a', 'u2');
    expect(a2.recovered.jobs).toEqual([]);
  });

  it('sendsms 202 at node A, A gone before the deferred delivery: node B delivers it once, exact bytes', async () => {
    const sent: { node: string; payload: Buffer; address: string; port: number }[] = [];
    let skew = 0; // B's clock runs past the deferral (Kannel's deferred is in minutes)
    async function smsbox(id: string) {
      const n = await node(id, 'u3');
      const box = createSmsbox(
        { user: 'mmsc', password: 'secret', queue: { max: 100, concurrency: 4, retryInterval: 50, expiry: 600_000 } },
        {
          wdp: { sendDatagram: async (payload, address, port) => void sent.push({ node: id, payload, address, port }) },
          resolveMsisdn: (m) => (m === '+15551230001' ? '127.0.0.9' : undefined),
          queueBackend: n.q,
          registry: new Registry(),
          clock: {
            now: () => Date.now() + (id === 'a' ? 0 : skew),
            setTimer(ms, fn) {
              const t = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_000_000)));
              return { cancel: () => clearTimeout(t) };
            },
          },
        },
      );
      n.q.on('adopt', (r) => box.absorb(r.jobs, r.correlations));
      n.q.start();
      boxes.push(box);
      return { ...n, box, addr: await box.listen(0, '127.0.0.1') };
    }
    const a = await smsbox('a');
    const b = await smsbox('b');
    const r = await get(a.addr, `/cgi-bin/sendsms?username=mmsc&password=secret&to=%2B15551230001&udh=${PUSH_UDH}&text=${esc(PUSH)}&deferred=1`);
    expect(r.status).toBe(202);
    expect(a.box.stats().queued).toBe(1);
    // A dies (as SIGKILL looks from Redis: its heartbeat stops, nothing is cleaned up).
    await a.q.close();
    await a.box.close();
    skew = 61_000;
    await until(() => sent.length > 0, 5000);
    await new Promise((res) => setTimeout(res, CLAIM_IDLE * 2));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ node: 'b', address: '127.0.0.9', port: 2948 });
    expect(sent[0]!.payload.equals(PUSH)).toBe(true);
    expect(b.box.stats()).toMatchObject({ queued: 0, delivered: 1 });
    expect(await b.link.cmd.keys('u3:sms:job:*')).toEqual([]);
  });

  it('Redis away: an insert fails within the command timeout (sendsms answers 503, never hangs); back: accepted again', async () => {
    const a = await node('a', 'u4');
    await redis.stop();
    const t0 = Date.now();
    await expect(a.q.insert([job('d-1')])).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(2500);
    await redis.restart();
    await until(() => a.link.up, 10_000);
    await a.q.insert([job('d-2')]);
    expect(await a.q.claim(job('d-2'))).toBe(true);
  });
});
