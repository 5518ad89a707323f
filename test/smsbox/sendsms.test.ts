import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeUserDataHeader } from '../../src/bearer/sms/udh.ts';
import type { SmsPushSender, SmsReceipt, SubmitOptions } from '../../src/bearer/sms/sender.ts';
import { SmsSubmitError } from '../../src/bearer/sms/sender.ts';
import type { Cdr } from '../../src/gateway/hooks.ts';
import { createSmsbox, type Smsbox } from '../../src/smsbox/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../support/tools.ts';

const PUSH_UDH = '%06%05%04%0B%84%23%F0';
const PUSH = Buffer.from('01060603be81ea8dca0001020304', 'hex'); // TID, Push, headers, body (shape only)
const esc = (b: Buffer) => [...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('');

function get(addr: AddressInfo, path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: addr.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

class FakeSmsc implements SmsPushSender {
  submits: { msisdn: string; blocks: Buffer[]; opts: SubmitOptions }[] = [];
  private fns: ((r: SmsReceipt) => void)[] = [];
  private n = 0;
  fail?: SmsSubmitError;
  async submitUserData(msisdn: string, blocks: readonly Buffer[], opts: SubmitOptions) {
    if (this.fail) throw this.fail;
    this.submits.push({ msisdn, blocks: [...blocks], opts });
    return blocks.map(() => `m${++this.n}`);
  }
  onReceipt(fn: (r: SmsReceipt) => void) {
    this.fns.push(fn);
  }
  receipt(r: SmsReceipt) {
    for (const f of this.fns) f(r);
  }
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const boxes: Smsbox[] = [];
const servers: Server[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.close();
  for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
  for (const s of stores.splice(0)) s.close();
});

async function setup(o: { sms?: FakeSmsc; map?: Record<string, string>; queueMax?: number; store?: Store; dlrTimeout?: number; noWdp?: boolean } = {}) {
  const sent: { payload: Buffer; address: string; port: number }[] = [];
  const cdrs: Cdr[] = [];
  const box = createSmsbox(
    { user: 'mmsc', password: 'secret', queue: { max: o.queueMax ?? 100, concurrency: 4, retryInterval: 50, expiry: 60_000 }, dlr: { timeout: o.dlrTimeout ?? 2000, concurrency: 2, maxPending: 100, maxCorrelations: 100 } },
    {
      ...(o.noWdp ? {} : { wdp: { sendDatagram: async (payload: Buffer, address: string, port: number) => void sent.push({ payload, address, port }) } }),
      ...(o.sms ? { sms: o.sms } : {}),
      resolveMsisdn: (n) => (o.map ?? {})[n],
      charging: { record: (c) => void cdrs.push(c), flush: async () => {} },
      registry: new Registry(),
      ...(o.store ? { store: o.store } : {}),
    },
  );
  boxes.push(box);
  const addr = await box.listen(0, '127.0.0.1');
  return { box, addr, sent, cdrs };
}

async function dlrServer(hang = false) {
  const calls: string[] = [];
  const s = createServer((req, res) => {
    calls.push(req.url!);
    if (!hang) res.end('ok');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { calls, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

const Q = '/cgi-bin/sendsms?username=mmsc&password=secret';

describe('sendsms: WAP Push over the IP bearer', () => {
  it('a push to a receiver with an active IP leaves as one datagram with exactly the bytes of text; dlr-mask 8 reported once', async () => {
    const d = await dlrServer();
    const { addr, sent, cdrs } = await setup({ map: { '+15551230001': '127.0.0.9' } });
    const dlrUrl = encodeURIComponent(`${d.url}/dlr?type=%d&to=%p&from=%P&id=%I&answer=%A&smsc=%i&pct=%%&x=%x`);
    const r = await get(addr, `${Q}&from=mmsc&to=%2B15551230001&udh=${PUSH_UDH}&text=${esc(PUSH)}&dlr-mask=31&dlr-url=${dlrUrl}`);
    expect(r).toMatchObject({ status: 202, body: '0: Accepted for delivery' });
    await until(() => d.calls.length === 1);
    expect(sent).toEqual([{ payload: PUSH, address: '127.0.0.9', port: 2948 }]);
    expect(d.calls[0]).toMatch(/^\/dlr\?type=8&to=%2B15551230001&from=mmsc&id=[0-9a-f-]{36}&answer=ACK%2F&smsc=ip&pct=%&x=%x$/);
    expect(cdrs[0]).toMatchObject({ kind: 'push', bearer: 'push-ip', msisdn: '+15551230001', outcome: 'delivered', bytesDown: PUSH.length });
    await new Promise((r) => setTimeout(r, 100));
    expect(d.calls).toHaveLength(1);
  });

  it('receivers written without + or with 00 still find the subscriber; several receivers each get one', async () => {
    const { addr, sent } = await setup({ map: { '+15551230001': '127.0.0.9', '+15551230002': '127.0.0.10' } });
    expect((await get(addr, `${Q}&to=15551230001+0015551230002+15551230001&udh=${PUSH_UDH}&text=${esc(PUSH)}`)).status).toBe(202);
    await until(() => sent.length === 2);
    expect(sent.map((s) => s.address).sort()).toEqual(['127.0.0.10', '127.0.0.9']);
  });
});

describe('sendsms: SMS bearer', () => {
  it('an unknown receiver gets the push by SMS with the port UDH in every segment; receipts give dlr 1 once', async () => {
    const d = await dlrServer();
    const sms = new FakeSmsc();
    const { addr, sent } = await setup({ sms });
    const big = Buffer.concat([PUSH, Buffer.alloc(300, 0x41)]);
    const dlrUrl = encodeURIComponent(`${d.url}/d?t=%d&F=%F`);
    expect((await get(addr, `${Q}&to=%2B15559990000&udh=${PUSH_UDH}&text=${esc(big)}&dlr-mask=9&dlr-url=${dlrUrl}`)).status).toBe(202);
    await until(() => sms.submits.length === 1);
    expect(sent).toHaveLength(0);
    const { blocks, opts } = sms.submits[0]!;
    expect(blocks.length).toBe(3);
    expect(opts).toMatchObject({ udhi: true, dataCoding: 4, receipt: true });
    for (const b of blocks) {
      const h = decodeUserDataHeader(b);
      expect(h.elements[0]).toEqual({ kind: 'ports', dst: 2948, src: 9200, bits: 16 });
      expect(h.elements[1]).toMatchObject({ kind: 'concat', total: 3 });
    }
    expect(Buffer.concat(blocks.map((b) => decodeUserDataHeader(b).payload))).toEqual(big);
    await until(() => d.calls.length === 1);
    expect(d.calls[0]).toBe('/d?t=8&F=m1');
    sms.receipt({ messageId: 'm1', state: 'delivered' });
    sms.receipt({ messageId: 'm2', state: 'delivered' });
    await new Promise((r) => setTimeout(r, 50));
    expect(d.calls).toHaveLength(1); // one part still out
    sms.receipt({ messageId: 'm3', state: 'delivered' });
    sms.receipt({ messageId: 'm3', state: 'delivered' });
    await until(() => d.calls.length === 2);
    expect(d.calls[1]).toBe('/d?t=1&F=m3');
    await new Promise((r) => setTimeout(r, 50));
    expect(d.calls).toHaveLength(2);
  });

  it('plain text goes as GSM 7-bit without UDH, long text concatenated; UCS-2 as data_coding 8', async () => {
    const sms = new FakeSmsc();
    const { addr } = await setup({ sms });
    expect((await get(addr, `${Q}&to=123&from=Shop&text=Hello+%E2%82%AC`)).status).toBe(202);
    expect((await get(addr, `${Q}&to=124&text=${'a'.repeat(200)}`)).status).toBe(202);
    expect((await get(addr, `${Q}&to=125&coding=2&charset=UTF-8&text=%C3%A9`)).status).toBe(202);
    await until(() => sms.submits.length === 3);
    const by = (n: string) => sms.submits.find((s) => s.msisdn === n)!;
    expect(by('123').blocks).toEqual([Buffer.from([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x1b, 0x65])]);
    expect(by('123').opts).toMatchObject({ udhi: false, dataCoding: 0, sourceAddr: 'Shop' });
    expect(by('124').blocks.map((b) => b.length)).toEqual([159, 53]);
    expect(by('125').blocks).toEqual([Buffer.from([0x00, 0xe9])]);
    expect(by('125').opts.dataCoding).toBe(8);
  });

  it('plain SMS without an SMSC: a clear 400, nothing queued; a refused submit reports dlr 16', async () => {
    const { addr, box } = await setup();
    const r = await get(addr, `${Q}&to=123&text=hi`);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/No SMSC configured/);
    expect(box.queue.size).toBe(0);
    const d = await dlrServer();
    const sms = new FakeSmsc();
    sms.fail = new SmsSubmitError('submit_sm refused (command_status 0xb)', true, 0x0b);
    const b2 = await setup({ sms });
    expect((await get(b2.addr, `${Q}&to=123&text=hi&dlr-mask=16&dlr-url=${encodeURIComponent(`${d.url}/x?d=%d&a=%A`)}`)).status).toBe(202);
    await until(() => d.calls.length === 1);
    expect(d.calls[0]).toMatch(/^\/x\?d=16&a=NACK%2F11%2F/);
  });
});

describe('sendsms: bad input and load', () => {
  it('answers as Kannel does for bad arguments', async () => {
    const { addr } = await setup({ sms: new FakeSmsc() });
    const cases: [string, number, string | RegExp][] = [
      ['/cgi-bin/sendsms?username=mmsc&password=bad&to=1&text=x', 403, 'Authorization failed for sendsms'],
      ['/cgi-bin/sendsms?username=nobody&password=secret&to=1&text=x', 403, 'Authorization failed for sendsms'],
      [`${Q}&text=x`, 400, 'Missing receiver number, rejected'],
      [`${Q}&to=&text=x`, 400, 'Empty receiver number not allowed, rejected'],
      [`${Q}&to=abc&text=x`, 400, 'Number(s) has/have been denied by white- and/or black-lists.'],
      [`${Q}&to=1&udh=%09%05%04%0B%84%23%F0&text=x`, 400, 'UDH field misformed, rejected'],
      [`${Q}&to=1&udh=%06%05%07%0B%84%23%F0&text=x`, 400, 'UDH field misformed, rejected'],
      [`${Q}&to=1&coding=5&text=x`, 400, 'Coding field misformed, rejected'],
      [`${Q}&to=1&mclass=7&text=x`, 400, 'MClass field misformed, rejected'],
      [`${Q}&to=1&priority=9&text=x`, 400, 'Priority field misformed, rejected'],
      [`${Q}&to=1&dlr-mask=300&text=x`, 400, 'DLR-Mask field misformed, rejected'],
      [`${Q}&to=1&validity=-5&text=x`, 400, 'Validity field misformed, rejected'],
      [`${Q}&to=1&charset=nonsense&text=x`, 400, 'Charset or body misformed, rejected'],
      [`${Q}&to=1&text=${'a'.repeat(1700)}`, 400, /Message too long: 12 short messages needed, at most 10/],
      ['/cgi-bin/nothing', 404, 'Unknown request.'],
    ];
    for (const [path, status, body] of cases) {
      const r = await get(addr, path);
      expect([path, r.status]).toEqual([path, status]);
      if (typeof body === 'string') expect(r.body).toBe(body);
      else expect(r.body).toMatch(body);
    }
  });

  it('a binary message with no port element is an ordinary binary SMS', async () => {
    const sms = new FakeSmsc();
    const { addr } = await setup({ sms });
    expect((await get(addr, `${Q}&to=1&udh=%05%00%03%01%02%01&text=%01%02`)).status).toBe(202);
    await until(() => sms.submits.length === 1);
    expect(sms.submits[0]!.blocks[0]).toEqual(Buffer.from('0500030102010102', 'hex'));
    expect(sms.submits[0]!.opts).toMatchObject({ udhi: true, dataCoding: 4 });
  });

  it('a full queue answers 503 with Retry-After and loses nothing it accepted', async () => {
    const { addr, box } = await setup({ queueMax: 3, map: {} }); // no SMSC, no IP: pushes wait
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => get(addr, `${Q}&to=${1000 + i}&udh=${PUSH_UDH}&text=%01`)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(3);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy).toHaveLength(3);
    expect(busy[0]!.headers['retry-after']).toBe('1');
    expect(box.queue.size).toBe(3);
  });

  it('1,000 requests/s for a second: every one answered, each accepted message sent once', async () => {
    const { addr, sent } = await setup({ queueMax: 100_000, map: { '+15550000001': '127.0.0.9' } });
    const t0 = Date.now();
    const rs = [];
    for (let i = 0; i < 1000; i++) rs.push(get(addr, `${Q}&to=%2B15550000001&udh=${PUSH_UDH}&text=${esc(Buffer.from([i >> 8, i & 0xff]))}`));
    const answers = await Promise.all(rs);
    const ms = Date.now() - t0;
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await until(() => sent.length === 1000, 10_000);
    expect(new Set(sent.map((s) => s.payload.toString('hex'))).size).toBe(1000);
    // Wall time depends on the machine's load; the figure is printed, not asserted.
    console.log(`sendsms: 1,000 requests answered in ${ms} ms`);
  });

  it('a hanging dlr-url blocks nothing: deliveries and answers go on, calls time out', async () => {
    const d = await dlrServer(true);
    const { addr, sent } = await setup({ map: { '+1': '127.0.0.9' }, dlrTimeout: 300 });
    const url = encodeURIComponent(`${d.url}/hang?d=%d`);
    for (let i = 0; i < 5; i++) expect((await get(addr, `${Q}&to=%2B1&udh=${PUSH_UDH}&text=%0${i}&dlr-mask=8&dlr-url=${url}`)).status).toBe(202);
    await until(() => sent.length === 5);
    await until(() => d.calls.length >= 2);
    expect(d.calls.length).toBeLessThanOrEqual(5);
  });
});

describe('sendsms: durability', () => {
  it('a message answered 202 survives the process (store reopened, delivered once)', async () => {
    const dir = tempDir('smsbox-store-');
    const path = join(dir, 'wapgate.db');
    const s1 = openStore({ path });
    const a = await setup({ store: s1, map: {} });
    expect((await get(a.addr, `${Q}&to=%2B15550000001&udh=${PUSH_UDH}&text=${esc(PUSH)}`)).status).toBe(202);
    expect(a.box.queue.size).toBe(1);
    await a.box.close();
    boxes.splice(boxes.indexOf(a.box), 1);
    s1.close();
    const s2 = openStore({ path });
    stores.push(s2);
    const b = await setup({ store: s2, map: { '+15550000001': '127.0.0.9' } });
    await until(() => b.sent.length === 1);
    expect(b.sent[0]!.payload).toEqual(PUSH);
    await until(() => b.box.queue.size === 0);
  });
});
