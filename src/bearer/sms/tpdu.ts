/**
 * SMS transfer-layer PDUs (3GPP TS 23.040 §9.2.2): SMS-DELIVER (SC → MS) and SMS-SUBMIT (MS → SC), as far as
 * WDP over SMS needs them — 8-bit user data with a User Data Header. Decoders read untrusted bytes through
 * `Reader` and fail only with WapDecodeError; encoders produce what a handset or an SMSC would put on the air
 * (used to hand our SMPP user data to Wireshark's GSM SMS dissector, and by the SMS tests).
 */
import { DecodeErrorCode, WapEncodeError, isWapDecodeError } from '../../wire/errors.ts';
import { Reader } from '../../wire/reader.ts';
import { Writer } from '../../wire/writer.ts';
import { decodeUserDataHeader, type UdhElement } from './udh.ts';

/** 23.040 §9.1.2.5: address with type of number (TON) and numbering plan (NPI). */
export interface SmsAddress {
  /** Digits ('0'-'9', '*', '#', 'a'-'c') for semi-octet numbers; the text for alphanumeric (TON 5). */
  digits: string;
  ton: number;
  npi: number;
}

export type Alphabet = 'gsm7' | '8bit' | 'ucs2';

/** 23.038 §4: the character set a TP-DCS selects. */
export function dcsAlphabet(dcs: number): Alphabet {
  const group = dcs >> 4;
  // 23.038 §4 general data coding (00xx) and automatic deletion (01xx): bits 3..2 select the alphabet.
  if (group <= 0x7) {
    const a = (dcs >> 2) & 3;
    return a === 1 ? '8bit' : a === 2 ? 'ucs2' : 'gsm7';
  }
  // 23.038 §4 message waiting, store UCS2 (1110).
  if (group === 0xe) return 'ucs2';
  // 23.038 §4 data coding/message class (1111): bit 2 selects 8-bit.
  if (group === 0xf) return dcs & 0x04 ? '8bit' : 'gsm7';
  return 'gsm7';
}

export interface SmsDeliver {
  type: 'deliver';
  moreMessagesToSend: boolean;
  statusReportIndication: boolean;
  replyPath: boolean;
  originator: SmsAddress;
  pid: number;
  dcs: number;
  /** Service-centre time stamp, the 7 raw semi-octet octets (23.040 §9.2.3.11). */
  scts: Buffer;
  /** TP-UDL as sent (septets for GSM 7-bit, octets otherwise). */
  udl: number;
  /** TP-UD octets, header included. */
  userData: Buffer;
  /** Present when TP-UDHI is set and the alphabet is 8-bit or UCS2. */
  udh?: UdhElement[];
  /** User data after the header (8-bit/UCS2); for GSM 7-bit the packed octets. */
  payload: Buffer;
}

export interface SmsSubmit {
  type: 'submit';
  rejectDuplicates: boolean;
  statusReportRequest: boolean;
  replyPath: boolean;
  messageReference: number;
  destination: SmsAddress;
  pid: number;
  dcs: number;
  /** Validity period: relative (1 octet) / absolute or enhanced (7 octets), raw. */
  validityPeriod?: Buffer;
  udl: number;
  userData: Buffer;
  udh?: UdhElement[];
  payload: Buffer;
}

const SEMI = '0123456789*#abc';

function readAddress(r: Reader, what: string): SmsAddress {
  const at = r.pos;
  const len = r.u8();
  const toa = r.u8();
  const ton = (toa >> 4) & 7;
  const npi = toa & 0x0f;
  const octets = r.bytes(Math.ceil(len / 2), what);
  // 23.040 §9.1.2.5: alphanumeric addresses are GSM 7-bit packed; the length counts semi-octets.
  if (ton === 5) return { digits: unpackGsm7(octets, Math.floor((len * 4) / 7)), ton, npi };
  if (len > 20) r.fail(DecodeErrorCode.VALUE, `${what} of ${len} digits`, at);
  let digits = '';
  for (let i = 0; i < len; i++) {
    const nib = i % 2 === 0 ? octets[i >> 1]! & 0x0f : octets[i >> 1]! >> 4;
    if (nib === 0x0f) break;
    digits += SEMI[nib] ?? '?';
  }
  return { digits, ton, npi };
}

