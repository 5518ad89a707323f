import { createServer, type Server } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import { SmsReassembler } from '../../src/bearer/sms/wdp.ts';
import { SmsSubmitError, udpPushTransport, type SmsPushSender, type SmsReceipt } from '../../src/push/delivery.ts';
import type { PpgClock } from '../../src/push/engine.ts';
import { createPpg, type Ppg, type PpgCreateDeps } from '../../src/push/ppg.ts';
import type { PpgOptionsInput } from '../../src/push/options.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import type { Gateway } from '../../src/gateway/index.ts';
import { NoPushSessionError } from '../../src/gateway/confirmed-push.ts';
import type { WapgateConfig } from '../../src/config/schema.ts';
import type { UnitPushSender } from '../../src/push/delivery.ts';

/** Compile-time checks: the composition root passes the gateway and the parsed `push:` config section as they are. */
export const gatewayFitsPpg = (g: Gateway): UnitPushSender => g;
export const configFitsPpg = (c: WapgateConfig['push']): PpgOptionsInput => c;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const DOCTYPE = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';
const SI = '<?xml version="1.0"?><!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd"><si><indication href="http://127.0.0.1/x" si-id="1@t">hi</indication></si>';
const MMS_NOTIF = Buffer.from('8c82983132330008d9e8d9e8d984687474703a2f2f312e322e332e342f6d00', 'hex');

function pushControl(id: string, addresses: string[], extra = '', qos = '<quality-of-service delivery-method="unconfirmed"/>'): string {
  return `${DOCTYPE}<pap><push-message push-id="${id}" ${extra}>${addresses.map((a) => `<address address-value="${a}"/>`).join('')}${qos}</push-message></pap>`;
}

function multipart(control: string, content?: { type: string; body: Buffer; headers?: string }): { body: Buffer; type: string } {
  const b = 'wapgate-test-boundary';
  const parts: Buffer[] = [Buffer.from(`--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n`)];
  if (content) {
    parts.push(Buffer.from(`--${b}\r\nContent-Type: ${content.type}\r\n${content.headers ?? ''}\r\n`), content.body, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/related; boundary=${b}; type="application/xml"` };
}

interface Harness {
  ppg: Ppg;
  url: string;
  papUrl: string;
  handset: Socket;
  received: Buffer[];
  notifications: Record<string, string>[];
  post(body: Buffer, type: string, headers?: Record<string, string>): Promise<{ status: number; doc: any; text: string }>;
}

async function harness(opts: PpgOptionsInput = {}, deps: PpgCreateDeps = {}): Promise<Harness> {
  const handset = createSocket('udp4');
  await new Promise<void>((r) => handset.bind(0, '127.0.0.1', () => r()));
  const received: Buffer[] = [];
  handset.on('message', (m) => received.push(m));
  cleanup.push(() => handset.close());
  const transport = await udpPushTransport('127.0.0.1');
  cleanup.push(() => transport.close());
  const notifications: Record<string, string>[] = [];
  const pi: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const doc = xml.parse(Buffer.concat(chunks).toString());
      notifications.push({ ...doc.pap['resultnotification-message'], address: doc.pap['resultnotification-message'].address['address-value'] });
      res.writeHead(200, { 'content-type': 'application/xml' }).end('<pap/>');
    });
  });
  await new Promise<void>((r) => pi.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise((r) => pi.close(r)));
  const notifyUrl = `http://127.0.0.1:${(pi.address() as AddressInfo).port}/notify`;
  const ppg = createPpg({ pushPort: (handset.address() as AddressInfo).port, ...opts }, { transport, ...deps });
  const addr = await ppg.listen(0, '127.0.0.1');
  cleanup.push(() => ppg.close());
  const url = `http://127.0.0.1:${addr.port}/wappush`;
  return {
    ppg,
    url: notifyUrl,
    papUrl: url,
    handset,
    received,
    notifications,
    async post(body, type, headers = {}) {
      const res = await fetch(url, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type, ...headers } });
      const text = await res.text();
      return { status: res.status, doc: xml.parse(text), text };
    },
  };
}

