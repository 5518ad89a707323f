/**
 * WTP PDU codec (WAP-224 §8): the seven PDU types, their fixed headers, Transport Information Items (TPIs)
 * and PDU concatenation. Pure functions over Buffers; every read goes through the bounds-checked Reader and
 * fails only with WapDecodeError (stable code, absolute offset).
 *
 * TIDs are carried as the 15-bit transaction number (`tid`) plus the direction bit (`tidResponse`, the high
 * bit on the wire: false when the PDU travels from the transaction's initiator, true from its responder —
 * WAP-224 §8.2.3, shown by tshark as "TID Response").
 */
import { DecodeErrorCode } from '../wire/errors.ts';
import { WapEncodeError } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';

// ---------------- assignment tables (written once, reverse maps derived) ----------------

/** WAP-224 §8.2.2 PDU type (4 bits; 0 is not allowed — it marks concatenation, §8.1). */
export const PDU_TYPE = {
  Invoke: 0x01,
  Result: 0x02,
  Ack: 0x03,
  Abort: 0x04,
  SegmentedInvoke: 0x05,
  SegmentedResult: 0x06,
  Nack: 0x07,
} as const;
export type WtpPduType = keyof typeof PDU_TYPE;
const PDU_TYPE_NAME = invert(PDU_TYPE);

/** WAP-224 §8.4 TPI identities. */
export const TPI_ID = {
  Error: 0x00,
  Info: 0x01,
  Option: 0x02,
  PSN: 0x03,
  SDUBoundary: 0x04,
  FrameBoundary: 0x05,
} as const;
export type WtpTpiName = keyof typeof TPI_ID;
const TPI_NAME = invert(TPI_ID);

/** WAP-224 §8.4.3 Option TPI identities. */
export const TPI_OPTION = {
  MaxReceiveUnit: 0x01,
  TotalMessageSize: 0x02,
  DelayTransmissionTimer: 0x03,
  MaxGroup: 0x04,
  CurrentTID: 0x05,
  NoCachedTID: 0x06,
} as const;
export type WtpTpiOptionName = keyof typeof TPI_OPTION;
export const TPI_OPTION_NAME = invert(TPI_OPTION);

/** WAP-224 §8.3.4.1 abort type (3 bits). */
export const ABORT_TYPE = { Provider: 0x00, User: 0x01 } as const;
export type AbortTypeName = keyof typeof ABORT_TYPE;
const ABORT_TYPE_NAME = invert(ABORT_TYPE);

/** WAP-224 §8.3.4.2 provider abort reasons. */
export const PROVIDER_ABORT = {
  UNKNOWN: 0x00,
  PROTOERR: 0x01,
  INVALIDTID: 0x02,
  NOTIMPLEMENTEDCL2: 0x03,
  NOTIMPLEMENTEDSAR: 0x04,
  NOTIMPLEMENTEDUACK: 0x05,
  WTPVERSIONONE: 0x06,
  CAPTEMPEXCEEDED: 0x07,
  NORESPONSE: 0x08,
  MESSAGETOOLARGE: 0x09,
  NOTIMPLEMENTEDESAR: 0x0a,
} as const;
export type ProviderAbortReason = keyof typeof PROVIDER_ABORT;
export const PROVIDER_ABORT_NAME = invert(PROVIDER_ABORT);

/** User abort reasons: WSP's (WAP-230 §8.2.2.3 Table 35), carried opaquely by WTP. */
export const USER_ABORT = {
  PROTOERR: 0xe0,
  DISCONNECT: 0xe1,
  SUSPEND: 0xe2,
  RESUME: 0xe3,
  CONGESTION: 0xe4,
  CONNECTERR: 0xe5,
  MRUEXCEEDED: 0xe6,
  MOREXCEEDED: 0xe7,
  PEERREQ: 0xe8,
  NETERR: 0xe9,
  USERREQ: 0xea,
  USERRFS: 0xeb,
  USERPND: 0xec,
  USERDCR: 0xed,
  USERDCU: 0xee,
} as const;
export type UserAbortReason = keyof typeof USER_ABORT;
export const USER_ABORT_NAME = invert(USER_ABORT);

/** WAP-224 §8.3.1 transaction classes. */
export type WtpClass = 0 | 1 | 2;

