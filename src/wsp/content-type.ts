/**
 * WSP Content-type-value (WAP-230 §8.4.2.24): Constrained-media (Short-integer well-known code or
 * Extension-media text) | Content-general-form (Value-length Media-type *Parameter), and the Parameter
 * grammar (§8.4.2.4) shared by Accept, Content-Disposition, Set-Cookie and friends.
 *
 * CONTRACT (other modules depend on these names and shapes): ContentType, Parameter, readContentType,
 * writeContentType, parseContentType, formatContentType.
 */
import { DecodeErrorCode, WapEncodeError } from '../wire/errors.ts';
import {
  QUOTE,
  QUOTED_STRING_START,
  readDateValue,
  readIntegerValue,
  readLengthPrefixed,
  readQValue,
  readShortInteger,
  readTextString,
  readTokenText,
  readVersionValue,
  utf8Octets,
  versionToString,
  writeDateValue,
  writeIntegerValue,
  writeLengthPrefixed,
  writeQValue,
  writeShortInteger,
  writeTextString,
  writeTokenText,
} from '../wire/primitives.ts';
import type { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { ANY, CHARSETS, CONTENT_TYPES, ENCODING_VERSION_LATEST, FIELD_NAMES, PARAMS_BY_CODE, paramCode } from './well-known.ts';

export interface Parameter {
  /** Lower-case parameter name, e.g. 'charset', 'type', 'start', 'name'. */
  name: string;
  /** Value as text (charset by name, e.g. 'utf-8'; q as '0.5'; type as a media type string). */
  value: string;
}

export interface ContentType {
  /** Lower-case media type, e.g. 'application/vnd.wap.mms-message'. */
  type: string;
  params: Parameter[];
}

export interface CodecOptions {
  /** Negotiated encoding version (major*16+minor); codes newer than this are sent as text. Default 1.5. */
  encodingVersion?: number;
}

/** Name used for a well-known code we have no assignment for; written back as that code. */
const UNKNOWN_MEDIA = /^application\/x-wsp-0x([0-9a-f]+)$/;
const UNKNOWN_PARAM = /^x-wsp-param-0x([0-9a-f]+)$/;

// ---------------------------------------------------------------- media types

export function mediaName(code: number): string {
  return (CONTENT_TYPES.name(code) ?? `application/x-wsp-0x${code.toString(16)}`).toLowerCase();
}

/** The well-known code for a media type usable at `version`, if any. */
export function mediaCode(type: string, version = ENCODING_VERSION_LATEST): number | undefined {
  const m = UNKNOWN_MEDIA.exec(type.toLowerCase());
  if (m) return parseInt(m[1]!, 16);
  return CONTENT_TYPES.code(type, version);
}

// ---------------------------------------------------------------- decoding

/** Content-type-value (WAP-230 §8.4.2.24). */
export function readContentType(r: Reader): ContentType {
  const b = r.peek();
  // §8.4.2.24 Constrained-media: Short-integer
  if (b >= 0x80) return { type: mediaName(readShortInteger(r)), params: [] };
  // Constrained-media: Extension-media
  if (b > 31) return { type: readTokenText(r).toLowerCase(), params: [] };
  // Content-general-form = Value-length Media-type *Parameter
  const v = readLengthPrefixed(r, 'Content-general-form');
  const first = v.peek();
  const type = first >= 0x80 || first <= 30 ? mediaName(readIntegerValue(v)) : readTokenText(v).toLowerCase();
  return { type, params: readParameters(v) };
}

/** Parameters up to the end of the reader's window. */
export function readParameters(r: Reader, max = 64): Parameter[] {
  const params: Parameter[] = [];
  while (!r.atEnd()) {
    if (params.length >= max) r.fail(DecodeErrorCode.LIMIT, `more than ${max} parameters`);
    params.push(readParameter(r));
  }
  return params;
}

/** Parameter = Typed-parameter | Untyped-parameter (WAP-230 §8.4.2.4). */
export function readParameter(r: Reader): Parameter {
  const start = r.pos;
  const b = r.peek();
  if (b >= 0x80 || (b >= 1 && b <= 30)) {
    // Typed-parameter = Well-known-parameter-token Typed-value
    const code = readIntegerValue(r);
    const entry = PARAMS_BY_CODE.get(code);
    if (!entry) return { name: `x-wsp-param-0x${code.toString(16)}`, value: readUntypedValue(r) };
    return { name: entry.name, value: readTypedParamValue(r, entry.kind) };
  }
  if (b === 0) return r.fail(DecodeErrorCode.VALUE, 'parameter starts with NUL', start);
  // Untyped-parameter = Token-text Untyped-value
  const name = readTokenText(r).toLowerCase();
  return { name, value: r.atEnd() ? '' : readUntypedValue(r) };
}

/** Untyped-value = Integer-value | Text-value. */
function readUntypedValue(r: Reader): string {
  const b = r.peek();
  if (b >= 0x80 || (b >= 1 && b <= 30)) return String(readIntegerValue(r));
  return readTextValue(r);
}

/** Text-value = No-value | Token-text | Quoted-string (WAP-230 §8.4.2.3). */
export function readTextValue(r: Reader): string {
  const b = r.peek();
  if (b === 0) {
    r.u8();
    return '';
  }
  if (b === QUOTED_STRING_START) {
    r.u8();
    return r.cstring('Quoted-string').toString('latin1');
  }
  return readTextString(r);
}

function readTypedParamValue(r: Reader, kind: import('./well-known.ts').ParamKind): string {
  const b = r.peek();
  switch (kind) {
    case 'q':
      return formatQ(readQValue(r));
    case 'charset':
      // Well-known-charset = Any-charset | Integer-value; lenient: a Text-string
      if (b === ANY) {
        r.u8();
        return '*';
      }
      if (b >= 0x80 || b <= 30) return charsetName(readIntegerValue(r));
      return readTextString(r).toLowerCase();
    case 'version':
      return versionToString(readVersionValue(r));
    case 'integer':
    case 'delta':
      if (b >= 0x80 || b <= 30) return String(readIntegerValue(r));
      return readTextValue(r);
    case 'short':
      return String(readShortInteger(r));
    case 'constrained':
      // Constrained-encoding = Extension-media | Short-integer
      if (b >= 0x80) return mediaName(readShortInteger(r));
      return readTokenText(r).toLowerCase();
    case 'field-name':
      if (b >= 0x80) {
        const code = readShortInteger(r);
        return FIELD_NAMES.name(code) ?? `x-wsp-field-0x${code.toString(16)}`;
      }
      return readTokenText(r);
    case 'no-value':
      if (b === 0) {
        r.u8();
        return '';
      }
      return readTextValue(r);
    case 'date':
      if (b <= 30) return readDateValue(r).toUTCString();
      return readTextValue(r);
    case 'text':
      // Text-string (a leading '"' is part of the text here, not a Quoted-string)
      return readTextString(r);
    case 'text-value':
      return readTextValue(r);
  }
}

export function charsetName(mib: number): string {
  return CHARSETS.name(mib) ?? String(mib);
}

export function charsetMib(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  return CHARSETS.code(name.toLowerCase());
}

function formatQ(q: number): string {
  return String(Math.round(q * 1000) / 1000);
}

// ---------------------------------------------------------------- encoding

/** Encodes with the well-known code when one exists, the constrained form when there are no parameters. */
export function writeContentType(w: Writer, ct: ContentType, opts: CodecOptions = {}): void {
  const version = opts.encodingVersion ?? ENCODING_VERSION_LATEST;
  const type = ct.type.toLowerCase();
  const code = type ? mediaCode(type, version) : undefined;
  // An empty Extension-media only fits the general form (a lone NUL would read as Short-length 0).
  if (ct.params.length === 0 && type) {
    // §8.4.2.24 Constrained-media
    if (code !== undefined && code < 0x80) writeShortInteger(w, code);
    else if (code !== undefined) {
      const inner = new Writer(8);
      writeIntegerValue(inner, code);
      writeLengthPrefixed(w, inner.finish());
    } else writeTokenText(w, type);
    return;
  }
  const inner = new Writer(64);
  if (code !== undefined) writeIntegerValue(inner, code);
  else writeTokenText(inner, type);
  writeParameters(inner, ct.params, opts);
  writeLengthPrefixed(w, inner.finish());
}

export function writeParameters(w: Writer, params: readonly Parameter[], opts: CodecOptions = {}): void {
  for (const p of params) writeParameter(w, p, opts);
}

/** Typed when the name is well known and the value fits its grammar; untyped (Token-text + value) otherwise. */
export function writeParameter(w: Writer, p: Parameter, opts: CodecOptions = {}): void {
  const version = opts.encodingVersion ?? ENCODING_VERSION_LATEST;
  const name = p.name.trim().toLowerCase();
  // Text is carried as latin1 octets; characters beyond U+00FF go as their UTF-8 octets.
  const value = /[^\u0000-\u00ff]/.test(p.value) ? utf8Octets(p.value) : p.value;
  const unknown = UNKNOWN_PARAM.exec(name);
  if (unknown) {
    writeIntegerValue(w, parseInt(unknown[1]!, 16));
    writeUntypedValue(w, value);
    return;
  }
  const typed = new Writer(32);
  if (tryTypedParameter(typed, name, value, version)) {
    w.bytes(typed.finish());
    return;
  }
  if (!name) throw new WapEncodeError('empty parameter name');
  writeTokenText(w, name);
  writeUntypedValue(w, value);
}

function tryTypedParameter(w: Writer, name: string, value: string, version: number): boolean {
  // `type` is an Integer-value (0x03) for numbers, a media type (0x09, Constrained-encoding) otherwise
  let entry = paramCode(name, version);
  if (name === 'type' && !/^\d+$/.test(value)) entry = version >= 0x12 ? PARAMS_BY_CODE.get(0x09) : undefined;
  if (!entry) return false;
  writeShortInteger(w, entry.code);
  switch (entry.kind) {
    case 'q': {
      const q = Number(value);
      if (!(q >= 0 && q < 1) || value.trim() === '') return false;
      writeQValue(w, q);
      return true;
    }
    case 'charset': {
      if (value === '*') {
        w.u8(ANY);
        return true;
      }
      const mib = charsetMib(value);
      if (mib === undefined) return false;
      writeIntegerValue(w, mib);
      return true;
    }
    case 'version': {
      const m = /^([0-7])(?:\.(\d{1,2}))?$/.exec(value);
      if (m && (m[2] === undefined || Number(m[2]) < 15)) {
        writeShortInteger(w, (Number(m[1]) << 4) | (m[2] === undefined ? 0x0f : Number(m[2])));
      } else writeTextString(w, value);
      return true;
    }
    case 'integer':
    case 'delta':
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return false;
      writeIntegerValue(w, Number(value));
      return true;
    case 'short':
      if (!/^\d+$/.test(value) || Number(value) > 127) return false;
      writeShortInteger(w, Number(value));
      return true;
    case 'constrained': {
      const code = mediaCode(value, version);
      if (code !== undefined && code < 0x80) writeShortInteger(w, code);
      else if (value && !value.includes('\0')) writeTokenText(w, value.toLowerCase());
      else return false;
      return true;
    }
    case 'field-name': {
      const code = FIELD_NAMES.code(value, version);
      if (code !== undefined) writeShortInteger(w, code);
      else writeTokenText(w, value);
      return true;
    }
    case 'no-value':
      if (value !== '') return false;
      w.u8(0);
      return true;
    case 'date': {
      const t = Date.parse(value);
      if (Number.isNaN(t) || t < 0) return false;
      writeDateValue(w, new Date(t));
      return true;
    }
    case 'text':
      if (value.includes('\0')) return false;
      writeTextString(w, value);
      return true;
    case 'text-value':
      writeTextValue(w, value);
      return true;
  }
}

/** Untyped-value: Integer-value for decimal numbers, Text-value otherwise. */
function writeUntypedValue(w: Writer, value: string): void {
  if (/^\d{1,15}$/.test(value)) writeIntegerValue(w, Number(value));
  else writeTextValue(w, value);
}

/** Text-value: No-value for '', Token-text for a token, Quoted-string otherwise. */
export function writeTextValue(w: Writer, value: string): void {
  if (value === '') w.u8(0);
  else if (isToken(value) && value.charCodeAt(0) !== QUOTE) writeTokenText(w, value);
  else w.u8(QUOTED_STRING_START).cstring(Buffer.from(value, 'latin1'));
}

// ---------------------------------------------------------------- HTTP text side

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** A parameter value as HTTP writes it: bare when a token, quoted (with escapes) otherwise. */
export function quoteIfNeeded(v: string): string {
  if (isToken(v)) return v;
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** ContentType → HTTP text form. */
export function formatContentType(ct: ContentType): string {
  return [ct.type, ...ct.params.map(formatParameter)].join('; ');
}

export function formatParameter(p: Parameter): string {
  return p.value === '' && (p.name === 'secure' || p.name === '') ? p.name : `${p.name}=${quoteIfNeeded(p.value)}`;
}

/** 'text/plain; charset=utf-8' → ContentType (lenient, for HTTP-side text). */
export function parseContentType(text: string): ContentType {
  const parts = splitOutsideQuotes(text, ';');
  const type = (parts.shift() ?? '').trim().toLowerCase();
  return { type, params: parseParameterList(parts) };
}

/** 'a=b' / 'a="b c"' / 'secure' items → parameters (names lower-cased, values unquoted). */
export function parseParameterList(items: readonly string[]): Parameter[] {
  const params: Parameter[] = [];
  for (const item of items) {
    const t = item.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq < 0) params.push({ name: t.toLowerCase(), value: '' });
    else params.push({ name: t.slice(0, eq).trim().toLowerCase(), value: unquote(t.slice(eq + 1).trim()) });
  }
  return params;
}

export function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/** Splits on `sep` where it is not inside a quoted string. */
export function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