const until = async (f: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('PPG over HTTP: push-message → WSP Push on UDP', () => {
  it('accepts (202, 1001), delivers a connectionless WSP Push with the push headers, notifies the PI', async () => {
    const h = await harness();
    const ctl = pushControl('p1@test', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `ppg-notify-requested-to="${h.url}"`);
    const m = multipart(ctl, {
      type: 'application/vnd.wap.mms-message',
      body: MMS_NOTIF,
      headers: 'X-Wap-Application-Id: x-wap-application:mms.ua\r\nX-Wap-Content-URI: http://mmsc/x\r\n',
    });
    const r = await h.post(m.body, m.type);
    expect(r.status).toBe(202);
    expect(r.doc.pap['push-response']).toMatchObject({ 'push-id': 'p1@test', 'response-result': { code: '1001' } });
    await until(() => h.received.length === 1 && h.notifications.length === 1);
    const cl = decodeConnectionless(h.received[0]!);
    expect(cl.pdu.type).toBe('Push');
    const push = cl.pdu as Extract<typeof cl.pdu, { type: 'Push' }>;
    expect(push.contentType?.type).toBe('application/vnd.wap.mms-message');
    expect(push.data.equals(MMS_NOTIF)).toBe(true);
    const names = Object.fromEntries(push.headers.map((x) => [x.name.toLowerCase(), x.value]));
    expect(names['x-wap-application-id']).toBe('x-wap-application:mms.ua');
    expect(names['x-wap-content-uri']).toBe('http://mmsc/x');
    expect(names['push-flag']).toBe('0');
    expect(h.notifications[0]).toMatchObject({ 'push-id': 'p1@test', 'message-state': 'delivered', code: '1000', address: 'WAPPUSH=127.0.0.1/TYPE=IPv4@ppg' });
    const s = await h.post(Buffer.from(`${DOCTYPE}<pap><statusquery-message push-id="p1@test"/></pap>`), 'application/xml');
    expect(s.doc.pap['statusquery-response']['statusquery-result']).toMatchObject({ 'message-state': 'delivered', code: '1000' });
  });

  it('several addresses in one push, PLMN resolved to an IP through the subscriber lookup', async () => {
    const h = await harness({}, { resolveMsisdn: (m) => (m === '+15551234' ? '127.0.0.1' : undefined) });
    const m = multipart(pushControl('multi', ['WAPPUSH=+15551234/TYPE=PLMN@ppg', 'WAPPUSH=127.0.0.1/TYPE=IPv4@ppg']), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m.body, m.type)).status).toBe(202);
    await until(() => h.received.length === 2);
    const s = await h.post(Buffer.from(`${DOCTYPE}<pap><statusquery-message push-id="multi"/></pap>`), 'application/xml');
    const results = s.doc.pap['statusquery-response']['statusquery-result'];
    expect(results.map((x: any) => x['message-state'])).toEqual(['delivered', 'delivered']);
  });

  it('deliver-after holds the push; cancel-message cancels it and the PI is told', async () => {
    const clock = new FakeClock();
    const h = await harness({}, { clock });
    const ctl = pushControl('later', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `deliver-after-timestamp="2026-01-01T01:00:00Z" ppg-notify-requested-to="${h.url}"`);
    const m = multipart(ctl, { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m.body, m.type)).status).toBe(202);
    const q = await h.post(Buffer.from(`${DOCTYPE}<pap><statusquery-message push-id="later"/></pap>`), 'application/xml');
    expect(q.doc.pap['statusquery-response']['statusquery-result']['message-state']).toBe('pending');
    const c = await h.post(Buffer.from(`${DOCTYPE}<pap><cancel-message push-id="later"/></pap>`), 'application/xml');
    expect(c.doc.pap['cancel-response']['cancel-result']).toMatchObject({ code: '1000' });
    await until(() => h.notifications.length === 1);
    expect(h.notifications[0]).toMatchObject({ 'message-state': 'cancelled' });
    const again = await h.post(Buffer.from(`${DOCTYPE}<pap><cancel-message push-id="later"/></pap>`), 'application/xml');
    expect(again.doc.pap['cancel-response']['cancel-result']).toMatchObject({ code: '2008' });
    clock.advance(2 * 3600_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.received).toHaveLength(0);
    const unknown = await h.post(Buffer.from(`${DOCTYPE}<pap><cancel-message push-id="nope"/></pap>`), 'application/xml');
    expect(unknown.doc.pap['cancel-response']['cancel-result']).toMatchObject({ code: '2004' });
  });

  it('deliver-after then delivery when the time comes; no route until deliver-before → expired', async () => {
    const clock = new FakeClock();
    const h = await harness({ queue: { retryInterval: 60_000 } }, { clock });
    const m1 = multipart(pushControl('a1', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], 'deliver-after-timestamp="2026-01-01T00:10:00Z"'), { type: 'text/plain', body: Buffer.from('x') });
    await h.post(m1.body, m1.type);
    const m2 = multipart(pushControl('e1', ['WAPPUSH=+15550000/TYPE=PLMN@ppg'], `deliver-before-timestamp="2026-01-01T00:05:00Z" ppg-notify-requested-to="${h.url}"`), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m2.body, m2.type)).status).toBe(202);
    clock.advance(6 * 60_000);
    await until(() => h.notifications.length === 1);
    expect(h.notifications[0]).toMatchObject({ 'push-id': 'e1', 'message-state': 'expired' });
    expect(h.received).toHaveLength(0);
    clock.advance(5 * 60_000);
    await until(() => h.received.length === 1);
  });
});

