/**
 * FreeRADIUS's radclient (Debian freeradius-utils) — the RADIUS client operators use — against wapgate's
 * accounting server: Start / Interim-Update / Stop change the subscriber map, every valid request gets an
 * Accounting-Response radclient accepts (it verifies the Response Authenticator and Message-Authenticator),
 * a wrong secret gets nothing. Forwarding is checked end to end: radclient → wapgate A → wapgate B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRadiusAccountingServer, type RadiusAccountingServer } from '../../src/identity/radius-server.ts';
import { createSubscriberMap, type SubscriberMap } from '../../src/identity/subscriber-map.ts';
import { radclient } from '../identity/radius-support.ts';
import { toolAvailable } from '../support/tools.ts';

const SECRET = 'testing123';

const have = toolAvailable('radclient');

describe.skipIf(!have)('radclient → wapgate RADIUS accounting', () => {
  let map: SubscriberMap;
  let srv: RadiusAccountingServer;
  let port: number;

  beforeAll(async () => {
    map = createSubscriberMap();
    srv = createRadiusAccountingServer({ port: 0, bind: '127.0.0.1', secret: SECRET }, map);
    await srv.start();
    port = srv.address!.port;
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('Start, Interim-Update and Stop: answered, and the map follows', async () => {
    const base = 'Framed-IP-Address = 127.0.0.5, Calling-Station-Id = "+15550001234", User-Name = "x", Acct-Session-Id = "s1"';
    const s = await radclient(
      port,
      SECRET,
      `Acct-Status-Type = Start, ${base}, 3GPP-IMSI = "001010123456789", 3GPP-RAT-Type = UTRAN, 3GPP-Charging-ID = 77, 3GPP-IMEISV = "3534560123456701", Called-Station-Id = "mms.example", NAS-IP-Address = 192.0.2.1`,
    );
    expect(s.answered, s.out).toBe(true);
    expect(s.code).toBe(0);
    expect(map.lookup('127.0.0.5')).toEqual({ msisdn: '+15550001234', imsi: '001010123456789' });
    expect(map.record('127.0.0.5')).toMatchObject({
      sessionId: 's1',
      nas: '192.0.2.1',
      apn: 'mms.example',
      userName: 'x',
      threeGpp: { ratType: 1, chargingId: 77, imeisv: '3534560123456701' },
    });
    expect(map.ipForMsisdn('+15550001234')).toBe('127.0.0.5');

    const i = await radclient(port, SECRET, `Acct-Status-Type = Interim-Update, ${base}, NAS-IP-Address = 192.0.2.1, Acct-Session-Time = 60`);
    expect(i.answered, i.out).toBe(true);
    expect(map.lookup('127.0.0.5')?.msisdn).toBe('+15550001234');

    const p = await radclient(port, SECRET, `Acct-Status-Type = Stop, ${base}, NAS-IP-Address = 192.0.2.1, Acct-Session-Time = 90`);
    expect(p.answered, p.out).toBe(true);
    expect(map.lookup('127.0.0.5')).toBeUndefined();
    expect(map.ipForMsisdn('+15550001234')).toBeUndefined();
    expect(srv.counters).toMatchObject({ starts: 1, interims: 1, stops: 1 });
  });

  it('a wrong secret gets no answer, a counter, and no change', async () => {
    await radclient(port, SECRET, 'Acct-Status-Type = Start, Framed-IP-Address = 127.0.0.6, Calling-Station-Id = "+15550006666", Acct-Session-Id = "s6"');
    const before = srv.counters.dropped['bad-authenticator'];
    const r = await radclient(
      port,
      'wrong-secret',
      'Acct-Status-Type = Start, Framed-IP-Address = 127.0.0.6, Calling-Station-Id = "+19990000000", Acct-Session-Id = "evil"',
      ['-r', '1', '-t', '0.5'],
    );
    expect(r.answered, r.out).toBe(false);
    expect(r.code).not.toBe(0);
    expect(srv.counters.dropped['bad-authenticator']).toBeGreaterThan(before);
    expect(map.lookup('127.0.0.6')?.msisdn).toBe('+15550006666');
  });

  it('verifies and answers a Message-Authenticator the way radclient checks it', async () => {
    const r = await radclient(
      port,
      SECRET,
      'Acct-Status-Type = Start, Framed-IP-Address = 127.0.0.7, Calling-Station-Id = "+15550007777", Acct-Session-Id = "s7", Message-Authenticator = 0x00',
    );
    expect(r.answered, r.out).toBe(true);
    expect(r.out).toMatch(/Received Accounting-Response[\s\S]*Message-Authenticator/);
    expect(r.out).not.toMatch(/invalid|mismatch|failed/i);
    expect(map.lookup('127.0.0.7')?.msisdn).toBe('+15550007777');
  });

  it('maps a Framed-IPv6-Prefix and keeps a reassigned address from its old holder', async () => {
    const v6 = await radclient(
      port,
      SECRET,
      'Acct-Status-Type = Start, Framed-IPv6-Prefix = 2001:db8:1:2::/64, Calling-Station-Id = "+15550008888", Acct-Session-Id = "s8"',
    );
    expect(v6.answered, v6.out).toBe(true);
    expect(map.lookup('2001:db8:1:2::1234')?.msisdn).toBe('+15550008888');

    await radclient(port, SECRET, 'Acct-Status-Type = Start, Framed-IP-Address = 127.0.0.9, Calling-Station-Id = "+15550009991", Acct-Session-Id = "a", 3GPP-IMSI = "001010000009991"');
    await radclient(port, SECRET, 'Acct-Status-Type = Start, Framed-IP-Address = 127.0.0.9, Calling-Station-Id = "+15550009992", Acct-Session-Id = "b"');
    expect(map.lookup('127.0.0.9')).toEqual({ msisdn: '+15550009992' });
    // The first holder's Stop arrives late: it names another session and changes nothing.
    const late = await radclient(port, SECRET, 'Acct-Status-Type = Stop, Framed-IP-Address = 127.0.0.9, Calling-Station-Id = "+15550009991", Acct-Session-Id = "a"');
    expect(late.answered).toBe(true);
    expect(map.lookup('127.0.0.9')).toEqual({ msisdn: '+15550009992' });
    expect(srv.counters.ignored.stopMismatch).toBeGreaterThan(0);
  });

  it('Accounting-On from a NAS drops its sessions', async () => {
    await radclient(port, SECRET, 'Acct-Status-Type = Start, Framed-IP-Address = 127.0.1.1, Calling-Station-Id = "+15550101011", Acct-Session-Id = "n1", NAS-Identifier = "ggsn-7"');
    expect(map.lookup('127.0.1.1')).toBeDefined();
    const on = await radclient(port, SECRET, 'Acct-Status-Type = Accounting-On, NAS-Identifier = "ggsn-7"');
    expect(on.answered, on.out).toBe(true);
    expect(map.lookup('127.0.1.1')).toBeUndefined();
  });
});

describe.skipIf(!have)('radclient over IPv6', () => {
  it('a server bound to ::1 maps a Framed-IPv6-Address', async (ctx) => {
    const map = createSubscriberMap();
    const srv = createRadiusAccountingServer({ port: 0, bind: '::1', secret: SECRET }, map);
    try {
      await srv.start();
    } catch {
      ctx.skip(); // no IPv6 loopback on this machine
      return;
    }
    try {
      const r = await radclient(srv.address!.port, SECRET, 'Acct-Status-Type = Start, Framed-IPv6-Address = 2001:db8::77, Calling-Station-Id = "+15550007777", Acct-Session-Id = "v6"', [], '::1');
      expect(r.answered, r.out).toBe(true);
      expect(map.lookup('2001:db8::77')?.msisdn).toBe('+15550007777');
      expect(map.ipForMsisdn('+15550007777')).toBe('2001:db8::77');
      expect(map.record('2001:db8::77')?.nas).toBe('::1');
    } finally {
      await srv.stop();
    }
  });
});

describe.skipIf(!have)('radclient → wapgate A → upstream wapgate B (forwarding)', () => {
  it('answers the NAS only after the upstream answered; no upstream, no answer', async () => {
    const mapB = createSubscriberMap();
    const b = createRadiusAccountingServer({ port: 0, secret: 'upstream-secret' }, mapB);
    await b.start();
    const mapA = createSubscriberMap();
    const a = createRadiusAccountingServer(
      {
        port: 0,
        secret: SECRET,
        upstream: { host: '127.0.0.1', port: b.address!.port, secret: 'upstream-secret', timeoutMs: 300, retries: 1, waitForUpstream: true, maxOutstanding: 64 },
      },
      mapA,
    );
    await a.start();
    try {
      const r = await radclient(
        a.address!.port,
        SECRET,
        'Acct-Status-Type = Start, Framed-IP-Address = 127.0.2.1, Calling-Station-Id = "+15550202021", Acct-Session-Id = "f1", 3GPP-IMSI = "001010000202021"',
      );
      expect(r.answered, r.out).toBe(true);
      // B checked A's signature with its own secret (B's check is the one radclient vouches for above).
      expect(mapB.lookup('127.0.2.1')).toEqual({ msisdn: '+15550202021', imsi: '001010000202021' });
      expect(mapA.lookup('127.0.2.1')).toEqual({ msisdn: '+15550202021', imsi: '001010000202021' });
      expect(a.counters.upstream).toMatchObject({ forwarded: 1, answered: 1, timeouts: 0 });

      await b.stop();
      const lost = await radclient(
        a.address!.port,
        SECRET,
        'Acct-Status-Type = Stop, Framed-IP-Address = 127.0.2.1, Calling-Station-Id = "+15550202021", Acct-Session-Id = "f1"',
        ['-r', '1', '-t', '1'],
      );
      expect(lost.answered, lost.out).toBe(false);
      expect(a.counters.upstream!.timeouts).toBeGreaterThan(0);
      expect(a.counters.upstream!.retransmissions).toBeGreaterThan(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
