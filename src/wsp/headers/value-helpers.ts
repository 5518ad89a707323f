/**
 * Small grammar pieces shared by the header value codecs (WAP-230 §8.4.2): the three value kinds, well-known
 * tokens with a text fallback, q-value suffixes, HTTP dates.
 */
import { DecodeErrorCode, WapEncodeError } from '../../wire/errors.ts';
import {
  readIntegerValue,
  readLengthPrefixed,
  readQValue,
  readShortInteger,
  readTextString,
  readTokenText,
  writeIntegerValue,
  writeLengthPrefixed,
  writeQValue,
  writeShortInteger,
  writeTextString,
  writeTokenText,
} from '../../wire/primitives.ts';
import type { Reader } from '../../wire/reader.ts';
import { Writer } from '../../wire/writer.ts';
import { splitOutsideQuotes, unquote } from '../content-type.ts';

export { Writer };

/** A (code, name) table as the codecs see it. */
export interface CodeTable {
  name(code: number): string | undefined;
  code(name: string, version?: number): number | undefined;
}

export function isShort(r: Reader): boolean {
  return r.peek() >= 0x80;
}

export function isLength(r: Reader): boolean {
  return r.peek() <= 31;
}

export function isText(r: Reader): boolean {
  const b = r.peek();
  return b >= 32 && b < 0x80;
}

/** Short-integer looked up in a table, else the Token-text / Text-string. Unknown codes render as digits. */
export function readTokenOrText(r: Reader, t: CodeTable): string {
  if (isShort(r)) {
    const code = readShortInteger(r);
    const n = t.name(code);
    if (n === undefined) r.fail(DecodeErrorCode.VALUE, `unassigned code 0x${code.toString(16)}`, r.pos - 1);
    return n;
  }
  return readTextString(r);
}

/** Writes the table's Short-integer when the name is assigned (and allowed at `version`), else Token-text. */
export function writeTokenOrText(w: Writer, value: string, t: CodeTable, version: number): void {
  const code = t.code(value.trim().toLowerCase(), version);
  if (code !== undefined && code < 0x80) writeShortInteger(w, code);
  else writeTextString(w, value.trim());
}

/** Value-length framed content, decoded by `body` which must consume it all. */
export function readFramed<T>(r: Reader, what: string, body: (v: Reader) => T): T {
  const v = readLengthPrefixed(r, what);
  const out = body(v);
  v.expectEnd(what);
  return out;
}

export function writeFramed(w: Writer, body: (inner: Writer) => void): void {
  const inner = new Writer(64);
  body(inner);
  writeLengthPrefixed(w, inner.finish());
}

/** `value;q=0.5` → [value, q] (q undefined when absent). */
export function splitQ(text: string): [string, number | undefined] {
  const parts = splitOutsideQuotes(text, ';');
  const main = parts.shift()!.trim();
  let q: number | undefined;
  for (const p of parts) {
    const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
    if (!m) throw new WapEncodeError(`unsupported parameter '${p.trim()}'`);
    q = Number(m[1]);
    if (!(q >= 0 && q <= 1)) throw new WapEncodeError(`q out of range in '${text}'`);
  }
  return [main, q];
}

export function withQ(value: string, q: number | undefined): string {
  return q === undefined ? value : `${value};q=${Math.round(q * 1000) / 1000}`;
}

/** An optional trailing Q-value inside a general form. */
export function readOptionalQ(v: Reader): number | undefined {
  return v.atEnd() ? undefined : readQValue(v);
}

/** q=1 has no Q-value form: it is written by leaving the Q-value out. */
export function writeOptionalQ(w: Writer, q: number | undefined): void {
  if (q !== undefined && q < 1) writeQValue(w, q);
}

export function formatDate(d: Date): string {
  return d.toUTCString();
}

export function parseDate(text: string): Date {
  const t = Date.parse(text.trim());
  if (Number.isNaN(t) || t < 0) throw new WapEncodeError(`not an HTTP date: '${text}'`);
  return new Date(t);
}

export function parseUint(text: string, what: string): number {
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t) || !Number.isSafeInteger(Number(t))) throw new WapEncodeError(`${what} is not a number: '${text}'`);
  return Number(t);
}

export function readInt(r: Reader): number {
  return readIntegerValue(r);
}

export function writeInt(w: Writer, v: number): void {
  writeIntegerValue(w, v);
}

export interface Ctx {
  version: number;
  /** The field code being written: later assignments of a name accept more (see `needs`). */
  code: number;
  /**
   * The code is the one a decoded field arrived with (WspHeader.code): the value is written in its full typed
   * grammar under it, as the sender did (e.g. Content-Disposition `inline` under 0x2E rather than 0x45).
   */
  kept?: boolean;
}

/** Refuses a value whose grammar arrived with a later field code (the caller then tries that code). */
export function needs(c: Ctx, codes: readonly number[], what: string): void {
  if (!c.kept && !codes.includes(c.code)) throw new WapEncodeError(`${what} needs field code ${codes.map((x) => `0x${x.toString(16)}`).join('/')}`);
}

export interface ValueCodec {
  decode(r: Reader): string;
  encode(w: Writer, value: string, ctx: Ctx): void;
  /** HTTP allows a comma-separated list; WSP sends one field per element (WAP-230 §8.4.1.1). */
  list?: boolean;
}

/** Refuses a value with no assignment (WapEncodeError: the caller falls back to text or raw). */
export function fail(what: string): never {
  throw new WapEncodeError(`no assignment for ${what}`);
}

export { readTokenText, writeTokenText, readTextString, writeTextString, unquote };
