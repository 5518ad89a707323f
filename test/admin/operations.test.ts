import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.ts';
import { createOperations } from '../../src/app/operations.ts';
import { loadConfig } from '../../src/config/load.ts';
import { tempDir } from '../support/tools.ts';
import { parsePrometheusText, sampleValue } from './prom-text.ts';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c)) as Record<string, unknown>), cb()) }));
  return { log, lines };
}

describe('operations: admin + SIGHUP reload + graceful shutdown, composed from the configuration', () => {
  it('serves the admin endpoints, reloads on SIGHUP, drains on SIGTERM and reports the exit status', async () => {
    const dir = tempDir('wapgate-ops-');
    const argv = ['--admin-port', '0', '--set', `trace.sessionDir=${join(dir, 't')}`, '--gateway-drain-timeout', '2s'];
    let env: Record<string, string> = { WAPGATE_IDENTITY_CLIENTS_DENY: '10.0.0.0/8' };
    const cfg = loadConfig({ argv, env });
    const { log, lines } = memoryLogger();
    const emitter = new EventEmitter();
    const { registry, metrics } = createMetrics({ defaultMetrics: false });
    const exits: number[] = [];
    const ops = createOperations({ config: cfg, reload: () => loadConfig({ argv, env }), log, emitter: emitter as unknown as NodeJS.Process, registry, metrics, exit: (c) => void exits.push(c) });

    let sessionAlive = true;
    const denied: string[][] = [];
    ops.store.subscribe((next, diff) => {
      if (diff.changed.includes('identity.clients.deny')) denied.push(next.identity.clients.deny);
    });
    ops.addReadiness('sockets', () => true);
    ops.addStatus('sessions', () => ({ active: sessionAlive ? 1 : 0 }));
    let finishTransfer!: () => void;
    const order: string[] = [];
    ops.lifecycle
      .onDrain('wtp', () => new Promise<void>((r) => (finishTransfer = () => (order.push('drained'), r()))))
      .onFlush('cdr', () => void order.push('flushed'))
      .onClose('udp', () => void ((sessionAlive = false), order.push('closed')));
    await ops.start();
    const base = `http://127.0.0.1:${ops.adminAddress!.port}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/status`)).json()).toMatchObject({ sessions: { active: 1 } });
    expect((await fetch(`${base}/traces`)).status).toBe(200);

    // SIGHUP: the deny-list and the log level change; the session is not touched
    env = { WAPGATE_IDENTITY_CLIENTS_DENY: '10.0.0.0/8,192.0.2.0/24', WAPGATE_LOG_LEVEL: 'debug', WAPGATE_GATEWAY_CL_PORT: '9300' };
    emitter.emit('SIGHUP');
    expect(denied).toEqual([['10.0.0.0/8', '192.0.2.0/24']]);
    expect(log.level).toBe('debug');
    expect(ops.store.current.gateway.clPort).toBe(9200);
    expect(sessionAlive).toBe(true);
    const line = lines.find((l) => String(l.msg).startsWith('config reloaded'))!;
    expect(line.msg).toBe('config reloaded: identity.clients.deny, log.level changed; gateway.clPort changed but need a restart (not applied)');
    // a broken file on SIGHUP keeps everything
    env = { WAPGATE_LOG_LEVEL: 'loud' };
    emitter.emit('SIGHUP');
    expect(log.level).toBe('debug');
    expect(lines.some((l) => /^config reload rejected/.test(String(l.msg)))).toBe(true);
    const fams = parsePrometheusText(await registry.metrics());
    expect(sampleValue(fams, 'wapgate_config_reloads_total', { result: 'applied' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_config_reloads_total', { result: 'rejected' })).toBe(1);

    // SIGTERM: readiness and health turn 503 while the transfer finishes, then flush, close, exit 0
    emitter.emit('SIGTERM', 'SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(sessionAlive).toBe(true);
    finishTransfer();
    expect(await ops.lifecycle.done).toBe(0);
    expect(order).toEqual(['drained', 'flushed', 'closed']);
    expect(exits).toEqual([]);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(emitter.listenerCount('SIGHUP')).toBe(0);
  });
});