describe('PPG confirmed push and SMS bearer (injected WTP initiator / SMSC)', () => {
  it('confirmed push: ConfirmedPush over WTP class 1 to 2949; an abort is reported as 5000+reason', async () => {
    const invoked: { peer: { address: string; port: number }; data: Buffer }[] = [];
    let fail = false;
    const wtp = {
      async invoke(peer: { address: string; port: number }, data: Buffer) {
        invoked.push({ peer, data });
        if (fail) throw Object.assign(new Error('aborted by handset'), { reason: { code: 0xe1 } });
      },
    };
    const h = await harness({}, { wtp });
    const qos = '<quality-of-service delivery-method="confirmed"/>';
    const m = multipart(pushControl('c1', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `ppg-notify-requested-to="${h.url}"`, qos), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m.body, m.type)).status).toBe(202);
    await until(() => h.notifications.length === 1);
    expect(invoked[0]!.peer).toEqual({ address: '127.0.0.1', port: 2949 });
    expect(invoked[0]!.data[0]).toBe(0x07);
    expect(h.notifications[0]).toMatchObject({ 'message-state': 'delivered', code: '1000' });
    fail = true;
    const m2 = multipart(pushControl('c2', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `ppg-notify-requested-to="${h.url}"`, qos), { type: 'text/plain', body: Buffer.from('x') });
    await h.post(m2.body, m2.type);
    await until(() => h.notifications.length === 2);
    expect(h.notifications[1]).toMatchObject({ 'message-state': 'aborted', code: String(5000 + 0xe1) });
  });

  it('confirmed push and the session: no Confirmed Push Facility → 3007; preferconfirmed falls back to unconfirmed', async () => {
    const calls: string[] = [];
    const wtp = {
      async invoke(peer: { address: string; port: number }) {
        calls.push(peer.address);
        throw new NoPushSessionError(peer.address, 'no-confirmed-push');
      },
    };
    const h = await harness({}, { wtp });
    const qos = (method: string) => `<quality-of-service delivery-method="${method}"/>`;
    const m1 = multipart(pushControl('f1', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `ppg-notify-requested-to="${h.url}"`, qos('confirmed')), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m1.body, m1.type)).status).toBe(202);
    await until(() => h.notifications.length === 1);
    expect(h.notifications[0]).toMatchObject({ 'push-id': 'f1', 'message-state': 'undeliverable', code: '3007' });
    expect(h.received).toHaveLength(0);
    const m2 = multipart(pushControl('f2', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `ppg-notify-requested-to="${h.url}"`, qos('preferconfirmed')), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m2.body, m2.type)).status).toBe(202);
    await until(() => h.notifications.length === 2);
    expect(h.notifications[1]).toMatchObject({ 'push-id': 'f2', 'message-state': 'delivered', code: '1000' });
    expect(h.received).toHaveLength(1);
    expect(calls).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('SMS: WDP segments with ports and concatenation; delivery receipts → delivered / undeliverable', async () => {
    let receipt: (r: SmsReceipt) => void = () => {};
    const submitted: { to: string; blocks: Buffer[] }[] = [];
    let n = 0;
    const sms: SmsPushSender = {
      async submitUserData(to, blocks) {
        if (to === '+15559999') throw new SmsSubmitError('invalid destination', true, 0x0b);
        submitted.push({ to, blocks: [...blocks] });
        return blocks.map(() => `id${++n}`);
      },
      onReceipt: (fn) => void (receipt = fn),
    };
    const h = await harness({ smpp: { deliveryReceipts: true }, maxContentSize: 100_000 }, { sms });
    const body = Buffer.alloc(300, 0x61);
    const m = multipart(pushControl('s1', ['WAPPUSH=+15551234/TYPE=PLMN@ppg', 'WAPPUSH=+15559999/TYPE=PLMN@ppg'], `ppg-notify-requested-to="${h.url}"`), { type: 'application/vnd.wap.mms-message', body, headers: 'X-Wap-Application-Id: mms.ua\r\n' });
    expect((await h.post(m.body, m.type)).status).toBe(202);
    await until(() => submitted.length === 1 && h.notifications.length === 1);
    expect(h.notifications[0]).toMatchObject({ address: 'WAPPUSH=+15559999/TYPE=PLMN@ppg', 'message-state': 'undeliverable' });
    const r = new SmsReassembler();
    let got;
    for (const b of submitted[0]!.blocks) {
      const d = decodeUserDataHeader(b);
      got = r.push({ from: 'x', elements: d.elements, payload: d.payload }) ?? got;
    }
    expect(submitted[0]!.blocks.length).toBe(3);
    expect(got!.dstPort).toBe(2948);
    expect(got!.srcPort).toBe(9200);
    const push = decodeConnectionless(got!.datagram).pdu as any;
    expect(push.type).toBe('Push');
    expect(push.data.equals(body)).toBe(true);
    for (const id of ['id1', 'id2']) receipt({ messageId: id, state: 'delivered' });
    await new Promise((res) => setTimeout(res, 30));
    expect(h.notifications).toHaveLength(1);
    receipt({ messageId: 'id3', state: 'delivered' });
    await until(() => h.notifications.length === 2);
    expect(h.notifications[1]).toMatchObject({ address: 'WAPPUSH=+15551234/TYPE=PLMN@ppg', 'message-state': 'delivered' });
    const huge = multipart(pushControl('s2', ['WAPPUSH=+15551234/TYPE=PLMN@ppg'], `ppg-notify-requested-to="${h.url}"`), { type: 'application/octet-stream', body: Buffer.alloc(40_000) });
    expect((await h.post(huge.body, huge.type)).status).toBe(202);
    await until(() => h.notifications.length === 3);
    expect(h.notifications[2]).toMatchObject({ 'push-id': 's2', 'message-state': 'undeliverable', code: '3003' });
    expect(submitted).toHaveLength(1);
  });
});

