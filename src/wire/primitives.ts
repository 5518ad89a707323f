/**
 * WAP-230 §8.4.2 basic rules, used by WSP headers and MMS encapsulation alike.
 *
 * Text is carried as `latin1` JavaScript strings: one char per octet, so decode → encode gives back the
 * same bytes whatever charset the peer used. Layers that know a charset (MMS Encoded-string-value) convert.
 */
import { DecodeErrorCode } from './errors.ts';
import { WapEncodeError } from './errors.ts';
import type { Reader } from './reader.ts';
import { Writer } from './writer.ts';

export const QUOTE = 127; // WAP-230 §8.4.2.1 Quote
export const QUOTED_STRING_START = 0x22; // '"'
export const LENGTH_QUOTE = 31;

// ---- Short-integer / Long-integer / Integer-value (§8.4.2.1, §8.4.2.3) ----

export function readShortInteger(r: Reader): number {
  const b = r.u8();
  if (b < 0x80) r.fail(DecodeErrorCode.VALUE, 'Short-integer must have the high bit set', r.pos - 1);
  return b & 0x7f;
}

export function writeShortInteger(w: Writer, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 127) throw new WapEncodeError(`Short-integer out of range: ${v}`);
  w.u8(0x80 | v);
}

/** Long-integer: Short-length (1..30) then that many big-endian octets. Values beyond 2^53-1 are refused. */
export function readLongInteger(r: Reader): number {
  const start = r.pos;
  const len = r.u8();
  if (len < 1 || len > 30) r.fail(DecodeErrorCode.VALUE, `Long-integer length ${len} not in 1..30`, start);
  r.need(len, 'Long-integer');
  let v = 0;
  for (let i = 0; i < len; i++) {
    v = v * 256 + r.u8();
    if (v > Number.MAX_SAFE_INTEGER) r.fail(DecodeErrorCode.VALUE, 'Long-integer above 2^53-1', start);
  }
  return v;
}

export function writeLongInteger(w: Writer, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new WapEncodeError(`Long-integer out of range: ${v}`);
  const octets: number[] = [];
  do {
    octets.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  w.u8(octets.length);
  for (const o of octets) w.u8(o);
}

/** Integer-value = Short-integer | Long-integer. */
export function readIntegerValue(r: Reader): number {
  return r.peek() >= 0x80 ? readShortInteger(r) : readLongInteger(r);
}

export function writeIntegerValue(w: Writer, v: number): void {
  if (Number.isInteger(v) && v >= 0 && v < 128) writeShortInteger(w, v);
  else writeLongInteger(w, v);
}

// ---- Value-length (§8.4.2.2) ----

/** Value-length = Short-length (0..30) | Length-quote (31) Length (uintvar). Checks the octets are there. */
export function readValueLength(r: Reader): number {
  const b = r.u8();
  let len: number;
  if (b <= 30) len = b;
  else if (b === LENGTH_QUOTE) len = r.uintvar();
  else return r.fail(DecodeErrorCode.VALUE, `octet 0x${b.toString(16)} is not a Value-length`, r.pos - 1);
  r.need(len, 'value');
  return len;
}

export function writeValueLength(w: Writer, len: number): void {
  if (len <= 30) w.u8(len);
  else w.u8(LENGTH_QUOTE).uintvar(len);
}

/** A Value-length and the value it frames, as a sub-reader. */
export function readLengthPrefixed(r: Reader, what = 'value'): Reader {
  const len = readValueLength(r);
  return r.sub(len, what);
}

export function writeLengthPrefixed(w: Writer, body: Uint8Array): void {
  writeValueLength(w, body.length);
  w.bytes(body);
}

// ---- Strings (§8.4.2.1) ----

/** Text-string = [Quote] *TEXT End-of-string. The Quote (0x7F) is dropped. */
export function readTextString(r: Reader): string {
  if (r.peek() === QUOTE) r.u8();
  return r.cstring('Text-string').toString('latin1');
}

/** Adds the Quote when the first octet is ≥ 128, as §8.4.2.1 requires. */
export function writeTextString(w: Writer, s: string): void {
  if (s.length > 0 && s.charCodeAt(0) >= 0x80) w.u8(QUOTE);
  w.cstring(latin1(s));
}

/** Quoted-string = <"> *TEXT End-of-string; returned without the leading quote. */
export function readQuotedString(r: Reader): string {
  const b = r.u8();
  if (b !== QUOTED_STRING_START) r.fail(DecodeErrorCode.VALUE, 'Quoted-string must start with "', r.pos - 1);
  return r.cstring('Quoted-string').toString('latin1');
}

export function writeQuotedString(w: Writer, s: string): void {
  w.u8(QUOTED_STRING_START).cstring(latin1(s));
}

/** Token-text / Extension-media: *TEXT End-of-string (no quote handling). */
export function readTokenText(r: Reader): string {
  return r.cstring('Token-text').toString('latin1');
}

export function writeTokenText(w: Writer, s: string): void {
  w.cstring(latin1(s));
}

export const readExtensionMedia = readTokenText;
export const writeExtensionMedia = writeTokenText;

/** A latin1 string to octets, refusing characters above U+00FF (they have no single-octet form). */
export function latin1(s: string): Buffer {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) throw new WapEncodeError(`character U+${s.charCodeAt(i).toString(16)} is not latin1`);
  }
  return Buffer.from(s, 'latin1');
}

