/**
 * SMPP 3.4 ESME for WAP Push over SMS, on the npm `smpp` library: one bound session (transceiver, so delivery
 * receipts come back on it; or transmitter), re-bound after a drop, submits throttled to a rate, each
 * submit_sm carrying one block of WDP-over-SMS user data (UDH included: esm_class UDHI 0x40, data_coding 8-bit
 * 0x04), delivery receipts (deliver_sm with esm_class 0x04) parsed and handed on.
 */
import { EventEmitter } from 'node:events';
import smpp, { type Pdu, type Session } from 'smpp';
import { SMPP_CLIENT_DEFAULTS } from './smpp-defaults.ts';
import { SmsSubmitError, type ReceiptState, type SmsPushSender, type SmsReceipt, type SubmitOptions } from './sender.ts';

export interface SmppClientOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType?: string;
  /** Originator of push SMS ('' = SMSC default). */
  sourceAddr?: string;
  /** Most submit_sm per second (0 = unlimited). */
  throttle?: number;
  reconnectDelay?: number;
  responseTimeout?: number;
  enquireLinkPeriod?: number;
  bindMode?: 'transceiver' | 'transmitter';
}

/** SMPP 3.4 §5.1.3 command_status values that retrying will not cure (the destination itself is refused). */
const PERMANENT = new Set([
  0x0b, // ESME_RINVDSTADR
  0x50, // ESME_RINVDSTTON
  0x51, // ESME_RINVDSTNPI
  0x0a, // ESME_RINVSRCADR (refused for this destination)
  0x61, // ESME_RINVSCHED
]);

/** SMPP 3.4 Appendix B delivery receipt 'stat:' values; §5.2.28 message_state values. */
const RECEIPT_STAT: Record<string, ReceiptState> = {
  DELIVRD: 'delivered',
  EXPIRED: 'expired',
  DELETED: 'deleted',
  UNDELIV: 'undeliverable',
  ACCEPTD: 'accepted',
  UNKNOWN: 'unknown',
  REJECTD: 'rejected',
  ENROUTE: 'enroute',
};
const MESSAGE_STATE: Record<number, ReceiptState> = {
  1: 'enroute',
  2: 'delivered',
  3: 'expired',
  4: 'deleted',
  5: 'undeliverable',
  6: 'accepted',
  7: 'unknown',
  8: 'rejected',
};

/** Parses a receipt: the TLVs when present (receipted_message_id, message_state), else the Appendix B text. */
export function parseDeliveryReceipt(pdu: { short_message?: unknown; receipted_message_id?: unknown; message_state?: unknown }): SmsReceipt | undefined {
  const sm = pdu.short_message as { message?: unknown } | Buffer | string | undefined;
  const raw = Buffer.isBuffer(sm) ? sm.toString('latin1') : typeof sm === 'string' ? sm : typeof sm?.message === 'string' ? sm.message : Buffer.isBuffer(sm?.message) ? sm.message.toString('latin1') : '';
  const text = /id:(\S+).*?stat:(\w+)(?:.*?err:(\d+))?/i.exec(raw);
  const id = typeof pdu.receipted_message_id === 'string' && pdu.receipted_message_id ? pdu.receipted_message_id : text?.[1];
  if (!id) return undefined;
  const byTlv = typeof pdu.message_state === 'number' ? MESSAGE_STATE[pdu.message_state] : undefined;
  const state = byTlv ?? (text?.[2] ? RECEIPT_STAT[text[2].toUpperCase()] : undefined) ?? 'unknown';
  const err = text?.[3] !== undefined ? Number(text[3]) : undefined;
  return { messageId: id, state, ...(err !== undefined && err !== 0 ? { error: err } : {}) };
}

