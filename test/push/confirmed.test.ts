/**
 * Confirmed push end to end on loopback, through a running gateway (gateway.workers 1: createGateway; 2: the
 * worker-thread gateway): the handset simulator (src/handset/co.ts) connects with the Confirmed Push Facility, a
 * PAP push-message with delivery-method="confirmed" becomes a WSP ConfirmedPush in a WTP class 1 Invoke out of the
 * gateway's own 9201 socket to the session's address:port (WAP-230 §8.2.4, as Kannel's push state machine sends
 * from the session's address tuple — no socket of its own any more, so the source port is 9201, not an ephemeral
 * one), the handset's Ack (TID direction bit set) reaches the gateway's initiator, and the PI gets its result
 * notification (delivered, 1000) and statusquery answer. Without a session: the push is not sent (NoPushSession).
 * tshark dissects the Invoke and the Ack as sent and received.
 */
import { createSocket } from 'node:dgram';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerGateway } from '../../src/app/workers.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { connect, type WspSession } from '../../src/handset/co.ts';
import { gatewayConfirmedPush } from '../../src/push/confirmed.ts';
import { gatewayPushTransport } from '../../src/push/delivery.ts';
import { createPpg, type Ppg } from '../../src/push/ppg.ts';
import { decodeSia, SIA_CONTENT_TYPE } from '../../src/push/sia.ts';
import { udpPcap, type UdpDatagram } from '../../src/trace/pcap.ts';
import { formatAddress } from '../../src/wsp/capabilities.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import type { ConfirmedPushPdu, PushPdu } from '../../src/wsp/pdu-types.ts';
import { fieldValues, toolAvailable, tshark } from '../support/tools.ts';

const fast = { retryIntervalMs: 300, ackIntervalMs: 500, waitTimeoutMs: 2000 };
const PAP = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';
const SI = '<?xml version="1.0"?><!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd"><si><indication href="http://example.com/x" action="signal-medium">Confirm me</indication></si>';
const CAPS = {
  clientSduSize: 1_048_576,
  serverSduSize: 1_048_576,
  methodMor: 1,
  pushMor: 1,
  protocolOptions: { push: true, confirmedPush: true, sessionResume: false, ackHeaders: false, largeDataTransfer: false },
};

function pushMessage(id: string, address: string, notifyTo: string, deliverBefore?: Date): { body: string; type: string } {
  const until = deliverBefore ? ` deliver-before-timestamp="${deliverBefore.toISOString().replace(/\.\d+Z$/, 'Z')}"` : '';
  const control = `${PAP}<pap><push-message push-id="${id}" ppg-notify-requested-to="${notifyTo}"${until}><address address-value="WAPPUSH=${address}/TYPE=IPv4@ppg"/><quality-of-service delivery-method="confirmed"/></push-message></pap>`;
  return {
    body: `--b\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--b\r\nContent-Type: text/vnd.wap.si\r\nX-Wap-Application-Id: x-wap-application:wml.ua\r\n\r\n${SI}\r\n--b--\r\n`,
    type: 'multipart/related; boundary=b',
  };
}

async function until(ok: () => boolean, ms = 8000): Promise<boolean> {
  for (let t = 0; t < ms && !ok(); t += 20) await new Promise((r) => setTimeout(r, 20));
  return ok();
}

