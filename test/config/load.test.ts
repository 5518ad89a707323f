import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { configKeys } from '../../src/config/keys.ts';
import { defaultConfig, loadConfig, loadConfigDetailed } from '../../src/config/load.ts';
import { maskSecrets, renderConfig } from '../../src/config/print.ts';
import { PPG_DEFAULTS } from '../../src/push/options.ts';
import { createPpg } from '../../src/push/ppg.ts';
import { tempDir } from '../support/tools.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function yamlFile(text: string): string {
  const f = join(tempDir('wapgate-config-'), 'wapgate.yaml');
  writeFileSync(f, text);
  return f;
}

/** The problems of a load that must fail. */
function problems(opts: Parameters<typeof loadConfig>[0]) {
  try {
    loadConfig(opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return { list: (e as ConfigError).problems, text: (e as ConfigError).message };
  }
  throw new Error('configuration was accepted');
}

describe('example files', () => {
  it('wapgate.example.yaml validates and sets what it says', () => {
    const c = loadConfig({ file: join(ROOT, 'wapgate.example.yaml'), env: {} });
    expect(c.gateway.upstream).toBe('http://127.0.0.1:8002/mms');
    expect(c.gateway.session.idleTimeout).toBe(900_000);
    expect(c.gateway.wtp.retryInterval).toBe(7_000);
    expect(c.gateway.maxMessageSize).toBe(1_048_576);
    expect(c.mmsc.maxSize).toBe(300_000);
    expect(c.identity.static).toEqual([
      { cidr: '127.0.0.2', msisdn: '+15550000001' },
      { cidr: '127.0.0.3', msisdn: '+15550000002' },
    ]);
  });

  it('an empty environment and no file give the documented defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c).toEqual(defaultConfig());
    expect(c.gateway).toMatchObject({ bind: '127.0.0.1', clPort: 9200, coPort: 9201, allowUpstream: [] });
    expect(c.push).toMatchObject({ papPort: 8080, papPath: '/wappush', trustedIps: ['127.0.0.1', '::1'] });
    expect(c.admin).toMatchObject({ bind: '127.0.0.1', port: 9280 });
    expect(c.mmsc.port).toBe(8002);
    expect(c.identity.radius.port).toBe(1813);
  });

  it('push: every PPG option has a key, defaulting to PPG_DEFAULTS, and createPpg receives what the file sets', async () => {
    expect(defaultConfig().push).toEqual(PPG_DEFAULTS);
    const c = loadConfig({
      file: yamlFile(
        'push:\n  senderName: Test PPG\n  notifyTimeout: 3s\n  networks: [GSM, IP]\n' +
          '  queue:\n    concurrency: 4\n    keepFinished: 2h\n' +
          '  smpp:\n    deliveryReceipts: false\n    responseTimeout: 2s\n    enquireLinkPeriod: 0\n',
      ),
      env: { WAPGATE_PUSH_QUEUE_CONCURRENCY: '5' },
    });
    const ppg = createPpg(c.push);
    try {
      expect(ppg.options).toMatchObject({
        senderName: 'Test PPG',
        notifyTimeout: 3_000,
        networks: ['GSM', 'IP'],
        queue: { concurrency: 5, keepFinished: 7_200_000 },
        smpp: { deliveryReceipts: false, responseTimeout: 2_000, enquireLinkPeriod: 0 },
      });
    } finally {
      await ppg.close();
    }
  });
});

