/**
 * The check, as an MMSC sends it: a /cgi-bin/sendsms GET whose text is a WSP Push of an
 * m-notification-ind (built with our own MMS and WSP encoders) and whose UDH is 06 05 04 0B 84 23 F0.
 *   - the receiver has an active IP in the subscriber map: a listener at that IP gets exactly those bytes on
 *     2948, sent from the gateway's connectionless socket, and tshark dissects an m-notification-ind with no
 *     Malformed;
 *   - the receiver is unknown and SMPP is configured: a Perl Net::SMPP SMSC (an SMPP peer we did not write)
 *     gets submit_sm(s) with the port UDH, and tshark's GSM SMS dissector reassembles the Push.
 * dlr-url is called once per delivery (type 8 for the IP send; 8 then 1 for the SMS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmppClient } from '../../src/bearer/sms/smpp-client.ts';
import { encodeSmsDeliver, smsAddress } from '../../src/bearer/sms/tpdu.ts';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { SmsReassembler } from '../../src/bearer/sms/wdp.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { encodeMms, encodedString } from '../../src/mms/index.ts';
import { encodePushDatagram } from '../../src/push/push-pdu.ts';
import { createSmsbox, gatewayWdpTransport, type Smsbox } from '../../src/smsbox/index.ts';
import { exportedPduPcap, udpPcap } from '../../src/trace/pcap.ts';
import { fieldValues, perlModuleAvailable, toolAvailable, tshark } from '../support/tools.ts';

const ready = toolAvailable('tshark') && perlModuleAvailable('Net::SMPP');
const HANDSET = '127.0.0.45';
const esc = (b: Buffer) => [...b].map((x) => '%' + x.toString(16).toUpperCase().padStart(2, '0')).join('');

function notificationPush(id: string): Buffer {
  const ind = encodeMms({
    messageType: 'm-notification-ind',
    headers: {
      transactionId: id,
      mmsVersion: '1.2',
      from: { address: encodedString('+15550000001/TYPE=PLMN') },
      subject: encodedString('Hello from an MMSC built for Kannel'),
      messageClass: 'Personal',
      messageSize: 2048,
      expiry: { relative: 86_400 },
      contentLocation: `http://mmsc.operator.example:8002/mms?${id}`,
    },
  });
  return encodePushDatagram(0x2a, { contentType: 'application/vnd.wap.mms-message', body: ind, entityHeaders: [['x-wap-application-id', 'x-wap-application:mms.ua']] });
}

const until = async (f: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function get(port: number, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!ready)('sendsms GET as an MMSC sends it → WAP Push by IP or by SMS', () => {
  let gw: Gateway;
  let box: Smsbox;
  let boxPort = 0;
  let handset: Socket;
  let smsc: ChildProcess;
  let smpp: SmppClient;
  let dlr: Server;
  let dlrPort = 0;
  const got: { msg: Buffer; from: AddressInfo }[] = [];
  const events: Record<string, any>[] = [];
  const dlrCalls: string[] = [];

  beforeAll(async () => {
    smsc = spawn('perl', [join(import.meta.dirname, 'smsc-netsmpp.pl'), 'wapgate', 'secret'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const smscPort = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('SMSC did not start')), 10_000);
      createInterface({ input: smsc.stdout! }).on('line', (line) => {
        const m = /^PORT (\d+)$/.exec(line);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        } else if (line.startsWith('{')) events.push(JSON.parse(line));
      });
    });
    smpp = new SmppClient({ host: '127.0.0.1', port: smscPort, systemId: 'wapgate', password: 'secret', sourceAddr: '9200', throttle: 50, reconnectDelay: 200, responseTimeout: 3000 });
    smpp.start();
    await smpp.waitBound();
    gw = createGateway({ bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: 'http://127.0.0.1:1/' });
    await gw.start();
    handset = createSocket('udp4');
    handset.on('message', (msg, from) => got.push({ msg, from: from as AddressInfo }));
    await new Promise<void>((r) => handset.bind(2948, HANDSET, r));
    dlr = createServer((req, res) => {
      dlrCalls.push(req.url!);
      res.end('ok');
    });
    await new Promise<void>((r) => dlr.listen(0, '127.0.0.1', r));
    dlrPort = (dlr.address() as AddressInfo).port;
    box = createSmsbox(
      { user: 'mbuni', password: 'mbuni' },
      { wdp: gatewayWdpTransport(gw), sms: smpp, resolveMsisdn: (n) => (n === '+15550000045' ? HANDSET : undefined) },
    );
    boxPort = (await box.listen(0, '127.0.0.1')).port;
  }, 60_000);

  afterAll(async () => {
    await box?.close();
    await smpp?.close();
    await gw?.stop(100);
    handset?.close();
    dlr?.close();
    if (smsc && smsc.exitCode === null) smsc.kill('SIGTERM');
  });

  it('active IP: exactly the bytes of text arrive on 2948 from the gateway socket; tshark reads an m-notification-ind', async () => {
    const push = notificationPush('ip-1');
    const dlrUrl = encodeURIComponent(`http://127.0.0.1:${dlrPort}/ip?d=%d&to=%p`);
    const r = await get(boxPort, `/cgi-bin/sendsms?username=mbuni&password=mbuni&to=%2B15550000045&udh=%06%05%04%0B%84%23%F0&text=${esc(push)}&dlr-mask=31&dlr-url=${dlrUrl}`);
    expect(r).toEqual({ status: 202, body: '0: Accepted for delivery' });
    await until(() => got.length === 1);
    expect(got[0]!.msg.equals(push)).toBe(true);
    expect(got[0]!.from).toMatchObject({ address: '127.0.0.1', port: gw.addresses.cl.port });
    const t = tshark(udpPcap([{ src: '127.0.0.1', srcPort: 9200, dst: HANDSET, dstPort: 2948, payload: got[0]!.msg }]));
    expect(t.problems).toEqual([]);
    const p = t.packets[0]!;
    expect(fieldValues(p, 'wsp.pdu_type')).toEqual(['0x06']);
    expect(fieldValues(p, 'mmse.message_type')).toEqual(['0x82']);
    expect(fieldValues(p, 'mmse.content_location')).toEqual(['http://mmsc.operator.example:8002/mms?ip-1']);
    await until(() => dlrCalls.length === 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(dlrCalls).toEqual(['/ip?d=8&to=%2B15550000045']);
  });

  it('unknown receiver with SMPP: Net::SMPP gets submit_sm with the port UDH; tshark reassembles the Push', async () => {
    const push = notificationPush('sms-2');
    const dlrUrl = encodeURIComponent(`http://127.0.0.1:${dlrPort}/sms?d=%d&F=%F`);
    const r = await get(boxPort, `/cgi-bin/sendsms?username=mbuni&password=mbuni&to=%2B15551230099&udh=%06%05%04%0B%84%23%F0&text=${esc(push)}&dlr-mask=9&dlr-url=${dlrUrl}`);
    expect(r.status).toBe(202);
    const subs = () => events.filter((e) => e.event === 'submit_sm');
    const n = Math.ceil(push.length / (140 - 1 - 6 - 5));
    await until(() => subs().length === n);
    const uds = subs().map((s) => Buffer.from(s.short_message, 'hex'));
    for (const s of subs()) expect(s).toMatchObject({ destination_addr: '15551230099', esm_class: 0x40, data_coding: 0x04, registered_delivery: 1 });
    const re = new SmsReassembler();
    let whole;
    for (const ud of uds) {
      const h = decodeUserDataHeader(ud);
      expect(h.elements[0]).toEqual({ kind: 'ports', dst: 2948, src: 9200, bits: 16 });
      whole = re.push({ from: '+15559200', elements: h.elements, payload: h.payload }) ?? whole;
    }
    expect(whole!.datagram.equals(push)).toBe(true);
    const t = tshark(exportedPduPcap(uds.map((ud) => encodeSmsDeliver({ originator: smsAddress('+15559200'), userData: ud, udhi: true })), 'gsm_sms'));
    expect(t.problems).toEqual([]);
    const last = t.packets[t.packets.length - 1]!;
    expect(fieldValues(last, 'gsm_sms.destination_port')).toContain('2948');
    expect(fieldValues(last, 'wsp.pdu_type')).toEqual(['0x06']);
    expect(fieldValues(last, 'mmse.message_type')).toEqual(['0x82']);
    // dlr-url: type 8 once (submit_sm_resp), type 1 once when every part's receipt is in.
    await until(() => dlrCalls.filter((c) => c.startsWith('/sms')).length === 2).catch((e) => {
      throw new Error(`${e.message}: dlr ${JSON.stringify(dlrCalls)} smsc ${JSON.stringify(events.filter((x) => x.event !== 'submit_sm'))}`);
    });
    await new Promise((res) => setTimeout(res, 300));
    expect(dlrCalls.filter((c) => c.startsWith('/sms'))).toEqual(['/sms?d=8&F=m1', `/sms?d=1&F=m${n}`]);
  });
});
