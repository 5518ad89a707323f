/** Identity and charging counters reach the Prometheus registry of src/admin/metrics.ts through sync(). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/admin/metrics.ts';
import { createCdrWriter } from '../../src/charging/cdr-writer.ts';
import { createIdentityMetricsSync } from '../../src/identity/metrics.ts';
import { createRadiusAccountingServer } from '../../src/identity/radius-server.ts';
import { createSubscriberMap } from '../../src/identity/subscriber-map.ts';
import { tempDir } from '../support/tools.ts';
import { acctRequest, settle, UdpPeer } from './radius-support.ts';

describe('identity metrics', () => {
  it('exports map size, updates by type, drops by reason and CDRs written', async () => {
    const { registry, metrics } = createMetrics({ defaultMetrics: false });
    const map = createSubscriberMap();
    const radius = createRadiusAccountingServer({ port: 0, secret: 's' }, map);
    await radius.start();
    const cdrs = createCdrWriter({ destination: join(tempDir(), 'c.jsonl') });
    const sync = createIdentityMetricsSync(metrics, { map, radius, cdrs });
    const peer = await UdpPeer.open();
    try {
      const attrs = (type: string, ip: string): Array<[string, unknown]> => [
        ['Acct-Status-Type', type],
        ['Framed-IP-Address', ip],
        ['Calling-Station-Id', '+15550001111'],
        ['Acct-Session-Id', ip],
      ];
      await peer.send(acctRequest('s', attrs('Start', '10.0.0.1') as never, 1), radius.address!.port);
      await peer.send(acctRequest('s', attrs('Start', '10.0.0.2') as never, 2), radius.address!.port);
      await peer.send(acctRequest('s', attrs('Stop', '10.0.0.2') as never, 3), radius.address!.port);
      await peer.send(acctRequest('wrong', attrs('Start', '10.0.0.3') as never, 4), radius.address!.port);
      await peer.send(Buffer.from([4, 0, 0]), radius.address!.port);
      await peer.waitFor(3);
      await settle(100);
      cdrs.record({ time: 't', kind: 'push', clientIp: '10.0.0.1', clientPort: 2948, bearer: 'push-ip', bytesUp: 0, bytesDown: 1, durationMs: 1 });
      await cdrs.flush();
      sync();
      sync(); // idempotent: only growth is added
      const text = await registry.metrics();
      expect(text).toMatch(/^wapgate_radius_map_size 1$/m);
      expect(text).toMatch(/^wapgate_radius_updates_total\{type="start"\} 2$/m);
      expect(text).toMatch(/^wapgate_radius_updates_total\{type="stop"\} 1$/m);
      expect(text).toMatch(/^wapgate_rejected_inputs_total\{source="radius",reason="bad-authenticator"\} 1$/m);
      expect(text).toMatch(/^wapgate_rejected_inputs_total\{source="radius",reason="too-short"\} 1$/m);
      expect(text).toMatch(/^wapgate_cdrs_written_total 1$/m);
    } finally {
      await peer.close();
      await radius.stop();
      await cdrs.close();
    }
  });
});