function invert<K extends string, V extends number>(t: Record<K, V>): Record<number, K> {
  const out: Record<number, K> = {};
  for (const [k, v] of Object.entries(t) as [K, V][]) out[v] = k;
  return out;
}

// ---------------- shapes ----------------

/** A TPI (WAP-224 §8.4). `long` records the long form (§8.4.1) so decode → encode is byte-exact. */
export type WtpTpi =
  | { type: 'Error'; value: Buffer; long?: boolean }
  | { type: 'Info'; value: Buffer; long?: boolean }
  /** `option` is a TPI_OPTION code; `value` the octets after it. */
  | { type: 'Option'; option: number; value: Buffer; long?: boolean }
  /** Packet sequence number (§8.4.4): one octet, two with extended SAR. */
  | { type: 'PSN'; psn: number; size?: 1 | 2; long?: boolean }
  | { type: 'SDUBoundary'; value: Buffer; long?: boolean }
  | { type: 'FrameBoundary'; value: Buffer; long?: boolean }
  /** A TPI identity this codec has no name for (6..15): kept whole. */
  | { type: 'Unknown'; id: number; value: Buffer; long?: boolean };

interface Common {
  /** 15-bit transaction identifier. */
  tid: number;
  /** The TID's high bit on the wire: set by the responder of the transaction (§8.2.3). */
  tidResponse: boolean;
  tpis: WtpTpi[];
  /** Non-zero reserved bits as received (kept for byte-exact round trips; 0 when absent). */
  reserved?: number;
}

interface Segment extends Common {
  /** Re-transmission indicator (§8.2.6). */
  rid: boolean;
  /** Group trailer (§8.2.4). */
  gtr: boolean;
  /** Transmission trailer (§8.2.4). */
  ttr: boolean;
  data: Buffer;
}

export interface WtpInvoke extends Segment {
  type: 'Invoke';
  /** Protocol version (2 bits, §8.3.1.1); 0 is the current version. */
  version: number;
  tidNew: boolean;
  /** U/P flag: user acknowledgement required (§8.3.1.3). */
  uack: boolean;
  class: WtpClass;
}
export interface WtpResult extends Segment {
  type: 'Result';
}
export interface WtpSegmentedInvoke extends Segment {
  type: 'SegmentedInvoke';
  psn: number;
}
export interface WtpSegmentedResult extends Segment {
  type: 'SegmentedResult';
  psn: number;
}
export interface WtpAck extends Common {
  type: 'Ack';
  rid: boolean;
  /** Tve (responder → initiator: "verify this TID") or Tok (initiator → responder: "TID is OK"), §8.3.3. */
  tveTok: boolean;
  data: Buffer;
}
export interface WtpAbort extends Common {
  type: 'Abort';
  abortType: AbortTypeName;
  /** PROVIDER_ABORT code for provider aborts, the user's (WSP) code for user aborts. */
  reason: number;
  data: Buffer;
}
export interface WtpNack extends Common {
  type: 'Nack';
  rid: boolean;
  /** PSNs of the missing packets (§8.3.7); empty means "the whole group". */
  missing: number[];
  data: Buffer;
}

export type WtpPdu =
  | WtpInvoke
  | WtpResult
  | WtpAck
  | WtpAbort
  | WtpSegmentedInvoke
  | WtpSegmentedResult
  | WtpNack;

// ---------------- decoding ----------------

/** Decodes one UDP payload into its PDUs, unpacking concatenation (WAP-224 §8.1). */
export function decodeWtpDatagram(buf: Buffer): WtpPdu[] {
  const r = new Reader(buf);
  if (r.remaining === 0) r.fail(DecodeErrorCode.TRUNCATED, 'empty WTP datagram');
  if (r.peek() !== 0x00) return [decodeFrom(r)];
  // WAP-224 §8.1: 0x00 marker, then each PDU prefixed by its length — one octet (MSB 0, 7 bits) or two
  // octets (MSB 1, 15 bits).
  r.u8();
  const out: WtpPdu[] = [];
  if (r.atEnd()) r.fail(DecodeErrorCode.TRUNCATED, 'concatenation marker without PDUs');
  while (!r.atEnd()) {
    const at = r.pos;
    const b = r.u8();
    const len = b & 0x80 ? ((b & 0x7f) << 8) | r.u8() : b;
    if (len === 0) r.fail(DecodeErrorCode.VALUE, 'zero-length PDU in concatenation', at);
    const sub = r.sub(len, 'concatenated PDU');
    if (sub.peek() === 0x00) sub.fail(DecodeErrorCode.VALUE, 'nested concatenation');
    out.push(decodeFrom(sub));
  }
  return out;
}