for (const workers of [1, 2]) {
  describe(`confirmed push through the gateway (gateway.workers ${workers})`, () => {
    let gw: Gateway;
    let ppg: Ppg;
    let papPort: number;
    const notes: string[] = [];
    const lines: string[] = [];
    const datagrams: UdpDatagram[] = [];
    const received: { pdu: PushPdu | ConfirmedPushPdu; from: { address: string; port: number } }[] = [];
    const sessions: WspSession[] = [];

    beforeAll(async () => {
      const opts = { bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: 'http://127.0.0.1:9/', wtp: fast };
      const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
      gw = workers === 1 ? createGateway(opts, { log }) : createWorkerGateway(opts, workers, { log });
      await gw.start();
      const co = gw.addresses.co.port;
      gw.setTap((dir, data, peer, local) => {
        if (local.port !== co) return;
        const payload = Buffer.from(data);
        // The gateway's port as 9201 in the pcap, so Wireshark's port-based WTP/WSP dissectors apply.
        datagrams.push(dir === 'in' ? { src: peer.address, srcPort: peer.port, dst: local.address, dstPort: 9201, payload } : { src: local.address, srcPort: 9201, dst: peer.address, dstPort: peer.port, payload });
      });
      ppg = createPpg({}, { transport: gatewayPushTransport(gw), wtp: gatewayConfirmedPush(gw), notify: async (_url, xml) => (notes.push(xml), 200) });
      papPort = (await ppg.listen(0, '127.0.0.1')).port;
    }, 30_000);

    afterAll(async () => {
      for (const s of sessions) await s.disconnect().catch(() => {});
      await ppg?.close();
      await gw?.stop(200);
    });

    const post = (m: { body: string; type: string }) => fetch(`http://127.0.0.1:${papPort}/wappush`, { method: 'POST', body: m.body, headers: { 'content-type': m.type } });

    it("a handset in session gets the ConfirmedPush from 9201 at its session port; its Ack completes the PAP result", { timeout: 30_000 }, async () => {
      const address = '127.0.0.1';
      const s = await connect({
        gateway: { host: '127.0.0.1', port: gw.addresses.co.port },
        bind: { address },
        timers: fast,
        capabilities: CAPS,
        onPush: (pdu, from) => void received.push({ pdu, from }),
      });
      sessions.push(s);
      expect(s.capabilities.protocolOptions?.confirmedPush).toBe(true);
      const res = await post(pushMessage(`conf-${workers}`, address, 'http://127.0.0.1:9/notify'));
      expect(res.status).toBe(202);
      expect(await until(() => notes.length === 1)).toBe(true);
      expect(notes[0]).toMatch(/message-state="delivered"/);
      expect(notes[0]).toMatch(/code="1000"/);
      expect(received).toHaveLength(1);
      expect(received[0]!.pdu.type).toBe('ConfirmedPush');
      expect(received[0]!.pdu.contentType?.type).toBe('application/vnd.wap.sic');
      // From the gateway's own connection-oriented socket, to the port the session speaks from.
      expect(received[0]!.from).toEqual({ address: '127.0.0.1', port: gw.addresses.co.port });
      const q = await post({ body: `${PAP}<pap><statusquery-message push-id="conf-${workers}"/></pap>`, type: 'application/xml' });
      const text = await q.text();
      expect(text).toMatch(/message-state="delivered"/);
      // The session still serves methods while and after the push (responder traffic unchanged).
      const local = s.local.port;
      const invoke = datagrams.find((d) => d.srcPort === 9201 && d.dstPort === local && d.payload[0]! >> 3 === 0x01 && !(d.payload[1]! & 0x80));
      const ack = datagrams.find((d) => d.dstPort === 9201 && d.srcPort === local && d.payload[0]! >> 3 === 0x03 && (d.payload[1]! & 0x80) !== 0);
      expect(invoke).toBeDefined();
      expect(ack).toBeDefined();
      if (toolAvailable('tshark')) {
        const t = tshark(udpPcap([invoke!, ack!]));
        expect(t.problems).toEqual([]);
        const [inv, a] = t.packets;
        expect(fieldValues(inv!, 'wtp.pdu_type')[0]).toBe('0x01');
        expect(fieldValues(inv!, 'wtp.inv.transaction_class')[0]).toBe('0x01');
        expect(fieldValues(inv!, 'wtp.header.UP')[0]).toBe('1');
        expect(fieldValues(inv!, 'wtp.TID.response')[0]).toBe('0');
        expect(fieldValues(inv!, 'wsp.pdu_type')).toEqual(['0x07']);
        expect(fieldValues(a!, 'wtp.pdu_type')[0]).toBe('0x03');
        expect(fieldValues(a!, 'wtp.TID.response')[0]).toBe('1');
        expect(fieldValues(a!, 'wtp.TID')[0]).toBe(fieldValues(inv!, 'wtp.TID')[0]);
      }
    });

    it('a datagram a gateway socket cannot send is logged (never only counted), a flood of them once a second', async () => {
      const before = lines.length;
      // An IPv6 destination from the IPv4 socket: dgram fails the send (EINVAL) after the fact.
      for (let i = 0; i < 5; i++) gw.sendDatagram({ address: '::1', port: 2948 }, Buffer.from([0x01, 0x06]));
      expect(await until(() => lines.slice(before).some((l) => l.includes('UDP datagram not sent')))).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      const logged = lines.slice(before).filter((l) => l.includes('UDP datagram not sent')).map((l) => JSON.parse(l) as { level: number; client: string; err: { code: string } });
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 50, client: '::1:2948', err: { code: 'EINVAL' } });
      // The next line, a second later, says how many were not logged meanwhile.
      await new Promise((r) => setTimeout(r, 1100));
      gw.sendDatagram({ address: '::1', port: 2948 }, Buffer.from([0x01, 0x06]));
      expect(await until(() => lines.slice(before).filter((l) => l.includes('UDP datagram not sent')).length === 2)).toBe(true);
      expect(JSON.parse(lines.slice(before).filter((l) => l.includes('UDP datagram not sent'))[1]!)).toMatchObject({ suppressed: 4 });
    });

    it('no session: a Session Initiation Request to the SIA names 9201; the handset connects and gets the push (Kannel create_session)', { timeout: 30_000 }, async () => {
      const handset = '127.0.0.23';
      const sia = createSocket('udp4');
      await new Promise<void>((r) => sia.bind(0, handset, () => r()));
      const sirs: Buffer[] = [];
      const got: string[] = [];
      sia.on('message', (m) => {
        sirs.push(Buffer.from(m));
        const { pdu } = decodeConnectionless(m);
        if (pdu.type !== 'Push' || pdu.contentType?.type !== SIA_CONTENT_TYPE) return;
        const contact = decodeSia(pdu.data).contactPoints[0]!;
        void connect({
          gateway: { host: [...contact.address].join('.'), port: contact.port! },
          bind: { address: handset },
          timers: fast,
          capabilities: CAPS,
          onPush: (p) => void got.push(p.type),
        }).then((s) => sessions.push(s));
      });
      const ppg2 = createPpg({}, {
        transport: gatewayPushTransport(gw),
        wtp: gatewayConfirmedPush(gw, { sessionRequest: { pushPort: (sia.address() as { port: number }).port, waitMs: 8000, pollMs: 50 } }),
        notify: async (_url, xml) => (notes.push(xml), 200),
      });
      try {
        const port = (await ppg2.listen(0, '127.0.0.1')).port;
        const n = notes.length;
        const m = pushMessage(`sir-${workers}`, handset, 'http://127.0.0.1:9/notify');
        expect((await fetch(`http://127.0.0.1:${port}/wappush`, { method: 'POST', body: m.body, headers: { 'content-type': m.type } })).status).toBe(202);
        expect(await until(() => notes.length === n + 1)).toBe(true);
        expect(notes[n]).toMatch(/message-state="delivered"/);
        expect(got).toEqual(['ConfirmedPush']);
        expect(sirs).toHaveLength(1);
        const { pdu } = decodeConnectionless(sirs[0]!);
        expect(pdu.type === 'Push' && pdu.headers).toEqual([{ name: 'X-Wap-Application-Id', value: 'x-wap-application:push.sia' }]);
        const content = decodeSia((pdu as { data: Buffer }).data);
        expect(content.appIds).toEqual(['x-wap-application:wml.ua']);
        expect(content.contactPoints.map(formatAddress)).toEqual([`127.0.0.1:${gw.addresses.co.port}`]);
        if (toolAvailable('tshark')) {
          const t = tshark(udpPcap([{ src: '127.0.0.1', srcPort: 9200, dst: handset, dstPort: 2948, payload: sirs[0]! }]));
          expect(t.problems).toEqual([]);
          expect(fieldValues(t.packets[0]!, 'wsp.pdu_type')).toEqual(['0x06']);
          expect(fieldValues(t.packets[0]!, 'wap.sir.version')).toEqual(['0']);
          // One X-Wap-Application-Id header: its name and its App-assigned-code, two octets.
          expect(fieldValues(t.packets[0]!, 'wap.sir.app_id_list.length')).toEqual(['2']);
          // (Wireshark 4.0 shows every WSP address port as 0: its add_addresses passes the encoding flag as the
          // value. The port is checked above from our decode of the octets.)
          expect(fieldValues(t.packets[0]!, 'wsp.address.ipv4')).toEqual(['127.0.0.1']);
        }
      } finally {
        await ppg2.close();
        sia.close();
      }
    });

    it('no session at the address: nothing is sent, the push waits for a session until deliver-before, the PI learns why', { timeout: 30_000 }, async () => {
      const before = datagrams.length;
      const n = notes.length;
      // No session is not final (the handset may connect later): the push stays queued until deliver-before.
      const res = await post(pushMessage(`nosession-${workers}`, '127.0.0.77', 'http://127.0.0.1:9/notify', new Date(Date.now() + 2500)));
      expect(res.status).toBe(202);
      await new Promise((r) => setTimeout(r, 1000));
      expect(notes.length).toBe(n);
      expect(await until(() => notes.length === n + 1, 10_000)).toBe(true);
      expect(notes[n]).toMatch(/nosession/);
      expect(notes[n]).toMatch(/message-state="expired"/);
      expect(notes[n]).toMatch(/no connected WSP session from 127.0.0.77/);
      expect(datagrams.slice(before).filter((d) => d.dst === '127.0.0.77')).toEqual([]);
    });
  });
}
