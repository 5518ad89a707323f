/**
 * The WSP session lifecycle on an injected clock (src/wsp/session.ts over src/wsp/session-table.ts): idle and
 * suspend expiry fire when the FakeClock says so, activity restarts the idle time, the bound evicts the least
 * recently used, and every session ends exactly once — with its reason, its methods aborted — whichever way.
 */
import { describe, expect, it } from 'vitest';
import { SessionServer, WSP_ABORT, type SessionEndReason, type SessionTx } from '../../src/wsp/session.ts';
import { decodeWspPdu, encodeWspPdu } from '../../src/wsp/pdu.ts';
import type { WspPdu } from '../../src/wsp/pdu-types.ts';
import { FakeClock } from '../../src/wtp/clock.ts';

class SpyTx implements SessionTx {
  done = false;
  results: Buffer[] = [];
  aborts: number[] = [];
  readonly maxResultSize = 1 << 20;
  constructor(
    readonly peer: { address: string; port: number },
    readonly cls: 0 | 1 | 2 = 2,
  ) {}
  get class(): 0 | 1 | 2 {
    return this.cls;
  }
  get peerKey(): string {
    return `${this.peer.address}|${this.peer.port}`;
  }
  result(d: Buffer): void {
    this.results.push(d);
    this.done = true;
  }
  abort(r: number): void {
    this.aborts.push(r);
    this.done = true;
  }
  ack(): void {}
}

const A = { address: '10.0.0.1', port: 1000 };
const B = { address: '10.0.0.2', port: 2000 };
const C = { address: '10.0.0.3', port: 3000 };
const IDLE = 60_000;
const SUSPENDED = 300_000;

function rig(maxSessions = 10) {
  const clock = new FakeClock(1000);
  const ended: [number, SessionEndReason][] = [];
  let release: (() => void) | undefined;
  const server = new SessionServer(
    { maxSessions, idleTimeoutMs: IDLE, suspendedTimeoutMs: SUSPENDED, clock, capabilities: { methodMor: 2 } },
    {
      // A method that waits until the test releases it (an upstream that is slow).
      method: (_pdu, ctx) =>
        new Promise((resolve) => {
          release = () => resolve(ctx.encode({ type: 'Reply', status: 0x20, contentType: { type: 'text/plain', params: [] }, headers: [], data: Buffer.alloc(0) }));
        }),
    },
    { disconnected: (s, why) => void ended.push([s.id, why]) },
  );
  const send = (peer: typeof A, pdu: WspPdu, cls: 0 | 1 | 2 = 2): SpyTx => {
    const tx = new SpyTx(peer, cls);
    server.invoke(tx, encodeWspPdu(pdu), { uack: false });
    return tx;
  };
  const connect = (peer: typeof A): number => {
    const r = decodeWspPdu(send(peer, { type: 'Connect', version: { major: 1, minor: 0 }, capabilities: {}, headers: [] }).results[0]!);
    if (r.type !== 'ConnectReply') throw new Error(r.type);
    return r.sessionId;
  };
  const get = (peer: typeof A) => send(peer, { type: 'Get', method: 'GET', uri: 'http://x/', headers: [] });
  return { clock, server, ended, send, connect, get, release: () => release?.() };
}

describe('WSP session lifecycle on the injected clock', () => {
  it('an idle session ends when the clock passes the idle timeout, not before', () => {
    const r = rig();
    const id = r.connect(A);
    r.clock.advance(IDLE - 1);
    expect(r.server.size).toBe(1);
    expect(r.ended).toEqual([]);
    r.clock.advance(1);
    expect(r.server.size).toBe(0);
    expect(r.ended).toEqual([[id, 'idle']]);
    // Its peer is forgotten too: a Get from it now has no session.
    expect(r.get(A).aborts).toEqual([WSP_ABORT.DISCONNECT]);
  });

  it('every PDU of the session restarts its idle time', () => {
    const r = rig();
    r.connect(A);
    for (let i = 0; i < 5; i++) {
      r.clock.advance(IDLE - 10);
      r.get(A);
      r.release();
    }
    expect(r.server.size).toBe(1);
    r.clock.advance(IDLE);
    expect(r.server.size).toBe(0);
  });

  it('a session idle past its time takes its outstanding method with it (aborted DISCONNECT)', () => {
    const r = rig();
    const id = r.connect(A);
    const m = r.get(A);
    r.clock.advance(IDLE);
    expect(m.aborts).toEqual([WSP_ABORT.DISCONNECT]);
    expect(r.ended).toEqual([[id, 'idle']]);
    expect(r.server.inFlight).toBe(1); // the upstream has not answered; its answer then goes nowhere
  });

  it('a suspended session lives for the suspend timeout; Resume brings it back on the idle one', () => {
    const r = rig();
    const id = r.connect(A);
    r.send(A, { type: 'Suspend', sessionId: id }, 0);
    r.clock.advance(IDLE * 2); // well past the idle timeout, within the suspend timeout
    expect(r.server.size).toBe(1);
    const res = r.send(B, { type: 'Resume', sessionId: id, capabilities: {}, headers: [] });
    expect(decodeWspPdu(res.results[0]!).type).toBe('Reply');
    expect(r.server.get(id)?.peer).toEqual(B);
    r.clock.advance(IDLE);
    expect(r.ended).toEqual([[id, 'idle']]);
  });

  it('a suspended session not resumed ends at the suspend timeout', () => {
    const r = rig();
    const id = r.connect(A);
    r.send(A, { type: 'Suspend', sessionId: id }, 0);
    r.clock.advance(SUSPENDED - 1);
    expect(r.server.size).toBe(1);
    r.clock.advance(1);
    expect(r.ended).toEqual([[id, 'idle']]);
    expect(r.send(A, { type: 'Resume', sessionId: id, capabilities: {}, headers: [] }).aborts).toEqual([WSP_ABORT.DISCONNECT]);
  });

  it('when full, the least recently used session is evicted (activity counts)', () => {
    const r = rig(2);
    const a = r.connect(A);
    r.clock.advance(10);
    const b = r.connect(B);
    r.clock.advance(10);
    r.get(A); // A is now more recent than B
    r.release();
    r.clock.advance(10);
    r.connect(C);
    expect(r.ended).toEqual([[b, 'evicted']]);
    expect(r.server.get(a)).toBeDefined();
  });

  it('each way of ending reports once: disconnect, replaced, closed — and a later timeout finds nothing', () => {
    const r = rig();
    const a = r.connect(A);
    const b = r.connect(B);
    r.send(A, { type: 'Disconnect', sessionId: a }, 0);
    const b2 = r.connect(B); // a new Connect from B's address replaces B's session
    r.server.close();
    r.clock.advance(SUSPENDED * 2);
    expect(r.ended).toEqual([
      [a, 'disconnect'],
      [b, 'replaced'],
      [b2, 'closed'],
    ]);
    expect(r.clock.pending()).toBe(0);
  });
});
