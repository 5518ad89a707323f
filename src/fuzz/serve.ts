/**
 * The gateway under test: `wapgate serve` as a child process (its own process group, so a hang is killed
 * whole), every port asked of the OS, the MMSC store in a temp dir, ready once its admin /readyz answers 200.
 * RSS is read from /proc (Linux) between batches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export async function freePort(udp: boolean, address = '127.0.0.1'): Promise<number> {
  if (udp) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, address, () => r()));
    const { port } = s.address();
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, address, () => r()));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface Served {
  child: ChildProcess;
  pid: number;
  stderr: string[];
  /** Set once the child has exited. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** Starts serve with `flags`; rejects with the child's stderr if it exits before it is ready. */
export async function startServe(flags: string[], readyUrl: string, timeoutMs = 90_000): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'wapgate-fuzz-'));
  const env: NodeJS.ProcessEnv = { ...process.env, WAPGATE_MMSC_STORE_DIR: join(dir, 'store'), WAPGATE_LOG_PRETTY: 'false', WAPGATE_LOG_LEVEL: 'warn' };
  for (const k of Object.keys(env)) if (k.startsWith('WAPGATE_') && !['WAPGATE_MMSC_STORE_DIR', 'WAPGATE_LOG_PRETTY', 'WAPGATE_LOG_LEVEL'].includes(k)) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve', ...flags], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr.push(s);
    if (stderr.length > 200) stderr.splice(0, 100);
  });
  const s: Served = {
    child,
    pid: child.pid!,
    stderr,
    exited: undefined as unknown as Promise<void>,
    async stop() {
      if (!s.exit) {
        try {
          process.kill(-s.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await s.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  s.exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      s.exit = { code, signal };
      resolve();
    }),
  );
  // Ready when the admin listener answers /readyz (stdout is drained and dropped: the log level is warn).
  child.stdout!.resume();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (s.exit) {
      await s.stop();
      throw new Error(`serve exited (${s.exit.code ?? s.exit.signal}) before it was ready: ${stderr.join('').slice(-1500)}`);
    }
    try {
      const r = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await s.stop();
      throw new Error(`serve not ready within ${timeoutMs} ms: ${stderr.join('').slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return s;
}

/** Resident set size of a process in MiB (Linux /proc), or undefined. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
