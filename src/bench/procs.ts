/** Process plumbing for the benchmark: spawning, readiness, CPU and memory readings from /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { encodeConnectionless } from '../wsp/pdu.ts';

const CLK_TCK = 100; // Linux USER_HZ

/** utime + stime of a process, in seconds (0 when it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Peak and current resident set size, in MiB. */
export function memoryMiB(pid: number): { peak: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { peak: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
  } catch {
    return { peak: 0, rss: 0 };
  }
}

/** The children of `pid` (a gateway's worker processes, if any). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface Started {
  child: ChildProcess;
  output: () => string;
}

export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out };
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const s = start(cmd, args, env);
    const timer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
    s.child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out: s.output() });
    });
  });
}

export async function stop(s: Started | undefined, graceMs = 5000): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  const done = new Promise<void>((r) => s.child.once('close', () => r()));
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(t);
}

/**
 * Sends a connectionless WSP Get (WAP-230 §8.2.1, our own codec) to host:port and waits
 * for a Reply (0x04) with the same TID: proof that a gateway is up end to end, whichever gateway it is.
 */
export async function waitForClReply(host: string, port: number, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    for (let tid = 1; Date.now() < deadline; tid = (tid % 250) + 1) {
      const pdu = encodeConnectionless(tid, { type: 'Get', method: 'GET', uri: url, headers: [] });
      const ok = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          sock.off('message', onMsg);
          resolve(false);
        }, 500);
        const onMsg = (m: Buffer) => {
          if (m[0] === tid && m[1] === 0x04) {
            clearTimeout(t);
            sock.off('message', onMsg);
            resolve(true);
          }
        };
        sock.on('message', onMsg);
        sock.send(pdu, port, host);
      });
      if (ok) return;
    }
    throw new Error(`no WSP Reply from ${host}:${port} within ${timeoutMs} ms`);
  } finally {
    sock.close();
  }
}

export async function waitForHttp(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}
