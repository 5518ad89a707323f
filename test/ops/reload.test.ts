/**
 * Issue 8, configuration: SIGHUP to a running `wapgate serve` changes the upstream allow-list (gateway.allowUpstream
 * in its YAML file) without dropping a connection-oriented WSP session. One handset session (same session id,
 * same UDP socket) is refused an origin (403), allowed it after a SIGHUP (200), refused again after the reverse
 * SIGHUP; the log names the key that changed; /status and /metrics still count one session, one connect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, WspRedirectError, type WspSession } from '../../src/handset/co.ts';
import { submitPush } from '../../src/mmsc/pap-client.ts';
import { startUpstream, type Upstream } from '../gateway/upstream-server.ts';
import { parsePrometheusText, sampleValue } from '../admin/prom-text.ts';
import { startServe, type LogLine, type ServeProcess } from './serve-process.ts';

describe('SIGHUP reloads the allow-list without dropping a session', () => {
  let a: Upstream;
  let b: Upstream;
  let gw: ServeProcess;
  let session: WspSession | undefined;
  const config = (allow: string[]) => ({ gateway: { upstream: a.url, allowUpstream: allow, drainTimeout: 2000 } });

  beforeAll(async () => {
    a = await startUpstream();
    b = await startUpstream();
    gw = await startServe({ config: config([]) });
  }, 120_000);
  afterAll(async () => {
    await session?.abandon();
    await gw?.stop();
    await a?.close();
    await b?.close();
  });

  const reloaded = (after: number) => (l: LogLine) =>
    gw.logs.indexOf(l) >= after && Array.isArray(l.changed) && (l.changed as string[]).includes('gateway.allowUpstream');

  it('same session: 403 → SIGHUP → 200 → SIGHUP → 403', async () => {
    session = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    const id = session.sessionId;
    const local = session.local;
    const target = `${b.origin}/echo`;

    expect((await session.get(`${a.origin}/echo`)).status).toBe(200);
    expect((await session.get(target)).status).toBe(403);
    expect(b.seen).toHaveLength(0);

    let mark = gw.logs.length;
    gw.writeConfig(config([b.origin]));
    gw.signal('SIGHUP');
    const line = await gw.waitLog(reloaded(mark), 30_000);
    expect(line.level).toBe(30);
    expect(String(line.msg)).toMatch(/gateway\.allowUpstream/);

    const ok = await session.get(target);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString('utf8')).url).toBe('/echo');
    expect(b.seen).toHaveLength(1);
    expect(session.sessionId).toBe(id);
    expect(session.local).toEqual(local);

    mark = gw.logs.length;
    gw.writeConfig(config([]));
    gw.signal('SIGHUP');
    await gw.waitLog(reloaded(mark), 30_000);
    expect((await session.get(target)).status).toBe(403);
    expect(b.seen).toHaveLength(1);
    // the configured upstream itself stays allowed throughout
    expect((await session.get(`${a.origin}/echo`)).status).toBe(200);

    const status = (await (await fetch(`${gw.admin}/status`)).json()) as { gateway: { co: { sessions: number } } };
    expect(status.gateway.co.sessions).toBe(1);
    const fams = parsePrometheusText(await (await fetch(`${gw.admin}/metrics`)).text());
    expect(sampleValue(fams, 'wapgate_wsp_session_events_total', { event: 'connect' })).toBe(1);
    expect(sampleValue(fams, 'wapgate_wsp_sessions_active')).toBe(1);
    expect(sampleValue(fams, 'wapgate_config_reloads_total', { result: 'applied' })).toBe(2);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'co', method: 'GET', status: '403' })).toBe(2);
    expect(sampleValue(fams, 'wapgate_wsp_requests_total', { mode: 'co', method: 'GET', status: '200' })).toBe(3);
    await session.disconnect();
    session = undefined;
  }, 120_000);

  it('SIGHUP applies a new static MSISDN table and log level to the running session', async () => {
    const withIdentity = (msisdn: string, level: string) => ({
      ...config([]),
      identity: { static: [{ cidr: '127.0.0.1/32', msisdn }] },
      log: { level },
    });
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    try {
      let mark = gw.logs.length;
      gw.writeConfig(withIdentity('+15551110001', 'info'));
      gw.signal('SIGHUP');
      await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && Array.isArray(l.changed) && (l.changed as string[]).includes('identity.static'), 30_000);
      const msisdn = async () => (JSON.parse((await s.get(`${a.origin}/echo`)).body.toString('utf8')) as { headers: Record<string, string> }).headers['x-msisdn'];
      expect(await msisdn()).toBe('+15551110001');
      expect(gw.logs.some((l) => l.level === 20)).toBe(false);

      mark = gw.logs.length;
      gw.writeConfig(withIdentity('+15551110002', 'debug'));
      gw.signal('SIGHUP');
      const line = await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && Array.isArray(l.changed) && (l.changed as string[]).includes('log.level'), 30_000);
      expect(line.changed).toEqual(expect.arrayContaining(['identity.static', 'log.level']));
      expect(await msisdn()).toBe('+15551110002');
      // debug lines now appear (the Disconnect below is logged at debug)
      await s.disconnect();
      await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && l.level === 20, 30_000);
    } finally {
      await s.abandon();
      gw.writeConfig(config([]));
    }
  }, 120_000);

  it('SIGHUP moves the default upstream (relative URIs and /readyz follow) and changes the PAP credentials', async () => {
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    const push = (auth?: string) =>
      // credentials Kannel-style in the query (fetch refuses user:pass@ URLs)
      submitPush(auth ? `${gw.pap}?${auth}` : gw.pap, {
        address: 'WAPPUSH=+15550009999/TYPE=PLMN@ppg',
        content: Buffer.from('x'),
      });
    try {
      const path = async () => (JSON.parse((await s.get('echo?relative')).body.toString('utf8')) as { url: string }).url;
      const seenA = a.seen.length;
      expect(await path()).toBe('/echo?relative');
      expect(a.seen.length).toBe(seenA + 1);
      expect((await push()).ok).toBe(true);

      const mark = gw.logs.length;
      gw.writeConfig({
        gateway: { upstream: b.url, allowUpstream: [], drainTimeout: 2000 },
        push: { credentials: [{ username: 'pi', password: 's3cret' }] },
      });
      gw.signal('SIGHUP');
      const line = await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && Array.isArray(l.changed) && (l.changed as string[]).includes('gateway.upstream'), 30_000);
      expect(line.changed).toEqual(expect.arrayContaining(['gateway.upstream', 'push.credentials']));
      const seenB = b.seen.length;
      expect(await path()).toBe('/echo?relative');
      expect(b.seen.length).toBe(seenB + 1);
      // the old upstream is no longer allowed, the new one is
      expect((await s.get(`${a.origin}/echo`)).status).toBe(403);
      const ready = (await (await fetch(`${gw.admin}/readyz`)).json()) as { checks: { upstream: { ok: boolean } } };
      expect(ready.checks.upstream.ok).toBe(true);
      // PAP now wants the credentials
      const denied = await push();
      expect(denied.ok).toBe(false);
      expect(denied.httpStatus).toBe(401);
      expect((await push('username=pi&password=s3cret')).ok).toBe(true);
      expect((await push('username=pi&password=wrong')).httpStatus).toBe(401);
    } finally {
      await s.abandon();
      gw.writeConfig(config([]));
      const mark = gw.logs.length;
      gw.signal('SIGHUP');
      await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && Array.isArray(l.changed), 30_000);
    }
  }, 120_000);

  it('SIGHUP turns the maintenance redirect on for new Connects (sessions already open go on) and off again', async () => {
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    const hup = async (redirect: string[]) => {
      const mark = gw.logs.length;
      gw.writeConfig({ ...config([]), gateway: { ...config([]).gateway, redirect: { addresses: redirect } } });
      gw.signal('SIGHUP');
      await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && Array.isArray(l.changed) && (l.changed as string[]).includes('gateway.redirect.addresses'), 30_000);
    };
    let redirecting = true;
    try {
      await hup(['127.0.0.7:9201']);
      const err = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } }).then(
        (x) => x.abandon().then(() => undefined),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WspRedirectError);
      const to = (err as WspRedirectError).addresses[0]!;
      expect([[...to.address].join('.'), to.port]).toEqual(['127.0.0.7', 9201]);
      expect((await s.get(`${a.origin}/echo`)).status).toBe(200);
      await hup([]);
      redirecting = false;
      const again = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
      expect((await again.get(`${a.origin}/echo`)).status).toBe(200);
      await again.disconnect();
    } finally {
      await s.abandon();
      if (redirecting) await hup([]);
      gw.writeConfig(config([]));
    }
  }, 120_000);

  it('a config file that no longer validates is refused on SIGHUP and the running one stays', async () => {
    const mark = gw.logs.length;
    gw.writeConfig({ gateway: { upstream: a.url, allowUpstream: ['not a url'] } });
    gw.signal('SIGHUP');
    const line = await gw.waitLog((l) => gw.logs.indexOf(l) >= mark && l.level === 50, 30_000);
    expect(JSON.stringify(line)).toMatch(/gateway\.allowUpstream/);
    const s = await connect({ gateway: { host: '127.0.0.1', port: gw.ports.co }, bind: { address: '127.0.0.1' } });
    try {
      expect((await s.get(`${a.origin}/echo`)).status).toBe(200);
      expect((await s.get(`${b.origin}/echo`)).status).toBe(403);
    } finally {
      await s.disconnect();
    }
    const fams = parsePrometheusText(await (await fetch(`${gw.admin}/metrics`)).text());
    expect(sampleValue(fams, 'wapgate_config_reloads_total', { result: 'rejected' })).toBe(1);
  }, 120_000);
});
