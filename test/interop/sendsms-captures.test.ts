/**
 * Real operators' WAP Push datagrams (../shared/captures/wap-push: MMS notifications and an SI from several
 * networks) leave the gateway's connectionless socket unchanged: gatewayWdpTransport hands each over as
 * S-Unit-Push only because the WSP codec re-encodes it to the very same octets.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeConnectionless } from '../../src/wsp/pdu.ts';
import { gatewayWdpTransport, WdpNotExactError } from '../../src/smsbox/wdp.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';

const DIR = join(SHARED_DIR, 'captures', 'wap-push');

describe.skipIf(!sharedAvailable())('sendsms WDP datagrams from real captures leave byte-exact', () => {
  const files = sharedAvailable() ? readdirSync(DIR).filter((f) => f.endsWith('.wsp')) : [];
  it('every capture', async () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const datagram = readFileSync(join(DIR, f));
      const out: Buffer[] = [];
      const t = gatewayWdpTransport({ sendUnitPush: (_peer, pdu, tid) => (out.push(encodeConnectionless(tid!, pdu)), tid!) });
      await t.sendDatagram(datagram, '127.0.0.9', 2948);
      expect(out[0]!.equals(datagram), f).toBe(true);
    }
  });
  it('a datagram the codec would change is refused, never sent altered', async () => {
    const sent: unknown[] = [];
    const t = gatewayWdpTransport({ sendUnitPush: (p) => (sent.push(p), 0) });
    await expect(t.sendDatagram(Buffer.from([0x01, 0x06, 0x05]), '127.0.0.9', 2948)).rejects.toThrow(WdpNotExactError);
    await expect(t.sendDatagram(Buffer.from('not a wsp pdu at all'), '127.0.0.9', 2948)).rejects.toThrow(WdpNotExactError);
    expect(sent).toHaveLength(0);
  });
});
