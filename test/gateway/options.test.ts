import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { gatewayOptionsFromConfig, parseHostPort } from '../../src/app/gateway-config.ts';
import { resolveOptions } from '../../src/gateway/options.ts';

describe('gateway options', () => {
  it('the allow-list always holds the upstream origin, plus the configured ones', () => {
    expect(resolveOptions({ upstream: 'http://MMSC.example:80/mms' }).allowUpstream).toEqual(['http://mmsc.example']);
    expect(resolveOptions({ upstream: 'http://a.example/', allowUpstream: ['https://b.example:8443/x'] }).allowUpstream).toEqual([
      'https://b.example:8443',
      'http://a.example',
    ]);
    expect(resolveOptions({}).allowUpstream).toEqual([]);
    expect(() => resolveOptions({ upstream: 'ftp://x/' })).toThrow();
  });

  it('maps the validated gateway: config section, redirect included', () => {
    const cfg = configSchema.parse({
      gateway: {
        upstream: 'http://127.0.0.1:8002/mms',
        redirect: { addresses: ['127.0.0.7:9201', '[::1]'], permanent: true },
        session: { suspendedTimeout: '2m' },
      },
    });
    const o = resolveOptions(gatewayOptionsFromConfig(cfg));
    expect(o.upstream).toBe('http://127.0.0.1:8002/mms');
    expect(o.redirect).toEqual({ addresses: [{ address: '127.0.0.7', port: 9201 }, { address: '::1' }], permanent: true, reuseSecuritySession: false });
    expect(o.session.suspendedTimeoutMs).toBe(120_000);
    expect(o.clPort).toBe(9200);
    expect(parseHostPort('[2001:db8::1]:9201')).toEqual({ address: '2001:db8::1', port: 9201 });
  });
});

describe('gateway.wsp SDU sizes (WAP-230 §8.3.2.1)', () => {
  it('clientSduSize is what the gateway may send to a handset, serverSduSize what it accepts from one', async () => {
    const { loadConfig } = await import('../../src/config/index.ts');
    const cfg = loadConfig({ argv: ['--gateway-wsp-client-sdu-size', '3000', '--gateway-wsp-server-sdu-size', '5000'], env: {} });
    const s = gatewayOptionsFromConfig(cfg).session!;
    expect(s.clientSduSize).toBe(3000);
    expect(s.serverSduSize).toBe(5000);
  });
});
