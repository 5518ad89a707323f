/**
 * Property tests: random (possibly hostile) incoming PDU sequences, raw bytes, clock jumps and user calls never
 * throw out of an engine, and never leave a timer running once the transactions are over: at every step each
 * live transaction holds exactly one timer, and after the clock runs dry nothing is left (no transaction, no
 * timer, no reassembly memory).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/wtp/clock.ts';
import { WtpInitiator } from '../../src/wtp/initiator.ts';
import { encodeConcatenated, encodeWtpPdu, type WtpPdu } from '../../src/wtp/pdu.ts';
import { WtpResponder } from '../../src/wtp/responder.ts';
import type { ResponderTransaction, WtpEvent } from '../../src/wtp/types.ts';
import { arbPduWith } from './arbitraries.ts';
import { GATEWAY, PHONE } from './harness.ts';

type Step =
  | { k: 'pdu'; pdus: WtpPdu[] }
  | { k: 'bytes'; b: Uint8Array }
  | { k: 'time'; ms: number }
  | { k: 'user'; op: 'result' | 'abort' | 'ack' | 'bigResult'; which: number };

// (a small TID cache: lru-cache preallocates `max` slots, which would dominate 1,000 short runs)
const TIMERS = { segmentSize: 8, groupSize: 2, maxReassemblyBytes: 64, maxTotalReassemblyBytes: 128, tidCacheSize: 64 };

function steps(tidResponse: boolean): fc.Arbitrary<Step[]> {
  const pdu = arbPduWith(fc.integer({ min: 0, max: 3 }), fc.constant(tidResponse), 12, 6);
  return fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.array(pdu, { minLength: 1, maxLength: 3 }).map((pdus) => ({ k: 'pdu' as const, pdus })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => ({ k: 'bytes' as const, b })) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 70_000 }).map((ms) => ({ k: 'time' as const, ms })) },
      {
        weight: 2,
        arbitrary: fc.record({
          k: fc.constant('user' as const),
          op: fc.constantFrom('result' as const, 'abort' as const, 'ack' as const, 'bigResult' as const),
          which: fc.nat(5),
        }),
      },
    ),
    { maxLength: 40 },
  );
}

function datagram(pdus: WtpPdu[]): Buffer {
  const enc = pdus.map(encodeWtpPdu);
  return enc.length === 1 ? enc[0]! : encodeConcatenated(enc);
}

describe('hostile input never breaks the engines', () => {
  it('responder: no throw, one timer per live transaction, nothing left at the end', () => {
    fc.assert(
      fc.property(steps(false), (script) => {
        const clock = new FakeClock(0);
        const internal: string[] = [];
        const txs: ResponderTransaction[] = [];
        const resp = new WtpResponder({
          clock,
          timers: TIMERS,
          transport: { send: () => {} },
          onEvent: (e: WtpEvent) => {
            if (e.kind === 'internal-error') internal.push(e.error);
          },
          user: { invoke: (tx) => void txs.push(tx), abort() {}, resultConfirmed() {} },
        });
        for (const s of script) {
          if (s.k === 'pdu') resp.receive(datagram(s.pdus), PHONE);
          else if (s.k === 'bytes') resp.receive(Buffer.from(s.b), PHONE);
          else if (s.k === 'time') clock.advance(s.ms);
          else {
            const tx = txs[s.which % Math.max(1, txs.length)];
            if (!tx) continue;
            if (s.op === 'result') tx.result(Buffer.from('result'));
            else if (s.op === 'bigResult') tx.result(Buffer.alloc(40, 1));
            else if (s.op === 'abort') tx.abort(0xe0);
            else tx.ack();
          }
          // Every transaction in progress runs exactly one timer; the clock holds at most one per timer list.
          expect(resp.armedTimers).toBe(resp.activeTransactions);
          expect(clock.pending()).toBeLessThanOrEqual(3);
        }
        clock.runUntilIdle();
        expect(internal).toEqual([]);
        expect(resp.activeTransactions).toBe(0);
        expect(clock.pending()).toBe(0);
        expect(resp.reassemblyBytes).toBe(0);
        for (const tx of txs) expect(tx.done).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('initiator: no throw, one timer per live transaction, every invoke settles', async () => {
    await fc.assert(
      fc.asyncProperty(steps(true), fc.array(fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>, { minLength: 1, maxLength: 4 }), async (script, classes) => {
        const clock = new FakeClock(0);
        const internal: string[] = [];
        const init = new WtpInitiator({
          clock,
          timers: TIMERS,
          firstTid: 0,
          transport: { send: () => {} },
          onEvent: (e: WtpEvent) => {
            if (e.kind === 'internal-error') internal.push(e.error);
          },
        });
        const settled: boolean[] = [];
        classes.forEach((c, i) => {
          settled.push(false);
          init.invoke(GATEWAY, Buffer.alloc(i * 7, i), { class: c }).then(
            () => (settled[i] = true),
            () => (settled[i] = true),
          );
        });
        for (const s of script) {
          if (s.k === 'pdu') init.receive(datagram(s.pdus), GATEWAY);
          else if (s.k === 'bytes') init.receive(Buffer.from(s.b), GATEWAY);
          else if (s.k === 'time') clock.advance(s.ms);
          else if (s.op === 'abort') init.abort(GATEWAY, s.which % 4, 0xe0);
          expect(clock.pending()).toBe(init.activeTransactions);
        }
        clock.runUntilIdle();
        for (let i = 0; i < 3; i++) await Promise.resolve();
        expect(internal).toEqual([]);
        expect(init.activeTransactions).toBe(0);
        expect(clock.pending()).toBe(0);
        expect(settled.every(Boolean)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('dispose() clears every timer and ends every transaction', () => {
    const clock = new FakeClock(0);
    const resp = new WtpResponder({ clock, transport: { send: () => {} }, user: { invoke() {}, abort() {}, resultConfirmed() {} } });
    for (let tid = 0; tid < 20; tid++) {
      resp.receive(encodeWtpPdu({ type: 'Invoke', tid, tidResponse: false, rid: false, gtr: false, ttr: tid % 2 === 0, version: 0, tidNew: false, uack: false, class: 2, tpis: [], data: Buffer.alloc(3) }), PHONE);
    }
    expect(resp.armedTimers).toBe(20);
    expect(clock.pending()).toBeLessThanOrEqual(3); // at most one per timer list
    resp.dispose();
    expect(clock.pending()).toBe(0);
    expect(resp.activeTransactions).toBe(0);
    expect(resp.reassemblyBytes).toBe(0);
  });
});