describe('precedence: file < env < flags', () => {
  const file = yamlFile('gateway:\n  clPort: 1000\n  coPort: 1001\n  bind: 127.0.0.5\nlog:\n  level: warn\n');

  it('env overrides the file, flags override env', () => {
    const { config, sources } = loadConfigDetailed({
      file,
      env: { WAPGATE_GATEWAY_CL_PORT: '2000', WAPGATE_GATEWAY_CO_PORT: '2001' },
      argv: ['--co-port', '3001'],
    });
    expect(config.gateway.bind).toBe('127.0.0.5');
    expect(config.gateway.clPort).toBe(2000);
    expect(config.gateway.coPort).toBe(3001);
    expect(config.log.level).toBe('warn');
    expect(sources.get('gateway.bind')).toBe(`${file}:4`);
    expect(sources.get('gateway.clPort')).toBe('env WAPGATE_GATEWAY_CL_PORT');
    expect(sources.get('gateway.coPort')).toBe('flag --co-port');
  });

  it('--config in argv wins over opts.file and WAPGATE_CONFIG', () => {
    const other = yamlFile('gateway:\n  clPort: 4000\n');
    expect(loadConfig({ file, env: { WAPGATE_CONFIG: file }, argv: ['--config', other] }).gateway.clPort).toBe(4000);
    expect(loadConfig({ env: { WAPGATE_CONFIG: other } }).gateway.clPort).toBe(4000);
  });

  it('coerces env/flag text: numbers, booleans, durations, sizes, lists, JSON tables', () => {
    const c = loadConfig({
      env: {
        WAPGATE_ADMIN_ENABLED: 'no',
        WAPGATE_GATEWAY_HTTP_CONNECT_TIMEOUT: '2s',
        WAPGATE_MMSC_MAX_SIZE: '1MiB',
        WAPGATE_IDENTITY_CLIENTS_DENY: '10.0.0.0/8, 2001:db8::/32',
        WAPGATE_IDENTITY_STATIC: '[{"cidr":"127.0.0.9","msisdn":"+15550000009"}]',
        WAPGATE_LOG_PRETTY: 'false',
      },
      argv: ['--allow-upstream', 'http://a.example', '--allow-upstream=http://b.example:81', '--no-push-enabled', '--set', 'gateway.wtp.groupSize=3'],
    });
    expect(c.admin.enabled).toBe(false);
    expect(c.gateway.http.connectTimeout).toBe(2000);
    expect(c.mmsc.maxSize).toBe(1_048_576);
    expect(c.identity.clients.deny).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(c.identity.static[0]!.msisdn).toBe('+15550000009');
    expect(c.log.pretty).toBe(false);
    expect(c.gateway.allowUpstream).toEqual(['http://a.example', 'http://b.example:81']);
    expect(c.push.enabled).toBe(false);
    expect(c.gateway.wtp.groupSize).toBe(3);
  });

  it('unknown WAPGATE_* variables are warnings, not silently used', () => {
    const r = loadConfigDetailed({ env: { WAPGATE_GATEWAY_CLPORT: '1' } });
    expect(r.warnings[0]).toMatch(/WAPGATE_GATEWAY_CLPORT is not a wapgate setting \(did you mean WAPGATE_GATEWAY_CL_PORT\?\)/);
  });
});

