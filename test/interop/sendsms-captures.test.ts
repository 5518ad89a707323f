/**
 * Real operators' WAP Push datagrams (../shared/captures/wap-push: MMS notifications and an SI from several
 * networks) leave the gateway's connectionless socket unchanged: gatewayWdpTransport hands each to the gateway's
 * raw datagram send, never through the WSP codec (test/smsbox/wdp-raw.test.ts: the same over real sockets).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayWdpTransport } from '../../src/smsbox/wdp.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';

const DIR = join(SHARED_DIR, 'captures', 'wap-push');

function recorder() {
  const out: { peer: { address: string; port: number }; payload: Buffer }[] = [];
  return { out, t: gatewayWdpTransport({ sendDatagram: (peer, payload) => void out.push({ peer, payload: Buffer.from(payload) }) }) };
}

describe.skipIf(!sharedAvailable())('sendsms WDP datagrams from real captures leave byte-exact', () => {
  const files = sharedAvailable() ? readdirSync(DIR).filter((f) => f.endsWith('.wsp')) : [];
  it('every capture', async () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const datagram = readFileSync(join(DIR, f));
      const { out, t } = recorder();
      await t.sendDatagram(datagram, '127.0.0.9', 2948);
      expect(out).toHaveLength(1);
      expect(out[0]!.payload.equals(datagram), f).toBe(true);
      expect(out[0]!.peer).toEqual({ address: '127.0.0.9', port: 2948 });
    }
  });
  it('a datagram that is no WSP PDU at all is WDP user data too: sent as given, never decoded', async () => {
    for (const datagram of [Buffer.from([0x01, 0x06, 0x05]), Buffer.from('not a wsp pdu at all')]) {
      const { out, t } = recorder();
      await t.sendDatagram(datagram, '127.0.0.9', 2948);
      expect(out[0]!.payload.equals(datagram)).toBe(true);
    }
  });
});
