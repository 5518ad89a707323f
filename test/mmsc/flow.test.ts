/**
 * The seed's MMS flow end to end over real UDP and HTTP on loopback, with our handset simulator commands:
 * Bob (127.0.0.2) `phone send-mms` → gateway (WTP/WSP, X-MSISDN injected) → reference MMSC → PAP → PPG →
 * WSP Push to Alice (127.0.0.3) `phone receive` → GET through the gateway (SAR) → parts written → m-notifyresp-ind
 * → MMSC records Retrieved → m-delivery-ind pushed back to Bob.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import type { Enricher } from '../../src/gateway/hooks.ts';
import { parseGateway, phoneRequest } from '../../src/handset/cli-support.ts';
import { PushListener } from '../../src/handset/mms-receive.ts';
import { decodeMms } from '../../src/mms/index.ts';
import { createMmsc, type Mmsc } from '../../src/mmsc/index.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { createPpg, type Ppg } from '../../src/push/ppg.ts';
import { run as receive } from '../../src/cli/phone-receive.ts';
import { run as sendMms } from '../../src/cli/phone-send-mms.ts';
import { udpPcap, type UdpDatagram } from '../../src/trace/pcap.ts';
import { fieldValues, tempDir, tshark, toolAvailable } from '../support/tools.ts';

const BOB = { ip: '127.0.0.2', msisdn: '+15550000001' };
const ALICE = { ip: '127.0.0.3', msisdn: '+15550000002' };
const CAROL = { ip: '127.0.0.5', msisdn: '+15550000003' };
const SUBSCRIBERS = [BOB, ALICE, CAROL];
/** Added to the MMSC's clock (expiry without waiting). */
let clockOffset = 0;

/** A free UDP port on both handset addresses (the PPG pushes to one port number for every handset). */
async function freePushPort(): Promise<number> {
  for (;;) {
    const s = createSocket('udp4');
    const port = await new Promise<number>((r) => s.bind(0, ALICE.ip, () => r((s.address() as AddressInfo).port)));
    const others = [BOB.ip, CAROL.ip].map(() => createSocket('udp4'));
    const oks = await Promise.all(
      others.map(
        (t, i) =>
          new Promise<boolean>((r) => {
            t.once('error', () => r(false));
            t.bind(port, [BOB.ip, CAROL.ip][i], () => r(true));
          }),
      ),
    );
    await new Promise<void>((r) => s.close(() => r()));
    await Promise.all(others.map((t, i) => (oks[i] ? new Promise<void>((r) => t.close(() => r())) : Promise.resolve())));
    if (oks.every(Boolean)) return port;
  }
}

let gw: Gateway;
let mmsc: Mmsc;
let ppg: Ppg;
let transport: Awaited<ReturnType<typeof udpPushTransport>>;
let gateway: string;
let mm1: string;
let mmscPort: number;
const mmscOptions = () => ({ storeDir: join(dir, 'store'), ppgUrl: `http://127.0.0.1:${papPort}/wappush`, now: () => Date.now() + clockOffset });
let papPort: number;
let pushPort: number;
let dir: string;
/** Every datagram of the flow, ports mapped to the well-known ones so tshark's WTP/WSP/MMSE dissectors apply. */
const datagrams: UdpDatagram[] = [];
let record = true;

beforeAll(async () => {
  dir = tempDir('wapgate-mmsflow-');
  pushPort = await freePushPort();
  transport = await udpPushTransport('127.0.0.1');
  const recording = {
    sendDatagram: (payload: Buffer, address: string, port: number) => {
      if (record) datagrams.push({ src: '127.0.0.1', srcPort: 9200, dst: address, dstPort: 2948, payload: Buffer.from(payload), time: Date.now() });
      return transport.sendDatagram(payload, address, port);
    },
  };
  ppg = createPpg(
    { pushPort, papPath: '/wappush', maxContentSize: 4096 },
    { transport: recording, resolveMsisdn: (m) => SUBSCRIBERS.find((s) => s.msisdn === m)?.ip },
  );
  papPort = (await ppg.listen(0, '127.0.0.1')).port;
  mmsc = createMmsc(mmscOptions());
  mmscPort = (await mmsc.listen(0, '127.0.0.1')).port;
  mm1 = `http://127.0.0.1:${mmscPort}/mms`;
  const enricher: Enricher = {
    protectedHeaders: new Set(['x-msisdn']),
    lookup: (ip) => SUBSCRIBERS.find((s) => s.ip === ip),
    headersFor: (ip): Record<string, string> => {
      const s = SUBSCRIBERS.find((x) => x.ip === ip);
      return s ? { 'X-MSISDN': s.msisdn } : {};
    },
  };
  gw = createGateway({ bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: `http://127.0.0.1:${mmscPort}` }, { enricher });
  await gw.start();
  gateway = `127.0.0.1:${gw.addresses.co.port}`;
  const co = gw.addresses.co.port;
  gw.setTap((dirn, data, peer, local) => {
    if (!record) return;
    const mapped = local.port === co ? 9201 : local.port;
    const payload = Buffer.from(data);
    datagrams.push(
      dirn === 'in'
        ? { src: peer.address, srcPort: peer.port, dst: local.address, dstPort: mapped, payload, time: Date.now() }
        : { src: local.address, srcPort: mapped, dst: peer.address, dstPort: peer.port, payload, time: Date.now() },
    );
  });
});

