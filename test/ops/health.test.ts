/**
 * Issue 8, watching it: the admin listener of a running `wapgate serve`. /healthz answers while the process
 * serves; /readyz is ready with sockets bound and the upstream reachable, and turns not-ready (503, naming the
 * upstream check) when the upstream goes down, ready again when it comes back; /status is JSON with uptime,
 * sessions, in-flight transactions and the push queue, counting what is really there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type WspSession } from '../../src/handset/co.ts';
import { submitPush } from '../../src/mmsc/pap-client.ts';
import { startUpstream, type Upstream } from '../gateway/upstream-server.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

describe('admin listener of wapgate serve: /healthz, /readyz, /status', () => {
  let up: Upstream | undefined;
  let gw: ServeProcess;
  let session: WspSession | undefined;
  let upPort = 0;

  beforeAll(async () => {
    up = await startUpstream();
    upPort = up.port;
    // pushes to a number nobody has (no RADIUS, no SMSC) wait in the queue until they expire
    gw = await startServe({ config: { gateway: { upstream: up.url }, push: { queue: { expiry: 600_000 } } } });
  }, 120_000);
  afterAll(async () => {
    await session?.abandon();
    await gw?.stop();
    await up?.close();
  });

  const readyz = async () => {
    const r = await fetch(`${gw.admin}/readyz`);
    return { status: r.status, body: (await r.json()) as Readiness };
  };

  it('/healthz is up and /readyz is ready with sockets bound and the upstream reachable', async () => {
    const h = await fetch(`${gw.admin}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.text()).toBe('ok\n');
    const r = await readyz();
    expect(r.status).toBe(200);
    expect(r.body.ready).toBe(true);
    expect(r.body.checks.sockets).toMatchObject({ ok: true, detail: `cl ${gw.ports.cl}, co ${gw.ports.co}` });
    expect(r.body.checks.upstream).toMatchObject({ ok: true });
  }, 60_000);

  it('/status: uptime, the open session, in-flight transactions and the push queue as they are', async () => {
    session = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    const pushed = await submitPush(gw.pap, { address: 'WAPPUSH=+15550009999/TYPE=PLMN@ppg', content: Buffer.from('queued') });
    expect(pushed.ok).toBe(true);
    const res = await fetch(`${gw.admin}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const st = (await res.json()) as Record<string, Record<string, number>> & { uptimeSeconds: number; state: string };
    expect(st.state).toBe('running');
    expect(st.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(st.sessions).toMatchObject({ active: 1 });
    expect(st.transactions).toMatchObject({ inFlight: 0 });
    expect(st.pushQueue).toMatchObject({ pending: 1 });
    const html = await (await fetch(`${gw.admin}/status.html`)).text();
    expect(html).toMatch(/<html/i);
    await session.disconnect();
    session = undefined;
    const after = (await (await fetch(`${gw.admin}/status`)).json()) as { sessions: { active: number } };
    expect(after.sessions.active).toBe(0);
  }, 60_000);

  it('/readyz turns 503 when the upstream is down, and ready again when it is back', async () => {
    await up!.close();
    up = undefined;
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.ready).toBe(false);
    expect(down.body.checks.upstream!.ok).toBe(false);
    expect(down.body.checks.upstream!.detail).toBeTruthy();
    expect(down.body.checks.sockets!.ok).toBe(true);
    // the process itself is still healthy
    expect((await fetch(`${gw.admin}/healthz`)).status).toBe(200);

    up = await startUpstream('127.0.0.1', upPort);
    const back = await readyz();
    expect(back.status).toBe(200);
    expect(back.body.checks.upstream!.ok).toBe(true);
  }, 60_000);
});
