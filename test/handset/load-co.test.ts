/**
 * The light CO load phones (src/handset/load-co.ts) against our own WTP responder and WSP session server over
 * loopback UDP: Connect, Get with a one-packet Result, a 6,000-octet Result in two SAR groups (group Acks with the
 * PSN TPI), a 2,000-octet Post sent as a segmented Invoke, a lossy link (retransmission and Nack paths), and the
 * Disconnect at close. Every datagram the phones send is decoded by the codec: the hand-built Acks must be valid.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/handset/load.ts';
import { SessionServer, type SessionTx } from '../../src/wsp/session.ts';
import { decodeWtpDatagram, type WtpPdu } from '../../src/wtp/pdu.ts';
import { WtpResponder } from '../../src/wtp/responder.ts';
import type { ResponderTransaction } from '../../src/wtp/types.ts';

interface Rig {
  port: number;
  fromPhones: WtpPdu[];
  methods: string[];
  disconnects: number;
  close(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

/** Our responder + session server on a loopback socket; `drop(n)` loses the n-th datagram the gateway sends. */
async function gateway(body: (uri: string) => Buffer, drop: (n: number) => boolean = () => false): Promise<Rig> {
  const sock = dgram.createSocket('udp4');
  const fromPhones: WtpPdu[] = [];
  const methods: string[] = [];
  const rig: Rig = { port: 0, fromPhones, methods, disconnects: 0, close: () => new Promise((r) => sock.close(() => r())) };
  const sessions = new SessionServer(
    { maxSessions: 100, idleTimeoutMs: 60_000, suspendedTimeoutMs: 60_000, capabilities: { methodMor: 1 } },
    {
      method: async (pdu, ctx) => {
        methods.push(`${pdu.method} ${pdu.uri} ${pdu.type === 'Post' ? pdu.data.length : 0}`);
        return ctx.encode({ type: 'Reply', status: 0x20, contentType: { type: 'application/octet-stream', params: [] }, headers: [], data: body(pdu.uri) });
      },
    },
    { disconnected: (_s, why) => void (why === 'disconnect' && rig.disconnects++) },
  );
  let sent = 0;
  const wtp = new WtpResponder({
    transport: { send: (d, p) => void (drop(++sent) || sock.send(d, p.port, p.address)) },
    timers: { retryIntervalMs: 50, ackIntervalMs: 50 },
    user: {
      invoke: (tx: ResponderTransaction, data, info) => sessions.invoke(tx as SessionTx, data, info),
      abort: (tx: ResponderTransaction) => sessions.aborted(tx as SessionTx),
      resultConfirmed: (tx: ResponderTransaction) => sessions.resultConfirmed(tx as SessionTx),
    },
  });
  sock.on('message', (m, from) => {
    fromPhones.push(...decodeWtpDatagram(m));
    wtp.receive(m, { address: from.address, port: from.port });
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  rig.port = sock.address().port;
  rigs.push(rig);
  return rig;
}

const big = Buffer.from(Array.from({ length: 6000 }, (_, i) => i & 0xff));

describe('light CO load phones', () => {
  it('Connect once per phone, Gets on the session, Disconnect at close', async () => {
    const g = await gateway(() => Buffer.from('ok'));
    const r = await runLoad({ gateway: { host: '127.0.0.1', port: g.port }, mode: 'co', url: 'http://x/mms', phones: 3, count: 30 });
    expect(r).toMatchObject({ requested: 30, ok: 30, non2xx: 0, errors: 0 });
    expect(r.cpuPer1000).toBeGreaterThan(0);
    expect(g.methods).toHaveLength(30);
    expect(g.fromPhones.filter((p) => p.type === 'Invoke' && p.class === 2)).toHaveLength(33); // 3 Connects + 30 Gets
    await new Promise((res) => setTimeout(res, 50));
    expect(g.disconnects).toBe(3);
  });

  it('a 6,000-octet Result in SAR groups: each group trailer acknowledged with its PSN', async () => {
    const g = await gateway(() => big);
    const r = await runLoad({ gateway: { host: '127.0.0.1', port: g.port }, mode: 'co', url: 'http://x/big', phones: 2, count: 6 });
    expect(r).toMatchObject({ ok: 6, errors: 0 });
    await new Promise((res) => setTimeout(res, 50)); // the last Acks are still on their way
    const psnAcks = g.fromPhones.filter((p) => p.type === 'Ack' && p.tpis.some((t) => t.type === 'PSN'));
    // 1400-octet segments, groups of 3: 5 packets → trailers at PSN 2 and 4, per transaction.
    const psns = psnAcks.map((p) => (p.tpis.find((t) => t.type === 'PSN') as { psn: number }).psn);
    expect(psns.filter((p) => p === 2)).toHaveLength(6);
    expect(psns.filter((p) => p === 4)).toHaveLength(6);
  });

  it('a 2,000-octet Post goes as a segmented Invoke and arrives whole', async () => {
    const g = await gateway(() => Buffer.from('ok'));
    const r = await runLoad({ gateway: { host: '127.0.0.1', port: g.port }, mode: 'co', url: 'http://x/mms', phones: 2, count: 4, postBody: Buffer.alloc(2000, 0x41) });
    expect(r).toMatchObject({ ok: 4, errors: 0 });
    expect(g.methods.every((m) => m === 'POST http://x/mms 2000')).toBe(true);
    expect(g.fromPhones.some((p) => p.type === 'SegmentedInvoke')).toBe(true);
  });

  it('a lossy gateway: lost Results and segments are recovered (retransmission, Nack), nothing fails', async () => {
    const g = await gateway(() => big, (n) => n % 7 === 3);
    const r = await runLoad({ gateway: { host: '127.0.0.1', port: g.port }, mode: 'co', url: 'http://x/big', phones: 2, count: 10, timeoutMs: 100 });
    expect(r).toMatchObject({ ok: 10, errors: 0 });
    expect(g.fromPhones.some((p) => ('rid' in p && p.rid) || p.type === 'Nack')).toBe(true);
  });
});
