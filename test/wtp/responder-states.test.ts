/**
 * WAP-224 Appendix / §9 responder state table: one test per row, named after it
 * ("STATE + event [condition] → action → next state"). TID 1, peer PHONE, class 2 unless a row says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { udpPcap } from '../../src/trace/pcap.ts';
import { toolAvailable, tshark } from '../support/tools.ts';
import { encodeConcatenated, encodeWtpPdu, PROVIDER_ABORT, USER_ABORT } from '../../src/wtp/pdu.ts';
import { DEFAULT_WTP_TIMERS as T } from '../../src/wtp/timers.ts';
import { abort, ack, invokePdu, RespScript } from './script.ts';
import { wspReply } from './support.ts';
import { EMITTED } from './script.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** An Invoke with class 3 for TID 1: undecodable, but its TID is readable (RcvErrorPDU). */
const ERROR_PDU = hex('0a 0001 03');

/** A responder that knows TID 10 from this peer, so TID 1 fails the TID test. */
function withCachedTid(): RespScript {
  const s = new RespScript();
  s.onInvoke = (tx) => tx.result(wspReply(Buffer.from('r')));
  s.feed(invokePdu({ tid: 10 })).feed(ack(10));
  s.said();
  s.told.length = 0;
  s.onInvoke = () => {};
  return s;
}

function inResultWait(uack = true): RespScript {
  const s = new RespScript().toInvokeRespWait({ uack });
  s.tx.ack();
  expect(s.state()).toBe('RESULT_WAIT');
  return s;
}

function inResultRespWait(data = wspReply(Buffer.from('result'))): RespScript {
  const s = new RespScript().toInvokeRespWait();
  s.tx.result(data);
  s.said();
  expect(s.state()).toBe('RESULT_RESP_WAIT');
  return s;
}

function inWaitTimeout(): RespScript {
  const s = new RespScript().toInvokeRespWait({ class: 1, uack: true });
  s.tx.ack();
  expect(s.said()).toEqual(['Ack']);
  expect(s.state()).toBe('WAIT_TIMEOUT');
  return s;
}

