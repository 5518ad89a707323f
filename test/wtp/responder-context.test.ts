/**
 * A responder transaction against a stub ResponderContext: the context is everything a transaction may ask of its
 * responder, and every change of state — the end of a class-0 transaction and dispose included — goes through the
 * guarded transition (so `closed` is called exactly once, and the timer of each state is armed through `arm`).
 */
import { describe, expect, it } from 'vitest';
import { ReassemblyBudget, Reassembler } from '../../src/wtp/sar.ts';
import { type ResponderContext, RespState, ResponderTx, type TimerKind } from '../../src/wtp/responder-tx.ts';
import { resolveTimers } from '../../src/wtp/timers.ts';
import type { WtpInvoke, WtpPdu } from '../../src/wtp/pdu.ts';
import type { ResponderTransaction, WtpEvent } from '../../src/wtp/types.ts';

const PEER = { address: '10.0.0.1', port: 1000 };
const PK = '10.0.0.1|1000';

function stub() {
  const log = {
    sent: [] as WtpPdu[],
    aborts: [] as number[],
    events: [] as WtpEvent[],
    armed: [] as TimerKind[],
    closed: 0,
    invoked: [] as { tx: ResponderTransaction; data: string; cls: number }[],
  };
  const timers = resolveTimers({});
  const budget = new ReassemblyBudget(timers.maxTotalReassemblyBytes);
  const ctx: ResponderContext = {
    timers,
    user: {
      invoke: (tx, data, info) => void log.invoked.push({ tx, data: data.toString('latin1'), cls: info.class }),
      abort: () => {},
      resultConfirmed: () => {},
    },
    tids: { test: () => 'ok', accept: () => {}, see: () => {}, reset: () => {} },
    reassembler: () => new Reassembler(budget, timers.maxReassemblyBytes),
    room: (bytes) => (bytes > timers.maxReassemblyBytes ? 'too-large' : budget.used + bytes > budget.max ? 'no-capacity' : 'ok'),
    send: (_p, pdu) => void log.sent.push(pdu),
    sendAbort: (_p, _t, _type, code) => void log.aborts.push(code),
    emit: (e) => void log.events.push(e),
    arm: (_tx, kind) => void log.armed.push(kind),
    run: (fn) => fn(),
    closed: () => void log.closed++,
  };
  return { ctx, log };
}

function invoke(cls: 0 | 1 | 2, data = 'GET'): WtpInvoke {
  return { type: 'Invoke', tid: 7, tidResponse: false, rid: false, gtr: true, ttr: true, tpis: [], data: Buffer.from(data), version: 0, tidNew: false, uack: false, class: cls };
}

describe('ResponderTx through its ResponderContext', () => {
  it('class 2: Invoke → indicated (A armed) → Result (R armed) → Ack → closed once', () => {
    const { ctx, log } = stub();
    const tx = new ResponderTx(ctx, PEER, 7, `${PK}#7`, PK);
    expect(log.armed).toEqual(['W']); // LISTEN runs the wait timer
    tx.onInvoke(invoke(2));
    expect(tx.state).toBe(RespState.INVOKE_RESP_WAIT);
    expect(log.invoked).toEqual([{ tx, data: 'GET', cls: 2 }]);
    tx.result(Buffer.from('reply'));
    expect(tx.state).toBe(RespState.RESULT_RESP_WAIT);
    expect(log.armed).toEqual(['W', 'A', 'R']);
    expect(log.sent.map((p) => p.type)).toEqual(['Result']);
    tx.onAck({ type: 'Ack', tid: 7, tidResponse: false, rid: false, tveTok: false, tpis: [], data: Buffer.alloc(0) });
    expect(tx.done).toBe(true);
    expect(log.closed).toBe(1);
  });

  it('class 0: indicated and closed through the transition (closed once, no timer left to the stub)', () => {
    const { ctx, log } = stub();
    const tx = new ResponderTx(ctx, PEER, 7, `${PK}#7`, PK);
    tx.indicateClass0(invoke(0, 'DISC'));
    expect(tx.state).toBe(RespState.CLOSED);
    expect(tx.class).toBe(0);
    expect(log.closed).toBe(1);
    expect(log.invoked.map((i) => [i.data, i.cls])).toEqual([['DISC', 0]]);
    expect(log.sent).toEqual([]);
  });

  it('dispose ends a live transaction through the transition, once; a closed one is left alone', () => {
    const { ctx, log } = stub();
    const tx = new ResponderTx(ctx, PEER, 7, `${PK}#7`, PK);
    tx.onInvoke(invoke(2));
    tx.dispose();
    tx.dispose();
    expect(tx.state).toBe(RespState.CLOSED);
    expect(log.closed).toBe(1);
    // A closed transaction answers nothing more.
    tx.result(Buffer.from('late'));
    expect(log.sent).toEqual([]);
  });
});
