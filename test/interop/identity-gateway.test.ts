/**
 * Identity, policy and charging through the whole gateway: radclient (FreeRADIUS) tells wapgate's accounting
 * server who holds 127.0.0.1; our handset clients (connectionless and session) send WSP requests through the
 * live gateway to a real HTTP upstream that echoes the headers it received. The upstream sees the right
 * X-MSISDN while the session lasts and none after Stop; a handset's own X-MSISDN or a CR/LF-laden header
 * never reaches it; denied and over-rate clients are refused; the CDR file says what happened.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCdrWriter, type CdrWriter } from '../../src/charging/index.ts';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { ClClient, WspTimeoutError } from '../../src/handset/cl.ts';
import { connect } from '../../src/handset/co.ts';
import {
  createClientPolicy,
  createEnricher,
  createRadiusAccountingServer,
  createSubscriberMap,
  type RadiusAccountingServer,
  type SubscriberMap,
} from '../../src/identity/index.ts';
import { encodeMms, phoneAddress } from '../../src/mms/index.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { createPpg } from '../../src/push/ppg.ts';
import { parseContentType } from '../../src/wsp/content-type.ts';
import { tempDir, toolAvailable } from '../support/tools.ts';
import { radclient } from '../identity/radius-support.ts';

const SECRET = 'gw-secret';
const MSISDN = '+15550001234';
const IMSI = '001010123456789';
const MMS = 'application/vnd.wap.mms-message';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
}

const sendConf = encodeMms({ messageType: 'm-send-conf', headers: { transactionId: 'T-77', mmsVersion: '1.2', responseStatus: 'Ok', messageId: 'MID-4711' } });
const sendReq = encodeMms({
  messageType: 'm-send-req',
  headers: {
    transactionId: 'T-77',
    mmsVersion: '1.2',
    from: { insertAddress: true },
    to: [phoneAddress('+15550000002'), phoneAddress('+15550000003')],
    cc: [{ text: 'carol@example.org' }],
  },
  contentType: parseContentType('text/plain'),
  body: Buffer.from('hello'),
});

const have = toolAvailable('radclient');

describe.skipIf(!have)('identity and charging through the gateway (radclient + real UDP + real HTTP)', () => {
  let http: Server;
  let origin: string;
  const seen: Seen[] = [];
  let map: SubscriberMap;
  let radius: RadiusAccountingServer;
  let gw: Gateway;
  let cdrs: CdrWriter;
  let cdrFile: string;

  const valuesOf = (s: Seen, name: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < s.rawHeaders.length; i += 2) if (s.rawHeaders[i]!.toLowerCase() === name) out.push(s.rawHeaders[i + 1]!);
    return out;
  };
  const cdrLines = async () => {
    await cdrs.flush();
    return readFileSync(cdrFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  // One attempt (a retry would be a second transaction), with room for a loaded machine.
  const cl = (address = '127.0.0.1', timeoutMs = 10_000) =>
    new ClClient({ gateway: { host: '127.0.0.1', port: gw.addresses.cl.port }, bind: { address }, timeoutMs, attempts: 1 });

  beforeAll(async () => {
    http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders });
        if (req.url === '/mms') {
          res.writeHead(200, { 'Content-Type': MMS });
          res.end(sendConf);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ headers: req.rawHeaders }));
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

    map = createSubscriberMap();
    radius = createRadiusAccountingServer({ port: 0, secret: SECRET }, map);
    await radius.start();
    cdrFile = join(tempDir(), 'cdr.jsonl');
    cdrs = createCdrWriter({ destination: cdrFile, nodeId: 'test-gw' });
    const enricher = createEnricher({ msisdnHeader: 'X-MSISDN', imsiHeader: 'X-IMSI' }, map);
    const policy = createClientPolicy({ deny: ['127.0.0.66/32'], rateLimit: { perSecond: 0.01, burst: 30 } });
    gw = createGateway(
      { bind: '127.0.0.1', clPort: 0, coPort: 0, upstream: `${origin}/`, http: { requestTimeoutMs: 3000, headersTimeoutMs: 2000 } },
      { enricher, policy, charging: cdrs },
    );
    await gw.start();
  });

  afterAll(async () => {
    await gw?.stop(200);
    await cdrs?.close();
    await radius?.stop();
    await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  });

  it('radclient Start → the upstream gets X-MSISDN / X-IMSI; a spoofed X-MSISDN never arrives', async () => {
    const start = await radclient(
      radius.address!.port,
      SECRET,
      `Acct-Status-Type = Start, Framed-IP-Address = 127.0.0.1, Calling-Station-Id = "${MSISDN}", 3GPP-IMSI = "${IMSI}", Acct-Session-Id = "gw1"`,
    );
    expect(start.answered, start.out).toBe(true);
    const c = cl();
    try {
      const r = await c.get(`${origin}/echo`, [
        { name: 'X-MSISDN', value: '+19999999999' },
        { name: 'X-WAP-Network-Client-MSISDN', value: '+19999999999' },
        { name: 'X-IMSI', value: '999999999999999' },
        { name: 'User-Agent', value: 'Nokia6230/2.0' },
      ]);
      expect(r.status).toBe(200);
    } finally {
      await c.close();
    }
    const s = seen.at(-1)!;
    expect(valuesOf(s, 'x-msisdn')).toEqual([MSISDN]);
    expect(valuesOf(s, 'x-imsi')).toEqual([IMSI]);
    expect(valuesOf(s, 'x-wap-network-client-msisdn')).toEqual([]);
    expect(valuesOf(s, 'user-agent')).toEqual(['Nokia6230/2.0']);
    expect(JSON.stringify(s.rawHeaders)).not.toContain('+19999999999');
  });

  it('a WSP header carrying CR/LF never reaches HTTP', async () => {
    // Connectionless Get built by hand (WAP-230 §8.2.1 TID, §8.2.4.1 Get, §8.4.2.6 application header as
    // Token-text + Text-string) so the client encoder's own checks cannot stand in the way.
    const uri = Buffer.from(`${origin}/echo`, 'latin1');
    const dgram = Buffer.concat([
      Buffer.from([0x42, 0x40, uri.length]),
      uri,
      Buffer.from('X-Evil\0a\r\nX-MSISDN: +18888888888\r\nX-Injected: yes\0', 'latin1'),
    ]);
    const sock = createSocket('udp4');
    const before = seen.length;
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), 3000);
      sock.on('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
      sock.bind(0, '127.0.0.1', () => sock.send(dgram, gw.addresses.cl.port, '127.0.0.1'));
    });
    sock.close();
    expect(reply).toBeDefined();
    for (const s of seen.slice(before)) {
      expect(JSON.stringify(s.rawHeaders)).not.toContain('+18888888888');
      expect(valuesOf(s, 'x-injected')).toEqual([]);
      expect(valuesOf(s, 'x-msisdn')).toEqual([MSISDN]);
    }
  });

  it('a session (CO) Get carries the identity, and its CDR says so', async () => {
    const session = await connect({ gateway: { host: '127.0.0.1', port: gw.addresses.co.port }, bind: { address: '127.0.0.1' } });
    try {
      const r = await session.get(`${origin}/echo?co=1`);
      expect(r.status).toBe(200);
    } finally {
      await session.disconnect();
    }
    expect(valuesOf(seen.at(-1)!, 'x-msisdn')).toEqual([MSISDN]);
    const line = (await cdrLines()).find((l) => typeof l.url === 'string' && (l.url as string).endsWith('/echo?co=1'));
    expect(line).toMatchObject({
      node: 'test-gw',
      kind: 'transaction',
      clientIp: '127.0.0.1',
      msisdn: MSISDN,
      imsi: IMSI,
      bearer: 'wsp-co',
      method: 'GET',
      url: `${origin}/echo?co=1`,
      upstreamStatus: 200,
      wspStatus: 0x20,
      bytesUp: 0,
      outcome: 'ok',
    });
    expect(typeof line!.sessionId).toBe('number');
    expect(line!.bytesDown as number).toBeGreaterThan(0);
    expect(typeof line!.clientPort).toBe('number');
    expect(line!.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it('a CL Post of an m-send-req: forwarded with identity, CDR with the base fields', async () => {
    const c = cl();
    try {
      const r = await c.post(`${origin}/mms`, MMS, sendReq);
      expect(r.status).toBe(200);
      expect(r.body.equals(sendConf)).toBe(true);
    } finally {
      await c.close();
    }
    const s = seen.at(-1)!;
    expect(s.url).toBe('/mms');
    expect(valuesOf(s, 'x-msisdn')).toEqual([MSISDN]);
    const line = (await cdrLines()).find((l) => l.url === `${origin}/mms`);
    expect(line).toMatchObject({
      bearer: 'wsp-cl',
      method: 'POST',
      msisdn: MSISDN,
      imsi: IMSI,
      upstreamStatus: 200,
      wspStatus: 0x20,
      bytesUp: sendReq.length,
      bytesDown: sendConf.length,
      outcome: 'ok',
    });
  });

  it('the CL Post CDR carries the MMS summary (type, Transaction-Id, Message-ID from the m-send-conf, recipients)', async () => {
    const line = (await cdrLines()).find((l) => l.url === `${origin}/mms`);
    expect(line?.mms).toEqual({ messageType: 'm-send-req', transactionId: 'T-77', messageId: 'MID-4711', recipients: 3 });
  });

  it('a PAP push to the subscriber\'s MSISDN reaches the address RADIUS gave it, with a push CDR', async () => {
    const handset = createSocket('udp4');
    await new Promise<void>((r) => handset.bind(0, '127.0.0.1', () => r()));
    const got: Buffer[] = [];
    handset.on('message', (m) => got.push(m));
    const transport = await udpPushTransport('127.0.0.1');
    const handsetPort = (handset.address() as AddressInfo).port;
    const ppg = createPpg({ pushPort: handsetPort }, { transport, resolveMsisdn: (m) => map.ipForMsisdn(m), charging: cdrs });
    try {
      const pap = await ppg.listen(0, '127.0.0.1');
      const b = 'identity-test-boundary';
      const notification = encodeMms({
        messageType: 'm-notification-ind',
        headers: { transactionId: 'N-1', mmsVersion: '1.2', messageClass: 'Personal', messageSize: 1000, expiry: { relative: 3600 }, contentLocation: `${origin}/m/1` },
      });
      const control =
        '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">' +
        `<pap><push-message push-id="id-push-1"><address address-value="WAPPUSH=${MSISDN}/TYPE=PLMN@ppg"/>` +
        '<quality-of-service delivery-method="unconfirmed"/></push-message></pap>';
      const body = Buffer.concat([
        Buffer.from(`--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${b}\r\nContent-Type: ${MMS}\r\nX-Wap-Application-Id: x-wap-application:mms.ua\r\n\r\n`),
        notification,
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
      const res = await fetch(`http://127.0.0.1:${pap.port}/wappush`, {
        method: 'POST',
        body: new Uint8Array(body),
        headers: { 'content-type': `multipart/related; boundary=${b}; type="application/xml"` },
      });
      expect(res.status).toBeLessThan(300);
      const until = Date.now() + 5000;
      let line: Record<string, unknown> | undefined;
      while (!line && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
        line = (await cdrLines()).find((l) => l.kind === 'push');
      }
      expect(got.length).toBeGreaterThan(0);
      expect(line).toMatchObject({ kind: 'push', bearer: 'push-ip', clientIp: '127.0.0.1', clientPort: handsetPort, msisdn: MSISDN, bytesUp: 0 });
      expect(line!.bytesDown as number).toBeGreaterThan(0);
    } finally {
      await ppg.close();
      await transport.close();
      handset.close();
    }
  });

  it('after radclient Stop the upstream hears no MSISDN', async () => {
    const stop = await radclient(
      radius.address!.port,
      SECRET,
      `Acct-Status-Type = Stop, Framed-IP-Address = 127.0.0.1, Calling-Station-Id = "${MSISDN}", Acct-Session-Id = "gw1"`,
    );
    expect(stop.answered, stop.out).toBe(true);
    const c = cl();
    try {
      expect((await c.get(`${origin}/echo?after=stop`, [{ name: 'X-MSISDN', value: MSISDN }])).status).toBe(200);
    } finally {
      await c.close();
    }
    const s = seen.at(-1)!;
    expect(s.url).toBe('/echo?after=stop');
    expect(valuesOf(s, 'x-msisdn')).toEqual([]);
    expect(valuesOf(s, 'x-imsi')).toEqual([]);
    const line = (await cdrLines()).find((l) => l.url === `${origin}/echo?after=stop`);
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('msisdn');
  });

  it('a denied client gets no service; an over-rate client gets 503', async () => {
    const before = seen.length;
    const denied = cl('127.0.0.66', 1500);
    try {
      await expect(denied.get(`${origin}/echo?denied=1`)).rejects.toBeInstanceOf(WspTimeoutError);
    } finally {
      await denied.close();
    }
    expect(seen.slice(before).some((s) => s.url.includes('denied'))).toBe(false);

    const busy = cl('127.0.0.3');
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 32; i++) statuses.push((await busy.get(`${origin}/echo?n=${i}`)).status);
    } finally {
      await busy.close();
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30)).toEqual([503, 503]);
    const limited = (await cdrLines()).filter((l) => l.clientIp === '127.0.0.3' && l.outcome === 'rate-limited');
    expect(limited).toHaveLength(2);
  }, 60_000);
});