/** Decodes exactly one (non-concatenated) WTP PDU. */
export function decodeWtpPdu(buf: Buffer): WtpPdu {
  return decodeFrom(new Reader(buf));
}

function decodeFrom(r: Reader): WtpPdu {
  const start = r.pos;
  const b0 = r.u8();
  const con = (b0 & 0x80) !== 0;
  const code = (b0 >> 3) & 0x0f;
  const type = PDU_TYPE_NAME[code];
  if (!type) r.fail(DecodeErrorCode.UNKNOWN_TYPE, `WTP PDU type ${code} unknown`, start);
  const tidField = r.u16();
  const tid = tidField & 0x7fff;
  const tidResponse = (tidField & 0x8000) !== 0;
  const rid = (b0 & 0x01) !== 0;
  const gtr = (b0 & 0x04) !== 0;
  const ttr = (b0 & 0x02) !== 0;
  switch (type) {
    case 'Invoke': {
      const at = r.pos;
      const b3 = r.u8();
      const cls = b3 & 0x03;
      // WAP-224 §8.3.1.4: class 3 is not defined.
      if (cls === 3) r.fail(DecodeErrorCode.VALUE, 'transaction class 3 is not defined', at);
      const tpis = readTpis(r, con);
      return withReserved(
        {
          type,
          tid,
          tidResponse,
          rid,
          gtr,
          ttr,
          version: b3 >> 6,
          tidNew: (b3 & 0x20) !== 0,
          uack: (b3 & 0x10) !== 0,
          class: cls as WtpClass,
          tpis,
          data: r.rest(),
        },
        (b3 >> 2) & 0x03,
      );
    }
    case 'Result':
      return { type, tid, tidResponse, rid, gtr, ttr, tpis: readTpis(r, con), data: r.rest() };
    case 'SegmentedInvoke':
    case 'SegmentedResult': {
      const psn = r.u8();
      return { type, tid, tidResponse, rid, gtr, ttr, psn, tpis: readTpis(r, con), data: r.rest() } as
        | WtpSegmentedInvoke
        | WtpSegmentedResult;
    }
    case 'Ack': {
      const tpis = readTpis(r, con);
      r.expectEnd('Ack PDU');
      return withReserved(
        { type, tid, tidResponse, rid, tveTok: (b0 & 0x04) !== 0, tpis, data: Buffer.alloc(0) },
        (b0 >> 1) & 0x01,
      );
    }
    case 'Abort': {
      const reason = r.u8();
      const abortType = ABORT_TYPE_NAME[b0 & 0x07];
      // WAP-224 §8.3.4.1: only PROVIDER and USER are defined.
      if (!abortType) r.fail(DecodeErrorCode.VALUE, `abort type ${b0 & 0x07} undefined`, start);
      const tpis = readTpis(r, con);
      r.expectEnd('Abort PDU');
      return { type, tid, tidResponse, abortType, reason, tpis, data: Buffer.alloc(0) };
    }
    case 'Nack': {
      const n = r.u8();
      const list = r.bytes(n, 'missing PSN list');
      const tpis = readTpis(r, con);
      r.expectEnd('Nack PDU');
      return withReserved(
        { type, tid, tidResponse, rid, missing: [...list], tpis, data: Buffer.alloc(0) },
        (b0 >> 1) & 0x03,
      );
    }
  }
}

function withReserved<T extends Common>(pdu: T, reserved: number): T {
  if (reserved) pdu.reserved = reserved;
  return pdu;
}