describe('every class of bad configuration has its own message naming key, value, source and what is allowed', () => {
  it('port out of range', () => {
    const { list, text } = problems({ env: { WAPGATE_GATEWAY_CL_PORT: '70000' } });
    expect(list).toEqual([
      { key: 'gateway.clPort', value: 70000, allowed: 'an integer from 0 to 65535', source: 'env WAPGATE_GATEWAY_CL_PORT' },
    ]);
    expect(text).toContain('gateway.clPort (env WAPGATE_GATEWAY_CL_PORT): 70000 is not allowed; expected an integer from 0 to 65535');
  });

  it('wrong type in the file, with file:line', () => {
    const f = yamlFile('gateway:\n  coPort: nine\n');
    const { list } = problems({ file: f });
    expect(list[0]).toEqual({ key: 'gateway.coPort', value: 'nine', allowed: 'an integer from 0 to 65535', source: `${f}:2` });
  });

  it('not an integer', () => {
    expect(problems({ argv: ['--cl-port', '92.5'] }).list[0]!.allowed).toBe('an integer from 0 to 65535');
  });

  it('enum', () => {
    expect(problems({ argv: ['--log-level', 'loud'] }).list[0]).toMatchObject({
      key: 'log.level',
      value: 'loud',
      allowed: 'one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      source: 'flag --log-level',
    });
  });

  it('address, CIDR, URL and origin', () => {
    const { list } = problems({
      argv: ['--bind', '1.2.3', '--upstream', 'ftp://x'],
      env: { WAPGATE_IDENTITY_CLIENTS_ALLOW: '10.0.0.0/33', WAPGATE_GATEWAY_ALLOW_UPSTREAM: 'http://a.example/path' },
    });
    const by = Object.fromEntries(list.map((p) => [p.key, p]));
    expect(by['gateway.bind']!.allowed).toMatch(/IPv4 or IPv6 address/);
    expect(by['gateway.upstream']!.allowed).toBe('an absolute http:// or https:// URL');
    expect(by['identity.clients.allow[0]']).toMatchObject({ value: '10.0.0.0/33', allowed: expect.stringMatching(/CIDR/) });
    expect(by['gateway.allowUpstream[0]']).toMatchObject({ value: 'http://a.example/path', allowed: expect.stringMatching(/origin/) });
  });

  it('duration and size text', () => {
    const { list } = problems({ env: { WAPGATE_GATEWAY_WTP_RETRY_INTERVAL: '5 sec', WAPGATE_MMSC_MAX_SIZE: 'big' } });
    expect(list.find((p) => p.key === 'gateway.wtp.retryInterval')!.allowed).toBe(
      'an integer ≥ 0 or a duration such as 500ms, 30s, 5m, 2h or 7d',
    );
    expect(list.find((p) => p.key === 'mmsc.maxSize')!.allowed).toMatch(/a size such as 300KB/);
  });

  it('unknown key with a suggestion and the known keys', () => {
    const f = yamlFile('gateway:\n  clport: 9200\n');
    const p = problems({ file: f }).list[0]!;
    expect(p.key).toBe('gateway.clport');
    expect(p.source).toBe(`${f}:2`);
    expect(p.allowed).toMatch(/did you mean gateway\.clPort\?/);
    expect(p.allowed).toMatch(/known keys here: bind, clPort, coPort/);
    expect(p.unknownKey).toBe(true);
  });

  it('unknown section', () => {
    expect(problems({ file: yamlFile('gatway: {}\n') }).list[0]!.allowed).toMatch(/did you mean gateway\?/);
  });

  it('a list where a scalar is expected and vice versa', () => {
    const { list } = problems({ file: yamlFile('push:\n  trustedIps: 127.0.0.1\n') });
    expect(list[0]).toMatchObject({ key: 'push.trustedIps', value: '127.0.0.1', allowed: expect.stringMatching(/^a list/) });
  });

  it('secrets are masked in error messages', () => {
    const { list, text } = problems({ file: yamlFile('push:\n  credentials:\n    - { username: a, password: 42 }\n') });
    expect(list[0]!.key).toBe('push.credentials[0].password');
    expect(list[0]!.value).toBe('********');
    expect(text).not.toContain('42 ');
  });

  it('rules across keys: RADIUS without secret, half admin credentials, port clashes', () => {
    const { list } = problems({
      env: { WAPGATE_IDENTITY_RADIUS_ENABLED: 'true', WAPGATE_ADMIN_USERNAME: 'ops', WAPGATE_ADMIN_PORT: '8080' },
    });
    const keys = list.map((p) => p.key);
    expect(keys).toContain('identity.radius.secret');
    expect(list.find((p) => p.key === 'identity.radius.secret')!.allowed).toMatch(/non-empty shared secret/);
    expect(list.find((p) => p.key === 'admin.password')!.allowed).toMatch(/set together/);
    expect(list.find((p) => p.key === 'admin.port')!.allowed).toMatch(/already used by push\.papPort/);
  });

  it('port clashes cover the sendsms listener and PAP over TLS', () => {
    const tls = { WAPGATE_PUSH_TLS_CERT: '/etc/wapgate/pap.pem', WAPGATE_PUSH_TLS_KEY: '/etc/wapgate/pap.key' };
    const sms = { WAPGATE_SENDSMS_USER: 'mmsc', WAPGATE_SENDSMS_PASSWORD: 'secret' };
    const a = problems({ env: { ...sms, WAPGATE_SENDSMS_PORT: '8080' } }).list;
    expect(a.find((p) => p.key === 'sendsms.port')?.allowed).toMatch(/already used by push\.papPort/);
    const b = problems({ env: { ...tls, ...sms, WAPGATE_SENDSMS_PORT: '13013', WAPGATE_PUSH_TLS_PORT: '13013' } }).list;
    expect(b.find((p) => p.key === 'push.tls.port')?.allowed).toMatch(/already used by sendsms\.port/);
    // PAP over TLS only listens with the PPG on: no clash then.
    expect(() => loadConfig({ env: { ...tls, WAPGATE_PUSH_ENABLED: 'false', WAPGATE_PUSH_TLS_PORT: '8081', WAPGATE_ADMIN_PORT: '8081' } })).not.toThrow();
    expect(loadConfig({ env: { ...tls, ...sms, WAPGATE_SENDSMS_PORT: '13013', WAPGATE_PUSH_TLS_PORT: '8443' } }).sendsms.port).toBe(13013);
  });

  it('YAML syntax errors name line and column', () => {
    const f = yamlFile('gateway:\n  clPort: [9200\n');
    expect(() => loadConfig({ file: f })).toThrow(new RegExp(`${f.replace(/[.]/g, '\\.')}:\\d+:\\d+`));
  });

  it('an unreadable file', () => {
    expect(() => loadConfig({ file: '/nonexistent/wapgate.yaml' })).toThrow(/ENOENT/);
  });

  it('unknown flags get a suggestion; a flag without its value is named', () => {
    expect(() => loadConfig({ argv: ['--cl-prot', '1'] })).toThrow(/--cl-prot.*did you mean --cl-port\?/);
    expect(() => loadConfig({ argv: ['--cl-port'] })).toThrow(/--cl-port.*a value after the flag/);
  });

  it('reports every problem at once', () => {
    expect(problems({ argv: ['--cl-port', 'x', '--co-port', 'y', '--log-level', 'z'] }).list).toHaveLength(3);
  });
});

