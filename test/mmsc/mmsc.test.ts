/**
 * The reference MMSC over real HTTP on loopback: send → store → PAP notification → retrieve → notifyresp →
 * delivery report; validation answers; restart; expiry; the real PDUs in ../shared/captures/mms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeMms, encodeMms, encodedString, type MmsPdu, mmsText, phoneAddress } from '../../src/mms/index.ts';
import { createMmsc, type Mmsc } from '../../src/mmsc/index.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { fieldValues, SHARED_DIR, sharedAvailable, tempDir, tshark, toolAvailable } from '../support/tools.ts';
import { type FakePpg, fakePpg, getMms, postMms } from './support.ts';

const BOB = '+15550000001';
const ALICE = '+15550000002';
const CAROL = '+15550000003';

function sendReq(o: { to?: string[]; tid?: string; deliveryReport?: boolean; expiry?: number; from?: MmsPdu['headers']['from']; size?: number } = {}): Buffer {
  const jpeg = Buffer.alloc(o.size ?? 2000, 0x5a);
  jpeg.set([0xff, 0xd8, 0xff, 0xe0], 0);
  return encodeMms({
    messageType: 'm-send-req',
    headers: {
      transactionId: o.tid ?? 'bob-1',
      mmsVersion: '1.2',
      from: o.from ?? { insertAddress: true },
      to: (o.to ?? [ALICE]).map((n) => (n.includes('/') || n.includes('@') ? { text: n } : phoneAddress(n))),
      subject: encodedString('Beach ☀'),
      messageClass: 'Personal',
      ...(o.expiry !== undefined ? { expiry: { relative: o.expiry } } : {}),
      deliveryReport: o.deliveryReport ?? true,
    },
    contentType: {
      type: 'application/vnd.wap.multipart.related',
      params: [
        { name: 'start', value: '<smil>' },
        { name: 'type', value: 'application/smil' },
      ],
    },
    parts: [
      { contentType: { type: 'application/smil', params: [] }, headers: [{ name: 'Content-ID', value: '<smil>' }, { name: 'Content-Location', value: 'smil.xml' }], body: Buffer.from('<smil><body><par><img src="beach.jpg"/></par></body></smil>') },
      { contentType: { type: 'image/jpeg', params: [] }, headers: [{ name: 'Content-Location', value: 'beach.jpg' }], body: jpeg },
    ],
  });
}

let ppg: FakePpg;
let dir: string;
let clock: number;
let mmsc: Mmsc;
let url: string;

async function start(extra: Parameters<typeof createMmsc>[0] = {}): Promise<void> {
  mmsc = createMmsc({ storeDir: dir, ppgUrl: ppg.url, now: () => clock, pushRetryDelays: [10], ...extra });
  const addr = await mmsc.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${addr.port}/mms`;
}

beforeEach(async () => {
  ppg = await fakePpg();
  dir = tempDir('wapgate-mmsc-');
  clock = Date.UTC(2026, 10, 28, 18, 0, 0);
  await start();
});

afterEach(async () => {
  await mmsc.close();
  await ppg.close();
});

describe('the seed flow: Bob sends, Alice is notified, retrieves, acknowledges; Bob gets a delivery report', () => {
  it('works end to end over HTTP and PAP', async () => {
    const sent = await postMms(url, sendReq(), { msisdn: BOB });
    expect(sent.status).toBe(200);
    expect(sent.pdu).toMatchObject({ messageType: 'm-send-conf', headers: { transactionId: 'bob-1', responseStatus: 'Ok' } });
    const messageId = sent.pdu!.headers.messageId!;
    expect(messageId).toMatch(/^[a-z0-9]+-[0-9a-f]{16}$/);

    // The notification, pushed by PAP to Alice (PLMN address at the PPG), for the MMS user agent.
    const [push] = await ppg.waitFor(1);
    expect(push!.addresses).toEqual([`WAPPUSH=${ALICE}/TYPE=PLMN@ppg`]);
    expect(push!.contentType).toBe('application/vnd.wap.mms-message');
    expect(push!.applicationId).toBe('x-wap-application:mms.ua');
    const n = push!.pdu;
    expect(n.messageType).toBe('m-notification-ind');
    expect(n.headers.from).toEqual({ address: { text: `${BOB}/TYPE=PLMN` } }); // insert-address → X-MSISDN
    expect(mmsText(n.headers.subject!)).toBe('Beach ☀');
    expect(n.headers.messageClass).toBe('Personal');
    expect(n.headers.expiry).toEqual({ absolute: new Date(clock + 7 * 24 * 3600 * 1000) });
    const location = n.headers.contentLocation!;
    // ≥128 random bits in the location: 22 base64url characters.
    expect(location).toMatch(new RegExp(`^${url}/[A-Za-z0-9_-]{22}$`));
    await mmsc.idle();
    const stored = mmsc.store.get(messageId)!;
    expect(n.headers.messageSize).toBe(stored.size);
    expect(stored.recipients[0]!.state).toBe('notified');

    // Alice retrieves: m-retrieve-conf with Bob's parts, octet for octet, and the notification's transaction id.
    const got = await getMms(location);
    expect(got.status).toBe(200);
    expect(got.contentType).toBe('application/vnd.wap.mms-message');
    const rc = decodeMms(got.body);
    const original = decodeMms(sendReq());
    expect(rc.messageType).toBe('m-retrieve-conf');
    expect(rc.headers).toMatchObject({ transactionId: n.headers.transactionId, messageId, from: { address: { text: `${BOB}/TYPE=PLMN` } } });
    expect(rc.headers.to).toEqual(original.headers.to);
    expect(rc.contentType).toEqual(original.contentType);
    expect(rc.parts!.map((p) => p.body)).toEqual(original.parts!.map((p) => p.body));
    expect(got.body.length).toBe(stored.size + 2 + n.headers.transactionId!.length); // + the inserted Transaction-Id

    // Alice's m-notifyresp-ind (Retrieved): recorded, confirmed with an empty 200, delivery report to Bob.
    const resp = await postMms(url, encodeMms({ messageType: 'm-notifyresp-ind', headers: { transactionId: n.headers.transactionId!, mmsVersion: '1.2', status: 'Retrieved' } }), { msisdn: ALICE });
    expect(resp.status).toBe(200);
    expect(resp.body.length).toBe(0);
    expect(mmsc.store.get(messageId)!.recipients[0]!.state).toBe('Retrieved');
    const pushes = await ppg.waitFor(2);
    expect(pushes[1]!.addresses).toEqual([`WAPPUSH=${BOB}/TYPE=PLMN@ppg`]);
    expect(pushes[1]!.pdu).toMatchObject({ messageType: 'm-delivery-ind', headers: { messageId, status: 'Retrieved', to: [{ text: `${ALICE}/TYPE=PLMN` }] } });
  });

  it('two recipients get their own location and transaction; Deferred, then m-acknowledge-ind', async () => {
    const sent = await postMms(url, sendReq({ to: [ALICE, CAROL], deliveryReport: false }), { msisdn: BOB });
    expect(sent.pdu!.headers.responseStatus).toBe('Ok');
    const pushes = await ppg.waitFor(2);
    const byAddr = new Map(pushes.map((p) => [p.addresses[0], p.pdu]));
    const a = byAddr.get(`WAPPUSH=${ALICE}/TYPE=PLMN@ppg`)!;
    const c = byAddr.get(`WAPPUSH=${CAROL}/TYPE=PLMN@ppg`)!;
    expect(a.headers.contentLocation).not.toBe(c.headers.contentLocation);
    expect(a.headers.transactionId).not.toBe(c.headers.transactionId);
    await postMms(url, encodeMms({ messageType: 'm-notifyresp-ind', headers: { transactionId: c.headers.transactionId!, mmsVersion: '1.2', status: 'Deferred' } }));
    const m = mmsc.store.get(sent.pdu!.headers.messageId!)!;
    expect(m.recipients.find((r) => r.address.startsWith(CAROL))!.state).toBe('Deferred');
    // Later Carol retrieves and acknowledges with the m-retrieve-conf's transaction id.
    const rc = decodeMms((await getMms(c.headers.contentLocation!)).body);
    await postMms(url, encodeMms({ messageType: 'm-acknowledge-ind', headers: { transactionId: rc.headers.transactionId!, mmsVersion: '1.2' } }));
    expect(m.recipients.find((r) => r.address.startsWith(CAROL))!.state).toBe('Retrieved');
    await mmsc.idle();
    expect(ppg.pushes.length).toBe(2); // no delivery report asked
  });

  it('a Rejected recipient yields a delivery report with status Rejected', async () => {
    await postMms(url, sendReq(), { msisdn: BOB });
    const [p] = await ppg.waitFor(1);
    await postMms(url, encodeMms({ messageType: 'm-notifyresp-ind', headers: { transactionId: p!.pdu.headers.transactionId!, mmsVersion: '1.2', status: 'Rejected' } }));
    const pushes = await ppg.waitFor(2);
    expect(pushes[1]!.pdu.headers.status).toBe('Rejected');
  });

  it('retries a push the PPG refused', async () => {
    ppg.failNext(1);
    await postMms(url, sendReq(), { msisdn: BOB });
    await ppg.waitFor(1);
    await mmsc.idle();
    expect(mmsc.store.list()[0]!.recipients[0]).toMatchObject({ state: 'notified', notifyAttempts: 1 });
  });
});

describe('validation: every refusal is an m-send-conf with its status', () => {
  const cases: [string, () => Promise<Awaited<ReturnType<typeof postMms>>>, string, number?][] = [
    ['message above the size limit', () => postMms(url, sendReq({ size: 310_000 }), { msisdn: BOB }), 'Error-permanent-content-not-accepted'],
    ['undecodable bytes', () => postMms(url, Buffer.from([0x8c, 0x80, 0x98, 0x41, 0x00, 0x05]), { msisdn: BOB }), 'Error-permanent-message-format-corrupt'],
    ['wrong HTTP Content-Type', () => postMms(url, sendReq(), { msisdn: BOB, contentType: 'text/plain' }), 'Error-permanent-message-format-corrupt', 415],
    ['no recipients', () => postMms(url, sendReq({ to: [] }), { msisdn: BOB }), 'Error-permanent-sending-address-unresolved'],
    ['an e-mail recipient (no MM3 here)', () => postMms(url, sendReq({ to: ['carol@example.org'] }), { msisdn: BOB }), 'Error-permanent-sending-address-unresolved'],
    ['a malformed phone number', () => postMms(url, sendReq({ to: ['12ab/TYPE=PLMN'] }), { msisdn: BOB }), 'Error-permanent-sending-address-unresolved'],
    ['insert-address without X-MSISDN', () => postMms(url, sendReq()), 'Error-permanent-sending-address-unresolved'],
    ['too many recipients', () => postMms(url, sendReq({ to: Array.from({ length: 21 }, (_, i) => `+1555000${1000 + i}`) }), { msisdn: BOB }), 'Error-permanent-service-denied'],
    [
      'a PDU the MMSC does not take',
      () => postMms(url, encodeMms({ messageType: 'm-mbox-store-req', headers: { transactionId: 'f', mmsVersion: '1.2', contentLocation: 'x' } })),
      'Error-unsupported-message',
    ],
    ['MMS major version 2', () => postMms(url, encodeMms({ messageType: 'm-send-req', headers: { transactionId: 'v', mmsVersion: '2.0', to: [phoneAddress(ALICE)] }, contentType: { type: 'text/plain', params: [] }, body: Buffer.from('x') }), { msisdn: BOB }), 'Error-unsupported-message'],
  ];
  it.each(cases)('%s', async (_name, send, status, http = 200) => {
    const res = await send();
    expect(res.status).toBe(http);
    expect(res.pdu!.messageType).toBe('m-send-conf');
    expect(res.pdu!.headers.responseStatus).toBe(status);
    expect(res.pdu!.headers.responseText).toBeDefined();
    expect(mmsc.store.list()).toEqual([]);
  });

  it('echoes the Transaction-Id of a refused message', async () => {
    const res = await postMms(url, sendReq({ size: 400_000, tid: 'too-big-1' }), { msisdn: BOB });
    expect(res.pdu!.headers).toMatchObject({ transactionId: 'too-big-1', responseStatus: 'Error-permanent-content-not-accepted' });
  });

  it('a From address is used when no X-MSISDN comes; X-MSISDN wins over it', async () => {
    await postMms(url, sendReq({ from: { address: phoneAddress(CAROL) } }));
    await postMms(url, sendReq({ from: { address: phoneAddress(CAROL) } }), { msisdn: BOB });
    expect(mmsc.store.list().map((m) => m.from).sort()).toEqual([`${BOB}/TYPE=PLMN`, `${CAROL}/TYPE=PLMN`]);
  });

  it('unknown content locations get a 404 with m-retrieve-conf Error-permanent-message-not-found', async () => {
    for (const path of ['AAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2Findex.json', 'messages%2F']) {
      const res = await getMms(`${url}/${path}`);
      expect(res.status).toBe(404);
      expect(decodeMms(res.body)).toMatchObject({ messageType: 'm-retrieve-conf', headers: { retrieveStatus: 'Error-permanent-message-not-found' } });
    }
  });
});

describe('forward, deferred delivery, read reports', () => {
  it('m-forward-req sends a stored message on to new recipients with Previously-Sent-By/Date', async () => {
    await postMms(url, sendReq({ deliveryReport: false }), { msisdn: BOB });
    const [p] = await ppg.waitFor(1);
    const fwd = await postMms(
      url,
      encodeMms({
        messageType: 'm-forward-req',
        headers: { transactionId: 'fw-1', mmsVersion: '1.2', from: { insertAddress: true }, to: [phoneAddress(CAROL)], contentLocation: p!.pdu.headers.contentLocation! },
      }),
      { msisdn: ALICE },
    );
    expect(fwd.pdu).toMatchObject({ messageType: 'm-forward-conf', headers: { transactionId: 'fw-1', responseStatus: 'Ok' } });
    const pushes = await ppg.waitFor(2);
    expect(pushes[1]!.addresses).toEqual([`WAPPUSH=${CAROL}/TYPE=PLMN@ppg`]);
    expect(pushes[1]!.pdu.headers.from).toEqual({ address: { text: `${ALICE}/TYPE=PLMN` } });
    const rcBody = (await getMms(pushes[1]!.pdu.headers.contentLocation!)).body;
    const rc = decodeMms(rcBody);
    expect(rc.headers.previouslySentBy).toEqual([{ count: 1, address: { text: `${BOB}/TYPE=PLMN` } }]);
    expect(rc.headers.previouslySentDate).toEqual([{ count: 1, date: new Date(clock) }]);
    expect(rc.parts!.map((x) => x.body)).toEqual(decodeMms(sendReq()).parts!.map((x) => x.body));
    const unknown = await postMms(url, encodeMms({ messageType: 'm-forward-req', headers: { transactionId: 'fw-2', mmsVersion: '1.2', to: [phoneAddress(CAROL)], contentLocation: `${url}/AAAAAAAAAAAAAAAAAAAAAA` } }), { msisdn: ALICE });
    expect(unknown.pdu!.headers.responseStatus).toBe('Error-permanent-message-not-found');
    // Last (tshark blocks this process, and with it the MMSC under test): Wireshark reads both PDUs as we meant.
    if (toolAvailable('tshark')) {
      const res = tshark(exportedPduPcap([fwd.body, rcBody], 'mmse_wsp', true));
      expect(res.problems, res.text).toEqual([]);
      expect(fieldValues(res.packets[1]!, 'mmse.previously_sent_by.address')).toEqual([`${BOB}/TYPE=PLMN`]);
      expect(fieldValues(res.packets[0]!, 'mmse.message_type')).toEqual(['0x8a']);
    }
  });

  it('X-Mms-Delivery-Time holds the notification until it is due (also across a restart)', async () => {
    const req = decodeMms(sendReq());
    req.headers.deliveryTime = { relative: 600 };
    const sent = await postMms(url, encodeMms(req), { msisdn: BOB });
    expect(sent.pdu!.headers.responseStatus).toBe('Ok');
    await mmsc.purge();
    await mmsc.idle();
    expect(ppg.pushes.length).toBe(0);
    await mmsc.close();
    await start();
    clock += 600_000;
    await mmsc.purge();
    const [p] = await ppg.waitFor(1);
    expect(p!.pdu.messageType).toBe('m-notification-ind');
  });

  it('an m-read-rec-ind reaches the sender as m-read-orig-ind when a read report was asked', async () => {
    const req = decodeMms(sendReq({ deliveryReport: false }));
    req.headers.readReport = true;
    const sent = await postMms(url, encodeMms(req), { msisdn: BOB });
    await ppg.waitFor(1);
    const rr = encodeMms({
      messageType: 'm-read-rec-ind',
      headers: { mmsVersion: '1.2', messageId: sent.pdu!.headers.messageId!, to: [phoneAddress(BOB)], from: { insertAddress: true }, readStatus: 'Read' },
    });
    expect((await postMms(url, rr, { msisdn: ALICE })).status).toBe(200);
    const pushes = await ppg.waitFor(2);
    expect(pushes[1]!.addresses).toEqual([`WAPPUSH=${BOB}/TYPE=PLMN@ppg`]);
    expect(pushes[1]!.pdu).toMatchObject({ messageType: 'm-read-orig-ind', headers: { readStatus: 'Read', from: { address: { text: `${ALICE}/TYPE=PLMN` } } } });
  });
});

describe('storage', () => {
  it('keeps an accepted message across a restart (retrieve and notifyresp after it)', async () => {
    await postMms(url, sendReq(), { msisdn: BOB });
    const [p] = await ppg.waitFor(1);
    const before = await getMms(p!.pdu.headers.contentLocation!);
    await mmsc.close();
    await start({ publicUrl: url }); // same store directory, new process state, new port
    const after = await getMms(p!.pdu.headers.contentLocation!.replace(/^http:\/\/[^/]+\/mms/, url));
    expect(after.status).toBe(200);
    expect(after.body.equals(before.body)).toBe(true);
    await postMms(url, encodeMms({ messageType: 'm-notifyresp-ind', headers: { transactionId: p!.pdu.headers.transactionId!, mmsVersion: '1.2', status: 'Retrieved' } }));
    expect(mmsc.store.list()[0]!.recipients[0]!.state).toBe('Retrieved');
  });

  it('retries failed pushes on purge ticks, and sends those of a message accepted just before a stop once it runs again', async () => {
    await mmsc.close();
    await start({ ppgUrl: 'http://127.0.0.1:9/unreachable', pushRetryDelays: [] });
    await postMms(url, sendReq(), { msisdn: BOB });
    await mmsc.idle();
    const m = mmsc.store.list()[0]!;
    expect(m.recipients[0]!.state).toBe('notify-failed');
    await mmsc.close();
    await start();
    await mmsc.purge(); // a purge tick retries failed pushes
    const [again] = await ppg.waitFor(1);
    expect(again!.pdu.headers.transactionId).toBe(m.recipients[0]!.transactionId);
    await mmsc.idle();
    expect(mmsc.store.list()[0]!.recipients[0]!.state).toBe('notified');
    ppg.pushes.length = 0;
    const m2 = mmsc.store.list()[0]!;
    m2.recipients[0]!.state = 'pending'; // as if stopped between store and push
    await mmsc.store.updateRecipient(m2, m2.recipients[0]!);
    await mmsc.close();
    await start();
    const [p] = await ppg.waitFor(1);
    expect(p!.pdu.headers.transactionId).toBe(m2.recipients[0]!.transactionId);
  });

  it('expires: the location answers 404 after the expiry, purge removes the message and reports Expired', async () => {
    const sent = await postMms(url, sendReq({ expiry: 3600 }), { msisdn: BOB });
    const [p] = await ppg.waitFor(1);
    expect(p!.pdu.headers.expiry).toEqual({ absolute: new Date(clock + 3600_000) });
    const loc = p!.pdu.headers.contentLocation!;
    expect((await getMms(loc)).status).toBe(200);
    clock += 3600_000;
    const gone = await getMms(loc);
    expect(gone.status).toBe(404);
    expect(decodeMms(gone.body).headers.retrieveStatus).toBe('Error-permanent-message-not-found');
    const purged = await mmsc.purge();
    expect(purged.map((m) => m.messageId)).toEqual([sent.pdu!.headers.messageId]);
    expect(mmsc.store.list()).toEqual([]);
    expect((mmsc.store.store.db.prepare('SELECT count(*) AS n FROM mmsc_message').get() as { n: number }).n).toBe(0);
    const pushes = await ppg.waitFor(2);
    expect(pushes[1]!.pdu).toMatchObject({ messageType: 'm-delivery-ind', headers: { status: 'Expired' } });
    // And it stays gone after a restart.
    await mmsc.close();
    await start();
    expect(mmsc.store.list()).toEqual([]);
  });
});

describe.skipIf(!sharedAvailable())('real PDUs from ../shared/captures/mms', () => {
  const DIR = join(SHARED_DIR, 'captures', 'mms');
  const all = sharedAvailable() ? readdirSync(DIR).filter((f) => f.endsWith('.mms')).sort() : [];
  const typed = all.map((f) => ({ f, buf: readFileSync(join(DIR, f)) })).map((x) => ({ ...x, type: decodeMms(x.buf).messageType }));
  const sendReqs = typed.filter((x) => x.type === 'm-send-req');
  const retrieveConfs = typed.filter((x) => x.type === 'm-retrieve-conf');

  it('holds send-reqs and retrieve-confs to test with', () => {
    expect(sendReqs.length).toBeGreaterThanOrEqual(7);
    expect(retrieveConfs.length).toBeGreaterThanOrEqual(19);
  });

  it.each(sendReqs.map((x) => [x.f, x.buf] as const))('accepts %s', async (_f, buf) => {
    const res = await postMms(url, buf, { msisdn: BOB });
    expect(res.pdu!.headers, mmsText(res.pdu!.headers.responseText ?? { text: '' })).toMatchObject({ responseStatus: 'Ok', transactionId: decodeMms(buf).headers.transactionId });
    const m = mmsc.store.get(res.pdu!.headers.messageId!)!;
    // What will be served carries the handset's content octets unchanged.
    const served = decodeMms((await getMms(mmsc.locationOf(m.recipients[0]!.token))).body);
    const original = decodeMms(buf);
    expect(served.contentType).toEqual(original.contentType);
    expect(served.parts?.map((p) => p.body) ?? served.body).toEqual(original.parts?.map((p) => p.body) ?? original.body);
  });

  it.each(retrieveConfs.map((x) => [x.f, x.buf] as const))('serves %s back byte-identical', async (_f, buf) => {
    const m = await mmsc.deposit(buf, [`${ALICE}/TYPE=PLMN`]);
    const got = await getMms(mmsc.locationOf(m.recipients[0]!.token));
    expect(got.status).toBe(200);
    expect(got.body.equals(buf)).toBe(true);
  });
});

describe.skipIf(!toolAvailable('tshark'))('what the MMSC sends, dissected by tshark', () => {
  it('m-send-conf, m-notification-ind, m-retrieve-conf, m-delivery-ind and error answers are well-formed MMSE', async () => {
    const pdus: Buffer[] = [];
    const sent = await postMms(url, sendReq(), { msisdn: BOB });
    pdus.push(sent.body);
    const [p] = await ppg.waitFor(1);
    pdus.push(p!.content);
    pdus.push((await getMms(p!.pdu.headers.contentLocation!)).body);
    await postMms(url, encodeMms({ messageType: 'm-notifyresp-ind', headers: { transactionId: p!.pdu.headers.transactionId!, mmsVersion: '1.2', status: 'Retrieved' } }));
    pdus.push((await ppg.waitFor(2))[1]!.content);
    pdus.push((await postMms(url, sendReq({ to: [] }), { msisdn: BOB })).body);
    pdus.push((await getMms(`${url}/AAAAAAAAAAAAAAAAAAAAAA`)).body);
    const res = tshark(exportedPduPcap(pdus, 'mmse_wsp', true));
    expect(res.problems, res.text).toEqual([]);
    const types = res.packets.map((x) => (x._source.layers.mmse as Record<string, string>)['mmse.message_type']);
    expect(types).toEqual(['0x81', '0x82', '0x84', '0x86', '0x81', '0x84']);
  });
});
