/**
 * `node bin/wapgate.js serve` as a real child process for issue 8's whole-process checks: its own process group
 * (so cleanup stops everything it started), every port asked of the OS, the MMSC store in a temp dir, the pino
 * JSON log read line by line from stdout. Signals go to the child's PID; cleanup kills the group it created.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../support/tools.ts';
import { SOURCE_CLI } from '../support/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** A UDP port the OS just handed out on `address` (released again for the child to bind). */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A TCP port the OS just handed out on `address`. */
export async function freeTcpPort(address = '127.0.0.1'): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, address, () => r()));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Resolves once something accepts TCP connections on `address:port` (a peer process started by a test). */
export async function waitTcpPort(port: number, ms = 15_000, address = '127.0.0.1'): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, address);
      c.once('connect', () => (c.destroy(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} never listened`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  dir: string;
  configFile: string;
  ports: { cl: number; co: number; pap: number; admin: number; mmsc: number; push: number };
  admin: string;
  pap: string;
  logs: LogLine[];
  stderr: string[];
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The first log line (already seen or still to come) the predicate accepts. */
  waitLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  signal(sig: NodeJS.Signals): void;
  /** Rewrites the YAML config file (for SIGHUP). */
  writeConfig(cfg: Record<string, unknown>): void;
  /** Kills the whole process group if still running. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** The YAML configuration (ports and the MMSC store are added as flags/env). */
  config?: Record<string, unknown>;
  args?: string[];
  env?: Record<string, string>;
  /** The handsets' push port (push.pushPort); default: one asked of the OS. */
  pushPort?: number;
  startTimeoutMs?: number;
}

export async function startServe(o: ServeOptions = {}): Promise<ServeProcess> {
  const dir = tempDir('wapgate-ops-');
  const configFile = join(dir, 'wapgate.yaml');
  writeFileSync(configFile, stringify(o.config ?? {}));
  // UDP ports are asked of the OS here (the datagram counters are labelled with the configured port); TCP
  // listeners bind port 0 and report where in the 'wapgate ready' line; the MMSC is not embedded (port 0 unused).
  const ports = {
    cl: await freeUdpPort(),
    co: await freeUdpPort(),
    pap: 0,
    admin: 0,
    mmsc: 0,
    push: o.pushPort ?? (await freeUdpPort()),
  };
  const args = [
    ...SOURCE_CLI,
    'serve',
    '--config', configFile,
    '--cl-port', String(ports.cl),
    '--co-port', String(ports.co),
    '--pap-port', String(ports.pap),
    '--admin-port', String(ports.admin),
    '--mmsc-port', String(ports.mmsc),
    '--push-push-port', String(ports.push),
    ...(o.args ?? []),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, WAPGATE_MMSC_STORE_DIR: join(dir, 'store'), WAPGATE_LOG_PRETTY: 'false', ...o.env };
  for (const k of Object.keys(env)) if (k.startsWith('WAPGATE_') && !(o.env && k in o.env) && k !== 'WAPGATE_MMSC_STORE_DIR' && k !== 'WAPGATE_LOG_PRETTY') delete env[k];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line, raw: true });
      }
      for (const w of waiters) w();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => stderr.push(s));
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      for (const w of waiters) w();
      resolve({ code, signal, at: Date.now() });
    }),
  );

  const waitLog = (pred: (l: LogLine) => boolean, timeoutMs = 60_000) =>
    new Promise<LogLine>((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < logs.length; seen++) {
          if (pred(logs[seen]!)) {
            done();
            resolve(logs[seen]!);
            return;
          }
        }
        if (!alive) {
          done();
          reject(new Error(`wapgate exited before the awaited log line; stderr: ${stderr.join('').slice(-2000)}`));
        }
      };
      const t = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${timeoutMs} ms; last: ${JSON.stringify(logs.slice(-5))} stderr: ${stderr.join('').slice(-1000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const proc: ServeProcess = {
    child,
    pid,
    dir,
    configFile,
    ports,
    admin: '',
    pap: '',
    logs,
    stderr,
    exited,
    waitLog,
    signal: (sig) => {
      if (alive) process.kill(pid, sig);
    },
    writeConfig: (cfg) => writeFileSync(configFile, stringify(cfg)),
    async stop() {
      if (!alive) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exited;
    },
  };
  try {
    const ready = await waitLog((l) => l.msg === 'wapgate ready', o.startTimeoutMs ?? 90_000);
    const port = (v: unknown) => Number(/:(\d+)(\/|$)/.exec(String(v))?.[1] ?? NaN);
    ports.admin = port(ready.admin);
    ports.pap = port(ready.pap);
    if (!(ports.admin > 0) || !(ports.pap > 0)) throw new Error(`ready line without admin/PAP addresses: ${JSON.stringify(ready)}`);
    proc.admin = `http://127.0.0.1:${ports.admin}`;
    proc.pap = String(ready.pap);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return proc;
}
