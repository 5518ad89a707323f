import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { UrlMap, UrlMapError, checkedUrlMap, parseMapRule } from '../../src/gateway/url-map.ts';

describe('URL map rules', () => {
  const map = new UrlMap([
    { from: 'http://mmsc.example/*', to: 'http://10.0.0.5:8002/*' },
    { from: 'http://old.example/mms', to: 'http://10.0.0.5:8002/mms', keepHost: true },
    { from: 'http://wild.example/*', to: 'http://10.0.0.5:8002/landing' },
    { from: 'DEVICE:home', to: 'http://portal.example/' },
    { from: 'http://mmsc.example/never', to: 'http://never.example/' },
  ]);

  it('prefix rules keep the rest of the URL; the scheme and host match case-insensitively', () => {
    expect(map.map('http://mmsc.example/mms?id=1')).toMatchObject({ url: 'http://10.0.0.5:8002/mms?id=1', requested: 'http://mmsc.example/mms?id=1' });
    expect(map.map('HTTP://MMSC.Example/x')?.url).toBe('http://10.0.0.5:8002/x');
    expect(map.map('http://mmsc.example.evil/x')).toBeUndefined();
    expect(map.map('http://wild.example/a/b')?.url).toBe('http://10.0.0.5:8002/landing');
  });

  it('exact rules match only the whole URL; keepHost names the requested host', () => {
    expect(map.map('http://old.example/mms')).toMatchObject({ url: 'http://10.0.0.5:8002/mms', host: 'old.example' });
    expect(map.map('http://old.example/mms?x')).toBeUndefined();
    expect(map.map('http://mmsc.example/mms')?.host).toBeUndefined();
  });

  it('the first matching rule wins; DEVICE:home maps the handset home; relative URIs match when resolved', () => {
    expect(map.map('http://mmsc.example/never')?.url).toBe('http://10.0.0.5:8002/never');
    expect(map.map('DEVICE:home')?.url).toBe('http://portal.example/');
    expect(map.map('device:HOME')?.url).toBe('http://portal.example/');
    expect(map.map('/mms?x=1', 'http://mmsc.example/mms?x=1')?.url).toBe('http://10.0.0.5:8002/mms?x=1');
    expect(map.map('http://other.example/')).toBeUndefined();
  });

  it('bad rules and targets off the allow-list are clear errors', () => {
    expect(() => new UrlMap([{ from: 'mmsc.example/*', to: 'http://a/*' }])).toThrow(/FROM is not an absolute URL/);
    expect(() => new UrlMap([{ from: 'http://a/x', to: 'http://b/*' }])).toThrow(/TO ends with '\*' but FROM does not/);
    expect(() => new UrlMap([{ from: 'ftp://a/*', to: 'http://b/' }])).toThrow(/http/);
    expect(() => parseMapRule('http://a/')).toThrow(UrlMapError);
    expect(parseMapRule(' http://a/* http://b/*  keep-host ')).toEqual({ from: 'http://a/*', to: 'http://b/*', keepHost: true });
    expect(() => checkedUrlMap([{ from: 'http://a/*', to: 'http://10.0.0.5:8002/*' }], ['http://10.0.0.6'])).toThrow(
      /not on the upstream allow-list.*add http:\/\/10\.0\.0\.5:8002 to gateway\.allowUpstream/,
    );
    expect(checkedUrlMap([{ from: 'http://a/*', to: 'http://10.0.0.5:8002/*' }], (o) => o === 'http://10.0.0.5:8002').size).toBe(1);
  });
});

describe('gateway.urlMap configuration', () => {
  it('--map-url is repeatable, WAPGATE_GATEWAY_URL_MAP and the YAML list form load', () => {
    const c = loadConfig({
      env: {},
      argv: ['--upstream', 'http://10.0.0.5:8002/mms', '--map-url', 'http://mmsc.example/* http://10.0.0.5:8002/*', '--map-url', 'DEVICE:home http://10.0.0.5:8002/ keep-host'],
    });
    expect(c.gateway.urlMap).toEqual([
      { from: 'http://mmsc.example/*', to: 'http://10.0.0.5:8002/*' },
      { from: 'DEVICE:home', to: 'http://10.0.0.5:8002/', keepHost: true },
    ]);
    const e = loadConfig({ env: { WAPGATE_GATEWAY_UPSTREAM: 'http://10.0.0.5:8002/mms', WAPGATE_GATEWAY_URL_MAP: '[{"from":"http://a/*","to":"http://10.0.0.5:8002/*","keepHost":true}]' }, argv: [] });
    expect(e.gateway.urlMap).toEqual([{ from: 'http://a/*', to: 'http://10.0.0.5:8002/*', keepHost: true }]);
  });

  it('a target that is not an allowed origin fails the load with a clear error', () => {
    expect(() => loadConfig({ env: {}, argv: ['--upstream', 'http://10.0.0.5:8002/mms', '--map-url', 'http://mmsc.example/* http://evil.example/*'] })).toThrow(ConfigError);
    try {
      loadConfig({ env: {}, argv: ['--upstream', 'http://10.0.0.5:8002/mms', '--map-url', 'http://mmsc.example/* http://evil.example/*'] });
    } catch (e) {
      expect((e as Error).message).toMatch(/gateway\.urlMap/);
      expect(JSON.stringify((e as ConfigError).problems)).toMatch(/add http:\/\/evil\.example to gateway\.allowUpstream/);
    }
    expect(() => loadConfig({ env: {}, argv: ['--map-url', 'nonsense'] })).toThrow(ConfigError);
    expect(loadConfig({ env: {}, argv: ['--allow-upstream', 'http://evil.example', '--map-url', 'http://m/* http://evil.example/*'] }).gateway.urlMap).toHaveLength(1);
  });
});
