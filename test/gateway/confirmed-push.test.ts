/**
 * The gateway's confirmed-push initiator on its 9201 socket (src/gateway/confirmed-push.ts): which engine a
 * datagram goes to by the TID direction bit (WAP-224 §8.2.3), and S-ConfirmedPush over a session's WTP — the
 * Invoke to the session's client address, the client's Ack (direction bit set) settling it, refusals when no
 * session carries confirmed push.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { coRoute, NoPushSessionError, SessionPush, type PushSessions } from '../../src/gateway/confirmed-push.ts';
import { ackPdu } from '../../src/wtp/engine.ts';
import { FakeClock } from '../../src/wtp/clock.ts';
import { decodeWtpPdu, encodeConcatenated, encodeWtpPdu, type WtpPdu } from '../../src/wtp/pdu.ts';
import { WtpAbortError } from '../../src/wtp/types.ts';

const invoke = (tid: number): Buffer =>
  encodeWtpPdu({ type: 'Invoke', tid, tidResponse: false, rid: false, gtr: true, ttr: true, tidNew: false, uack: true, class: 2, version: 0, tpis: [], data: Buffer.from([0x40]) } as WtpPdu);
const ack = (tid: number, tidResponse: boolean): Buffer => encodeWtpPdu(ackPdu(tid, tidResponse));

describe('coRoute: the TID direction bit picks the engine', () => {
  it("a handset's Invoke and its Ack of our Result (bit clear) go to the responder", () => {
    expect(coRoute(invoke(5), false)).toBe('responder');
    expect(coRoute(invoke(5), true)).toBe('responder');
    expect(coRoute(ack(5, false), true)).toBe('responder');
  });

  it("the handset's Ack or Abort of our Invoke (bit set) goes to the initiator", () => {
    expect(coRoute(ack(7, true), false)).toBe('initiator');
    const abort = encodeWtpPdu({ type: 'Abort', tid: 7, tidResponse: true, abortType: 'User', reason: 0xeb, tpis: [], data: Buffer.alloc(0) } as WtpPdu);
    expect(coRoute(abort, true)).toBe('initiator');
  });

  it('a concatenated datagram reaches both engines while a push is outstanding, else by its first PDU', () => {
    const both = encodeConcatenated([ack(7, true), invoke(8)]);
    expect(coRoute(both, true)).toBe('both');
    expect(coRoute(both, false)).toBe('initiator');
    expect(coRoute(encodeConcatenated([invoke(8), ack(7, true)]), false)).toBe('responder');
  });

  it('what is too short to carry a TID stays with the responder (it answers what it can)', () => {
    expect(coRoute(Buffer.alloc(0), true)).toBe('responder');
    expect(coRoute(Buffer.from([0x18, 0x80]), true)).toBe('responder');
  });
});

describe('SessionPush: S-ConfirmedPush over the session', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });
  const sessionAt = (confirmedPush = true): PushSessions => ({
    connectedAt: (a) => (a === '10.0.0.7' ? { id: 42, peer: { address: '10.0.0.7', port: 40123 }, caps: { protocolOptions: { confirmedPush } } } : undefined),
  });
  function make(sessions: PushSessions) {
    const sent: { d: Buffer; to: string }[] = [];
    const clock = new FakeClock();
    const push = new SessionPush({ send: (d, p) => void sent.push({ d: Buffer.from(d), to: `${p.address}:${p.port}` }), sessions, clock, timers: { retryIntervalMs: 100, maxRetransmissions: 2 } });
    closers.push(() => push.close());
    return { push, sent, clock };
  }

  it("sends a class 1 Invoke with U/P to the session's client; the Ack with the direction bit settles it", async () => {
    const { push, sent } = make(sessionAt());
    const done = push.push('10.0.0.7', Buffer.from([0x07, 0x01, 0x81]));
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toBe('10.0.0.7:40123');
    const inv = decodeWtpPdu(sent[0]!.d);
    expect(inv).toMatchObject({ type: 'Invoke', class: 1, uack: true, tidResponse: false });
    expect(push.busy).toBe(true);
    // An Ack from another port of that address is not this transaction's.
    push.receive(ack(inv.tid, true), { address: '10.0.0.7', port: 9 });
    expect(push.busy).toBe(true);
    push.receive(ack(inv.tid, true), { address: '10.0.0.7', port: 40123 });
    await expect(done).resolves.toEqual({ address: '10.0.0.7', port: 40123 });
    expect(push.busy).toBe(false);
  });

  it('no session at that address, or one without confirmed push negotiated: NoPushSessionError, nothing sent', async () => {
    const a = make(sessionAt());
    await expect(a.push.push('10.0.0.8', Buffer.from([0x07]))).rejects.toBeInstanceOf(NoPushSessionError);
    const b = make(sessionAt(false));
    await expect(b.push.push('10.0.0.7', Buffer.from([0x07]))).rejects.toThrow(/did not negotiate confirmed push/);
    expect(a.sent.length + b.sent.length).toBe(0);
  });

  it("the client's Abort rejects with its reason; no Ack at all ends in a provider abort after the retries", async () => {
    const { push, sent, clock } = make(sessionAt());
    const refused = push.push('10.0.0.7', Buffer.from([0x07]));
    await Promise.resolve();
    const tid = decodeWtpPdu(sent[0]!.d).tid;
    push.receive(encodeWtpPdu({ type: 'Abort', tid, tidResponse: true, abortType: 'User', reason: 0xeb, tpis: [], data: Buffer.alloc(0) } as WtpPdu), { address: '10.0.0.7', port: 40123 });
    const e = await refused.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WtpAbortError);
    expect((e as WtpAbortError).reason).toMatchObject({ type: 'User', code: 0xeb, remote: true });

    const silent = push.push('10.0.0.7', Buffer.from([0x07]));
    const caught = silent.catch((x: unknown) => x);
    for (let i = 0; i < 10; i++) {
      await Promise.resolve();
      clock.advance(100);
    }
    expect(await caught).toBeInstanceOf(WtpAbortError);
    // The Invoke, its retransmissions (RID set), then nothing but an Abort telling the client it is over.
    const second = sent.slice(1).map((s) => decodeWtpPdu(s.d));
    const invokes = second.filter((p) => p.type === 'Invoke');
    expect(invokes.length).toBe(3);
    expect(invokes.slice(1).every((p) => p.type === 'Invoke' && p.rid)).toBe(true);
    expect(second.filter((p) => p.type !== 'Invoke').map((p) => p.type)).toEqual(second.length > 3 ? ['Abort'] : []);
  });

  it('pushes to one session go one at a time (Push-MOR): the second Invoke leaves after the first is acked', async () => {
    const { push, sent } = make(sessionAt());
    const one = push.push('10.0.0.7', Buffer.from([0x07, 1]));
    const two = push.push('10.0.0.7', Buffer.from([0x07, 2]));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(sent).toHaveLength(1);
    push.receive(ack(decodeWtpPdu(sent[0]!.d).tid, true), { address: '10.0.0.7', port: 40123 });
    await one;
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(sent).toHaveLength(2);
    push.receive(ack(decodeWtpPdu(sent[1]!.d).tid, true), { address: '10.0.0.7', port: 40123 });
    await expect(two).resolves.toMatchObject({ port: 40123 });
  });
});
