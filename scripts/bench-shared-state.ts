/**
 * What sharing state through Redis costs (issue 20), measured in one run on one machine:
 *   1. the per-packet path: CPU per transaction of a gateway with `--redis` against one without, same upstream,
 *      same load generator (`wapgate phone load`), interleaved rounds, medians;
 *   2. PAP pushes accepted per second with the Redis queue against the embedded SQLite store.
 * Usage: node --import tsx scripts/bench-shared-state.ts [--rounds 3] [--seconds 5] [--json]
 * Starts its own redis-server (AOF, appendfsync always, as docs/scaling.md asks) and processes on loopback; stops
 * them by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = join(import.meta.dirname, '..');
// The compiled CLI (npm run build), as operators run it; the sources through tsx when dist/ is missing.
const CLI = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) ? [join(ROOT, 'bin', 'wapgate.js')] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('rounds', 3);
const SECONDS = arg('seconds', 5);
const procs: ChildProcess[] = [];
const CLK = 100; // USER_HZ

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'wapgate-bss-'));
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, WAPGATE_MMSC_STORE_DIR: join(dir, 'store'), WAPGATE_LOG_PRETTY: 'false', WAPGATE_LOG_LEVEL: 'info', WAPGATE_LOG_ACCESS_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`not ready: ${out.slice(-500)}`)), 60_000);
    const on = (d: Buffer) => {
      out += d.toString();
      if (/wapgate ready|"ready"/.test(out)) {
        clearTimeout(t);
        resolve(child);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
  });
}

async function run(cmd: string[]): Promise<string> {
  const child = spawn(process.execPath, [...CLI, ...cmd], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.on('close', r));
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const up = createServer((q, s) => {
    q.resume();
    q.on('end', () => {
      s.writeHead(200, { 'content-type': 'text/plain' });
      s.end('ok');
    });
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', () => r()));
  const origin = `http://127.0.0.1:${(up.address() as AddressInfo).port}`;
  const rport = 16000 + Math.floor(Math.random() * 1000);
  const redis = spawn('redis-server', ['--port', String(rport), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', mkdtempSync(join(tmpdir(), 'bss-redis-'))], { stdio: 'ignore' });
  procs.push(redis);
  await new Promise((r) => setTimeout(r, 500));
  const common = ['serve', '--upstream', `${origin}/`, '--allow-upstream', origin, '--pap-port', '0', '--admin-port', '0'];
  const plain = await start([...common, '--bind', '127.0.0.5', '--cl-port', '19300', '--co-port', '19301', '--pap-port', '18301', '--set', 'push.papBind=127.0.0.5']);
  const shared = await start([...common, '--bind', '127.0.0.6', '--cl-port', '19300', '--co-port', '19301', '--pap-port', '18301', '--set', 'push.papBind=127.0.0.6', '--redis', `redis://127.0.0.1:${rport}`, '--node-id', 'bench']);
  const gws = [
    { name: 'without Redis', child: plain, addr: '127.0.0.5', cpu: [] as number[], tps: [] as number[], pap: [] as number[] },
    { name: '--redis', child: shared, addr: '127.0.0.6', cpu: [] as number[], tps: [] as number[], pap: [] as number[] },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const g of round % 2 ? [...gws].reverse() : gws) {
      const c0 = cpuSeconds(g.child.pid!);
      const out = await run(['phone', 'load', `${origin}/x`, '--cl', '--gateway', `${g.addr}:19300`, '--phones', '16', '--duration', String(SECONDS), '--json']);
      const c1 = cpuSeconds(g.child.pid!);
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ok?: number; completed?: number; tps?: number };
      const n = r.ok ?? r.completed ?? 0;
      g.cpu.push(((c1 - c0) / Math.max(1, n)) * 1e6);
      g.tps.push(r.tps ?? n / SECONDS);
      g.pap.push(await papRate(`http://${g.addr}:18301/wappush`, SECONDS, `r${round}-${g.addr}`));
    }
  }
  const rows = gws.map((g) => ({ gateway: g.name, clGetTps: Math.round(median(g.tps)), cpuMicrosPerTxn: Math.round(median(g.cpu)), papPushesPerS: Math.round(median(g.pap)) }));
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const result = { rounds: ROUNDS, seconds: SECONDS, rows, cpuChangePercent: Math.round(((b.cpuMicrosPerTxn - a.cpuMicrosPerTxn) / a.cpuMicrosPerTxn) * 1000) / 10 };
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log('gateway            CL Get tps   CPU µs/txn   PAP pushes/s');
    for (const r of rows) console.log(`${r.gateway.padEnd(18)} ${String(r.clGetTps).padStart(10)} ${String(r.cpuMicrosPerTxn).padStart(12)} ${String(r.papPushesPerS).padStart(14)}`);
    console.log(`per-packet CPU with --redis: ${result.cpuChangePercent >= 0 ? '+' : ''}${result.cpuChangePercent} % (medians of ${ROUNDS} interleaved rounds)`);
  }
  up.close();
}

/** PAP pushes accepted per second: 32 concurrent initiators for `seconds` (due in an hour: nothing is sent). */
async function papRate(url: string, seconds: number, tag: string): Promise<number> {
  const due = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const D = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';
  const end = Date.now() + seconds * 1000;
  let ok = 0;
  let n = 0;
  const worker = async (w: number) => {
    while (Date.now() < end) {
      const id = `${tag}-${w}-${n++}`;
      const control = `${D}<pap><push-message push-id="${id}" deliver-after-timestamp="${due}"><address address-value="WAPPUSH=127.0.0.9/TYPE=IPv4@ppg"/><quality-of-service delivery-method="unconfirmed"/></push-message></pap>`;
      const body = `--b\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n`;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'multipart/related; boundary=b; type="application/xml"' }, body });
      if ((await res.text()).includes('code="1001"')) ok++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
  return ok / ((Date.now() - t0) / 1000);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  });