describe('keys, env names and flags', () => {
  it('every key has a description, a unique env name and a unique flag', () => {
    const keys = configKeys();
    expect(keys.length).toBeGreaterThan(60);
    expect(new Set(keys.map((k) => k.env)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.flag)).size).toBe(keys.length);
    for (const k of keys) expect(k.env).toMatch(/^WAPGATE_[A-Z0-9_]+$/);
  });

  it('the flags the issues promise exist', () => {
    const flags = new Set(configKeys().map((k) => k.flag));
    for (const f of ['bind', 'cl-port', 'co-port', 'upstream', 'allow-upstream', 'admin-port', 'trace-pcap', 'pap-port', 'radius-port', 'radius-secret', 'mmsc-port'])
      expect(flags).toContain(f);
  });
});

describe('config --print masking', () => {
  it('masks every secret, including inside tables, and keeps unset ones empty', () => {
    const c = loadConfig({
      env: { WAPGATE_IDENTITY_RADIUS_SECRET: 's3cret', WAPGATE_ADMIN_USERNAME: 'ops', WAPGATE_ADMIN_PASSWORD: 'hunter2', WAPGATE_PUSH_SMPP_PASSWORD: 'pw' },
      argv: ['--push-credentials', '[{"username":"pi","password":"papsecret"}]'],
    });
    const text = renderConfig(c);
    for (const s of ['s3cret', 'hunter2', 'papsecret', 'pw\n']) expect(text).not.toContain(s);
    const m = maskSecrets(c) as { admin: { username: string; password: string }; identity: { radius: { forward: { secret: string } } } };
    expect(m.admin).toMatchObject({ username: 'ops', password: '********' });
    expect(m.identity.radius.forward.secret).toBe('');
  });
});
