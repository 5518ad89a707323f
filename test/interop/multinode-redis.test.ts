/**
 * Issue 20 — several gateway nodes sharing their state through a real redis-server (Debian's), each node a real
 * `wapgate serve` process on its own loopback address:
 * - radclient Start to node A, then a fakewap request through node B carries the MSISDN; Stop to node C, then it
 *   no longer does;
 * - 300 PAP pushes due 20 s later accepted by node A, node A killed with SIGKILL: every push reaches the handset
 *   listener exactly once, delivered by the others; a cancel of a push accepted by A, sent to B, works;
 * - Redis stopped and restarted under load: no node crashes, they resynchronise, nothing acknowledged is lost.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radclient } from '../identity/radius-support.ts';
import { freeUdpPort, startServe, type ServeProcess } from '../ops/serve-process.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { TOOL_PATHS, toolAvailable } from '../support/tools.ts';

const have = toolAvailable('redis-server') && toolAvailable('radclient') && toolAvailable('fakewap');
const SECRET = 'multi-node';
const HANDSET = '127.0.4.1';
const CLAIM_IDLE_MS = 2000;
const DOCTYPE = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';

function papPush(id: string, deliverAfter?: Date): { body: string; type: string } {
  const b = 'mn-boundary';
  const after = deliverAfter ? ` deliver-after-timestamp="${deliverAfter.toISOString().replace(/\.\d+Z$/, 'Z')}"` : '';
  const control = `${DOCTYPE}<pap><push-message push-id="${id}"${after}><address address-value="WAPPUSH=${HANDSET}/TYPE=IPv4@ppg.example"/><quality-of-service delivery-method="unconfirmed"/></push-message></pap>`;
  const body = `--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${b}\r\nContent-Type: text/plain\r\n\r\nbody of ${id};\r\n--${b}--\r\n`;
  return { body, type: `multipart/related; boundary=${b}; type="application/xml"` };
}

function papControl(kind: 'cancel-message' | 'statusquery-message', id: string): string {
  return `${DOCTYPE}<pap><${kind} push-id="${id}"/></pap>`;
}

async function pap(url: string, body: string, type: string): Promise<{ status: number; code: string; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  const text = await res.text();
  return { status: res.status, code: /code="(\d+)"/.exec(text)?.[1] ?? '', text };
}

function fakewapGet(node: string, port: number, url: string, source = HANDSET): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(TOOL_PATHS.fakewap!, ['-g', node, '-p', String(port), '-M', '0', '-m', '1', '-i', '0', '-F', '-I', source, url]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
    p.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

describe.skipIf(!have)('several nodes sharing state through Redis (real redis-server, real serve processes)', () => {
  let redis: RedisServer;
  let http: Server;
  let origin: string;
  const msisdnSeen: string[] = [];
  let handset: Socket;
  const received = new Map<string, number>();
  const nodes: Record<'a' | 'b' | 'c', ServeProcess> = {} as never;
  const radiusPorts: Record<string, number> = {};

  beforeAll(async () => {
    redis = await startRedis();
    http = createServer((req, res) => {
      msisdnSeen.push(String(req.headers['x-msisdn'] ?? ''));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const pushPort = await freeUdpPort(HANDSET);
    handset = createSocket('udp4');
    handset.on('message', (m) => {
      for (const [, id] of m.toString('latin1').matchAll(/body of (p-[\w-]+);/g)) received.set(id!, (received.get(id!) ?? 0) + 1);
    });
    await new Promise<void>((r) => handset.bind(pushPort, HANDSET, () => r()));
    const ids = ['a', 'b', 'c'] as const;
    await Promise.all(
      ids.map(async (id, i) => {
        radiusPorts[id] = await freeUdpPort();
        nodes[id] = await startServe({
          pushPort,
          args: [
            '--bind', `127.0.1.${i + 1}`,
            '--upstream', `${origin}/`,
            '--allow-upstream', origin,
            '--redis', redis.url,
            '--node-id', id,
            '--radius-port', String(radiusPorts[id]),
            '--radius-secret', SECRET,
            '--set', 'identity.radius.enabled=true',
            '--set', `state.redis.claimIdleMs=${CLAIM_IDLE_MS}`,
            '--set', 'state.redis.graceMs=1000',
            '--log-level', 'info',
          ],
        });
      }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n?.stop();
    handset?.close();
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
    await redis?.stop();
  });

  const get = (node: 'a' | 'b' | 'c') => fakewapGet(`127.0.1.${'abc'.indexOf(node) + 1}`, nodes[node].ports.cl, `${origin}/echo`);

  it('radclient Start to A → a fakewap request through B carries the MSISDN; Stop to C → it no longer does', async () => {
    const start = await radclient(
      radiusPorts.a!,
      SECRET,
      `Acct-Status-Type = Start, Framed-IP-Address = ${HANDSET}, Calling-Station-Id = "+15550007001", Acct-Session-Id = "mn-1"`,
    );
    expect(start.answered, start.out).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const out = await get('b');
    expect(out).toMatch(/200/);
    expect(msisdnSeen.at(-1)).toBe('+15550007001');
    const stop = await radclient(radiusPorts.c!, SECRET, `Acct-Status-Type = Stop, Framed-IP-Address = ${HANDSET}, Calling-Station-Id = "+15550007001", Acct-Session-Id = "mn-1"`);
    expect(stop.answered, stop.out).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    await get('b');
    expect(msisdnSeen.at(-1)).toBe('');
  }, 60_000);

  it('300 pushes accepted by A, A killed: every push delivered once by the others; a cancel sent to B works', async () => {
    const due = new Date(Date.now() + 20_000);
    const ids = Array.from({ length: 300 }, (_, i) => `p-${i}`);
    for (let i = 0; i < ids.length; i += 25) {
      const answers = await Promise.all(ids.slice(i, i + 25).map((id) => {
        const p = papPush(id, due);
        return pap(nodes.a.pap, p.body, p.type);
      }));
      for (const a of answers) expect(a.code, a.text).toBe('1001');
    }
    // A cancel of one of A's pushes, sent to B.
    const cancel = await pap(nodes.b.pap, papControl('cancel-message', 'p-7'), 'application/xml');
    expect(cancel.text).toMatch(/code="1000"/);
    // And a status query for another, at C.
    const status = await pap(nodes.c.pap, papControl('statusquery-message', 'p-8'), 'application/xml');
    expect(status.text).toMatch(/message-state="pending"/);
    nodes.a.signal('SIGKILL');
    await nodes.a.exited;
    const deadline = Date.now() + 60_000;
    while (received.size < 299 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    const missing = ids.filter((id) => id !== 'p-7' && !received.has(id));
    expect(missing).toEqual([]);
    expect(received.has('p-7')).toBe(false);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('Redis stopped and restarted under load: no crash, the nodes resynchronise, acknowledged pushes survive', async () => {
    const load = (async () => {
      let ok = 0;
      for (let i = 0; i < 10; i++) if (/200/.test(await get('b'))) ok++;
      return ok;
    })();
    await redis.stop();
    // Beyond the grace period the node says it is not ready, and why; it still serves handsets meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    const ready = await fetch(`${nodes.b.admin}/readyz`);
    expect(ready.status).toBe(503);
    const status = (await (await fetch(`${nodes.b.admin}/status`, { headers: { accept: 'application/json' } })).json()) as { state?: { redis?: string; servingLocalOnly?: boolean } };
    expect(status.state).toMatchObject({ redis: 'down', servingLocalOnly: true });
    await redis.restart();
    // Shared work is refused (never acknowledged) while Redis is away, then accepted again.
    const t0 = Date.now();
    let accepted = false;
    while (!accepted && Date.now() - t0 < 20_000) {
      const p = papPush('p-after-restart');
      accepted = (await pap(nodes.c.pap, p.body, p.type)).code === '1001';
      if (!accepted) await new Promise((r) => setTimeout(r, 250));
    }
    expect(accepted).toBe(true);
    expect(await load).toBe(10);
    const end = Date.now() + 20_000;
    while (!received.has('p-after-restart') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(received.get('p-after-restart')).toBe(1);
    // Resync: accounting at B after the restart reaches C's copy.
    await radclient(radiusPorts.b!, SECRET, `Acct-Status-Type = Start, Framed-IP-Address = ${HANDSET}, Calling-Station-Id = "+15550007002", Acct-Session-Id = "mn-2"`);
    await new Promise((r) => setTimeout(r, 300));
    await fakewapGet('127.0.1.3', nodes.c.ports.cl, `${origin}/echo`);
    expect(msisdnSeen.at(-1)).toBe('+15550007002');
    for (const n of [nodes.b, nodes.c]) expect(n.child.exitCode).toBeNull();
    expect((await fetch(`${nodes.b.admin}/readyz`)).status).toBe(200);
  }, 120_000);
});
