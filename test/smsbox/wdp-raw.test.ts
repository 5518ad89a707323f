/**
 * Raw WDP out of the gateway's connectionless socket (issue 14): a sendsms `text` with a port UDH reaches the
 * receiver's IP as exactly those octets, even when our WSP codec would re-encode it differently (a non-minimal
 * uintvar headers length, a needless Quote before a text value) — the datagram is never decoded on the way.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { createSmsbox, gatewayWdpTransport, type Smsbox } from '../../src/smsbox/index.ts';
import { decodeConnectionless, encodeConnectionless } from '../../src/wsp/pdu.ts';

const HANDSET = '127.0.0.1';
/** TID 01, Push, headers length 1 as a padded uintvar (80 01), content type application/vnd.wap.mms-message. */
const PADDED_UINTVAR = Buffer.from([0x01, 0x06, 0x80, 0x01, 0xbe, 0x8c, 0x82, 0x98, 0x41]);
/** TID 02, Push, X-A: quoted "b" (WSP §8.4.2.1 needs the Quote only before an octet ≥ 128). */
const NEEDLESS_QUOTE = Buffer.concat([Buffer.from([0x02, 0x06, 0x0a, 0xbe]), Buffer.from('X-A\0\x7fb\0', 'latin1'), Buffer.from([0x8c, 0x82])]);

/** Every octet as %XX, as an MMSC sends binary text and udh. */
const pct = (b: Buffer): string => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');

function reencodesDifferently(b: Buffer): boolean {
  const d = decodeConnectionless(b);
  return !encodeConnectionless(d.tid, d.pdu).equals(b);
}

describe('sendsms WAP Push over IP: the datagram leaves the gateway socket as given', () => {
  let gw: Gateway;
  let box: Smsbox;
  let boxPort: number;
  let handset: dgram.Socket;
  let handsetPort: number;
  const got: { msg: Buffer; from: AddressInfo }[] = [];

  beforeAll(async () => {
    gw = createGateway({ bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: 'http://127.0.0.1:9' });
    await gw.start();
    handset = dgram.createSocket('udp4');
    handset.on('message', (msg, from) => got.push({ msg, from }));
    await new Promise<void>((r) => handset.bind(0, HANDSET, r));
    handsetPort = handset.address().port;
    box = createSmsbox({ user: 'mmsc', password: 'secret' }, { wdp: gatewayWdpTransport(gw), resolveMsisdn: (n) => (n === '+15550000046' ? HANDSET : undefined) });
    boxPort = (await box.listen(0, '127.0.0.1')).port;
  });
  afterAll(async () => {
    await box?.close();
    await gw?.stop(100);
    handset?.close();
  });

  it('a text our WSP codec would re-encode differently arrives byte-identical, from the connectionless port to the UDH port', async () => {
    for (const text of [PADDED_UINTVAR, NEEDLESS_QUOTE]) {
      expect(reencodesDifferently(text)).toBe(true);
      got.length = 0;
      const udh = Buffer.from([0x06, 0x05, 0x04, handsetPort >> 8, handsetPort & 0xff, 0x23, 0xf0]);
      const res = await fetch(`http://127.0.0.1:${boxPort}/cgi-bin/sendsms?username=mmsc&password=secret&to=%2B15550000046&udh=${pct(udh)}&text=${pct(text)}`);
      expect(res.status).toBe(202);
      expect(await res.text()).toBe('0: Accepted for delivery');
      for (let t = 0; t < 3000 && got.length === 0; t += 20) await new Promise((r) => setTimeout(r, 20));
      expect(got).toHaveLength(1);
      expect(got[0]!.msg.equals(text)).toBe(true);
      expect(got[0]!.from.port).toBe(gw.addresses.cl.port);
    }
    expect(gw.stats().cl.out).toBe(2);
  });
});