/** SMPP 3.4 §7.1.1 relative time format for a number of minutes. */
function relativeTime(minutes: number): string {
  const m = Math.min(Math.max(0, Math.floor(minutes)), 99 * 365 * 24 * 60);
  const p = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(m / 1440);
  const rest = days % 365;
  return `${p(Math.floor(days / 365))}${p(Math.floor(rest / 30))}${p(rest % 30)}${p(Math.floor((m % 1440) / 60))}${p(m % 60)}00000R`;
}

export class SmppClient extends EventEmitter<{ bound: []; unbound: [string]; receipt: [SmsReceipt]; error: [Error] }> implements SmsPushSender {
  private session: Session | undefined;
  private isBound = false;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private nextSlot = 0;
  private waiters: (() => void)[] = [];
  private readonly o: Required<SmppClientOptions>;

  constructor(o: SmppClientOptions) {
    super();
    this.o = { ...SMPP_CLIENT_DEFAULTS, ...o };
    this.on('error', () => {}); // errors are also reported through unbound/rejections
  }

  get bound(): boolean {
    return this.isBound;
  }

  /** Connects and binds; keeps re-binding after drops until close(). */
  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Resolves once bound (or rejects after ms). */
  waitBound(ms = 10_000): Promise<void> {
    if (this.isBound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('SMPP bind timed out')), ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  onReceipt(fn: (r: SmsReceipt) => void): void {
    this.on('receipt', fn);
  }

  private connect(): void {
    if (this.stopped) return;
    const s = smpp.connect({ host: this.o.host, port: this.o.port });
    this.session = s;
    let failed = false;
    let keepalive: NodeJS.Timeout | undefined;
    const drop = (why: string): void => {
      if (failed) return;
      failed = true;
      if (keepalive) clearInterval(keepalive);
      const was = this.isBound;
      this.isBound = false;
      if (this.session === s) this.session = undefined;
      s.destroy();
      if (was) this.emit('unbound', why);
      this.scheduleReconnect();
    };
    s.on('error', (e: Error) => {
      this.emit('error', e);
      drop(e.message);
    });
    s.on('close', () => drop('connection closed'));
    s.on('connect', () => {
      const bind = this.o.bindMode === 'transceiver' ? s.bind_transceiver.bind(s) : s.bind_transmitter.bind(s);
      const t = setTimeout(() => drop('bind timed out'), this.o.responseTimeout);
      bind({ system_id: this.o.systemId, password: this.o.password, system_type: this.o.systemType, interface_version: 0x34 }, (pdu) => {
        clearTimeout(t);
        if (pdu.command_status !== 0) {
          this.emit('error', new Error(`SMPP bind refused, command_status 0x${pdu.command_status.toString(16)}`));
          drop('bind refused');
          return;
        }
        this.isBound = true;
        // SMPP 3.4 §4.11 enquire_link: a link that stops answering is dropped and re-bound.
        if (this.o.enquireLinkPeriod) {
          keepalive = setInterval(() => {
            const dead = setTimeout(() => drop('enquire_link unanswered'), this.o.responseTimeout);
            dead.unref();
            if (!s.enquire_link({}, () => clearTimeout(dead))) {
              clearTimeout(dead);
              drop('connection not writable');
            }
          }, this.o.enquireLinkPeriod);
          keepalive.unref();
        }
        this.emit('bound');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    // SMPP 3.4 §4.6.1: deliver_sm from the SMSC — answer every one; esm_class 0x04 marks a delivery receipt.
    s.on('deliver_sm', (pdu: Pdu) => {
      s.send(pdu.response());
      const esm = Number(pdu['esm_class'] ?? 0);
      if ((esm & 0x3c) === 0x04 || (esm & 0x3c) === 0x20) {
        const r = parseDeliveryReceipt(pdu as Parameters<typeof parseDeliveryReceipt>[0]);
        if (r) this.emit('receipt', r);
      }
    });
    s.on('enquire_link', (pdu: Pdu) => s.send(pdu.response()));
    s.on('unbind', (pdu: Pdu) => {
      s.send(pdu.response());
      drop('SMSC unbound');
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, this.o.reconnectDelay);
    this.reconnectTimer.unref();
  }

  /** Throttle: at most `throttle` submit_sm per second, spaced evenly. */
  private async slot(): Promise<void> {
    if (!this.o.throttle) return;
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + 1000 / this.o.throttle;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  async submitUserData(msisdn: string, blocks: readonly Buffer[], opts: SubmitOptions): Promise<string[]> {
    const international = msisdn.startsWith('+');
    const digits = msisdn.replace(/^\+/, '');
    if (!/^\d{1,20}$/.test(digits)) throw new SmsSubmitError(`'${msisdn}' is not an MSISDN`, true);
    const ids: string[] = [];
    const source = opts.sourceAddr ?? this.o.sourceAddr;
    const wdp = opts.udhi ?? true;
    for (const block of blocks) {
      await this.slot();
      ids.push(
        await this.submitOne({
          service_type: wdp && opts.dataCoding === undefined ? 'WAP' : '',
          source_addr_ton: /^\+?\d+$/.test(source) ? (source.startsWith('+') ? 1 : 0) : source ? 5 : 0,
          source_addr_npi: /^\+?\d+$/.test(source) ? 1 : 0,
          source_addr: source.replace(/^\+/, ''),
          // SMPP 3.4 §5.2.5/§5.2.6: international number, ISDN (E.164) plan.
          dest_addr_ton: international ? 1 : 0,
          dest_addr_npi: 1,
          destination_addr: digits,
          // SMPP 3.4 §5.2.12: UDHI indicator — the short message starts with a User Data Header.
          esm_class: wdp ? 0x40 : 0x00,
          protocol_id: 0,
          priority_flag: opts.priority,
          // SMPP 3.4 §5.2.17: SMSC delivery receipt requested on final outcome.
          registered_delivery: opts.receipt ? 1 : 0,
          // SMPP 3.4 §5.2.19: 0x04 = 8-bit binary (the GSM DCS for WAP push data).
          data_coding: opts.dataCoding ?? 0x04,
          // SMPP 3.4 §7.1.1: relative time 'YYMMDDhhmmss000R'.
          ...(opts.validityMinutes ? { validity_period: relativeTime(opts.validityMinutes) } : {}),
          ...(opts.deferredMinutes ? { schedule_delivery_time: relativeTime(opts.deferredMinutes) } : {}),
          short_message: block,
        }),
      );
    }
    return ids;
  }

  private submitOne(fields: Record<string, unknown>): Promise<string> {
    const s = this.session;
    if (!s || !this.isBound) return Promise.reject(new SmsSubmitError('not bound to the SMSC', false));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new SmsSubmitError('submit_sm_resp timed out', false)), this.o.responseTimeout);
      const sent = s.submit_sm(fields, (pdu) => {
        clearTimeout(t);
        const st = pdu.command_status;
        if (st === 0) resolve(String(pdu['message_id'] ?? ''));
        // 0x58 ESME_RTHROTTLED / 0x14 ESME_RMSGQFUL: back off, the push stays queued.
        else if (st === 0x58 || st === 0x14) {
          this.nextSlot = Date.now() + 1000;
          reject(new SmsSubmitError(`SMSC busy (command_status 0x${st.toString(16)})`, false, st));
        } else reject(new SmsSubmitError(`submit_sm refused (command_status 0x${st.toString(16)})`, PERMANENT.has(st), st));
      });
      if (!sent) {
        clearTimeout(t);
        reject(new SmsSubmitError('SMSC connection not writable', false));
      }
    });
  }

  /** Unbinds and stops re-binding. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    if (this.isBound) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        const ok = s.unbind({}, () => {
          clearTimeout(t);
          resolve();
        });
        if (!ok) {
          clearTimeout(t);
          resolve();
        }
      });
    }
    this.isBound = false;
    s.destroy();
  }
}