/** WAP-224 §8.4.1: TPIs follow the fixed header while CON is set. */
function readTpis(r: Reader, con: boolean): WtpTpi[] {
  const out: WtpTpi[] = [];
  let more = con;
  while (more) {
    const at = r.pos;
    const b = r.u8();
    more = (b & 0x80) !== 0;
    const id = (b >> 3) & 0x0f;
    const long = (b & 0x04) !== 0;
    const len = long ? r.u8() : b & 0x03;
    const value = r.bytes(len, 'TPI value');
    out.push(tpiFrom(r, id, value, long, at));
  }
  return out;
}

function tpiFrom(r: Reader, id: number, value: Buffer, long: boolean, at: number): WtpTpi {
  const name = TPI_NAME[id];
  const l = long ? { long: true } : {};
  switch (name) {
    case 'Option':
      // WAP-224 §8.4.3: option identity octet then its value.
      if (value.length < 1) r.fail(DecodeErrorCode.VALUE, 'Option TPI without an option identity', at);
      return { type: 'Option', option: value[0]!, value: value.subarray(1), ...l };
    case 'PSN':
      // WAP-224 §8.4.4: one octet (two with extended SAR).
      if (value.length < 1 || value.length > 2) {
        r.fail(DecodeErrorCode.VALUE, `PSN TPI of ${value.length} octets`, at);
      }
      return value.length === 1 ? { type: 'PSN', psn: value[0]!, ...l } : { type: 'PSN', psn: value.readUInt16BE(0), size: 2, ...l };
    case undefined:
      return { type: 'Unknown', id, value, ...l };
    default:
      return { type: name, value, ...l };
  }
}

// ---------------- encoding ----------------

export function encodeWtpPdu(pdu: WtpPdu): Buffer {
  const w = new Writer(64 + pdu.data.length);
  const con = pdu.tpis.length > 0 ? 0x80 : 0;
  const b0 = con | (PDU_TYPE[pdu.type] << 3);
  const tid = tidField(pdu);
  const bit = (b: boolean, v: number): number => (b ? v : 0);
  const res = pdu.reserved ?? 0;
  switch (pdu.type) {
    case 'Invoke':
    case 'Result':
    case 'SegmentedInvoke':
    case 'SegmentedResult':
      w.u8(b0 | bit(pdu.gtr, 0x04) | bit(pdu.ttr, 0x02) | bit(pdu.rid, 0x01)).u16(tid);
      if (pdu.type === 'Invoke') {
        if (pdu.version < 0 || pdu.version > 3 || ![0, 1, 2].includes(pdu.class)) {
          throw new WapEncodeError('Invoke version/class out of range');
        }
        w.u8((pdu.version << 6) | bit(pdu.tidNew, 0x20) | bit(pdu.uack, 0x10) | ((res & 0x03) << 2) | pdu.class);
      }
      if (pdu.type === 'SegmentedInvoke' || pdu.type === 'SegmentedResult') w.u8(pdu.psn);
      break;
    case 'Ack':
      w.u8(b0 | bit(pdu.tveTok, 0x04) | ((res & 0x01) << 1) | bit(pdu.rid, 0x01)).u16(tid);
      break;
    case 'Abort':
      w.u8(b0 | ABORT_TYPE[pdu.abortType]).u16(tid).u8(pdu.reason);
      break;
    case 'Nack':
      if (pdu.missing.length > 255) throw new WapEncodeError('Nack lists more than 255 PSNs');
      w.u8(b0 | ((res & 0x03) << 1) | bit(pdu.rid, 0x01)).u16(tid).u8(pdu.missing.length);
      for (const p of pdu.missing) w.u8(p);
      break;
  }
  pdu.tpis.forEach((t, i) => writeTpi(w, t, i < pdu.tpis.length - 1));
  if (pdu.data.length && (pdu.type === 'Ack' || pdu.type === 'Abort' || pdu.type === 'Nack')) {
    throw new WapEncodeError(`${pdu.type} PDU carries no user data`);
  }
  w.bytes(pdu.data);
  return Buffer.from(w.finish());
}

function tidField(pdu: WtpPdu): number {
  if (!Number.isInteger(pdu.tid) || pdu.tid < 0 || pdu.tid > 0x7fff) throw new WapEncodeError(`TID ${pdu.tid} out of range`);
  return (pdu.tidResponse ? 0x8000 : 0) | pdu.tid;
}

