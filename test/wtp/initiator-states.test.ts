/**
 * WAP-224 Appendix / §9 initiator state table: one test per row, named after it. TID 1 (firstTid), peer GATEWAY.
 */
import { describe, expect, it } from 'vitest';
import { udpPcap } from '../../src/trace/pcap.ts';
import { toolAvailable, tshark } from '../support/tools.ts';
import type { WtpPdu } from '../../src/wtp/pdu.ts';
import { DEFAULT_WTP_TIMERS as T } from '../../src/wtp/timers.ts';
import { WtpAbortError } from '../../src/wtp/types.ts';
import { abort, ack, InitScript } from './script.ts';
import { wspGet } from './support.ts';
import { EMITTED } from './script.ts';

const D = Buffer.from([0x40, 0x03, 0x61, 0x62, 0x63]);
const result = (o: { rid?: boolean; data?: Buffer } = {}): WtpPdu =>
  ({ type: 'Result', tid: 1, tidResponse: true, rid: o.rid ?? false, gtr: false, ttr: true, tpis: [], data: o.data ?? Buffer.from('R') });

function inResultWait(cls: 1 | 2 = 2): InitScript {
  const s = new InitScript().invoke(D, { class: cls });
  expect(s.said()).toEqual(['Invoke']);
  expect(s.state()).toBe('RESULT_WAIT');
  return s;
}

function inWaitTimeout(): InitScript {
  const s = inResultWait();
  s.feed(result());
  expect(s.said()).toEqual(['Ack']);
  expect(s.state()).toBe('WAIT_TIMEOUT');
  return s;
}

describe('initiator NULL', () => {
  it('NULL + TR-Invoke.req [class 0] → send Invoke → NULL', async () => {
    const s = new InitScript().invoke(D, { class: 0 });
    expect(s.said()).toEqual(['Invoke']);
    expect(s.state()).toBe('NULL');
    expect(s.clock.pending()).toBe(0);
    await s.flush();
    expect(s.outcome).toEqual({ value: undefined, done: true });
  });
  it('NULL + TR-Invoke.req [class 1|2] → send Invoke, start R → RESULT_WAIT', () => {
    for (const cls of [1, 2] as const) {
      const s = inResultWait(cls);
      expect(s.clock.nextTimerAt()).toBe(T.retryIntervalMs);
    }
  });
  it('NULL + TR-Invoke.req [segmented] → first group, Total Message Size option on the Invoke', () => {
    const s = new InitScript({ segmentSize: 10, groupSize: 2 }).invoke(wspGet('http://example.com/abcdefghijklmnopqrstuvwxyz'), { class: 2 });
    expect(s.said()).toEqual(['Invoke', 'SegmentedInvoke psn=1']);
    s.feed(ack(1, { psn: 1, fromResponder: true }));
    expect(s.said()).toEqual(['SegmentedInvoke psn=2', 'SegmentedInvoke psn=3']);
    s.feed(ack(1, { psn: 3, fromResponder: true }));
    expect(s.said()).toEqual(['SegmentedInvoke psn=4']);
  });
});

