/**
 * Value codecs for MMS header fields, one per FieldKind (OMA-MMS-ENC-V1_3 §7.3). Each decoder reads exactly one
 * value from a Reader windowed to that value's extent; the caller falls back to raw octets if it fails.
 */
import { DecodeErrorCode, WapEncodeError } from '../wire/errors.ts';
import {
  type EncodedString,
  readDateValue,
  readEncodedStringValue,
  readIntegerValue,
  readLengthPrefixed,
  readLongInteger,
  readShortInteger,
  readTextString,
  readTokenText,
  writeDateValue,
  writeEncodedStringValue,
  writeIntegerValue,
  writeLengthPrefixed,
  writeLongInteger,
  writeShortInteger,
  writeTextString,
  writeTokenText,
} from '../wire/primitives.ts';
import type { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { type FieldDef, MESSAGE_CLASS, MESSAGE_CLASS_CODES } from './fields.ts';
import type { MmsFrom, MmsTime } from './types.ts';

// §7.3.21 From: Address-present-token / Insert-address-token
const ADDRESS_PRESENT = 0x80;
const INSERT_ADDRESS = 0x81;
// §7.3.12 / §7.3.20 time tokens
const ABSOLUTE = 0x80;
const RELATIVE = 0x81;
// §7.3.32 X-Mms-MM-Flags tokens
const FLAG_OPS = { 0x80: 'add', 0x81: 'remove', 0x82: 'filter' } as const;
// §7.3.31 X-Mms-Mbox-Totals / §7.3.30 X-Mms-Mbox-Quotas tokens
const TOTAL_UNITS = { 0x80: 'messages', 0x81: 'bytes' } as const;
// Yes (128) / No (129), e.g. §7.3.13 X-Mms-Delivery-Report
const YES = 0x80;
const NO = 0x81;

/**
 * Encoded-string-value, reading a lone NUL as the empty Text-string: an empty Text-string is a single 0x00, which
 * the general rule would take for a zero Value-length (WAP-230 §8.4.2.1 leaves the two forms overlapping there).
 */
function readEsv(r: Reader): EncodedString {
  if (r.peek() === 0) {
    r.u8();
    return { text: '' };
  }
  return readEncodedStringValue(r);
}

function token<T extends string>(table: Readonly<Record<number, T>>, r: Reader, what: string): T {
  const at = r.pos;
  const b = r.u8();
  const v = table[b];
  if (v === undefined) r.fail(DecodeErrorCode.VALUE, `${what} token 0x${b.toString(16)} unknown`, at);
  return v;
}

function codeOf(table: Readonly<Record<number, string>>, name: string, what: string): number {
  for (const [k, v] of Object.entries(table)) if (v === name) return Number(k);
  throw new WapEncodeError(`${what}: unknown value '${name}'`);
}

function readTime(r: Reader): MmsTime {
  const v = readLengthPrefixed(r, 'time value');
  const at = v.pos;
  const t = v.u8();
  let out: MmsTime;
  if (t === ABSOLUTE) out = { absolute: readDateValue(v) };
  else if (t === RELATIVE) out = { relative: readLongInteger(v) };
  else return v.fail(DecodeErrorCode.VALUE, `time token 0x${t.toString(16)} is neither Absolute nor Relative`, at);
  v.expectEnd('time value');
  return out;
}

function writeFramed(w: Writer, fill: (inner: Writer) => void): void {
  const inner = new Writer(32);
  fill(inner);
  writeLengthPrefixed(w, inner.finish());
}

/** Decodes one value of the given field; the reader is windowed to the value's octets. */
export function readFieldValue(def: FieldDef, r: Reader): unknown {
  switch (def.kind) {
    case 'esv':
      return readEsv(r);
    case 'text':
      return readTextString(r);
    case 'long':
      return readLongInteger(r);
    case 'int':
      return readIntegerValue(r);
    case 'date':
      return readDateValue(r);
    case 'time':
      return readTime(r);
    case 'yesno': {
      const at = r.pos;
      const b = r.u8();
      if (b !== YES && b !== NO) r.fail(DecodeErrorCode.VALUE, `${def.name}: 0x${b.toString(16)} is neither Yes nor No`, at);
      return b === YES;
    }
    case 'enum': {
      const at = r.pos;
      const b = r.u8();
      if (b < 0x80) r.fail(DecodeErrorCode.VALUE, `${def.name}: 0x${b.toString(16)} is not a token`, at);
      return def.values?.[b] ?? b;
    }
    case 'octet':
      return r.u8();
    case 'version': {
      const v = readShortInteger(r);
      const major = (v >> 4) & 0x07;
      const minor = v & 0x0f;
      return minor === 0x0f ? `${major}` : `${major}.${minor}`;
    }
    case 'from': {
      const v = readLengthPrefixed(r, 'From');
      const at = v.pos;
      const t = v.u8();
      let out: MmsFrom;
      if (t === INSERT_ADDRESS) out = { insertAddress: true };
      else if (t === ADDRESS_PRESENT) out = { address: readEsv(v) };
      else return v.fail(DecodeErrorCode.VALUE, `From token 0x${t.toString(16)} unknown`, at);
      v.expectEnd('From');
      return out;
    }
    case 'class': {
      if (r.peek() >= 0x80) return token(MESSAGE_CLASS, r, 'Message-Class');
      const text = readTokenText(r);
      // A Token-text that spells a Class-identifier name would re-encode as the token: keep it raw instead.
      if (MESSAGE_CLASS_CODES.has(text)) r.fail(DecodeErrorCode.VALUE, 'class text collides with a token name');
      return text;
    }
    case 'sentBy': {
      const v = readLengthPrefixed(r, def.name);
      const out = { count: readIntegerValue(v), address: readEsv(v) };
      v.expectEnd(def.name);
      return out;
    }
    case 'sentDate': {
      const v = readLengthPrefixed(r, def.name);
      const out = { count: readIntegerValue(v), date: readDateValue(v) };
      v.expectEnd(def.name);
      return out;
    }
    case 'flags': {
      const v = readLengthPrefixed(r, def.name);
      const out = { op: token(FLAG_OPS, v, def.name), flag: readEsv(v) };
      v.expectEnd(def.name);
      return out;
    }
    case 'totals': {
      const v = readLengthPrefixed(r, def.name);
      const out = { unit: token(TOTAL_UNITS, v, def.name), value: readIntegerValue(v) };
      v.expectEnd(def.name);
      return out;
    }
    case 'field':
      return readShortInteger(r);
    case 'contentType':
    case 'raw':
      return r.fail(DecodeErrorCode.UNKNOWN_TYPE, `${def.name} has no typed form`);
  }
}

function need<T>(ok: boolean, v: unknown, def: FieldDef): T {
  if (!ok) throw new WapEncodeError(`${def.name}: bad value ${JSON.stringify(v)}`);
  return v as T;
}

/** Encodes one value of the given field (no field code). */
export function writeFieldValue(def: FieldDef, w: Writer, value: unknown): void {
  switch (def.kind) {
    case 'esv':
      return writeEncodedStringValue(w, need<EncodedString>(typeof (value as EncodedString)?.text === 'string', value, def));
    case 'text':
      return writeTextString(w, need<string>(typeof value === 'string', value, def));
    case 'long':
      return writeLongInteger(w, need<number>(typeof value === 'number', value, def));
    case 'int':
      return writeIntegerValue(w, need<number>(typeof value === 'number', value, def));
    case 'date':
      return writeDateValue(w, need<Date>(value instanceof Date, value, def));
    case 'time': {
      const t = need<MmsTime>(typeof value === 'object' && value !== null, value, def);
      return writeFramed(w, (inner) => {
        if ('absolute' in t) writeDateValue(inner.u8(ABSOLUTE), t.absolute);
        else writeLongInteger(inner.u8(RELATIVE), t.relative);
      });
    }
    case 'yesno':
      w.u8(need<boolean>(typeof value === 'boolean', value, def) ? YES : NO);
      return;
    case 'enum':
      w.u8(typeof value === 'number' ? value : codeOf(def.values ?? {}, String(value), def.name));
      return;
    case 'octet':
      w.u8(need<number>(typeof value === 'number', value, def));
      return;
    case 'version': {
      const m = /^(\d)(?:\.(\d{1,2}))?$/.exec(need<string>(typeof value === 'string', value, def));
      if (!m || Number(m[1]) > 7 || Number(m[2] ?? 0) > 14) throw new WapEncodeError(`MMS version '${String(value)}'`);
      return writeShortInteger(w, (Number(m[1]) << 4) | (m[2] === undefined ? 0x0f : Number(m[2])));
    }
    case 'from': {
      const f = need<MmsFrom>(typeof value === 'object' && value !== null, value, def);
      return writeFramed(w, (inner) => {
        if ('insertAddress' in f) inner.u8(INSERT_ADDRESS);
        else writeEncodedStringValue(inner.u8(ADDRESS_PRESENT), f.address);
      });
    }
    case 'class': {
      const s = need<string>(typeof value === 'string', value, def);
      const code = MESSAGE_CLASS_CODES.get(s);
      if (code !== undefined) w.u8(code);
      else writeTokenText(w, s);
      return;
    }
    case 'sentBy': {
      const v = value as { count: number; address: EncodedString };
      return writeFramed(w, (inner) => {
        writeIntegerValue(inner, v.count);
        writeEncodedStringValue(inner, v.address);
      });
    }
    case 'sentDate': {
      const v = value as { count: number; date: Date };
      return writeFramed(w, (inner) => {
        writeIntegerValue(inner, v.count);
        writeDateValue(inner, v.date);
      });
    }
    case 'flags': {
      const v = value as { op: string; flag: EncodedString };
      return writeFramed(w, (inner) => {
        inner.u8(codeOf(FLAG_OPS, v.op, def.name));
        writeEncodedStringValue(inner, v.flag);
      });
    }
    case 'totals': {
      const v = value as { unit: string; value: number };
      return writeFramed(w, (inner) => {
        inner.u8(codeOf(TOTAL_UNITS, v.unit, def.name));
        writeIntegerValue(inner, v.value);
      });
    }
    case 'field':
      return writeShortInteger(w, need<number>(typeof value === 'number', value, def));
    case 'contentType':
    case 'raw':
      throw new WapEncodeError(`${def.name} has no typed form`);
  }
}