function writeTpi(w: Writer, t: WtpTpi, more: boolean): void {
  let id: number;
  let value: Buffer;
  switch (t.type) {
    case 'Option':
      id = TPI_ID.Option;
      value = Buffer.concat([Buffer.from([t.option]), t.value]);
      break;
    case 'PSN': {
      id = TPI_ID.PSN;
      const size = t.size ?? (t.psn > 0xff ? 2 : 1);
      value = Buffer.alloc(size);
      value.writeUIntBE(t.psn, 0, size);
      break;
    }
    case 'Unknown':
      if (t.id < 0 || t.id > 15) throw new WapEncodeError(`TPI identity ${t.id} out of range`);
      id = t.id;
      value = t.value;
      break;
    default:
      id = TPI_ID[t.type];
      value = t.value;
  }
  const first = (more ? 0x80 : 0) | (id << 3);
  // WAP-224 §8.4.1: short form holds up to 3 octets; longer values (or an explicit long form) use the long TPI.
  if (t.long || value.length > 3) {
    if (value.length > 255) throw new WapEncodeError('TPI value longer than 255 octets');
    w.u8(first | 0x04).u8(value.length);
  } else {
    w.u8(first | value.length);
  }
  w.bytes(value);
}

/** Concatenates encoded PDUs into one datagram (WAP-224 §8.1). A single PDU is sent as it is. */
export function encodeConcatenated(pdus: Buffer[]): Buffer {
  if (pdus.length === 1) return pdus[0]!;
  if (pdus.length === 0) throw new WapEncodeError('nothing to concatenate');
  const w = new Writer();
  w.u8(0x00);
  for (const p of pdus) {
    if (p.length === 0 || p.length > 0x7fff) throw new WapEncodeError(`PDU of ${p.length} octets cannot be concatenated`);
    if (p.length < 0x80) w.u8(p.length);
    else w.u16(0x8000 | p.length);
    w.bytes(p);
  }
  return Buffer.from(w.finish());
}

// ---------------- helpers for the engine ----------------

/** The PSN TPI's value, if the PDU has one. */
export function tpiPsn(pdu: WtpPdu): number | undefined {
  for (const t of pdu.tpis) if (t.type === 'PSN') return t.psn;
  return undefined;
}

/** The value of an Option TPI as an unsigned big-endian integer (up to 6 octets), if present. */
export function tpiOption(pdu: WtpPdu, option: number): number | undefined {
  for (const t of pdu.tpis) {
    if (t.type === 'Option' && t.option === option) {
      if (t.value.length === 0) return 0;
      if (t.value.length > 6) return undefined;
      return t.value.readUIntBE(0, t.value.length);
    }
  }
  return undefined;
}

/** An Option TPI carrying an unsigned integer in the fewest octets. */
export function optionTpi(option: number, value: number): WtpTpi {
  let n = 1;
  while (n < 6 && value >= 2 ** (8 * n)) n++;
  const b = Buffer.alloc(n);
  b.writeUIntBE(value, 0, n);
  return { type: 'Option', option, value: b };
}

/** Error TPI (WAP-224 §8.4.2): error code in the high nibble, the offending TPI identity in the low. */
export function errorTpi(errorCode: number, badTpi: number): WtpTpi {
  return { type: 'Error', value: Buffer.from([((errorCode & 0x0f) << 4) | (badTpi & 0x0f)]) };
}

/** Best-effort TID of a datagram that failed to decode (to address the Abort, §9 RcvErrorPDU). */
export function peekTid(buf: Buffer): { tid: number; tidResponse: boolean } | undefined {
  let off = 0;
  if (buf.length > 0 && buf[0] === 0x00) {
    if (buf.length < 2) return undefined;
    off = buf[1]! & 0x80 ? 3 : 2;
  }
  if (buf.length < off + 3) return undefined;
  const f = buf.readUInt16BE(off + 1);
  return { tid: f & 0x7fff, tidResponse: (f & 0x8000) !== 0 };
}

export function abortReasonName(abortType: AbortTypeName, reason: number): string {
  const n = abortType === 'Provider' ? PROVIDER_ABORT_NAME[reason] : USER_ABORT_NAME[reason];
  return n ?? `0x${reason.toString(16).padStart(2, '0')}`;
}
