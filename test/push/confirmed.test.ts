/**
 * Confirmed push end to end on loopback: PAP push-message with delivery-method="confirmed" → ConfirmedPush in
 * a WTP class 1 Invoke (src/wtp initiator) → a handset WTP responder Acks → PAP result "delivered"; tshark
 * dissects the Invoke as WTP + WSP ConfirmedPush with no problems.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWtpPushInitiator } from '../../src/push/confirmed.ts';
import { createPpg } from '../../src/push/ppg.ts';
import { udpPcap } from '../../src/trace/pcap.ts';
import { WtpResponder } from '../../src/wtp/index.ts';
import { decodeWspPdu } from '../../src/wsp/pdu.ts';
import { fieldValues, toolAvailable, tshark } from '../support/tools.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('confirmed push over WTP class 1', () => {
  it('delivered once the handset acknowledges; tshark reads WTP Invoke + WSP ConfirmedPush', { timeout: 120_000 }, async () => {
    const handsetSock = createSocket('udp4');
    await new Promise<void>((r) => handsetSock.bind(0, '127.0.0.1', () => r()));
    cleanup.push(() => handsetSock.close());
    const invokes: Buffer[] = [];
    const raw: Buffer[] = [];
    const handset = new WtpResponder({
      transport: { send: (d, p) => handsetSock.send(d, p.port, p.address) },
      user: {
        invoke: (_tx, data) => void invokes.push(data),
        abort: () => {},
        resultConfirmed: () => {},
      },
    });
    cleanup.push(() => handset.close());
    handsetSock.on('message', (m, r) => {
      raw.push(m);
      handset.receive(m, { address: r.address, port: r.port });
    });
    const wtp = await createWtpPushInitiator('127.0.0.1');
    cleanup.push(() => wtp.close());
    const ppg = createPpg({ confirmedPushPort: (handsetSock.address() as AddressInfo).port }, { wtp });
    cleanup.push(() => ppg.close());
    const results: string[] = [];
    ppg.engine.on('result', (e) => results.push(`${e.state}:${e.code}:${e.bearer}`));
    const { port } = await ppg.listen(0, '127.0.0.1');
    const control = `<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd"><pap><push-message push-id="conf-1"><address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg"/><quality-of-service delivery-method="confirmed"/></push-message></pap>`;
    const si = '<?xml version="1.0"?><!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd"><si><indication href="http://example.com/x" action="signal-medium">Confirm me</indication></si>';
    const body = `--b\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--b\r\nContent-Type: text/vnd.wap.si\r\nX-Wap-Application-Id: x-wap-application:wml.ua\r\n\r\n${si}\r\n--b--\r\n`;
    const res = await fetch(`http://127.0.0.1:${port}/wappush`, { method: 'POST', body, headers: { 'content-type': 'multipart/related; boundary=b' } });
    expect(res.status).toBe(202);
    const end = Date.now() + 5000;
    while (results.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(results).toEqual(['delivered:1000:ip-co']);
    expect(invokes).toHaveLength(1);
    const pdu = decodeWspPdu(invokes[0]!);
    expect(pdu.type).toBe('ConfirmedPush');
    if (toolAvailable('tshark')) {
      const t = tshark(udpPcap([{ src: '127.0.0.1', srcPort: wtp.port, dst: '127.0.0.1', dstPort: 9201, payload: raw[0]! }]));
      expect(t.problems).toEqual([]);
      expect(fieldValues(t.packets[0]!, 'wtp.pdu_type')[0]).toBe('0x01');
      expect(fieldValues(t.packets[0]!, 'wsp.pdu_type')).toEqual(['0x07']);
    }
  });
});

describe('confirmed push initiator errors', () => {
  it('a datagram the socket cannot send is reported to onError, not swallowed', async () => {
    const errors: Error[] = [];
    const wtp = await createWtpPushInitiator('127.0.0.1', 0, {}, { onError: (err) => errors.push(err) });
    cleanup.push(() => wtp.close());
    // An IPv6 destination on the udp4 socket: the send fails asynchronously (EINVAL).
    void wtp.invoke({ address: '::1', port: 2949 }, Buffer.from([0x07]), { class: 1 }).catch(() => {});
    const end = Date.now() + 3000;
    while (errors.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(errors[0]).toMatchObject({ code: 'EINVAL' });
  });
});