function writeAddress(w: Writer, a: SmsAddress): void {
  const digits = a.digits.replace(/^\+/, '');
  if (a.ton === 5) throw new WapEncodeError('alphanumeric addresses are not encoded here');
  if (!/^[0-9*#abc]{0,20}$/.test(digits)) throw new WapEncodeError(`not an SMS address: ${a.digits}`);
  w.u8(digits.length).u8(0x80 | ((a.ton & 7) << 4) | (a.npi & 0x0f));
  for (let i = 0; i < digits.length; i += 2) {
    const lo = SEMI.indexOf(digits[i]!);
    const hi = i + 1 < digits.length ? SEMI.indexOf(digits[i + 1]!) : 0x0f;
    w.u8((hi << 4) | lo);
  }
}

/** An international number ('+15551234') or a national one, as a TP address. */
export function smsAddress(number: string): SmsAddress {
  return number.startsWith('+') ? { digits: number.slice(1), ton: 1, npi: 1 } : { digits: number, ton: 0, npi: 1 };
}

/** GSM 7-bit default alphabet, basic set (23.038 §6.2.1), enough for sender names and test text. */
const GSM7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

function unpackGsm7(octets: Buffer, septets: number, fillBits = 0): string {
  let out = '';
  for (let i = 0; i < septets; i++) {
    const bit = fillBits + i * 7;
    const byte = bit >> 3;
    const shiftBy = bit & 7;
    if (byte >= octets.length) break;
    let v = octets[byte]! >> shiftBy;
    if (shiftBy > 1 && byte + 1 < octets.length) v |= octets[byte + 1]! << (8 - shiftBy);
    out += GSM7[v & 0x7f] ?? '?';
  }
  return out;
}

function readUserData(r: Reader, dcs: number, udhi: boolean): { udl: number; userData: Buffer; udh?: UdhElement[]; payload: Buffer } {
  const udl = r.u8();
  const alphabet = dcsAlphabet(dcs);
  // 23.040 §9.2.3.16: TP-UDL counts septets for the GSM 7-bit alphabet, octets otherwise; at most 140 octets.
  const octets = alphabet === 'gsm7' ? Math.ceil((udl * 7) / 8) : udl;
  if (octets > 140) r.fail(DecodeErrorCode.LIMIT, `TP-UDL ${udl} exceeds 140 octets`, r.pos - 1);
  const base = r.pos;
  const userData = r.bytes(octets, 'TP-UD');
  if (!udhi) return { udl, userData, payload: userData };
  try {
    const h = decodeUserDataHeader(userData);
    return { udl, userData, udh: h.elements, payload: h.payload };
  } catch (e) {
    if (isWapDecodeError(e)) r.fail(e.code, `TP-UD header: ${e.message}`, base + e.offset);
    throw e;
  }
}

/** SMS-DELIVER (23.040 §9.2.2.1), the TPDU alone (no SMSC address in front). */
export function decodeSmsDeliver(tpdu: Buffer): SmsDeliver {
  const r = new Reader(tpdu);
  const first = r.u8();
  // 23.040 §9.2.3.1: TP-MTI 00 = SMS-DELIVER in the SC → MS direction.
  if ((first & 3) !== 0) r.fail(DecodeErrorCode.UNKNOWN_TYPE, `TP-MTI ${first & 3} is not SMS-DELIVER`, 0);
  const originator = readAddress(r, 'TP-OA');
  const pid = r.u8();
  const dcs = r.u8();
  const scts = r.bytes(7, 'TP-SCTS');
  const ud = readUserData(r, dcs, (first & 0x40) !== 0);
  return {
    type: 'deliver',
    moreMessagesToSend: (first & 0x04) === 0, // TP-MMS: 0 = more messages are waiting
    statusReportIndication: (first & 0x20) !== 0,
    replyPath: (first & 0x80) !== 0,
    originator,
    pid,
    dcs,
    scts,
    ...ud,
  };
}

/** SMS-SUBMIT (23.040 §9.2.2.2). */
export function decodeSmsSubmit(tpdu: Buffer): SmsSubmit {
  const r = new Reader(tpdu);
  const first = r.u8();
  if ((first & 3) !== 1) r.fail(DecodeErrorCode.UNKNOWN_TYPE, `TP-MTI ${first & 3} is not SMS-SUBMIT`, 0);
  const messageReference = r.u8();
  const destination = readAddress(r, 'TP-DA');
  const pid = r.u8();
  const dcs = r.u8();
  // 23.040 §9.2.3.3: TP-VPF 00 none, 10 relative (1 octet), 01 enhanced / 11 absolute (7 octets).
  const vpf = (first >> 3) & 3;
  const validityPeriod = vpf === 0 ? undefined : r.bytes(vpf === 2 ? 1 : 7, 'TP-VP');
  const ud = readUserData(r, dcs, (first & 0x40) !== 0);
  return {
    type: 'submit',
    rejectDuplicates: (first & 0x04) !== 0,
    statusReportRequest: (first & 0x20) !== 0,
    replyPath: (first & 0x80) !== 0,
    messageReference,
    destination,
    pid,
    dcs,
    ...(validityPeriod ? { validityPeriod } : {}),
    ...ud,
  };
}

/** Drops the SMSC address that AT+CMGR-style PDUs carry in front of the TPDU (27.005 §3.3.1: length, then octets). */
export function stripSmscAddress(pdu: Buffer): Buffer {
  const r = new Reader(pdu);
  const n = r.u8();
  r.bytes(n, 'SMSC address');
  return r.rest();
}

/** SC time stamp (23.040 §9.2.3.11) for a Date in UTC: swapped semi-octets, time zone 0. */
export function encodeScts(d: Date): Buffer {
  const parts = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0];
  return Buffer.from(parts.map((v) => ((v % 10) << 4) | Math.floor(v / 10)));
}

/** SMS-DELIVER carrying 8-bit user data (UDH included when udhi is set), as an SMSC delivers a WAP push. */
export function encodeSmsDeliver(o: {
  originator: SmsAddress;
  userData: Buffer;
  udhi: boolean;
  dcs?: number;
  pid?: number;
  scts?: Buffer;
}): Buffer {
  if (o.userData.length > 140) throw new WapEncodeError('TP-UD longer than 140 octets');
  const dcs = o.dcs ?? 0x04;
  if (dcsAlphabet(dcs) === 'gsm7') throw new WapEncodeError('only 8-bit and UCS2 user data are encoded here');
  const w = new Writer(176);
  w.u8((o.udhi ? 0x40 : 0) | 0x04); // TP-MTI 00, TP-MMS = no more messages
  writeAddress(w, o.originator);
  w.u8(o.pid ?? 0).u8(dcs).bytes(o.scts ?? encodeScts(new Date(0)));
  w.u8(o.userData.length).bytes(o.userData);
  return Buffer.from(w.finish());
}

/** SMS-SUBMIT carrying 8-bit user data, no validity period. */
export function encodeSmsSubmit(o: {
  destination: SmsAddress;
  userData: Buffer;
  udhi: boolean;
  messageReference?: number;
  dcs?: number;
  pid?: number;
  statusReportRequest?: boolean;
}): Buffer {
  if (o.userData.length > 140) throw new WapEncodeError('TP-UD longer than 140 octets');
  const dcs = o.dcs ?? 0x04;
  if (dcsAlphabet(dcs) === 'gsm7') throw new WapEncodeError('only 8-bit and UCS2 user data are encoded here');
  const w = new Writer(176);
  w.u8(0x01 | (o.udhi ? 0x40 : 0) | (o.statusReportRequest ? 0x20 : 0));
  w.u8(o.messageReference ?? 0);
  writeAddress(w, o.destination);
  w.u8(o.pid ?? 0).u8(dcs);
  w.u8(o.userData.length).bytes(o.userData);
  return Buffer.from(w.finish());
}
