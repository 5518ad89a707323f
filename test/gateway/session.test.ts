/**
 * The WSP session engine (src/wsp/session.ts) alone, with spy transactions in place of the WTP responder.
 */
import { describe, expect, it } from 'vitest';
import { SessionServer, WSP_ABORT, type SessionTx } from '../../src/wsp/session.ts';
import { decodeWspPdu, encodeWspPdu } from '../../src/wsp/pdu.ts';
import type { WspPdu } from '../../src/wsp/pdu-types.ts';

class SpyTx implements SessionTx {
  done = false;
  results: Buffer[] = [];
  aborts: number[] = [];
  acked = false;
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
  ack(): void {
    this.acked = true;
  }
}

const A = { address: '10.0.0.1', port: 1000 };
const B = { address: '10.0.0.2', port: 2000 };
const caps = { clientSduSize: 50_000, serverSduSize: 50_000, methodMor: 2, pushMor: 1 };

function server(methods: string[] = []) {
  return new SessionServer(
    { maxSessions: 10, idleTimeoutMs: 60_000, suspendedTimeoutMs: 60_000, capabilities: caps },
    {
      method: async (pdu, ctx) => {
        methods.push(`${pdu.method} ${pdu.uri} s=${ctx.session.id} max=${ctx.maxReplyBytes}`);
        return ctx.encode({ type: 'Reply', status: 0x20, contentType: { type: 'text/plain', params: [] }, headers: [], data: Buffer.from('ok') });
      },
    },
  );
}

function send(s: SessionServer, peer: typeof A, pdu: WspPdu, cls: 0 | 1 | 2 = 2): SpyTx {
  const tx = new SpyTx(peer, cls);
  s.invoke(tx, encodeWspPdu(pdu), { uack: true });
  return tx;
}

function connectPdu(): WspPdu {
  return { type: 'Connect', version: { major: 1, minor: 0 }, capabilities: { clientSduSize: 30_000, serverSduSize: 100_000, methodMor: 5 }, headers: [{ name: 'User-Agent', value: 'spy' }] };
}

function sessionIdOf(tx: SpyTx): number {
  const r = decodeWspPdu(tx.results[0]!);
  if (r.type !== 'ConnectReply') throw new Error(r.type);
  return r.sessionId;
}

