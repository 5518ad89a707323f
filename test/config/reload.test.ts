import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { applyReloadable, ConfigStore, diffReloadable } from '../../src/config/reload.ts';

const base = () => loadConfig({ env: {} });

describe('diffReloadable', () => {
  it('splits changed keys into reloadable and restart-only', () => {
    const a = base();
    const b = loadConfig({
      env: { WAPGATE_IDENTITY_CLIENTS_DENY: '10.0.0.0/8', WAPGATE_LOG_LEVEL: 'debug', WAPGATE_GATEWAY_CL_PORT: '9300' },
      argv: ['--push-credentials', '[{"username":"a","password":"b"}]', '--upstream', 'http://mmsc.example'],
    });
    const d = diffReloadable(a, b);
    expect(d.changed.sort()).toEqual(['gateway.upstream', 'identity.clients.deny', 'log.level', 'push.credentials']);
    expect(d.restartRequired).toEqual(['gateway.clPort']);
    const applied = applyReloadable(a, b);
    expect(applied.gateway.clPort).toBe(9200);
    expect(applied.log.level).toBe('debug');
    expect(a.log.level).toBe('info'); // inputs untouched
  });

  it('the static MSISDN table and allow-lists are reloadable', () => {
    const b = loadConfig({ env: { WAPGATE_IDENTITY_STATIC: '[{"cidr":"127.0.0.2","msisdn":"+1555"}]', WAPGATE_PUSH_TRUSTED_IPS: '127.0.0.1' } });
    expect(diffReloadable(base(), b).changed.sort()).toEqual(['identity.static', 'push.trustedIps']);
  });
});

describe('ConfigStore', () => {
  it('tells subscribers what changed and keeps restart-only keys', () => {
    const store = new ConfigStore(base());
    const seen = vi.fn();
    const off = store.subscribe(seen);
    const r = store.reload(() => loadConfig({ env: { WAPGATE_LOG_LEVEL: 'warn', WAPGATE_ADMIN_PORT: '9999' } }));
    expect(r.ok).toBe(true);
    expect(r.summary).toBe('config reloaded: log.level changed; admin.port changed but need a restart (not applied)');
    expect(store.current.log.level).toBe('warn');
    expect(store.current.admin.port).toBe(9280);
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen.mock.calls[0]![1]).toEqual({ changed: ['log.level'], restartRequired: ['admin.port'] });
    off();
    store.reload(() => loadConfig({ env: { WAPGATE_LOG_LEVEL: 'error' } }));
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it('listeners hear a reload that changed no key (files such as the static table or the CDR file are re-read)', () => {
    const store = new ConfigStore(base());
    const before = store.current;
    const seen = vi.fn();
    store.subscribe(seen);
    expect(store.reload(base()).summary).toBe('config reloaded: nothing reloadable changed');
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen.mock.calls[0]![1]).toEqual({ changed: [], restartRequired: [] });
    expect(store.current).toBe(before);
  });

  it('an invalid file on reload keeps the running configuration and says why', () => {
    const store = new ConfigStore(base());
    const before = store.current;
    const r = store.reload(() => loadConfig({ env: { WAPGATE_LOG_LEVEL: 'loud' } }));
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/^config reload rejected, running configuration kept: .*log\.level/s);
    expect(store.current).toBe(before);
  });

  it('a failing listener does not stop the others', () => {
    const store = new ConfigStore(base());
    const good = vi.fn();
    store.subscribe(() => {
      throw new Error('boom');
    });
    store.subscribe(good);
    const r = store.reload(() => loadConfig({ env: { WAPGATE_LOG_LEVEL: 'debug' } }));
    expect(good).toHaveBeenCalled();
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/1 listener\(s\) failed: Error: boom/);
  });
});
