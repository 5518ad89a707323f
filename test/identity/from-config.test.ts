/**
 * The identity layer and the CDR writer built from a real configuration (the config room's loader: YAML file,
 * environment, flags), driven by radclient when present; reload swaps settings without dropping the map.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCdrWriterFromConfig } from '../../src/app/charging.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createIdentityFromConfig } from '../../src/app/identity.ts';
import { tempDir, toolAvailable } from '../support/tools.ts';
import { radclient } from './radius-support.ts';

describe('identity from configuration', () => {
  it('builds map, RADIUS server, enricher and policy from file + flags, and reloads', async () => {
    const dir = tempDir();
    const staticFile = join(dir, 'static.yaml');
    writeFileSync(staticFile, '- {cidr: 10.50.0.0/16, msisdn: "+15550500000"}\n');
    const file = join(dir, 'wapgate.yaml');
    writeFileSync(
      file,
      [
        'identity:',
        '  radius: {enabled: true, bind: 127.0.0.1, port: 0}',
        '  static:',
        '    - {cidr: 10.40.0.7, msisdn: "+15550400007", imsi: "001010000400007"}',
        `  staticFile: ${staticFile}`,
        '  msisdnHeader: X-WAP-Network-Client-MSISDN',
        '  imsiHeader: X-IMSI',
        '  origins:',
        '    - {origin: "http://strict.example", refuseUnknown: true}',
        '  clients: {deny: [10.66.0.0/16]}',
        '  rateLimit: {rate: 1, burst: 2}',
        'charging:',
        `  cdr: {destination: ${join(dir, 'cdr.jsonl')}, flushInterval: 0}`,
        '',
      ].join('\n'),
    );
    const cfg = loadConfig({ argv: ['--config', file, '--radius-secret', 's3cret'], env: {} });
    const id = createIdentityFromConfig(cfg.identity);
    await id.start();
    try {
      expect(id.radius?.address?.port).toBeGreaterThan(0);
      expect(id.enricher.headersFor('10.40.0.7', 'http://mmsc.example')).toEqual({
        'X-WAP-Network-Client-MSISDN': '+15550400007',
        'X-IMSI': '001010000400007',
      });
      expect(id.enricher.lookup('10.50.3.3')?.msisdn).toBe('+15550500000');
      expect(id.enricher.headersFor('10.9.9.9', 'http://strict.example')).toBe('refuse');
      expect(id.enricher.protectedHeaders.has('x-wap-network-client-msisdn')).toBe(true);
      expect(id.policy.admit('10.66.1.1', 'cl', 0)).toBe('deny');
      expect([1, 2, 3].map(() => id.policy.admit('10.1.1.1', 'co', 0))).toEqual(['ok', 'ok', 'rate-limited']);

      if (toolAvailable('radclient')) {
        const r = await radclient(id.radius!.address!.port, 's3cret', 'Acct-Status-Type = Start, Framed-IP-Address = 10.40.0.7, Calling-Station-Id = "+15550409999", Acct-Session-Id = "c1"');
        expect(r.answered, r.out).toBe(true);
        expect(id.enricher.lookup('10.40.0.7')?.msisdn).toBe('+15550409999'); // RADIUS wins over static
      }

      // SIGHUP: new headers and lists, same map and socket.
      const next = loadConfig({
        argv: ['--config', file, '--radius-secret', 's3cret'],
        env: { WAPGATE_IDENTITY_MSISDN_HEADER: 'X-MSISDN' },
      });
      next.identity.static = [];
      next.identity.clients.deny = [];
      id.reload(next.identity);
      expect(id.policy.admit('10.66.1.1', 'cl', 0)).toBe('ok');
      expect(id.enricher.lookup('10.50.3.3')?.msisdn).toBe('+15550500000'); // the file is still read
      if (toolAvailable('radclient')) expect(id.enricher.headersFor('10.40.0.7', 'http://x.example')).toMatchObject({ 'X-MSISDN': '+15550409999' });
      const bad = structuredClone(next.identity);
      bad.static = [{ cidr: '10.0.0.0/99', msisdn: '+1555' }];
      expect(() => id.reload(bad)).toThrow(/not an address/);
      expect(id.enricher.protectedHeaders.has('x-msisdn')).toBe(true);
    } finally {
      await id.stop();
    }

    const cdrs = createCdrWriterFromConfig(cfg.charging, { nodeId: 'n1' });
    expect(cdrs).toBeDefined();
    cdrs!.record({ time: 't', kind: 'push', clientIp: '10.0.0.1', clientPort: 2948, bearer: 'push-ip', bytesUp: 0, bytesDown: 10, durationMs: 1 });
    await cdrs!.close();
    expect(createCdrWriterFromConfig(loadConfig({ argv: [], env: {} }).charging)).toBeUndefined();
  });
});
