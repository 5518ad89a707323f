/**
 * A real redis-server (Debian's) for the tests of shared state: started on a loopback address and a free port,
 * no persistence, stopped by its PID. `toolAvailable('redis-server')` decides skip (locally) or failure (CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freeTcpPort } from '../ops/serve-process.ts';
import { tempDir } from './tools.ts';

export interface RedisServer {
  host: string;
  port: number;
  url: string;
  pid: number;
  /** Stops it (SIGTERM, SIGKILL after 3 s). */
  stop(): Promise<void>;
  /** Starts it again on the same address and port: a Redis restart (data kept only when persistent). */
  restart(): Promise<void>;
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/**
 * `persist` (default): an append-only file fsynced on every write (appendfsync always), as docs/scaling.md asks of
 * a production Redis, so a restart keeps what was acknowledged; false: nothing kept (a Redis that lost its data).
 */
export async function startRedis(o: { host?: string; port?: number; persist?: boolean } = {}): Promise<RedisServer> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await freeTcpPort(host));
  const dir = tempDir('wapgate-redis-');
  const persistence = o.persist === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always'];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', ['--bind', host, '--port', String(port), '--dir', dir, '--save', '', ...persistence, '--protected-mode', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      if (await ping(host, port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not answer on ${host}:${port}`);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  await launch();
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    get pid() {
      return child?.pid ?? 0;
    },
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
