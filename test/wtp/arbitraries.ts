/** fast-check generators for WTP PDUs. */
import fc from 'fast-check';
import type { WtpPdu, WtpTpi } from '../../src/wtp/pdu.ts';

const empty = Buffer.alloc(0);

const arbTpi: fc.Arbitrary<WtpTpi> = fc.oneof(
  fc.record({ type: fc.constant('Info' as const), value: fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)) }),
  fc.record({
    type: fc.constant('Option' as const),
    option: fc.integer({ min: 0, max: 255 }),
    value: fc.uint8Array({ maxLength: 4 }).map((a) => Buffer.from(a)),
  }),
  fc.record({ type: fc.constant('PSN' as const), psn: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ type: fc.constant('Error' as const), value: fc.uint8Array({ maxLength: 2 }).map((a) => Buffer.from(a)) }),
);
export function arbPduWith(tid: fc.Arbitrary<number>, tidResponse: fc.Arbitrary<boolean>, maxData = 40, maxPsn = 255): fc.Arbitrary<WtpPdu> {
  const arbData = fc.uint8Array({ maxLength: maxData }).map((a) => Buffer.from(a));
  const base = {
    tid,
    tidResponse,
    tpis: fc.array(arbTpi, { maxLength: 3 }),
  };
  const seg = { ...base, rid: fc.boolean(), gtr: fc.boolean(), ttr: fc.boolean(), data: arbData };
  return fc.oneof(
    fc.record({
      type: fc.constant('Invoke' as const), ...seg, version: fc.integer({ min: 0, max: 3 }), tidNew: fc.boolean(),
      uack: fc.boolean(), class: fc.constantFrom(0 as const, 1 as const, 2 as const),
    }),
    fc.record({ type: fc.constant('Result' as const), ...seg }),
    fc.record({ type: fc.constant('SegmentedInvoke' as const), ...seg, psn: fc.integer({ min: 0, max: maxPsn }) }),
    fc.record({ type: fc.constant('SegmentedResult' as const), ...seg, psn: fc.integer({ min: 0, max: maxPsn }) }),
    fc.record({ type: fc.constant('Ack' as const), ...base, rid: fc.boolean(), tveTok: fc.boolean(), data: fc.constant(empty) }),
    fc.record({
      type: fc.constant('Abort' as const), ...base, abortType: fc.constantFrom('Provider' as const, 'User' as const),
      reason: fc.integer({ min: 0, max: 255 }), data: fc.constant(empty),
    }),
    fc.record({
      type: fc.constant('Nack' as const), ...base, rid: fc.boolean(),
      missing: fc.array(fc.integer({ min: 0, max: maxPsn }), { maxLength: 10 }), data: fc.constant(empty),
    }),
  );
}

export const arbPdu = arbPduWith(fc.integer({ min: 0, max: 0x7fff }), fc.boolean());