describe('SessionServer', () => {
  it('Connect → ConnectReply with the minimum of the sizes and MORs; methods run on the session', async () => {
    const calls: string[] = [];
    const s = server(calls);
    const c = send(s, A, connectPdu());
    const reply = decodeWspPdu(c.results[0]!);
    expect(reply.type).toBe('ConnectReply');
    if (reply.type !== 'ConnectReply') return;
    expect(reply.capabilities).toMatchObject({ clientSduSize: 30_000, serverSduSize: 50_000, methodMor: 2 });
    s.resultConfirmed(c);
    expect(s.get(reply.sessionId)?.state).toBe('connected');
    const g = send(s, A, { type: 'Get', method: 'GET', uri: '/x', headers: [] });
    expect(g.acked).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([`GET /x s=${reply.sessionId} max=30000`]);
    expect(decodeWspPdu(g.results[0]!)).toMatchObject({ type: 'Reply', status: 0x20 });
  });

  it('a method from an address without a session is aborted with DISCONNECT; bad PDUs with PROTOERR', () => {
    const s = server();
    expect(send(s, A, { type: 'Get', method: 'GET', uri: '/x', headers: [] }).aborts).toEqual([WSP_ABORT.DISCONNECT]);
    const bad = new SpyTx(A);
    s.invoke(bad, Buffer.from([0x01]), { uack: false });
    expect(bad.aborts).toEqual([WSP_ABORT.PROTOERR]);
    const reply = send(s, A, { type: 'Reply', status: 0x20, headers: [], data: Buffer.alloc(0), contentType: { type: 'text/plain', params: [] } });
    expect(reply.aborts).toEqual([WSP_ABORT.PROTOERR]);
  });

  it('only the session’s own address can Disconnect or Suspend it; Resume moves it', () => {
    const s = server();
    const id = sessionIdOf(send(s, A, connectPdu()));
    send(s, B, { type: 'Disconnect', sessionId: id }, 0);
    send(s, B, { type: 'Suspend', sessionId: id }, 0);
    expect(s.get(id)?.state).not.toBe('suspended');
    expect(s.size).toBe(1);
    send(s, A, { type: 'Suspend', sessionId: id }, 0);
    expect(s.get(id)?.state).toBe('suspended');
    // Suspended: methods refused until Resume.
    expect(send(s, A, { type: 'Get', method: 'GET', uri: '/x', headers: [] }).aborts).toEqual([WSP_ABORT.DISCONNECT]);
    const r = send(s, B, { type: 'Resume', sessionId: id, capabilities: {}, headers: [] });
    expect(decodeWspPdu(r.results[0]!)).toMatchObject({ type: 'Reply', status: 0x20 });
    expect(s.get(id)?.peer).toEqual(B);
    expect(send(s, B, { type: 'Resume', sessionId: id + 1, capabilities: {}, headers: [] }).aborts).toEqual([WSP_ABORT.DISCONNECT]);
    send(s, B, { type: 'Disconnect', sessionId: id }, 0);
    expect(s.size).toBe(0);
  });

  it('Method-MOR: one method too many is aborted with MOREXCEEDED', () => {
    const s = new SessionServer(
      { maxSessions: 10, idleTimeoutMs: 60_000, suspendedTimeoutMs: 60_000, capabilities: { methodMor: 1 } },
      { method: () => new Promise(() => {}) },
    );
    send(s, A, connectPdu());
    const first = send(s, A, { type: 'Get', method: 'GET', uri: '/1', headers: [] });
    const second = send(s, A, { type: 'Get', method: 'GET', uri: '/2', headers: [] });
    expect(first.aborts).toEqual([]);
    expect(second.aborts).toEqual([WSP_ABORT.MOREXCEEDED]);
  });

  it('the session table is bounded: the least recently used session is evicted and its methods aborted', () => {
    const s = new SessionServer(
      { maxSessions: 2, idleTimeoutMs: 60_000, suspendedTimeoutMs: 60_000, capabilities: caps },
      { method: () => new Promise(() => {}) },
    );
    send(s, A, connectPdu());
    const pending = send(s, A, { type: 'Get', method: 'GET', uri: '/1', headers: [] });
    send(s, B, connectPdu());
    send(s, { address: '10.0.0.3', port: 3 }, connectPdu());
    expect(s.size).toBe(2);
    expect(pending.aborts).toEqual([WSP_ABORT.DISCONNECT]);
  });

  it('a repeated Connect (the same handset model) gets the same ConnectReply as the encoder would make, with its own id', () => {
    const s = server();
    const replies = [A, B, { address: '10.0.0.3', port: 3 }].map((p) => send(s, p, connectPdu()).results[0]!);
    const ids = new Set<number>();
    for (const bytes of replies) {
      const r = decodeWspPdu(bytes);
      if (r.type !== 'ConnectReply') throw new Error(r.type);
      ids.add(r.sessionId);
      expect(bytes.toString('hex')).toBe(encodeWspPdu({ type: 'ConnectReply', sessionId: r.sessionId, capabilities: r.capabilities, headers: r.headers }).toString('hex'));
    }
    expect(ids.size).toBe(3);
  });

  it('an idle session holds no method set: made by the first method, dropped when the last one ends', async () => {
    let finish: (b: Buffer) => void = () => {};
    const s = new SessionServer(
      { maxSessions: 10, idleTimeoutMs: 60_000, suspendedTimeoutMs: 60_000, capabilities: caps },
      { method: () => new Promise<Buffer>((r) => (finish = r)) },
    );
    const id = sessionIdOf(send(s, A, connectPdu()));
    expect(s.get(id)?.methods).toBeUndefined();
    const g = send(s, A, { type: 'Get', method: 'GET', uri: '/1', headers: [] });
    expect(s.get(id)?.methods?.size).toBe(1);
    finish(Buffer.from([0x04, 0x20, 0x00]));
    await new Promise((r) => setImmediate(r));
    expect(g.results).toHaveLength(1);
    expect(s.get(id)?.methods).toBeUndefined();
  });
});