describe('initiator RESULT_WAIT', () => {
  it('RESULT_WAIT + TR-Abort.req → send Abort(USER) → NULL', async () => {
    const s = inResultWait();
    expect(s.init.abort({ address: '10.0.0.2', port: 9201 }, 1, 0xea)).toBe(true);
    expect(s.said()).toEqual(['Abort user/USERREQ']);
    expect(s.state()).toBe('NULL');
    await s.flush();
    expect((s.outcome.error as WtpAbortError).reason.name).toBe('USERREQ');
  });
  it('RESULT_WAIT + RcvAbort → TR-Abort.ind → NULL', async () => {
    const s = inResultWait();
    s.feed(abort(1, 0x07, 'Provider', true));
    expect(s.state()).toBe('NULL');
    await s.flush();
    expect((s.outcome.error as WtpAbortError).reason).toMatchObject({ type: 'Provider', name: 'CAPTEMPEXCEEDED', remote: true });
    expect(s.clock.pending()).toBe(0);
  });
  it('RESULT_WAIT + RcvAck [class 1] → TR-Invoke.cnf → NULL', async () => {
    const s = inResultWait(1);
    s.feed(ack(1, { fromResponder: true }));
    expect(s.state()).toBe('NULL');
    await s.flush();
    expect(s.outcome.done && !s.outcome.error).toBe(true);
  });
  it('RESULT_WAIT + RcvAck [class 2] → TR-Invoke.cnf (hold on) → RESULT_WAIT', () => {
    const s = inResultWait();
    s.feed(ack(1, { fromResponder: true }));
    expect(s.confirmed).toEqual([1]);
    expect(s.state()).toBe('RESULT_WAIT');
  });
  it('RESULT_WAIT + RcvAck [TIDve] → send Ack(TIDok), RCR++, restart R → RESULT_WAIT', () => {
    const s = inResultWait();
    s.feed(ack(1, { tveTok: true, fromResponder: true }));
    expect(s.said()).toEqual(['Ack tok']);
    expect(s.state()).toBe('RESULT_WAIT');
    // the next retransmission carries the Tok again, concatenated in front of the Invoke
    s.clock.advance(T.retryIntervalMs);
    expect(s.said()).toEqual(['Ack rid tok', 'Invoke rid']);
  });
  it('RESULT_WAIT + TimerTO_R [RCR < MAX] → resend Invoke (RID), RCR++ → RESULT_WAIT', () => {
    const s = inResultWait();
    s.clock.advance(T.retryIntervalMs);
    expect(s.said()).toEqual(['Invoke rid']);
  });
  it('RESULT_WAIT + TimerTO_R [RCR = MAX] → Abort(NORESPONSE), TR-Abort.ind → NULL', async () => {
    const s = inResultWait();
    s.clock.runUntilIdle();
    const said = s.said();
    expect(said.filter((x) => x === 'Invoke rid')).toHaveLength(T.maxRetransmissions);
    expect(said.at(-1)).toBe('Abort provider/NORESPONSE');
    await s.flush();
    expect((s.outcome.error as WtpAbortError).reason.name).toBe('NORESPONSE');
    expect(s.clock.pending()).toBe(0);
  });
  it('RESULT_WAIT + RcvResult [class 2] → TR-Result.ind → RESULT_RESP_WAIT → TR-Result.res: send Ack → WAIT_TIMEOUT', async () => {
    const s = inWaitTimeout();
    await s.flush();
    expect(s.outcome.value).toEqual(Buffer.from('R'));
    expect(s.clock.nextTimerAt()).toBe(T.waitTimeoutMs);
  });
  it('RESULT_WAIT + RcvResult [segmented] → group Acks / Nacks, last Ack with the PSN', async () => {
    const s = inResultWait();
    const seg = (psn: number, gtr: boolean, ttr: boolean, data: string): WtpPdu =>
      psn === 0
        ? { type: 'Result', tid: 1, tidResponse: true, rid: false, gtr, ttr, tpis: [], data: Buffer.from(data) }
        : { type: 'SegmentedResult', psn, tid: 1, tidResponse: true, rid: false, gtr, ttr, tpis: [], data: Buffer.from(data) };
    s.feed(seg(0, false, false, 'a')).feed(seg(2, true, false, 'c'));
    expect(s.said()).toEqual(['Nack missing=1']);
    s.feed(seg(1, false, false, 'b'));
    expect(s.said()).toEqual(['Ack psn=2']);
    s.feed(seg(1, false, false, 'b'));
    expect(s.said()).toEqual([]);
    s.feed(seg(3, false, true, 'd'));
    expect(s.said()).toEqual(['Ack psn=3']);
    await s.flush();
    expect(s.outcome.value).toEqual(Buffer.from('abcd'));
  });
  it('RESULT_WAIT + RcvErrorPDU → send Abort(PROTOERR), TR-Abort.ind → NULL', async () => {
    const s = inResultWait();
    s.feed(Buffer.from('1280', 'hex')); // a truncated Result towards us
    expect(s.said()).toEqual([]); // the TID is not readable: nothing to answer
    s.feed(Buffer.from('0a8001', 'hex')); // an Invoke with TID 0x8001 but no class octet: ours, undecodable
    expect(s.said()).toEqual(['Abort provider/PROTOERR']);
    await s.flush();
    expect((s.outcome.error as WtpAbortError).reason.name).toBe('PROTOERR');
  });
  it('RESULT_WAIT + RcvResult carrying a Frame-boundary TPI (extended SAR) → send Abort(NOTIMPLEMENTEDESAR), TR-Abort.ind → NULL', async () => {
    const s = inResultWait();
    s.feed({ type: 'Result', tid: 1, tidResponse: true, rid: false, gtr: true, ttr: false, tpis: [{ type: 'FrameBoundary', value: Buffer.alloc(0) }], data: Buffer.from('R') });
    expect(s.said()).toEqual(['Abort provider/NOTIMPLEMENTEDESAR']);
    expect(s.clock.pending()).toBe(0);
    await s.flush();
    expect((s.outcome.error as WtpAbortError).reason.name).toBe('NOTIMPLEMENTEDESAR');
  });
});

describe('initiator WAIT_TIMEOUT', () => {
  it('WAIT_TIMEOUT + RcvResult [RID=1] → send Ack again', () => {
    const s = inWaitTimeout();
    s.feed(result({ rid: true }));
    expect(s.said()).toEqual(['Ack rid']);
  });
  it('WAIT_TIMEOUT + RcvResult [RID=0] → ignore', () => {
    const s = inWaitTimeout();
    s.feed(result());
    expect(s.said()).toEqual([]);
  });
  it('WAIT_TIMEOUT + RcvAck [TIDve: a delayed duplicate is being verified] → Abort(INVALIDTID)', () => {
    const s = inWaitTimeout();
    s.feed(ack(1, { tveTok: true, fromResponder: true }));
    expect(s.said()).toEqual(['Abort provider/INVALIDTID']);
  });
  it('WAIT_TIMEOUT + TimerTO_W → NULL', () => {
    const s = inWaitTimeout();
    s.clock.advance(T.waitTimeoutMs);
    expect(s.state()).toBe('NULL');
    expect(s.clock.pending()).toBe(0);
  });
  it('NULL + RcvAck [TIDve, no such transaction] → Abort(INVALIDTID)', () => {
    const s = new InitScript();
    s.feed(ack(77, { tveTok: true, fromResponder: true }));
    expect(s.said()).toEqual(['Abort provider/INVALIDTID']);
  });
});

describe.skipIf(!toolAvailable('tshark'))('tshark dissects every PDU emitted by the tests above', () => {
  it('no Malformed, no expert warnings', () => {
    expect(EMITTED.length).toBeGreaterThan(30);
    const res = tshark(udpPcap(EMITTED.map((d) => ({ ...d, srcPort: 9201, dstPort: 9201 }))));
    expect(res.problems).toEqual([]);
  });
});