describe('responder LISTEN', () => {
  it('LISTEN + RcvInvoke [class 1|2, TID ok] → TR-Invoke.ind, start A → INVOKE_RESP_WAIT', () => {
    for (const cls of [1, 2] as const) {
      const s = new RespScript().feed(invokePdu({ class: cls }));
      expect(s.told).toEqual([`invoke class=${cls}`]);
      expect(s.said()).toEqual([]);
      expect(s.state()).toBe('INVOKE_RESP_WAIT');
      expect(s.resp.nextTimerDue()).toBe(T.ackIntervalMs);
    }
  });
  it('LISTEN + RcvInvoke [class 1|2, TID test fails] → send Ack(TIDve) → TIDOK_WAIT', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    expect(s.said()).toEqual(['Ack tve']);
    expect(s.told).toEqual([]);
    expect(s.state()).toBe('TIDOK_WAIT');
  });
  it('LISTEN + RcvInvoke [TIDnew] → send Ack(TIDve) → TIDOK_WAIT (WAP-224 §9.4.4)', () => {
    const s = new RespScript().feed(invokePdu({ tidNew: true }));
    expect(s.said()).toEqual(['Ack tve']);
    expect(s.state()).toBe('TIDOK_WAIT');
  });
  it('LISTEN + RcvInvoke [first Invoke from an unknown peer, no TIDnew] → accepted without verification (Kannel, fakewap)', () => {
    const s = new RespScript().feed(invokePdu({ tid: 1, uack: true }));
    expect(s.told).toEqual(['invoke class=2 uack']);
    expect(s.said()).toEqual([]);
  });
  it('LISTEN + RcvInvoke [class 0] → TR-Invoke.ind → LISTEN', () => {
    const s = new RespScript().feed(invokePdu({ class: 0 }));
    expect(s.told).toEqual(['invoke class=0']);
    expect(s.said()).toEqual([]);
    expect(s.state()).toBe('LISTEN');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('LISTEN + RcvInvoke [class 0, same TID as a class-2 transaction: fakewap Disconnect] → TR-Invoke.ind', () => {
    const s = new RespScript().toInvokeRespWait();
    s.feed(invokePdu({ class: 0, data: Buffer.from([0x05, 0x01]) }));
    expect(s.told).toEqual(['invoke class=2', 'invoke class=0']);
    expect(s.state()).toBe('INVOKE_RESP_WAIT');
  });
  it('LISTEN + RcvInvoke [version ≠ 0] → send Abort(WTPVERSIONONE) → LISTEN', () => {
    const s = new RespScript().feed(invokePdu({ version: 1 }));
    expect(s.said()).toEqual(['Abort provider/WTPVERSIONONE']);
    expect(s.told).toEqual([]);
    expect(s.state()).toBe('LISTEN');
  });
  it('LISTEN + RcvErrorPDU → send Abort(PROTOERR) → LISTEN', () => {
    const s = new RespScript().feed(ERROR_PDU);
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    expect(s.resp.stats.malformed).toBe(1);
    // never an Abort in answer to an Abort, even a broken one
    s.feed(hex('27 0001 01'));
    expect(s.said()).toEqual([]);
  });
});

describe('responder TIDOK_WAIT', () => {
  it('TIDOK_WAIT + RcvAck [TIDok] → TR-Invoke.ind, start A → INVOKE_RESP_WAIT', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    s.said();
    s.feed(ack(1, { tveTok: true }));
    expect(s.told).toEqual(['invoke class=2']);
    expect(s.state()).toBe('INVOKE_RESP_WAIT');
  });
  it('TIDOK_WAIT + RcvAbort → LISTEN (no indication)', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    s.said();
    s.feed(abort(1, 0x02, 'Provider'));
    expect(s.told).toEqual([]);
    expect(s.state()).toBe('LISTEN');
  });
  it('TIDOK_WAIT + RcvInvoke [RID=0] → ignore', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    s.said();
    s.feed(invokePdu({ tid: 1 }));
    expect(s.said()).toEqual([]);
    expect(s.state()).toBe('TIDOK_WAIT');
  });
  it('TIDOK_WAIT + RcvInvoke [RID=1] → send Ack(TIDve) again', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    s.said();
    s.feed(invokePdu({ tid: 1, rid: true }));
    expect(s.said()).toEqual(['Ack rid tve']);
  });
  it('TIDOK_WAIT + RcvErrorPDU → send Abort(PROTOERR) → LISTEN', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    s.said();
    s.feed(ERROR_PDU);
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    expect(s.told).toEqual([]);
    expect(s.state()).toBe('LISTEN');
  });
  it('TIDOK_WAIT + TimerTO_W → LISTEN (the initiator went away)', () => {
    const s = withCachedTid().feed(invokePdu({ tid: 1 }));
    s.clock.runUntilIdle();
    expect(s.state()).toBe('LISTEN');
    expect(s.told).toEqual([]);
  });
});

