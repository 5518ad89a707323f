/**
 * Issue 20 — Kannel's sendsms queue shared by several `wapgate serve` processes through a real redis-server:
 * WAP Push messages answered 202 by node A (deferred one minute, so none is delivered yet), node A killed with
 * SIGKILL; the others adopt A's jobs after state.redis.claimIdleMs and each message reaches the handset once, as
 * one WDP datagram over the IP bearer (the MSISDN bound to the handset's IP by the static table), bytes exact.
 */
import { createSocket, type Socket } from 'node:dgram';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeTcpPort, freeUdpPort, startServe, type ServeProcess } from '../ops/serve-process.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { toolAvailable } from '../support/tools.ts';

const have = toolAvailable('redis-server');
const HANDSET = '127.0.4.2';
const MSISDN = '+15550000412';
const CLAIM_IDLE_MS = 2000;
const COUNT = 100;

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const esc = (b: Buffer) => [...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('');

describe.skipIf(!have)('the sendsms queue shared through Redis (real redis-server, real serve processes)', () => {
  let redis: RedisServer;
  let handset: Socket;
  let handsetPort = 0;
  const received = new Map<string, number>();
  const nodes: Record<'a' | 'b' | 'c', ServeProcess & { sendsms: number }> = {} as never;

  beforeAll(async () => {
    redis = await startRedis();
    handsetPort = await freeUdpPort(HANDSET);
    handset = createSocket('udp4');
    handset.on('message', (m) => {
      const id = /body of (s-\d+);/.exec(m.toString('latin1'))?.[1];
      if (id) received.set(id, (received.get(id) ?? 0) + 1);
    });
    await new Promise<void>((r) => handset.bind(handsetPort, HANDSET, () => r()));
    const ids = ['a', 'b', 'c'] as const;
    await Promise.all(
      ids.map(async (id, i) => {
        const sendsms = await freeTcpPort();
        const serve = await startServe({
          config: {
            identity: { static: [{ cidr: `${HANDSET}/32`, msisdn: MSISDN }] },
            sendsms: { port: sendsms, bind: '127.0.0.1', users: [{ username: 'mmsc', password: 'secret' }] },
          },
          args: ['--bind', `127.0.2.${i + 1}`, '--redis', redis.url, '--node-id', `sms-${id}`, '--set', `state.redis.claimIdleMs=${CLAIM_IDLE_MS}`, '--log-level', 'info'],
        });
        nodes[id] = Object.assign(serve, { sendsms });
      }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n?.stop();
    handset?.close();
    await redis?.stop();
  });

  it(`${COUNT} WAP Push messages answered 202 by A, A killed before the deferred delivery: each delivered once by another node`, async () => {
    // UDH: 16-bit application port element, destination = the handset listener's port, source 9200.
    const udh = Buffer.from([0x06, 0x05, 0x04, handsetPort >> 8, handsetPort & 0xff, 0x23, 0xf0]);
    const ids = Array.from({ length: COUNT }, (_, i) => `s-${i}`);
    const t0 = Date.now();
    for (let i = 0; i < ids.length; i += 20) {
      const answers = await Promise.all(
        ids.slice(i, i + 20).map((id) => get(nodes.a.sendsms, `/cgi-bin/sendsms?username=mmsc&password=secret&to=${encodeURIComponent(MSISDN)}&udh=${esc(udh)}&text=${esc(Buffer.from(`\x01\x06body of ${id};`, 'latin1'))}&deferred=1`)),
      );
      for (const a of answers) expect(a.status, a.body).toBe(202);
    }
    const acceptMs = Date.now() - t0;
    expect(received.size).toBe(0);
    nodes.a.signal('SIGKILL');
    const killedAt = (await nodes.a.exited).at;
    // Adopted after the heartbeat expired; delivered when the deferral (one minute from acceptance) is over.
    const adopted = await Promise.race([nodes.b, nodes.c].map((n) => n.waitLog((l) => l.msg === 'sendsms jobs of a node taken for dead adopted', 20_000)));
    const adoptMs = Date.now() - killedAt;
    expect(adopted).toMatchObject({ from: 'sms-a', jobs: COUNT });
    const deadline = Date.now() + 90_000;
    while (received.size < COUNT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1000));
    expect(ids.filter((id) => !received.has(id))).toEqual([]);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const delivered = await Promise.all(
      [nodes.b, nodes.c].map(async (n) => ((await (await fetch(`${n.admin}/status`, { headers: { accept: 'application/json' } })).json()) as { sendsms?: { delivered: number } }).sendsms?.delivered ?? 0),
    );
    expect(delivered[0]! + delivered[1]!).toBe(COUNT);
    console.log(`sendsms shared: ${COUNT} accepted at A in ${acceptMs} ms; adopted ${adoptMs} ms after the kill (claimIdleMs ${CLAIM_IDLE_MS}); delivered by b/c: ${delivered.join('/')}`);
    for (const n of [nodes.b, nodes.c]) expect(n.child.exitCode).toBeNull();
  }, 150_000);
});