afterAll(async () => {
  await gw?.stop(200);
  await mmsc?.close();
  await ppg?.close();
  transport?.close();
});

describe('Bob sends a picture to Alice through the gateway; Alice receives it', () => {
  it('delivers byte-identical parts, records Retrieved and reports delivery to Bob', async () => {
    const files = join(dir, 'bob');
    mkdirSync(files);
    const jpeg = Buffer.alloc(300_000 - 2_000);
    for (let i = 0; i < jpeg.length; i++) jpeg[i] = (i * 7919) & 0xff;
    jpeg.set([0xff, 0xd8, 0xff, 0xe0], 0);
    writeFileSync(join(files, 'beach.jpg'), jpeg);
    writeFileSync(join(files, 'note.txt'), 'Wish you were here ☀');

    // Bob listens for his delivery report on his own push port.
    const bobPush = new PushListener({ address: BOB.ip, port: pushPort });
    await bobPush.open();
    const report = new Promise<import('../../src/mms/index.ts').MmsPdu>((r) => bobPush.once('notification', (n) => r(n.pdu)));

    const out = join(dir, 'alice');
    const alice = receive(['--gateway', gateway, '--bind', ALICE.ip, '--push-port', String(pushPort), '--out', out, '--count', '1', '--timeout', '60']);
    await new Promise((r) => setTimeout(r, 200));
    const sent = await sendMms([
      '--gateway', gateway, '--bind', BOB.ip, '--mmsc', mm1, '--to', ALICE.msisdn, '--subject', 'Beach', '--delivery-report',
      join(files, 'beach.jpg'), join(files, 'note.txt'),
    ]);
    expect(sent).toBe(0);
    expect(await alice).toBe(0);

    expect(readdirSync(out).sort()).toEqual(['beach.jpg', 'note.txt', 'smil.smil']);
    expect(readFileSync(join(out, 'beach.jpg')).equals(jpeg)).toBe(true);
    expect(readFileSync(join(out, 'note.txt'), 'utf8')).toBe('Wish you were here ☀');

    const [m] = mmsc.store.list();
    expect(m!.from).toBe(`${BOB.msisdn}/TYPE=PLMN`); // X-MSISDN from the gateway, not the handset
    await mmsc.idle();
    expect(m!.recipients[0]!.state).toBe('Retrieved');
    const dr = await report;
    expect(dr).toMatchObject({ messageType: 'm-delivery-ind', headers: { messageId: m!.messageId, status: 'Retrieved' } });
    await bobPush.close();
    record = false;
  });

  it.skipIf(!toolAvailable('tshark'))('the capture of that flow dissects cleanly, MMSE showing each message type in order', () => {
    const res = tshark(udpPcap(datagrams));
    expect(res.problems, res.text.slice(0, 5000)).toEqual([]);
    const types = res.packets.flatMap((p) => fieldValues(p, 'mmse.message_type'));
    // m-send-req (Bob, reassembled from WTP segments), m-send-conf, m-notification-ind (push), m-retrieve-conf
    // (SAR to Alice), m-notifyresp-ind, m-delivery-ind (push to Bob).
    expect(types).toEqual(['0x80', '0x81', '0x82', '0x84', '0x83', '0x86']);
  });

  it('refuses to send what exceeds the size limit, before sending anything', async () => {
    const big = join(dir, 'big.jpg');
    writeFileSync(big, Buffer.alloc(310_000, 1));
    const before = mmsc.store.list().length;
    expect(await sendMms(['--gateway', gateway, '--bind', BOB.ip, '--mmsc', mm1, '--to', ALICE.msisdn, big])).toBe(1);
    expect(mmsc.store.list().length).toBe(before);
  });

  it('--defer answers Deferred and leaves the message on the MMSC', async () => {
    const out = join(dir, 'alice-deferred');
    const alice = receive(['--gateway', gateway, '--bind', ALICE.ip, '--push-port', String(pushPort), '--out', out, '--count', '1', '--timeout', '30', '--defer']);
    await new Promise((r) => setTimeout(r, 200));
    const txt = join(dir, 'hello.txt');
    writeFileSync(txt, 'hello');
    expect(await sendMms(['--gateway', gateway, '--bind', BOB.ip, '--mmsc', mm1, '--to', ALICE.msisdn, txt])).toBe(0);
    expect(await alice).toBe(0);
    await mmsc.idle();
    const last = mmsc.store.list().sort((a, b) => a.receivedAt - b.receivedAt).at(-1)!;
    expect(last.recipients[0]!.state).toBe('Deferred');
  });

  it('two recipients each receive it on their own handset', async () => {
    const txt = join(dir, 'two.txt');
    writeFileSync(txt, 'to both of you');
    const outA = join(dir, 'two-alice');
    const outC = join(dir, 'two-carol');
    const common = ['--gateway', gateway, '--push-port', String(pushPort), '--count', '1', '--timeout', '30'];
    const a = receive([...common, '--bind', ALICE.ip, '--out', outA]);
    const c = receive([...common, '--bind', CAROL.ip, '--out', outC]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await sendMms(['--gateway', gateway, '--bind', BOB.ip, '--mmsc', mm1, '--to', ALICE.msisdn, '--to', CAROL.msisdn, txt])).toBe(0);
    expect(await a).toBe(0);
    expect(await c).toBe(0);
    expect(readFileSync(join(outA, 'two.txt'), 'utf8')).toBe('to both of you');
    expect(readFileSync(join(outC, 'two.txt'), 'utf8')).toBe('to both of you');
    await mmsc.idle();
    const last = mmsc.store.list().sort((x, y) => x.receivedAt - y.receivedAt).at(-1)!;
    expect(last.recipients.map((r) => r.state)).toEqual(['Retrieved', 'Retrieved']);
  });

  it('a deferred message survives an MMSC restart and is then retrieved through the gateway; once expired it is gone', async () => {
    const deferred = join(dir, 'later');
    const alice = receive(['--gateway', gateway, '--bind', ALICE.ip, '--push-port', String(pushPort), '--out', deferred, '--count', '1', '--timeout', '30', '--defer']);
    await new Promise((r) => setTimeout(r, 200));
    const pic = join(dir, 'later.gif');
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(9000, 7)]);
    writeFileSync(pic, gif);
    expect(await sendMms(['--gateway', gateway, '--bind', BOB.ip, '--mmsc', mm1, '--to', ALICE.msisdn, '--expiry', '3600', pic])).toBe(0);
    expect(await alice).toBe(0);
    await mmsc.idle();
    const m = mmsc.store.list().sort((x, y) => x.receivedAt - y.receivedAt).at(-1)!;
    const location = mmsc.locationOf(m.recipients[0]!.token);
    // Restart the MMSC on the same port: the gateway's upstream and the content location stay valid.
    await mmsc.close();
    mmsc = createMmsc(mmscOptions());
    await mmsc.listen(mmscPort, '127.0.0.1');
    const a = { gateway: parseGateway(gateway, false), bind: ALICE.ip, cl: false, headers: [], timeoutMs: 30_000 };
    const got = await phoneRequest(a, { kind: 'get', uri: location });
    expect(got.status).toBe(200);
    const rc = decodeMms(got.body);
    expect(rc.parts!.find((p) => p.contentType.type === 'image/gif')!.body.equals(gif)).toBe(true);
    // An hour later the message has expired: the same location answers 404 with an MMS error status.
    clockOffset += 3600_000;
    const gone = await phoneRequest(a, { kind: 'get', uri: location });
    expect(gone.status).toBe(404);
    expect(decodeMms(gone.body).headers.retrieveStatus).toBe('Error-permanent-message-not-found');
  });

  it.skipIf(!toolAvailable('tshark'))('a small whole-flow capture (stored in captures/ with UPDATE_CAPTURES=1) dissects cleanly', async () => {
    datagrams.length = 0;
    record = true;
    const bobPush = new PushListener({ address: BOB.ip, port: pushPort });
    await bobPush.open();
    const report = new Promise((r) => bobPush.once('notification', r));
    const txt = join(dir, 'small.txt');
    writeFileSync(txt, 'small flow');
    const alice = receive(['--gateway', gateway, '--bind', ALICE.ip, '--push-port', String(pushPort), '--out', join(dir, 'small'), '--count', '1', '--timeout', '30']);
    await new Promise((r) => setTimeout(r, 200));
    expect(await sendMms(['--gateway', gateway, '--bind', BOB.ip, '--mmsc', mm1, '--to', ALICE.msisdn, '--subject', 'small', '--delivery-report', txt])).toBe(0);
    expect(await alice).toBe(0);
    await report;
    await bobPush.close();
    record = false;
    const pcap = udpPcap(datagrams);
    const res = tshark(pcap);
    expect(res.problems, res.text.slice(0, 5000)).toEqual([]);
    expect(res.packets.flatMap((p) => fieldValues(p, 'mmse.message_type'))).toEqual(['0x80', '0x81', '0x82', '0x84', '0x83', '0x86']);
    if (process.env.UPDATE_CAPTURES === '1') writeFileSync(join(import.meta.dirname, '..', '..', 'captures', 'wapgate-mms-flow.pcap'), pcap);
  });
});
