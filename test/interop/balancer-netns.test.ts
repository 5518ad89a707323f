/**
 * Issue 20 — three gateway nodes behind the Linux kernel's own L4 balancing, as kube-proxy's nftables mode
 * programs it (`dnat to jhash ip saddr mod N map { … }`), in a network namespace this test creates: everything —
 * Redis, the upstream, the nodes, fakewap from 8 source addresses, the handset's push listener — lives on the
 * namespace's own loopback. Checked: every transaction 200, each source always on the same node (affinity, and
 * the handset's source address reaches the node: identity by IP); one node killed and the map updated (as
 * kube-proxy does on an endpoint change): its handsets reach another node, and none of the pushes it accepted is
 * lost.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SOURCE_CLI } from '../support/cli.ts';
import { createBalancer, netnsAvailable, type Balancer } from '../support/netns.ts';
import { TOOL_PATHS, tempDir, toolAvailable } from '../support/tools.ts';

const have = toolAvailable('redis-server') && toolAvailable('fakewap') && netnsAvailable();
const VIP = '127.0.9.1';
const NODES = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.3.${i + 1}`);
const HANDSET = SOURCES[0]!;
const UPSTREAM = 'http://127.0.0.1:8080';
const DOCTYPE = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';

interface Proc {
  child: ChildProcess;
  lines: string[];
  waitLine(re: RegExp, ms?: number): Promise<string>;
}

function watch(child: ChildProcess): Proc {
  const lines: string[] = [];
  let buf = '';
  const onData = (s: string) => {
    buf += s;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);
  return {
    child,
    lines,
    async waitLine(re, ms = 60_000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = lines.find((l) => re.test(l));
        if (hit) return hit;
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no line ${re} (exit ${child.exitCode}):\n${lines.slice(-30).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

const UPSTREAM_JS = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, {'content-type': 'text/plain'}); s.end('ok ' + q.url); }); }).listen(8080, '127.0.0.1', () => console.log('upstream ready'));`;
const LISTENER_JS = `const s = require('node:dgram').createSocket('udp4'); s.on('message', (m) => { for (const x of m.toString('latin1').matchAll(/body of (n-\\d+);/g)) console.log('PUSH ' + x[1]); }); s.bind(2948, '${HANDSET}', () => console.log('listener ready'));`;
const papJs = (url: string, ids: string[], due: string) => `
const D = ${JSON.stringify(DOCTYPE)};
(async () => {
  for (const id of ${JSON.stringify(ids)}) {
    const b = 'nb';
    const control = D + '<pap><push-message push-id="' + id + '" deliver-after-timestamp="${due}"><address address-value="WAPPUSH=${HANDSET}/TYPE=IPv4@ppg.example"/><quality-of-service delivery-method="unconfirmed"/></push-message></pap>';
    const body = '--' + b + '\\r\\nContent-Type: application/xml\\r\\n\\r\\n' + control + '\\r\\n--' + b + '\\r\\nContent-Type: text/plain\\r\\n\\r\\nbody of ' + id + ';\\r\\n--' + b + '--\\r\\n';
    const r = await fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'multipart/related; boundary=' + b + '; type="application/xml"' }, body });
    const t = await r.text();
    console.log('PAP ' + id + ' ' + (/code="(\\d+)"/.exec(t) || [])[1]);
  }
})();`;

describe.skipIf(!have)('nodes behind nftables jhash balancing in a network namespace (kube-proxy nftables style)', () => {
  let lb: Balancer;
  const procs: Proc[] = [];
  const nodes: Proc[] = [];

  const spawnIn = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const p = watch(lb.spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    procs.push(p);
    return p;
  };

  /** fakewap CO (Connect, Get, Disconnect) from one source address through the VIP: how many 200s. */
  const session = (source: string, n = 2) =>
    new Promise<number>((resolve) => {
      const p = lb.spawn(TOOL_PATHS.fakewap!, ['-g', VIP, '-p', '9201', '-M', '1', '-m', String(n), '-i', '0', '-F', '-I', source, `${UPSTREAM}/page`]);
      let out = '';
      p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
      p.on('close', () => {
        clearTimeout(t);
        // Let the nodes' access lines of this session arrive (their pipes are read by this event loop).
        setTimeout(() => resolve(out.match(/status code 200/gi)?.length ?? 0), 100);
      });
    });

  /** Which node served each source, from the nodes' access lines. */
  const servedBy = () => {
    const m = new Map<string, Set<number>>();
    nodes.forEach((n, i) => {
      for (const l of n.lines) {
        if (!l.includes('"msg":"access"')) continue;
        const client = /"client":"([\d.]+):\d+"/.exec(l)?.[1];
        if (client) (m.get(client) ?? m.set(client, new Set()).get(client)!).add(i);
      }
    });
    return m;
  };

  beforeAll(async () => {
    lb = createBalancer({ vip: VIP, ports: [9200, 9201] });
    const redis = spawnIn('redis-server', ['--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']);
    await redis.waitLine(/Ready to accept connections/);
    await spawnIn(process.execPath, ['-e', UPSTREAM_JS]).waitLine(/upstream ready/);
    await spawnIn(process.execPath, ['-e', LISTENER_JS]).waitLine(/listener ready/);
    const base = tempDir('wapgate-lb-');
    for (const [i, addr] of NODES.entries()) {
      const dir = join(base, `n${i}`);
      mkdirSync(dir);
      const env = { ...process.env, WAPGATE_MMSC_STORE_DIR: join(dir, 'store'), WAPGATE_LOG_PRETTY: 'false' };
      const node = spawnIn(
        process.execPath,
        [
          ...SOURCE_CLI, 'serve',
          '--bind', addr, '--cl-port', '9200', '--co-port', '9201',
          '--upstream', `${UPSTREAM}/`,
          '--redis', 'redis://127.0.0.1:6379', '--node-id', `n${i}`,
          '--pap-port', '8081', '--set', `push.papBind=${addr}`,
          '--admin-port', '9280', '--set', `admin.bind=${addr}`,
          '--set', 'state.redis.claimIdleMs=2000',
        ],
        env,
      );
      nodes.push(node);
    }
    await Promise.all(nodes.map((n) => n.waitLine(/wapgate ready/)));
    lb.setBackends(NODES);
  }, 120_000);

  afterAll(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    // The namespace goes once its processes are gone.
    setTimeout(() => lb?.destroy(), 500).unref();
    return new Promise((r) => setTimeout(r, 600));
  });

  it('fakewap from 8 source addresses: every transaction 200, each source always on the same node', async () => {
    for (const s of SOURCES) expect(await session(s), s).toBe(2);
    for (const s of SOURCES) expect(await session(s), s).toBe(2);
    const by = servedBy();
    for (const s of SOURCES) expect(by.get(s)?.size, `${s} served by ${[...(by.get(s) ?? [])]}`).toBe(1);
    // jhash spread the 8 sources over more than one node.
    expect(new Set([...by.values()].map((x) => [...x][0])).size).toBeGreaterThan(1);
  }, 120_000);

  it('a node killed, the map updated: its handsets reach another node; none of the pushes it accepted is lost', async () => {
    const victim = [...servedBy().get(HANDSET)!][0]!;
    const ids = Array.from({ length: 20 }, (_, i) => `n-${i}`);
    const due = new Date(Date.now() + 5000).toISOString().replace(/\.\d+Z$/, 'Z');
    const pap = lb.run(process.execPath, ['-e', papJs(`http://${NODES[victim]}:8081/wappush`, ids, due)]);
    expect(pap.stdout.match(/ 1001$/gm)?.length, pap.stdout + pap.stderr).toBe(ids.length);
    nodes[victim]!.child.kill('SIGKILL');
    // Keep the slot count and point the dead node's slot at a survivor: with plain `mod N`, shrinking N would move
    // most handsets (and end their sessions), not only the dead node's (docs/scaling.md).
    lb.setBackends(NODES.map((n, i) => (i === victim ? NODES[(victim + 1) % NODES.length]! : n)));
    const before = servedBy();
    for (const s of SOURCES) expect(await session(s), s).toBe(2);
    const after = servedBy();
    for (const s of SOURCES) {
      const added = [...after.get(s)!].filter((n) => n !== victim);
      expect(added.length, s).toBe(1);
      if (before.get(s)?.has(victim)) expect(after.get(s)!.size).toBe(2);
    }
    const listener = procs[2]!;
    const end = Date.now() + 30_000;
    while (ids.some((id) => !listener.lines.includes(`PUSH ${id}`)) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    for (const id of ids) expect(listener.lines.filter((l) => l === `PUSH ${id}`).length, id).toBe(1);
  }, 120_000);
});
