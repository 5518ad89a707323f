/**
 * Scripted drivers for the state-table tests: feed PDUs to one engine, look at what it sent and told its user.
 */
import { FakeClock } from '../../src/wtp/clock.ts';
import { InitiatorTx, WtpInitiator, type InvokeOptions } from '../../src/wtp/initiator.ts';
import { abortReasonName, decodeWtpDatagram, encodeWtpPdu, type WtpInvoke, type WtpPdu } from '../../src/wtp/pdu.ts';
import { WtpResponder } from '../../src/wtp/responder.ts';
import type { WtpTimers } from '../../src/wtp/timers.ts';
import type { ResponderTransaction, WtpAbortReason, WtpUser } from '../../src/wtp/types.ts';
import type { UdpDatagram } from '../../src/trace/pcap.ts';
import { GATEWAY, PHONE } from './harness.ts';

/** Every datagram the engines under test sent (for tshark). */
export const EMITTED: UdpDatagram[] = [];

export function invokePdu(o: Partial<WtpInvoke> = {}): WtpInvoke {
  return {
    type: 'Invoke', tid: 1, tidResponse: false, rid: false, gtr: false, ttr: true, version: 0, tidNew: false,
    uack: false, class: 2, tpis: [], data: Buffer.from([0x40, 0x03, 0x61, 0x62, 0x63]), ...o,
  };
}

export function ack(tid: number, o: { tveTok?: boolean; psn?: number; rid?: boolean; fromResponder?: boolean } = {}): WtpPdu {
  return {
    type: 'Ack', tid, tidResponse: o.fromResponder ?? false, rid: o.rid ?? false, tveTok: o.tveTok ?? false,
    tpis: o.psn === undefined ? [] : [{ type: 'PSN', psn: o.psn }], data: Buffer.alloc(0),
  };
}

export function abort(tid: number, reason = 0xe1, type: 'Provider' | 'User' = 'User', fromResponder = false): WtpPdu {
  return { type: 'Abort', tid, tidResponse: fromResponder, abortType: type, reason, tpis: [], data: Buffer.alloc(0) };
}

export type Said = string;

/** What the PDUs look like in assertions: "Ack tve psn=3", "Result rid", "Abort provider/NORESPONSE". */
export function brief(p: WtpPdu): Said {
  const f: string[] = [p.type];
  if ('rid' in p && p.rid) f.push('rid');
  if (p.type === 'Ack' && p.tveTok) f.push(p.tidResponse ? 'tve' : 'tok');
  if (p.type === 'Abort') f.push(`${p.abortType.toLowerCase()}/${abortReasonName(p.abortType, p.reason)}`);
  if (p.type === 'Nack') f.push(`missing=${p.missing.join(',')}`);
  if (p.type === 'SegmentedInvoke' || p.type === 'SegmentedResult') f.push(`psn=${p.psn}`);
  for (const t of p.tpis) if (t.type === 'PSN') f.push(`psn=${t.psn}`);
  return f.join(' ');
}

export class RespScript {
  readonly clock = new FakeClock(0);
  readonly resp: WtpResponder;
  private sent: WtpPdu[] = [];
  readonly told: string[] = [];
  readonly txs: ResponderTransaction[] = [];
  readonly data: Buffer[] = [];
  onInvoke: (tx: ResponderTransaction, data: Buffer) => void = () => {};

  constructor(timers: Partial<WtpTimers> = {}) {
    timers = { tidCacheSize: 64, ...timers };
    const user: WtpUser = {
      invoke: (tx, data, info) => {
        this.told.push(`invoke class=${info.class}${info.uack ? ' uack' : ''}`);
        this.txs.push(tx);
        this.data.push(data);
        this.onInvoke(tx, data);
      },
      abort: (_tx, r: WtpAbortReason) => this.told.push(`abort ${r.type.toLowerCase()}/${r.name}${r.remote ? ' remote' : ''}`),
      resultConfirmed: () => this.told.push('resultConfirmed'),
    };
    this.resp = new WtpResponder({
      clock: this.clock,
      user,
      timers,
      transport: {
        send: (d) => {
          EMITTED.push({ src: GATEWAY.address, srcPort: GATEWAY.port, dst: PHONE.address, dstPort: PHONE.port, payload: Buffer.from(d) });
          this.sent.push(...decodeWtpDatagram(d));
        },
      },
    });
  }

  feed(p: WtpPdu | Buffer): this {
    const b = Buffer.isBuffer(p) ? p : encodeWtpPdu(p);
    this.resp.receive(b, PHONE);
    return this;
  }

  /** What was sent since the last call, briefly. */
  said(): Said[] {
    const s = this.sent.map(brief);
    this.sent = [];
    return s;
  }

  sentPdus(): WtpPdu[] {
    const s = this.sent;
    this.sent = [];
    return s;
  }

  state(tid = 1): string {
    return this.resp.stateOf(`${PHONE.address}|${PHONE.port}`, tid) ?? 'LISTEN';
  }

  get tx(): ResponderTransaction {
    return this.txs[this.txs.length - 1]!;
  }

  /** Brings the transaction with TID 1 to INVOKE_RESP_WAIT (class 2 unless told). */
  toInvokeRespWait(o: Partial<WtpInvoke> = {}): this {
    this.feed(invokePdu(o));
    this.said();
    return this;
  }
}

export class InitScript {
  readonly clock = new FakeClock(0);
  readonly init: WtpInitiator;
  private sent: WtpPdu[] = [];
  readonly confirmed: number[] = [];
  outcome: { value?: Buffer | void; error?: unknown; done: boolean } = { done: false };

  constructor(timers: Partial<WtpTimers> = {}) {
    timers = { tidCacheSize: 64, ...timers };
    this.init = new WtpInitiator({
      clock: this.clock,
      timers,
      firstTid: 1,
      onInvokeConfirmed: (_p, tid) => this.confirmed.push(tid),
      transport: {
        send: (d) => {
          EMITTED.push({ src: PHONE.address, srcPort: PHONE.port, dst: GATEWAY.address, dstPort: GATEWAY.port, payload: Buffer.from(d) });
          this.sent.push(...decodeWtpDatagram(d));
        },
      },
    });
  }

  invoke(data: Buffer, o: InvokeOptions): this {
    this.init.invoke(GATEWAY, data, o).then(
      (v) => (this.outcome = { value: v, done: true }),
      (e: unknown) => (this.outcome = { error: e, done: true }),
    );
    return this;
  }

  feed(p: WtpPdu | Buffer): this {
    const b = Buffer.isBuffer(p) ? p : encodeWtpPdu(p);
    this.init.receive(b, GATEWAY);
    return this;
  }

  said(): Said[] {
    const s = this.sent.map(brief);
    this.sent = [];
    return s;
  }

  get tx(): InitiatorTx | undefined {
    return this.init.txs.get(`${GATEWAY.address}|${GATEWAY.port}#1`);
  }

  state(): string {
    return this.tx?.state ?? 'NULL';
  }

  /** Lets promise callbacks run. */
  async flush(): Promise<void> {
    for (let i = 0; i < 3; i++) await Promise.resolve();
  }
}
