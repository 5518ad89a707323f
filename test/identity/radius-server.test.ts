/**
 * The accounting server on a real UDP socket, fed with packets built by the npm `radius` library and with
 * hand-broken ones. Nothing invalid is answered or applied; every drop is counted by reason.
 */
import fc from 'fast-check';
import radius from 'radius';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkAccountingRequest, extractAccounting } from '../../src/identity/radius-packet.ts';
import { createRadiusAccountingServer, type RadiusAccountingServer } from '../../src/identity/radius-server.ts';
import { createSubscriberMap, type SubscriberMap } from '../../src/identity/subscriber-map.ts';
import { acctRequest, settle, UdpPeer, vsa3gpp } from './radius-support.ts';

const SECRET = 'testing123';
const start = (ip: string, msisdn: string, session: string, extra: Array<[string | number, ...unknown[]]> = []) =>
  acctRequest(SECRET, [
    ['Acct-Status-Type', 'Start'],
    ['Framed-IP-Address', ip],
    ['Calling-Station-Id', msisdn],
    ['Acct-Session-Id', session],
    ...extra,
  ]);

describe('RADIUS packet checks (pure)', () => {
  it('extracts addresses, MSISDN, IMSI and 3GPP VSAs', () => {
    const imsi = Buffer.from('001010123456789');
    const pkt = acctRequest(SECRET, [
      ['Acct-Status-Type', 'Interim-Update'],
      ['Framed-IP-Address', '10.1.2.3'],
      [97, Buffer.from([0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2])],
      ['Calling-Station-Id', '+15550001234'],
      ['Called-Station-Id', 'mms.example'],
      ['NAS-IP-Address', '192.0.2.1'],
      vsa3gpp([
        [1, imsi],
        [2, Buffer.from([0, 0, 1, 0])],
        [20, Buffer.from('3534560123456701')],
        [21, Buffer.from([6])],
        [22, Buffer.from('8200f110', 'hex')],
      ]),
    ]);
    const s = checkAccountingRequest(pkt);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    const x = extractAccounting(s.packet, s.attrs);
    expect(x.ok && x.info).toMatchObject({
      statusType: 3,
      framedIp: '10.1.2.3',
      framedIpv6Prefix: '2001:db8:1:2::/64',
      callingStationId: '+15550001234',
      calledStationId: 'mms.example',
      nasIp: '192.0.2.1',
      imsi: '001010123456789',
      threeGpp: { chargingId: 256, imeisv: '3534560123456701', ratType: 6, userLocationInfo: '8200f110' },
    });
  });

  it('names the reason for each kind of broken packet', () => {
    const good = start('10.0.0.1', '+15550001234', 's');
    const patched = (f: (b: Buffer) => Buffer) => checkAccountingRequest(f(Buffer.from(good)));
    const reason = (r: ReturnType<typeof checkAccountingRequest>) => (r.ok ? 'ok' : r.reason);
    expect(reason(patched((b) => b))).toBe('ok');
    expect(reason(patched((b) => Buffer.concat([b, Buffer.alloc(30)])))).toBe('ok'); // padding past Length is ignored
    expect(reason(patched((b) => b.subarray(0, 19)))).toBe('too-short');
    expect(reason(patched((b) => b.subarray(0, b.length - 1)))).toBe('truncated');
    expect(reason(patched((b) => (b.writeUInt16BE(19, 2), b)))).toBe('bad-length');
    expect(reason(patched((b) => (b.writeUInt16BE(5000, 2), b)))).toBe('bad-length');
    expect(reason(patched((b) => ((b[0] = 1), b)))).toBe('wrong-code');
    expect(reason(patched((b) => ((b[0] = 5), b)))).toBe('wrong-code');
    expect(reason(patched((b) => ((b[21] = 0), b)))).toBe('attribute-length');
    expect(reason(patched((b) => ((b[21] = 1), b)))).toBe('attribute-length');
    expect(reason(patched((b) => ((b[21] = 200), b)))).toBe('attribute-overflow');
    expect(reason(patched((b) => Buffer.concat([b.subarray(0, 2), Buffer.from([0, b.length + 1]), b.subarray(4), Buffer.from([1])]).subarray(0, b.length + 1)))).toBe(
      'attribute-overflow',
    );
    const badVsa = acctRequest(SECRET, [['Acct-Status-Type', 'Start'], [26, Buffer.from([0, 0, 0x28, 0xaf, 1, 0])]]);
    expect(reason(checkAccountingRequest(badVsa))).toBe('bad-vsa');
    const noType = checkAccountingRequest(acctRequest(SECRET, [['Framed-IP-Address', '10.0.0.1']]));
    expect(noType.ok && extractAccounting(noType.packet, noType.attrs)).toEqual({ ok: false, reason: 'no-status-type' });
    const placeholder = checkAccountingRequest(acctRequest(SECRET, [['Acct-Status-Type', 'Start'], ['Framed-IP-Address', '255.255.255.254']]));
    const ph = placeholder.ok ? extractAccounting(placeholder.packet, placeholder.attrs) : undefined;
    expect(ph?.ok && ph.info.statusType).toBe(1);
    expect(ph?.ok && ph.info.framedIp).toBeUndefined();
    const wide = checkAccountingRequest(acctRequest(SECRET, [['Acct-Status-Type', 'Start'], [97, Buffer.from([0, 16, 0x20, 0x01])]]));
    const wx = wide.ok ? extractAccounting(wide.packet, wide.attrs) : undefined;
    expect(wx?.ok && wx.info.framedIpv6Prefix).toBeUndefined();
    expect(wx?.ok).toBe(true);
    const shortIp = checkAccountingRequest(acctRequest(SECRET, [['Acct-Status-Type', 'Start'], [8, Buffer.from([10, 0, 0])]]));
    expect(shortIp.ok && extractAccounting(shortIp.packet, shortIp.attrs)).toEqual({ ok: false, reason: 'bad-attribute-value' });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asRequest) => {
        const b = Buffer.from(bytes);
        if (asRequest && b.length >= 4) {
          b[0] = 4;
          b.writeUInt16BE(Math.min(b.length, 4096), 2);
        }
        const s = checkAccountingRequest(b);
        if (s.ok) extractAccounting(s.packet, s.attrs);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('RADIUS accounting server (UDP)', () => {
  let map: SubscriberMap;
  let srv: RadiusAccountingServer;
  let peer: UdpPeer;
  let port: number;

  beforeAll(async () => {
    map = createSubscriberMap();
    srv = createRadiusAccountingServer({ port: 0, secret: SECRET }, map);
    await srv.start();
    port = srv.address!.port;
    peer = await UdpPeer.open();
  });
  afterAll(async () => {
    await peer.close();
    await srv.stop();
  });
  afterEach(() => {
    peer.answers.length = 0;
  });

  it('answers a valid Start with an Accounting-Response the library verifies, and applies it', async () => {
    const req = start('10.0.0.1', '+15550001234', 's1', [vsa3gpp([[1, Buffer.from('001010123456789')]])]);
    await peer.send(req, port);
    const [res] = await peer.waitFor(1);
    expect(res).toBeDefined();
    expect(res![0]).toBe(5);
    expect(res![1]).toBe(7);
    expect(radius.verify_response({ request: req, response: Buffer.from(res!), secret: SECRET })).toBe(true);
    expect(map.lookup('10.0.0.1')).toEqual({ msisdn: '+15550001234', imsi: '001010123456789' });
  });

  it('answers a retransmission from the cache without applying it again', async () => {
    const req = start('10.0.0.2', '+15550002222', 's2');
    await peer.send(req, port);
    await peer.waitFor(1);
    map.unbind('10.0.0.2'); // if the duplicate were re-applied, the binding would come back
    const before = srv.counters.starts;
    await peer.send(req, port);
    const answers = await peer.waitFor(2);
    expect(answers).toHaveLength(2);
    expect(answers[1]!.equals(answers[0]!)).toBe(true);
    expect(srv.counters.duplicates).toBe(1);
    expect(srv.counters.starts).toBe(before);
    expect(map.lookup('10.0.0.2')).toBeUndefined();
  });

  it('drops a wrong secret, broken packets and a flood without answering or touching the map', async () => {
    const size = map.size;
    const snapshot = JSON.stringify(map.record('10.0.0.1'));
    const wrong = acctRequest('not-the-secret', [
      ['Acct-Status-Type', 'Start'],
      ['Framed-IP-Address', '10.0.0.1'],
      ['Calling-Station-Id', '+19990000000'],
    ]);
    const good = start('10.0.0.1', '+19990000000', 'evil');
    const mutate = (f: (b: Buffer) => void) => {
      const b = Buffer.from(good);
      f(b);
      return b;
    };
    const bad: Array<[Buffer, string]> = [
      [wrong, 'bad-authenticator'],
      [good.subarray(0, good.length - 3), 'truncated'],
      [good.subarray(0, 12), 'too-short'],
      [mutate((b) => (b[0] = 1)), 'wrong-code'],
      [mutate((b) => (b[21] = 0)), 'attribute-length'],
      [mutate((b) => (b[21] = 250)), 'attribute-overflow'],
      [mutate((b) => (b[30] ^= 1)), 'bad-authenticator'], // tampered attribute
      [mutate((b) => (b[5] ^= 1)), 'bad-authenticator'], // tampered authenticator
    ];
    for (const [b] of bad) await peer.send(b, port);
    await settle(200);
    for (const [, reason] of bad) expect(srv.counters.dropped[reason as 'truncated']).toBeGreaterThan(0);
    expect(srv.counters.dropped['bad-authenticator']).toBe(3);
    // A flood of 10,000 datagrams: random bytes and near-valid packets.
    const rnd = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 200 }), { numRuns: 5000, seed: 42 });
    const received = srv.counters.received;
    // Sent in bursts of 100 so the receive buffer, not the server, is what the test measures.
    for (let i = 0; i < 10_000; i++) {
      const b = i % 2 ? Buffer.from(rnd[i >> 1]!) : mutate((x) => (x[20 + (i % (x.length - 20))] = i & 0xff));
      await peer.send(b, port);
      if (i % 100 === 99) {
        const until = Date.now() + 500;
        while (srv.counters.received < received + i + 1 && Date.now() < until) await settle(2);
      }
    }
    const end = Date.now() + 10_000;
    while (srv.counters.received < received + 10_000 && Date.now() < end) await settle(50);
    expect(srv.counters.received - received).toBeGreaterThan(9_000); // loopback may drop a few under load
    const droppedTotal = Object.values(srv.counters.dropped).reduce((a, b) => a + b, 0);
    expect(droppedTotal).toBeGreaterThanOrEqual(srv.counters.received - received);
    expect(peer.answers).toHaveLength(0);
    expect(map.size).toBe(size);
    expect(JSON.stringify(map.record('10.0.0.1'))).toBe(snapshot);
    // Still serving.
    await peer.send(start('10.0.0.3', '+15550003333', 's3'), port);
    expect(await peer.waitFor(1)).toHaveLength(1);
    expect(map.lookup('10.0.0.3')?.msisdn).toBe('+15550003333');
  }, 60_000);

  it('unbinds the address when a Start carries no usable MSISDN', async () => {
    map.bind('10.0.0.4', { msisdn: '+15550004444', sessionId: 'old' });
    await peer.send(
      acctRequest(SECRET, [
        ['Acct-Status-Type', 'Start'],
        ['Framed-IP-Address', '10.0.0.4'],
        ['Calling-Station-Id', 'not a number'],
        ['Acct-Session-Id', 'new'],
      ]),
      port,
    );
    expect(await peer.waitFor(1)).toHaveLength(1);
    expect(map.lookup('10.0.0.4')).toBeUndefined();
    expect(srv.counters.ignored.badMsisdn).toBe(1);
  });

  it('ignores a late Interim-Update of a stopped session', async () => {
    const common: Array<[string, unknown]> = [['Framed-IP-Address', '10.0.0.5'], ['Calling-Station-Id', '+15550005555'], ['Acct-Session-Id', 's5']];
    await peer.send(acctRequest(SECRET, [['Acct-Status-Type', 'Start'], ...common], 1), port);
    await peer.send(acctRequest(SECRET, [['Acct-Status-Type', 'Stop'], ...common], 2), port);
    await peer.send(acctRequest(SECRET, [['Acct-Status-Type', 'Interim-Update'], ...common], 3), port);
    expect(await peer.waitFor(3)).toHaveLength(3);
    expect(map.lookup('10.0.0.5')).toBeUndefined();
    expect(srv.counters.ignored.staleInterim).toBe(1);
  });
});

describe('RADIUS server options', () => {
  it('rate-limits a source and serves only configured clients', async () => {
    const map = createSubscriberMap();
    let t = 0;
    const srv = createRadiusAccountingServer(
      { port: 0, secret: '', clients: [{ cidr: '127.0.0.0/8', secret: SECRET }], maxRequestsPerSecond: 10, burst: 5, now: () => t },
      map,
    );
    await srv.start();
    const peer = await UdpPeer.open();
    for (let i = 0; i < 8; i++) await peer.send(start(`10.1.0.${i}`, `+1555000100${i}`, `r${i}`), srv.address!.port);
    await peer.waitFor(5);
    await settle(100);
    expect(peer.answers).toHaveLength(5);
    expect(srv.counters.dropped['rate-limited']).toBe(3);
    await peer.close();
    await srv.stop();
    const warned: string[] = [];
    const pinoLike = { info: () => undefined, warn: (o: object, m?: string) => warned.push(`${m} ${JSON.stringify(o)}`) };
    const other = createRadiusAccountingServer({ port: 0, secret: '', clients: [{ cidr: '10.0.0.0/8', secret: SECRET }], log: pinoLike }, map);
    await other.start();
    const p2 = await UdpPeer.open();
    await p2.send(start('10.2.0.1', '+15550002001', 'x'), other.address!.port);
    await settle(150);
    expect(p2.answers).toHaveLength(0);
    expect(other.counters.dropped['unknown-client']).toBe(1);
    expect(warned.join()).toMatch(/radius request dropped.*unknown-client/);
    await p2.close();
    await other.stop();
    expect(() => createRadiusAccountingServer({ port: 0 }, map)).toThrow(/secret/);
  });
});

describe('RADIUS forwarding (library-checked upstream)', () => {
  /** An upstream that checks our forwarded request with the npm library and answers when told to. */
  async function upstream(secret: string) {
    const { createSocket } = await import('node:dgram');
    const sock = createSocket('udp4');
    const got: Array<{ decoded: ReturnType<typeof radius.decode>; reply: () => void }> = [];
    const bad: unknown[] = [];
    sock.on('message', (m, r) => {
      try {
        const decoded = radius.decode({ packet: Buffer.from(m), secret }); // throws on a bad authenticator
        got.push({ decoded, reply: () => sock.send(radius.encode_response({ packet: decoded, code: 'Accounting-Response', secret }), r.port, r.address) });
      } catch (e) {
        bad.push(e);
      }
    });
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    return { port: sock.address().port, got, bad, close: () => new Promise<void>((res) => sock.close(() => res())) };
  }

  it('waits for the upstream; a retransmission meanwhile is not forwarded twice', async () => {
    const up = await upstream('up-secret');
    const map = createSubscriberMap();
    const srv = createRadiusAccountingServer(
      { port: 0, secret: SECRET, upstream: { host: 'localhost', port: up.port, secret: 'up-secret', timeoutMs: 2000, retries: 0, waitForUpstream: true, maxOutstanding: 8 } },
      map,
    );
    await srv.start();
    const peer = await UdpPeer.open();
    try {
      const req = start('10.3.0.1', '+15550300001', 'w1', [vsa3gpp([[1, Buffer.from('001010000300001')]])]);
      await peer.send(req, srv.address!.port);
      const until = Date.now() + 2000;
      while (up.got.length === 0 && Date.now() < until) await settle(10);
      expect(up.got).toHaveLength(1);
      expect(up.bad).toHaveLength(0);
      expect(up.got[0]!.decoded.attributes).toMatchObject({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.3.0.1', 'Calling-Station-Id': '+15550300001' });
      expect(map.lookup('10.3.0.1')?.imsi).toBe('001010000300001'); // applied at once
      await peer.send(req, srv.address!.port); // the NAS retransmits before the upstream answered
      await settle(100);
      expect(peer.answers).toHaveLength(0);
      expect(srv.counters.duplicatesInFlight).toBe(1);
      expect(up.got).toHaveLength(1);
      up.got[0]!.reply();
      const [res] = await peer.waitFor(1);
      expect(radius.verify_response({ request: req, response: Buffer.from(res!), secret: SECRET })).toBe(true);
      await peer.send(req, srv.address!.port); // and now a retransmission is answered from the cache
      expect(await peer.waitFor(2)).toHaveLength(2);
      expect(srv.counters.upstream).toMatchObject({ forwarded: 1, answered: 1, badResponses: 0 });
    } finally {
      await peer.close();
      await srv.stop();
      await up.close();
    }
  });

  it('answers at once and forwards in the background when told not to wait', async () => {
    const up = await upstream('up-secret');
    const srv = createRadiusAccountingServer(
      { port: 0, secret: SECRET, upstream: { host: '127.0.0.1', port: up.port, secret: 'up-secret', timeoutMs: 100, retries: 1, waitForUpstream: false, maxOutstanding: 8 } },
      createSubscriberMap(),
    );
    await srv.start();
    const peer = await UdpPeer.open();
    try {
      await peer.send(start('10.3.0.2', '+15550300002', 'w2'), srv.address!.port);
      expect(await peer.waitFor(1)).toHaveLength(1);
      const until = Date.now() + 2000;
      while ((srv.counters.upstream?.timeouts ?? 0) === 0 && Date.now() < until) await settle(20);
      // Never answered upstream: retransmitted once, then given up — the NAS was answered all the same.
      expect(up.got.length).toBe(2);
      expect(srv.counters.upstream).toMatchObject({ forwarded: 1, retransmissions: 1, timeouts: 1 });
    } finally {
      await peer.close();
      await srv.stop();
      await up.close();
    }
  });
});