describe('bad PAP → the right code, nothing queued', () => {
  const si = { type: 'text/vnd.wap.si', body: Buffer.from(SI) };
  const ok = ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'];

  it('broken XML, missing control entity, wrong address, oversize content, duplicate push-id, QoS not possible', async () => {
    const h = await harness({ maxContentSize: 1000 });
    const broken = multipart(`${DOCTYPE}<pap><push-message push-id="b1">`, si);
    let r = await h.post(broken.body, broken.type);
    expect([r.status, r.doc.pap['badmessage-response'].code]).toEqual([400, '2000']);
    r = await h.post(Buffer.from(SI), 'text/vnd.wap.si');
    expect(r.doc.pap['badmessage-response'].code).toBe('2000');
    const noControl = multipart(SI).body.toString().replace('application/xml', 'text/vnd.wap.si');
    r = await h.post(Buffer.from(noControl), multipart('').type);
    expect(r.doc.pap['badmessage-response'].code).toBe('2000');
    const noContent = multipart(pushControl('b2', ok));
    r = await h.post(noContent.body, noContent.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('2000');
    const badAddr = multipart(pushControl('b3', ['WAPPUSH=1.2.3/TYPE=IPv4@ppg']), si);
    r = await h.post(badAddr.body, badAddr.type);
    expect(r.doc.pap['badmessage-response'].code).toBe('2002');
    const big = multipart(pushControl('b4', ok), { type: 'application/octet-stream', body: Buffer.alloc(1001) });
    r = await h.post(big.body, big.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('2000');
    const huge = multipart(pushControl('b5', ok), { type: 'application/octet-stream', body: Buffer.alloc(2_000_000) });
    r = await h.post(huge.body, huge.type);
    expect(r.status).toBe(413);
    const confirmed = multipart(pushControl('b6', ok, '', '<quality-of-service delivery-method="confirmed"/>'), si);
    r = await h.post(confirmed.body, confirmed.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('3007');
    const smsOnly = multipart(pushControl('b7', ['WAPPUSH=+1555/TYPE=PLMN@ppg'], '', '<quality-of-service bearer-required="true" bearer="SMS"/>'), si);
    r = await h.post(smsOnly.body, smsOnly.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('3010');
    const net = multipart(pushControl('b8', ok, '', '<quality-of-service network-required="true" network="CDMA"/>'), si);
    r = await h.post(net.body, net.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('3009');
    const past = multipart(pushControl('b9', ok, 'deliver-before-timestamp="2001-01-01T00:00:00Z"'), si);
    r = await h.post(past.body, past.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('2000');
    // WAP-247 §9.13: a malformed or invalid document is the PI's error (2000); a charset the PPG cannot read is 3006.
    const brokenSi = multipart(pushControl('b10', ok), { type: 'text/vnd.wap.si', body: Buffer.from('<si><indication href="x">') });
    r = await h.post(brokenSi.body, brokenSi.type);
    expect([r.status, r.doc.pap['push-response']['response-result'].code]).toEqual([400, '2000']);
    const invalidSi = multipart(pushControl('b10a', ok), { type: 'text/vnd.wap.si', body: Buffer.from('<si><blink/></si>') });
    r = await h.post(invalidSi.body, invalidSi.type);
    expect([r.status, r.doc.pap['push-response']['response-result'].code]).toEqual([400, '2000']);
    const koi8 = multipart(pushControl('b10b', ok), { type: 'text/vnd.wap.si', body: Buffer.from('<?xml version="1.0" encoding="KOI8-R"?><si/>') });
    r = await h.post(koi8.body, koi8.type);
    expect([r.status, r.doc.pap['push-response']['response-result'].code]).toEqual([400, '3006']);
    const caps = Buffer.from(
      multipart(pushControl('b11', ok), si)
        .body.toString()
        .replace(/--wapgate-test-boundary--/, '--wapgate-test-boundary\r\nContent-Type: application/xml\r\n\r\n<rdf/>\r\n--wapgate-test-boundary--'),
    );
    r = await h.post(caps, multipart('').type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('3004');
    expect(h.ppg.engine.store.size).toBe(0);
    const good = multipart(pushControl('dup', ok), si);
    expect((await h.post(good.body, good.type)).status).toBe(202);
    r = await h.post(good.body, good.type);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('2007');
    expect(h.ppg.engine.store.size).toBe(1);
  });

  it('unauthorised PI: untrusted address (403) and missing or wrong credentials (401) → 2001', async () => {
    const h = await harness({ credentials: [{ username: 'pi', password: 'secret' }] });
    const m = multipart(pushControl('u1', ok), si);
    let r = await h.post(m.body, m.type);
    expect(r.status).toBe(401);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('2001');
    r = await h.post(m.body, m.type, { authorization: 'Basic ' + Buffer.from('pi:wrong').toString('base64') });
    expect(r.status).toBe(401);
    expect(h.ppg.engine.store.size).toBe(0);
    r = await h.post(m.body, m.type, { authorization: 'Basic ' + Buffer.from('pi:secret').toString('base64') });
    expect(r.status).toBe(202);
    const h2 = await harness({ trustedIps: ['10.0.0.0/8'] });
    r = await h2.post(m.body, m.type);
    expect(r.status).toBe(403);
    expect(r.doc.pap['push-response']['response-result'].code).toBe('2001');
    expect(h2.ppg.engine.store.size).toBe(0);
  });

  it('a burst beyond the queue bound gets 4001 (nothing dropped silently)', async () => {
    const clock = new FakeClock();
    const h = await harness({ queue: { max: 3 } }, { clock });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = multipart(pushControl(`q${i}`, ok, 'deliver-after-timestamp="2026-01-02T00:00:00Z"'), si);
      codes.push((await h.post(m.body, m.type)).doc.pap['push-response']['response-result'].code);
    }
    expect(codes).toEqual(['1001', '1001', '1001', '4001', '4001']);
    const full = multipart(pushControl('q9', ok), si);
    const r = await fetch(h.papUrl, { method: 'POST', body: new Uint8Array(full.body), headers: { 'content-type': full.type } });
    expect([r.status, r.headers.get('retry-after')]).toEqual([503, '30']);
    expect(h.ppg.engine.store.pending).toBe(3);
  });

  it('an oversize chunked upload (no Content-Length) is answered 413 without reading it all', async () => {
    const h = await harness({ maxContentSize: 1000 });
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(h.papUrl, { method: 'POST', headers: { 'content-type': 'multipart/related; boundary=b' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 64) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(h.ppg.engine.store.size).toBe(0);
  });

  it('wrong path and method; arbitrary bodies never give a 500', async () => {
    const h = await harness();
    expect((await fetch(h.papUrl.replace('/wappush', '/other'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(h.papUrl)).status).toBe(405);
    for (const body of ['', '--x--', '<pap>', '\u0000\u0001', 'a'.repeat(5000)]) {
      for (const type of ['multipart/related; boundary=x', 'application/xml', 'text/plain', '']) {
        const r = await h.post(Buffer.from(body), type);
        expect(r.status, `${type} ${JSON.stringify(body.slice(0, 10))}`).toBeLessThan(500);
      }
    }
  });
});

describe('addresses: IPv6 and user-defined', () => {
  it('WAPPUSH=::1/TYPE=IPv6 reaches a handset on ::1; TYPE=USER goes through resolveUser, unknown users get 2003', async () => {
    const h6 = createSocket('udp6');
    const ok6 = await new Promise<boolean>((r) => {
      h6.once('error', () => r(false));
      h6.bind(0, '::1', () => r(true));
    });
    cleanup.push(() => h6.close());
    const got6: Buffer[] = [];
    h6.on('message', (m) => got6.push(m));
    const port = ok6 ? (h6.address() as AddressInfo).port : 0;
    const h = await harness({ pushPort: port || undefined } as PpgOptionsInput, {
      resolveUser: (a) => (a.value === 'alice@example.com' ? { msisdn: '+15551234' } : undefined),
      resolveMsisdn: (m) => (m === '+15551234' ? '127.0.0.1' : undefined),
    });
    if (ok6) {
      const m = multipart(pushControl('v6', ['WAPPUSH=0:0:0:0:0:0:0:1/TYPE=IPv6@ppg']), { type: 'text/plain', body: Buffer.from('six') });
      expect((await h.post(m.body, m.type)).status).toBe(202);
      await until(() => got6.length === 1);
      expect((decodeConnectionless(got6[0]!).pdu as any).data.toString()).toBe('six');
    }
    const u = multipart(pushControl('user', ['WAPPUSH=alice%40example.com/TYPE=USER@ppg']), { type: 'text/plain', body: Buffer.from('u') });
    expect((await h.post(u.body, u.type)).status).toBe(202);
    const status = async () => (await h.post(Buffer.from(`${DOCTYPE}<pap><statusquery-message push-id="user"/></pap>`), 'application/xml')).doc.pap['statusquery-response']['statusquery-result'];
    const end = Date.now() + 3000;
    while ((await status())['message-state'] !== 'delivered' && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect((await status())['message-state']).toBe('delivered');
    const nobody = multipart(pushControl('nobody', ['WAPPUSH=bob%40example.com/TYPE=USER@ppg']), { type: 'text/plain', body: Buffer.from('u') });
    expect((await h.post(nobody.body, nobody.type)).doc.pap['push-response']['response-result'].code).toBe('2003');
  });

  it('the metrics bundle of src/admin/metrics.ts plugs in', async () => {
    const { createMetrics } = await import('../../src/admin/metrics.ts');
    const bundle = createMetrics({ defaultMetrics: false });
    const h = await harness({}, { metrics: bundle.metrics });
    const m = multipart(pushControl('metric', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg']), { type: 'text/plain', body: Buffer.from('x') });
    await h.post(m.body, m.type);
    await until(() => h.received.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    const text = await bundle.registry.metrics();
    expect(text).toMatch(/pushes_total\{bearer="ip-cl",outcome="accepted"\} 1/);
    expect(text).toMatch(/pushes_total\{bearer="ip-cl",outcome="delivered"\} 1/);
  });
});

describe('bearer choice from the identity map', () => {
  it("a PLMN address goes over IP when src/identity's subscriber map knows the handset's address", async () => {
    const { createSubscriberMap } = await import('../../src/identity/subscriber-map.ts');
    const map = createSubscriberMap();
    map.bind('127.0.0.1', { msisdn: '15557777' });
    const h = await harness({}, { resolveMsisdn: (m) => map.ipForMsisdn(m) });
    const m = multipart(pushControl('radius-1', ['WAPPUSH=+15557777/TYPE=PLMN@ppg']), { type: 'text/plain', body: Buffer.from('via radius') });
    expect((await h.post(m.body, m.type)).status).toBe(202);
    await until(() => h.received.length === 1);
    expect((decodeConnectionless(h.received[0]!).pdu as any).data.toString()).toBe('via radius');
  });
});

describe("the gateway's 9200 socket as push transport", () => {
  it('gatewayPushTransport hands the Push PDU and TID to Gateway.sendUnitPush; re-encoding gives the same octets', async () => {
    const { gatewayPushTransport } = await import('../../src/push/delivery.ts');
    const { encodeConnectionless } = await import('../../src/wsp/pdu.ts');
    const { encodePushDatagram } = await import('../../src/push/push-pdu.ts');
    const sent: { peer: { address: string; port: number }; bytes: Buffer }[] = [];
    const t = gatewayPushTransport({
      sendUnitPush: (peer, pdu, tid) => {
        sent.push({ peer, bytes: encodeConnectionless(tid!, pdu) });
        return tid!;
      },
    });
    const datagram = encodePushDatagram(7, { contentType: 'application/vnd.wap.mms-message', body: MMS_NOTIF, entityHeaders: [['x-wap-application-id', 'x-wap-application:mms.ua']] });
    await t.sendDatagram(datagram, '10.0.0.1', 2948);
    expect(sent[0]!.peer).toEqual({ address: '10.0.0.1', port: 2948 });
    expect(sent[0]!.bytes.toString('hex')).toBe(datagram.toString('hex'));
  });
});

describe('SMS without a delivery receipt', () => {
  it("ends in 'timeout' at deliver-before (WAP-247 message-state), reported to the PI", async () => {
    const clock = new FakeClock();
    const sms: SmsPushSender = { submitUserData: async (_to, blocks) => blocks.map((_, i) => `x${i}`), onReceipt: () => {} };
    const h = await harness({}, { sms, clock });
    const m = multipart(pushControl('t1', ['WAPPUSH=+15551234/TYPE=PLMN@ppg'], `deliver-before-timestamp="2026-01-01T01:00:00Z" ppg-notify-requested-to="${h.url}"`), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m.body, m.type)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.ppg.engine.store.get('t1')?.targets[0]?.awaitingReceipts?.size).toBe(1);
    clock.advance(3600_000);
    await until(() => h.notifications.length === 1);
    expect(h.notifications[0]).toMatchObject({ 'message-state': 'timeout', code: '4000' });
  });
});

describe('replace-push-id and CDRs', () => {
  it('PAP 2.0 replace-push-id cancels the pending push it replaces; each finished push writes one CDR', async () => {
    const clock = new FakeClock();
    const cdrs: any[] = [];
    const h = await harness({}, { clock, charging: { record: (c) => void cdrs.push(c), flush: async () => {} } });
    const later = 'deliver-after-timestamp="2026-01-01T00:10:00Z"';
    const m1 = multipart(pushControl('old', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], `${later} ppg-notify-requested-to="${h.url}"`), { type: 'text/plain', body: Buffer.from('old') });
    expect((await h.post(m1.body, m1.type)).status).toBe(202);
    const m2 = multipart(pushControl('new', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], 'replace-push-id="old" replace-method="pending-only"'), { type: 'text/plain', body: Buffer.from('new') });
    expect((await h.post(m2.body, m2.type)).status).toBe(202);
    await until(() => h.received.length === 1 && h.notifications.length === 1);
    expect(h.notifications[0]).toMatchObject({ 'push-id': 'old', 'message-state': 'cancelled' });
    expect((decodeConnectionless(h.received[0]!).pdu as any).data.toString()).toBe('new');
    await until(() => cdrs.length === 2);
    expect(cdrs.map((c) => [c.kind, c.url, c.outcome, c.bearer])).toEqual([
      ['push', 'old', 'cancelled', 'push-ip'],
      ['push', 'new', 'delivered', 'push-ip'],
    ]);
    expect(cdrs[1].bytesDown).toBe(h.received[0]!.length);
    const m3 = multipart(pushControl('newer', ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg'], 'replace-push-id="gone" replace-method="pending-only"'), { type: 'text/plain', body: Buffer.from('x') });
    expect((await h.post(m3.body, m3.type)).doc.pap['push-response']['response-result'].code).toBe('2004');
  });
});

describe('a burst of pushes', () => {
  it('200 concurrent push-messages are all accepted, queued and delivered', { timeout: 60_000 }, async () => {
    const h = await harness({ queue: { concurrency: 8 } });
    const posts = Array.from({ length: 200 }, (_, i) => {
      const m = multipart(pushControl(`burst-${i}`, ['WAPPUSH=127.0.0.1/TYPE=IPv4@ppg']), { type: 'text/plain', body: Buffer.from(String(i)) });
      return h.post(m.body, m.type).then((r) => r.status);
    });
    expect(new Set(await Promise.all(posts))).toEqual(new Set([202]));
    await until(() => h.received.length === 200, 20_000);
    const bodies = new Set(h.received.map((d) => (decodeConnectionless(d).pdu as any).data.toString()));
    expect(bodies.size).toBe(200);
    expect(h.ppg.engine.store.pending).toBe(0);
  });
});
