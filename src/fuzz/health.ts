/**
 * "A healthy client must still be served": between batches, a handset on its own address fetches through the
 * gateway over CO (Connect, Get, Disconnect) and CL, the admin listener answers /healthz, every HTTP listener
 * answers some HTTP response, RADIUS answers a signed Accounting-Request. Any reply counts as served; no reply
 * within the timeout is a hang.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ClClient } from '../handset/cl.ts';
import { connect } from '../handset/co.ts';
import { Rng } from './rng.ts';
import { radiusAccounting, type TargetContext } from './targets.ts';

export const HEALTH_ADDRESS = '127.0.0.9';

export interface HealthResult {
  ok: boolean;
  failed: string[];
  ms: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

/** Any HTTP response on a fresh connection. */
function httpAnswers(port: number, path: string, ms: number): Promise<void> {
  return withTimeout(
    fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(ms) }).then((r) => r.arrayBuffer().then(() => undefined)),
    ms + 500,
    `HTTP :${port}${path}`,
  );
}

function radiusAnswers(port: number, secret: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error(`RADIUS :${port}: no Accounting-Response in ${ms} ms`));
    }, ms);
    s.on('message', (m) => {
      if (m[0] !== 5) return;
      clearTimeout(t);
      s.close();
      resolve();
    });
    s.on('error', () => {});
    s.bind(0, HEALTH_ADDRESS, () => s.send(radiusAccounting(new Rng(Date.now()), secret, undefined, 3), port, '127.0.0.1'));
  });
}

export async function checkHealth(ctx: TargetContext, active: ReadonlySet<string>, timeoutMs = 10_000): Promise<HealthResult> {
  const t0 = Date.now();
  const failed: string[] = [];
  const mmsc = ctx.ports.mmsc ? `http://127.0.0.1:${ctx.ports.mmsc}/mms` : 'http://127.0.0.1/';
  const checks: [string, () => Promise<unknown>][] = [
    [
      'co',
      async () => {
        const s = await withTimeout(connect({ gateway: { host: '127.0.0.1', port: ctx.ports.co! }, bind: { address: HEALTH_ADDRESS } }), timeoutMs, 'CO Connect');
        try {
          await withTimeout(s.get(mmsc), timeoutMs, 'CO Get');
        } finally {
          await s.disconnect().catch(() => {});
        }
      },
    ],
    [
      'cl',
      async () => {
        const c = new ClClient({ gateway: { host: '127.0.0.1', port: ctx.ports.cl! }, bind: { address: HEALTH_ADDRESS }, timeoutMs: timeoutMs / 3, attempts: 3 });
        try {
          await c.get(mmsc);
        } finally {
          await c.close();
        }
      },
    ],
    ['admin', () => httpAnswers(ctx.ports.admin!, '/healthz', timeoutMs)],
    ['pap', () => httpAnswers(ctx.ports.pap!, '/wappush', timeoutMs)],
    ['mmsc', () => httpAnswers(ctx.ports.mmsc!, '/mms', timeoutMs)],
    ['sendsms', () => httpAnswers(ctx.ports.sendsms!, '/cgi-bin/sendsms', timeoutMs)],
    ['radius', () => radiusAnswers(ctx.ports.radius!, ctx.radiusSecret, timeoutMs)],
  ];
  await Promise.all(
    checks
      .filter(([name]) => active.has(name))
      .map(async ([name, run]) => {
        try {
          await run();
        } catch (e) {
          failed.push(`${name}: ${(e as Error).message}`);
        }
      }),
  );
  return { ok: failed.length === 0, failed, ms: Date.now() - t0 };
}

/** One TCP connection: write the octets, half-close, wait for the peer to close (or `ms`). */
export function tcpExchange(port: number, data: Buffer, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const t = setTimeout(() => sock.destroy(), ms);
    sock.on('error', () => {});
    sock.on('data', () => {});
    sock.on('close', () => {
      clearTimeout(t);
      resolve();
    });
    sock.on('connect', () => sock.end(data));
  });
}
