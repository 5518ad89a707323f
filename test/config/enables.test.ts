/**
 * Giving a service's port or secret turns the service on (issue 13: `--radius-port 11813 --radius-secret S`
 * left RADIUS off, silently). A general rule of the configuration: a group with an `enabled` key is turned on by
 * its `port`, `secret`, `password` or `host` (or a key marked `enables`) given in a later layer (file → env →
 * flags) than any explicit `enabled`; within one layer an explicit `enabled` wins (a file may carry a disabled
 * template).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enablingKeys, loadConfig, loadConfigDetailed } from '../../src/config/load.ts';

const file = (yaml: string): string => {
  const p = join(mkdtempSync(join(tmpdir(), 'wapgate-enables-')), 'wapgate.yaml');
  writeFileSync(p, yaml);
  return p;
};

describe('a service is turned on by its port or secret', () => {
  it('RADIUS: --radius-port and --radius-secret start it', () => {
    const d = loadConfigDetailed({ argv: ['--radius-port', '11813', '--radius-secret', 'S'], env: {} });
    expect(d.config.identity.radius).toMatchObject({ enabled: true, port: 11813, secret: 'S' });
    expect(d.sources.get('identity.radius.enabled')).toMatch(/^implied by flag --radius-(port|secret)$/);
  });

  it('the same through WAPGATE_* variables and config keys', () => {
    expect(loadConfig({ argv: [], env: { WAPGATE_IDENTITY_RADIUS_SECRET: 'S' } }).identity.radius.enabled).toBe(true);
    expect(loadConfig({ argv: ['--config', file('identity:\n  radius:\n    port: 11813\n    secret: S\n')], env: {} }).identity.radius.enabled).toBe(true);
    expect(loadConfig({ argv: [], env: { WAPGATE_PUSH_SMPP_HOST: 'smsc.example', WAPGATE_PUSH_SMPP_PORT: '2775' } }).push.smpp.enabled).toBe(true);
  });

  it('SMPP and admin too; nothing given leaves the defaults', () => {
    expect(loadConfig({ argv: ['--push-smpp-port', '2775'], env: {} }).push.smpp.enabled).toBe(true);
    expect(loadConfig({ argv: ['--config', file('admin:\n  enabled: false\n')], env: { WAPGATE_ADMIN_PORT: '9281' } }).admin.enabled).toBe(true);
    const d = loadConfig({ argv: [], env: {} });
    expect([d.identity.radius.enabled, d.push.smpp.enabled]).toEqual([false, false]);
  });

  it('an explicit enabled in the same layer wins (a disabled template); a later layer turns it on', () => {
    const template = file('identity:\n  radius:\n    enabled: false\n    port: 1813\n    secret: testing123\n');
    expect(loadConfig({ argv: ['--config', template], env: {} }).identity.radius.enabled).toBe(false);
    expect(loadConfig({ argv: ['--config', template, '--radius-port', '11813'], env: {} }).identity.radius.enabled).toBe(true);
    expect(loadConfig({ argv: ['--no-identity-radius-enabled', '--radius-port', '11813'], env: {} }).identity.radius.enabled).toBe(false);
    expect(loadConfig({ argv: ['--identity-radius-enabled=false'], env: { WAPGATE_IDENTITY_RADIUS_PORT: '11813' } }).identity.radius.enabled).toBe(false);
  });

  it('every group with an enabled key and a port, secret, password or host is covered (services added later too)', () => {
    const groups = enablingKeys();
    expect(groups.get('identity.radius')).toEqual(expect.arrayContaining(['identity.radius.port', 'identity.radius.secret']));
    expect(groups.get('push.smpp')).toEqual(expect.arrayContaining(['push.smpp.port', 'push.smpp.host', 'push.smpp.password']));
    expect(groups.get('admin')).toEqual(expect.arrayContaining(['admin.port']));
    for (const [group, keys] of groups) for (const k of keys) expect(k.startsWith(group + '.'), k).toBe(true);
  });
});