// ---- Encoded-string-value (WAP-230 §8.4.2.x / OMA-MMS-ENC §7.2.9) ----

export interface EncodedString {
  /** The text as latin1 octets (see the module note); `charset` says how to read them. */
  text: string;
  /** IANA MIBenum (106 = UTF-8); absent when sent as a plain Text-string. */
  charset?: number;
}

/** Encoded-string-value = Text-string | Value-length Char-set Text-string. */
export function readEncodedStringValue(r: Reader): EncodedString {
  const b = r.peek();
  if (b > LENGTH_QUOTE) return { text: readTextString(r) };
  const v = readLengthPrefixed(r, 'Encoded-string-value');
  const charset = readIntegerValue(v);
  const text = readTextString(v);
  v.expectEnd('Encoded-string-value');
  return { text, charset };
}

export function writeEncodedStringValue(w: Writer, v: EncodedString): void {
  if (v.charset === undefined) {
    writeTextString(w, v.text);
    return;
  }
  const inner = new Writer(v.text.length + 8);
  writeIntegerValue(inner, v.charset);
  writeTextString(inner, v.text);
  writeLengthPrefixed(w, inner.finish());
}

/** MIBenum → Node encoding for the charsets handsets use; others are kept as octets. */
export function decodeCharset(text: string, charset: number | undefined): string {
  const octets = Buffer.from(text, 'latin1');
  switch (charset) {
    case 106: // UTF-8
      return octets.toString('utf8');
    case 1000: // ISO-10646-UCS-2
    case 1015: // UTF-16
      return octets.length % 2 === 0 ? octets.swap16().toString('utf16le') : text;
    default: // 3 US-ASCII, 4 ISO-8859-1, unknown
      return text;
  }
}

/** A Unicode string to the latin1 octet string that carries it as UTF-8. */
export function utf8Octets(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

// ---- Date-value, Delta-seconds, Q-value, Version-value (§8.4.2.3, §8.4.2.x) ----

/** Date-value = Long-integer: seconds since 1970-01-01T00:00:00Z. */
export function readDateValue(r: Reader): Date {
  return new Date(readLongInteger(r) * 1000);
}

export function writeDateValue(w: Writer, d: Date): void {
  writeLongInteger(w, Math.max(0, Math.floor(d.getTime() / 1000)));
}

/** Q-value: a 1–2 octet uintvar; 1..100 → (v-1)/100, 101..1099 → (v-100)/1000. */
export function readQValue(r: Reader): number {
  const start = r.pos;
  const first = r.u8();
  let v = first & 0x7f;
  if (first & 0x80) {
    const second = r.u8();
    if (second & 0x80) r.fail(DecodeErrorCode.VALUE, 'Q-value longer than 2 octets', start);
    v = v * 128 + second;
  }
  if (v >= 1 && v <= 100) return (v - 1) / 100;
  if (v >= 101 && v <= 1099) return (v - 100) / 1000;
  return r.fail(DecodeErrorCode.VALUE, `Q-value ${v} out of range`, start);
}

export function writeQValue(w: Writer, q: number): void {
  if (!(q >= 0 && q < 1)) throw new WapEncodeError(`Q-value out of range: ${q}`);
  const hundredths = Math.round(q * 100);
  const v = Math.abs(hundredths / 100 - q) < 1e-9 ? hundredths + 1 : Math.round(q * 1000) + 100;
  w.uintvar(v);
}

export type VersionValue = { major: number; minor?: number } | { text: string };

/** Version-value = Short-integer (major<<4 | minor, minor 15 = none) | Text-string. */
export function readVersionValue(r: Reader): VersionValue {
  if (r.peek() >= 0x80) {
    const v = readShortInteger(r);
    const major = v >> 4;
    const minor = v & 0x0f;
    return minor === 0x0f ? { major } : { major, minor };
  }
  return { text: readTextString(r) };
}

export function writeVersionValue(w: Writer, v: VersionValue): void {
  if ('text' in v) writeTextString(w, v.text);
  else writeShortInteger(w, ((v.major & 0x07) << 4) | (v.minor === undefined ? 0x0f : v.minor & 0x0f));
}

export function versionToString(v: VersionValue): string {
  return 'text' in v ? v.text : v.minor === undefined ? `${v.major}` : `${v.major}.${v.minor}`;
}

// ---- Value classification (§8.4.1.2) ----

export type ValueKind = 'length' | 'text' | 'short';

/** What the next value is: 0..31 a Value-length follows, 32..127 text, 128..255 a Short-integer. */
export function peekValueKind(r: Reader): ValueKind {
  const b = r.peek();
  return b <= LENGTH_QUOTE ? 'length' : b < 0x80 ? 'text' : 'short';
}

/** Skips one general value (any of the three kinds) and returns its raw octets. */
export function readRawValue(r: Reader): Buffer {
  const start = r.pos;
  const kind = peekValueKind(r);
  if (kind === 'short') r.u8();
  else if (kind === 'text') r.cstring('value');
  else {
    const len = readValueLength(r);
    r.pos += len;
  }
  return r.buf.subarray(start, r.pos);
}