describe('responder INVOKE_RESP_WAIT', () => {
  it('INVOKE_RESP_WAIT + RcvInvoke → ignore (never indicated twice)', () => {
    const s = new RespScript().toInvokeRespWait({ uack: true });
    s.feed(invokePdu({ uack: true })).feed(invokePdu({ uack: true, rid: true }));
    expect(s.told).toEqual(['invoke class=2 uack']);
    expect(s.said()).toEqual([]);
  });
  it('INVOKE_RESP_WAIT + TR-Invoke.res [class 2] → start A → RESULT_WAIT', () => {
    const s = new RespScript().toInvokeRespWait({ uack: true });
    s.tx.ack();
    expect(s.state()).toBe('RESULT_WAIT');
    expect(s.said()).toEqual([]);
  });
  it('INVOKE_RESP_WAIT + TR-Invoke.res [class 1] → send Ack, start W → WAIT_TIMEOUT', () => {
    inWaitTimeout();
  });
  it('INVOKE_RESP_WAIT + RcvAbort → TR-Abort.ind → LISTEN', () => {
    const s = new RespScript().toInvokeRespWait();
    s.feed(abort(1, 0xe1));
    expect(s.told).toEqual(['invoke class=2', 'abort user/DISCONNECT remote']);
    expect(s.state()).toBe('LISTEN');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('INVOKE_RESP_WAIT + TR-Abort.req → send Abort(USER) → LISTEN', () => {
    const s = new RespScript().toInvokeRespWait();
    s.tx.abort(0xea);
    expect(s.said()).toEqual(['Abort user/USERREQ']);
    expect(s.state()).toBe('LISTEN');
    expect(s.tx.done).toBe(true);
  });
  it('INVOKE_RESP_WAIT + TR-Result.req → send Result, start R → RESULT_RESP_WAIT', () => {
    const s = new RespScript().toInvokeRespWait();
    s.tx.result(wspReply(Buffer.from('reply')));
    expect(s.said()).toEqual(['Result']);
    expect(s.state()).toBe('RESULT_RESP_WAIT');
    expect(s.resp.nextTimerDue()).toBe(T.retryIntervalMs);
  });
  it('INVOKE_RESP_WAIT + TimerTO_A [AEC < MAX, Uack] → AEC++, restart A (no Ack without the user)', () => {
    const s = new RespScript().toInvokeRespWait({ uack: true });
    s.clock.advance(T.ackIntervalMs);
    expect(s.said()).toEqual([]);
    expect(s.state()).toBe('INVOKE_RESP_WAIT');
  });
  it('INVOKE_RESP_WAIT + TimerTO_A [AEC < MAX, no Uack, class 2] → hold-on Ack, restart A', () => {
    const s = new RespScript().toInvokeRespWait();
    s.clock.advance(T.ackIntervalMs);
    expect(s.said()).toEqual(['Ack']);
    expect(s.state()).toBe('INVOKE_RESP_WAIT');
    s.clock.advance(T.ackIntervalMs);
    expect(s.said()).toEqual(['Ack']);
  });
  it('INVOKE_RESP_WAIT + TimerTO_A [AEC < MAX, no Uack, class 1] → send Ack → WAIT_TIMEOUT', () => {
    const s = new RespScript().toInvokeRespWait({ class: 1 });
    s.clock.advance(T.ackIntervalMs);
    expect(s.said()).toEqual(['Ack']);
    expect(s.state()).toBe('WAIT_TIMEOUT');
  });
  it('INVOKE_RESP_WAIT + TimerTO_A [AEC = MAX] → send Abort(NORESPONSE), TR-Abort.ind → LISTEN', () => {
    const s = new RespScript().toInvokeRespWait({ uack: true });
    s.clock.advance(T.ackIntervalMs * (T.maxAckExpirations + 1));
    expect(s.said()).toEqual(['Abort provider/NORESPONSE']);
    expect(s.told).toEqual(['invoke class=2 uack', 'abort provider/NORESPONSE']);
    expect(s.state()).toBe('LISTEN');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('INVOKE_RESP_WAIT + RcvErrorPDU → send Abort(PROTOERR), TR-Abort.ind → LISTEN', () => {
    const s = new RespScript().toInvokeRespWait();
    s.feed(ERROR_PDU);
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    expect(s.told).toEqual(['invoke class=2', 'abort provider/PROTOERR']);
    expect(s.state()).toBe('LISTEN');
  });
});

describe('responder RESULT_WAIT', () => {
  it('RESULT_WAIT + TR-Result.req → send Result, start R → RESULT_RESP_WAIT', () => {
    const s = inResultWait();
    s.tx.result(wspReply(Buffer.from('x')));
    expect(s.said()).toEqual(['Result']);
    expect(s.state()).toBe('RESULT_RESP_WAIT');
  });
  it('RESULT_WAIT + RcvAbort → TR-Abort.ind → LISTEN', () => {
    const s = inResultWait();
    s.feed(abort(1, 0x08, 'Provider'));
    expect(s.told.at(-1)).toBe('abort provider/NORESPONSE remote');
    expect(s.state()).toBe('LISTEN');
  });
  it('RESULT_WAIT + RcvInvoke [RID=0] → ignore', () => {
    const s = inResultWait();
    s.feed(invokePdu({ uack: true }));
    expect(s.said()).toEqual([]);
  });
  it('RESULT_WAIT + RcvInvoke [RID=1] → send Ack (the user has acknowledged)', () => {
    const s = inResultWait();
    s.feed(invokePdu({ uack: true, rid: true }));
    expect(s.said()).toEqual(['Ack rid']);
    expect(s.told).toEqual(['invoke class=2 uack']);
  });
  it('RESULT_WAIT + TR-Abort.req → send Abort(USER) → LISTEN', () => {
    const s = inResultWait();
    s.tx.abort(0xe8);
    expect(s.said()).toEqual(['Abort user/PEERREQ']);
    expect(s.state()).toBe('LISTEN');
  });
  it('RESULT_WAIT + RcvErrorPDU → send Abort(PROTOERR), TR-Abort.ind → LISTEN', () => {
    const s = inResultWait();
    s.feed(ERROR_PDU);
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    expect(s.told.at(-1)).toBe('abort provider/PROTOERR');
  });
  it('RESULT_WAIT + TimerTO_A [AEC < MAX] → hold-on Ack, restart A', () => {
    const s = inResultWait();
    s.clock.advance(T.ackIntervalMs);
    expect(s.said()).toEqual(['Ack']);
    expect(s.state()).toBe('RESULT_WAIT');
  });
  it('RESULT_WAIT + TimerTO_A [AEC = MAX] → send Abort(NORESPONSE), TR-Abort.ind → LISTEN', () => {
    const s = inResultWait();
    s.clock.advance(T.ackIntervalMs * (T.maxAckExpirations + 1));
    expect(s.said().at(-1)).toBe('Abort provider/NORESPONSE');
    expect(s.told.at(-1)).toBe('abort provider/NORESPONSE');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('RESULT_WAIT + RcvAck [TIDok, duplicate] → ignore', () => {
    const s = inResultWait();
    s.feed(ack(1, { tveTok: true }));
    expect(s.said()).toEqual([]);
    expect(s.state()).toBe('RESULT_WAIT');
  });
});

describe('responder RESULT_RESP_WAIT', () => {
  it('RESULT_RESP_WAIT + RcvAck → TR-Result.cnf → LISTEN', () => {
    const s = inResultRespWait();
    s.feed(ack(1));
    expect(s.told.at(-1)).toBe('resultConfirmed');
    expect(s.state()).toBe('LISTEN');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('RESULT_RESP_WAIT + RcvAck [SAR, PSN of the group trailer] → send the next group', () => {
    const s = new RespScript({ segmentSize: 10, groupSize: 2 }).toInvokeRespWait();
    s.tx.result(wspReply(Buffer.alloc(41, 0x41)));
    expect(s.said()).toEqual(['Result', 'SegmentedResult psn=1']);
    s.feed(ack(1, { psn: 0 }));
    expect(s.said()).toEqual([]);
    s.feed(ack(1, { psn: 1 }));
    expect(s.said()).toEqual(['SegmentedResult psn=2', 'SegmentedResult psn=3']);
    s.feed(ack(1, { psn: 3 }));
    expect(s.said()).toEqual(['SegmentedResult psn=4']);
    s.feed(ack(1, { psn: 4 }));
    expect(s.told.at(-1)).toBe('resultConfirmed');
  });
  it('RESULT_RESP_WAIT + RcvNack → retransmit only the packets named', () => {
    const s = new RespScript({ segmentSize: 10, groupSize: 3 }).toInvokeRespWait();
    s.tx.result(wspReply(Buffer.alloc(41, 0x41)));
    const first = s.sentPdus();
    expect(first.map((p) => [p.type, 'gtr' in p && p.gtr, 'ttr' in p && p.ttr])).toEqual([
      ['Result', false, false], ['SegmentedResult', false, false], ['SegmentedResult', true, false],
    ]);
    s.feed({ type: 'Nack', tid: 1, tidResponse: false, rid: false, missing: [1], tpis: [], data: Buffer.alloc(0) });
    expect(s.said()).toEqual(['SegmentedResult rid psn=1']);
    expect(s.resp.stats.nacksReceived).toBe(1);
  });
  it('RESULT_RESP_WAIT + RcvInvoke [RID=1] → send the Result again', () => {
    const s = inResultRespWait();
    s.feed(invokePdu({ rid: true }));
    expect(s.said()).toEqual(['Result rid']);
    s.feed(invokePdu());
    expect(s.said()).toEqual([]);
  });
  it('RESULT_RESP_WAIT + RcvAbort → TR-Abort.ind → LISTEN', () => {
    const s = inResultRespWait();
    s.feed(abort(1, 0xe3));
    expect(s.told.at(-1)).toBe('abort user/RESUME remote');
    expect(s.state()).toBe('LISTEN');
  });
  it('RESULT_RESP_WAIT + TR-Abort.req → send Abort(USER) → LISTEN', () => {
    const s = inResultRespWait();
    s.tx.abort(0xe1);
    expect(s.said()).toEqual(['Abort user/DISCONNECT']);
    expect(s.state()).toBe('LISTEN');
  });
  it('RESULT_RESP_WAIT + TimerTO_R [RCR < MAX] → resend Result (RID), RCR++', () => {
    const s = inResultRespWait();
    s.clock.advance(T.retryIntervalMs);
    expect(s.said()).toEqual(['Result rid']);
    expect(s.resp.stats.retransmissions).toBe(1);
  });
  it('RESULT_RESP_WAIT + TimerTO_R [RCR = MAX] → send Abort(provider NORESPONSE), TR-Abort.ind → LISTEN', () => {
    const s = inResultRespWait();
    s.clock.advance(T.retryIntervalMs * (T.maxRetransmissions + 1));
    const said = s.said();
    expect(said.filter((x) => x === 'Result rid')).toHaveLength(T.maxRetransmissions);
    expect(said.at(-1)).toBe('Abort provider/NORESPONSE');
    expect(s.told.at(-1)).toBe('abort provider/NORESPONSE');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('RESULT_RESP_WAIT + RcvErrorPDU → send Abort(PROTOERR), TR-Abort.ind → LISTEN', () => {
    const s = inResultRespWait();
    s.feed(ERROR_PDU);
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    expect(s.told.at(-1)).toBe('abort provider/PROTOERR');
  });
});

describe('responder WAIT_TIMEOUT (class 1)', () => {
  it('WAIT_TIMEOUT + RcvInvoke [RID=0] → ignore', () => {
    const s = inWaitTimeout();
    s.feed(invokePdu({ class: 1, uack: true }));
    expect(s.said()).toEqual([]);
  });
  it('WAIT_TIMEOUT + RcvInvoke [RID=1] → send Ack again', () => {
    const s = inWaitTimeout();
    s.feed(invokePdu({ class: 1, uack: true, rid: true }));
    expect(s.said()).toEqual(['Ack rid']);
    expect(s.told).toEqual(['invoke class=1 uack']);
  });
  it('WAIT_TIMEOUT + RcvErrorPDU → send Abort(PROTOERR), TR-Abort.ind → LISTEN', () => {
    const s = inWaitTimeout();
    s.feed(ERROR_PDU);
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    expect(s.state()).toBe('LISTEN');
  });
  it('WAIT_TIMEOUT + RcvAbort → TR-Abort.ind → LISTEN', () => {
    const s = inWaitTimeout();
    s.feed(abort(1, 0x01, 'Provider'));
    expect(s.told.at(-1)).toBe('abort provider/PROTOERR remote');
    expect(s.state()).toBe('LISTEN');
  });
  it('WAIT_TIMEOUT + TimerTO_W → LISTEN', () => {
    const s = inWaitTimeout();
    s.clock.advance(T.waitTimeoutMs);
    expect(s.state()).toBe('LISTEN');
    expect(s.resp.armedTimers).toBe(0);
  });
  it('WAIT_TIMEOUT + TR-Abort.req → send Abort(USER) → LISTEN', () => {
    const s = inWaitTimeout();
    s.tx.abort(0xe0);
    expect(s.said()).toEqual(['Abort user/PROTOERR']);
    expect(s.state()).toBe('LISTEN');
  });
});

describe('responder TID verification, duplicates, caps (WAP-224 §9.4, §9.5)', () => {
  it('a duplicate Invoke after the transaction ended is verified, and the initiator\'s INVALIDTID drops it', () => {
    const s = new RespScript();
    s.onInvoke = (tx) => tx.result(wspReply(Buffer.from('r')));
    s.feed(invokePdu()).feed(ack(1));
    expect(s.told).toEqual(['invoke class=2', 'resultConfirmed']);
    s.said();
    s.feed(invokePdu({ rid: true }));
    expect(s.said()).toEqual(['Ack tve']);
    s.feed(abort(1, 0x02, 'Provider'));
    expect(s.told).toEqual(['invoke class=2', 'resultConfirmed']);
  });
  it('reordered TIDs (within 256 below LastTID, never seen) are accepted without verification', () => {
    const s = new RespScript();
    s.feed(invokePdu({ tid: 5 })).feed(invokePdu({ tid: 7 })).feed(invokePdu({ tid: 6 }));
    expect(s.told).toHaveLength(3);
    expect(s.said()).toEqual([]);
  });
  it('a segmented Invoke larger than maxReassemblyBytes → Abort(MESSAGETOOLARGE)', () => {
    const s = new RespScript({ maxReassemblyBytes: 10 });
    s.feed(invokePdu({ ttr: false, data: Buffer.alloc(8) }));
    s.feed({ type: 'SegmentedInvoke', tid: 1, tidResponse: false, rid: false, gtr: false, ttr: true, psn: 1, tpis: [], data: Buffer.alloc(8) });
    expect(s.said()).toEqual(['Abort provider/MESSAGETOOLARGE']);
    expect(s.resp.reassemblyBytes).toBe(0);
  });
  it('reassembly beyond the global cap → Abort(CAPTEMPEXCEEDED)', () => {
    const s = new RespScript({ maxTotalReassemblyBytes: 12 });
    s.feed(invokePdu({ tid: 1, ttr: false, data: Buffer.alloc(8) }));
    s.feed(invokePdu({ tid: 2, ttr: false, data: Buffer.alloc(8) }));
    expect(s.said()).toEqual(['Abort provider/CAPTEMPEXCEEDED']);
    expect(s.resp.reassemblyBytes).toBe(8);
    s.resp.dispose();
    expect(s.resp.reassemblyBytes).toBe(0);
  });
  it('the Total Message Size option above the cap → Abort(MESSAGETOOLARGE) at once', () => {
    const s = new RespScript({ maxReassemblyBytes: 1000 });
    s.feed(invokePdu({ ttr: false, tpis: [{ type: 'Option', option: 2, value: Buffer.from([0x10, 0x00]) }] }));
    expect(s.said()).toEqual(['Abort provider/MESSAGETOOLARGE']);
  });
  it('RcvInvoke carrying an SDU-boundary or Frame-boundary TPI (extended SAR) → Abort(NOTIMPLEMENTEDESAR), nothing indicated', () => {
    for (const type of ['SDUBoundary', 'FrameBoundary'] as const) {
      const s = new RespScript().feed(invokePdu({ ttr: false, tpis: [{ type, value: Buffer.alloc(0) }] }));
      expect(s.said()).toEqual(['Abort provider/NOTIMPLEMENTEDESAR']);
      expect(s.told).toEqual([]);
      expect(s.resp.activeTransactions).toBe(0);
    }
  });
  it('LISTEN + RcvInvoke [class 0] or a stray Ack carrying extended-SAR TPIs → ignored (no transaction to abort)', () => {
    const s = new RespScript().feed(invokePdu({ class: 0, tpis: [{ type: 'FrameBoundary', value: Buffer.alloc(0) }] }));
    s.feed({ type: 'Ack', tid: 7, tidResponse: false, rid: false, tveTok: false, tpis: [{ type: 'PSN', psn: 300, size: 2 }], data: Buffer.alloc(0) });
    expect(s.said()).toEqual([]);
    expect(s.resp.activeTransactions).toBe(0);
  });
  it('SAR_INVOKE_WAIT + RcvSegInvoke with a two-octet PSN TPI (extended SAR) → Abort(NOTIMPLEMENTEDESAR), buffers freed', () => {
    const s = new RespScript();
    s.feed(invokePdu({ ttr: false, gtr: true, data: Buffer.alloc(8) }));
    s.said();
    s.feed({ type: 'SegmentedInvoke', tid: 1, tidResponse: false, rid: false, gtr: false, ttr: true, psn: 1, tpis: [{ type: 'PSN', psn: 257, size: 2 }], data: Buffer.alloc(8) });
    expect(s.said()).toEqual(['Abort provider/NOTIMPLEMENTEDESAR']);
    expect(s.resp.reassemblyBytes).toBe(0);
    expect(s.resp.activeTransactions).toBe(0);
  });
  it('too many transactions → Abort(CAPTEMPEXCEEDED)', () => {
    const s = new RespScript({ maxTransactions: 1 });
    s.feed(invokePdu({ tid: 1 })).feed(invokePdu({ tid: 2 }));
    expect(s.said()).toEqual(['Abort provider/CAPTEMPEXCEEDED']);
  });
  it('every provider and user abort reason received is reported by name (TR-Abort.ind)', () => {
    const s = new RespScript();
    const all = [
      ...Object.entries(PROVIDER_ABORT).map(([n, c]) => ['Provider', n, c] as const),
      ...Object.entries(USER_ABORT).map(([n, c]) => ['User', n, c] as const),
    ];
    all.forEach(([type, , code], i) => s.feed(invokePdu({ tid: 100 + i })).feed(abort(100 + i, code, type)));
    expect(s.told.filter((t) => t.startsWith('abort'))).toEqual(all.map(([type, n]) => `abort ${type.toLowerCase()}/${n} remote`));
    expect(s.said()).toEqual([]);
  });
  it('one peer cannot take every transaction slot → Abort(CAPTEMPEXCEEDED)', () => {
    const s = new RespScript({ maxTransactionsPerPeer: 2 });
    s.feed(invokePdu({ tid: 1 })).feed(invokePdu({ tid: 2 })).feed(invokePdu({ tid: 3 }));
    expect(s.said()).toEqual(['Abort provider/CAPTEMPEXCEEDED']);
    s.txs[0]!.abort(0xe0);
    s.said();
    s.feed(invokePdu({ tid: 4 }));
    expect(s.said()).toEqual([]);
    expect(s.told).toHaveLength(3);
  });
  it('a Result sent to the responder is a protocol error', () => {
    const s = new RespScript();
    s.feed({ type: 'Result', tid: 3, tidResponse: false, rid: false, gtr: false, ttr: true, tpis: [], data: Buffer.alloc(1) });
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
  });
  it('concatenated Invokes in one datagram: both indicated; synchronous Results leave concatenated', () => {
    const s = new RespScript();
    s.onInvoke = (tx) => tx.result(wspReply(Buffer.from('ok')));
    s.feed(encodeConcatenated([encodeWtpPdu(invokePdu({ tid: 1 })), encodeWtpPdu(invokePdu({ tid: 2 }))]));
    expect(s.told).toHaveLength(2);
    expect(s.said()).toEqual(['Result', 'Result']);
  });
});

describe.skipIf(!toolAvailable('tshark'))('tshark dissects every PDU emitted by the tests above', () => {
  it('no Malformed, no expert warnings', () => {
    expect(EMITTED.length).toBeGreaterThan(30);
    const res = tshark(udpPcap(EMITTED.map((d) => ({ ...d, srcPort: 9201, dstPort: 9201 }))));
    expect(res.problems).toEqual([]);
  });
});
