import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { configKeys } from '../../src/config/keys.ts';
import { loadConfig } from '../../src/config/load.ts';
import { AUTH_FAILED, createSmsboxListener, decodeForm, type SmsboxListener, type SmsboxRequest } from '../../src/smsbox/listener.ts';
import { resolveSmsboxOptions } from '../../src/smsbox/options.ts';

function get(addr: AddressInfo, path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: addr.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('latin1'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('sendsms config keys', () => {
  it('derive the flags --sendsms-port, --sendsms-user, --sendsms-password', () => {
    const flags = configKeys().filter((k) => k.path[0] === 'sendsms').map((k) => k.flag);
    expect(flags).toEqual(expect.arrayContaining(['sendsms-port', 'sendsms-user', 'sendsms-password', 'sendsms-users']));
  });
  it('off by default; the port turns it on; user and password come together', () => {
    expect(loadConfig({ env: {}, argv: [] }).sendsms.port).toBeUndefined();
    const c = loadConfig({ env: {}, argv: ['--sendsms-port', '13013', '--sendsms-user', 'mmsc', '--sendsms-password', 'pw'] });
    expect(c.sendsms).toMatchObject({ port: 13013, user: 'mmsc', password: 'pw', bind: '127.0.0.1' });
    expect(() => loadConfig({ env: {}, argv: ['--sendsms-port', '13013', '--sendsms-user', 'mmsc'] })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, argv: ['--sendsms-port', '13013'] })).toThrow(/needs an account/);
    const e = loadConfig({ env: { WAPGATE_SENDSMS_PORT: '13014', WAPGATE_SENDSMS_USERS: '[{"username":"a","password":"b","allowIps":["10.0.0.0/8"]}]' }, argv: [] });
    expect(e.sendsms.port).toBe(13014);
    expect(e.sendsms.users[0]).toMatchObject({ username: 'a', allowIps: ['10.0.0.0/8'], denyIps: [] });
  });
});

describe('octet-preserving CGI decoding', () => {
  it('keeps binary %XX as one octet each and + as space', () => {
    expect(decodeForm('udh=%06%05%04%0B%84%23%F0&text=a+b%zz&x')).toEqual([
      ['udh', '\x06\x05\x04\x0b\x84\x23\xf0'],
      ['text', 'a b%zz'],
      ['x', ''],
    ]);
  });
});

describe('smsbox listener', () => {
  let box: SmsboxListener | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  async function start(o: Parameters<typeof resolveSmsboxOptions>[0]) {
    box = createSmsboxListener(resolveSmsboxOptions(o));
    const seen: SmsboxRequest[] = [];
    box.mount('/cgi-bin/echo', (r) => {
      seen.push(r);
      return { status: 202, body: `hello ${r.user?.username ?? '-'} ${r.args.get('text') ?? ''}` };
    });
    box.mount('/cgi-bin/open', () => ({ status: 200, body: 'open' }), { auth: 'none' });
    return { addr: await box.listen(0, '127.0.0.1'), seen };
  }

  it('mounts routes by path and authenticates sendsms users (query, form body, X-Kannel headers)', async () => {
    const { addr, seen } = await start({ user: 'u', password: 'p€', users: [{ username: 'v', password: 'w', allowIps: [], denyIps: [] }] });
    expect(await get(addr, '/cgi-bin/echo?username=u&password=p%E2%82%AC&text=hi')).toMatchObject({ status: 202, body: 'hello u hi' });
    expect(await get(addr, '/cgi-bin/echo?user=v&pass=w')).toMatchObject({ status: 202, body: 'hello v ' });
    expect(await get(addr, '/cgi-bin/echo', { method: 'POST', headers: { 'x-kannel-username': 'v', 'x-kannel-password': 'w' }, body: 'text' })).toMatchObject({ status: 202 });
    expect(await get(addr, '/cgi-bin/echo', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=v&password=w&text=%FF' })).toMatchObject({ status: 202 });
    expect(seen[2]!.body.toString()).toBe('text');
    expect(seen[3]!.args.get('text')).toBe('\xff');
    expect(await get(addr, '/cgi-bin/echo?username=u&password=x')).toMatchObject({ status: 403, body: AUTH_FAILED });
    expect(await get(addr, '/cgi-bin/echo?username=nobody&password=p')).toMatchObject({ status: 403, body: AUTH_FAILED });
    expect(await get(addr, '/cgi-bin/echo')).toMatchObject({ status: 403, body: AUTH_FAILED });
    expect(await get(addr, '/cgi-bin/open')).toMatchObject({ status: 200, body: 'open' });
    expect(await get(addr, '/cgi-bin/nothing')).toMatchObject({ status: 404 });
    expect(await get(addr, '/cgi-bin/echo', { method: 'PUT' })).toMatchObject({ status: 405 });
  });

  it('per-user allowed and denied addresses; untrusted clients refused', async () => {
    const { addr } = await start({
      users: [
        { username: 'far', password: 'p', allowIps: ['10.0.0.0/8'], denyIps: [] },
        { username: 'near', password: 'p', allowIps: ['127.0.0.0/8'], denyIps: ['127.0.0.1'] },
        { username: 'ok', password: 'p', allowIps: ['127.0.0.1/32'], denyIps: [] },
      ],
    });
    expect((await get(addr, '/cgi-bin/echo?username=far&password=p')).status).toBe(403);
    expect((await get(addr, '/cgi-bin/echo?username=near&password=p')).status).toBe(403);
    expect((await get(addr, '/cgi-bin/echo?username=ok&password=p')).status).toBe(202);
    box!.setAccess({ trustedIps: ['10.0.0.0/8'], users: [{ username: 'ok', password: 'p', allowIps: [], denyIps: [] }] });
    expect(await get(addr, '/cgi-bin/open')).toMatchObject({ status: 403 });
  });

  it('bounds the request: long URI 414, long body 413', async () => {
    const { addr } = await start({ user: 'u', password: 'p', maxRequestSize: 1024 });
    expect((await get(addr, `/cgi-bin/echo?username=u&password=p&text=${'a'.repeat(2000)}`)).status).toBe(414);
    expect((await get(addr, '/cgi-bin/echo?username=u&password=p', { method: 'POST', body: Buffer.alloc(5000) })).status).toBe(413);
    expect((await get(addr, '/cgi-bin/echo?username=u&password=p')).status).toBe(202);
  });
});
