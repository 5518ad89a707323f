/**
 * WSP headers (WAP-230 §8.4): binary ⇄ HTTP text, field by field.
 *
 * CONTRACT (other modules depend on these names and shapes): headers travel through wapgate as (name, value)
 * pairs in HTTP text syntax; the codecs here turn them into WSP's binary form (well-known field codes and typed
 * values, code pages) and back.
 *
 * Decoding is lenient: a value off its grammar is kept as raw octets (and rendered as text where possible),
 * fields on other header code pages come out as text headers named `X-Wsp-Page-<page>-0x<code>` with the raw
 * value kept. Encoding is strict: well-known codes and typed values where the peer's encoding version has them,
 * Text-string otherwise; a header with `raw` is re-emitted unchanged.
 */
import { DecodeErrorCode, WapDecodeError, WapEncodeError } from '../../wire/errors.ts';
import { peekValueKind, readRawValue, readTextString, readTokenText, utf8Octets, writeTextString, writeTokenText } from '../../wire/primitives.ts';
import { Reader } from '../../wire/reader.ts';
import { Writer } from '../../wire/writer.ts';
import { isToken, splitOutsideQuotes } from '../content-type.ts';
import { ENCODING_VERSION_LATEST, FIELD_NAMES } from '../well-known.ts';
import { CODECS } from './codecs.ts';

export interface WspHeader {
  /** Canonical field name as HTTP writes it ('Content-Length', 'X-Wap-Application-Id', or any application header). */
  name: string;
  /** The value in HTTP text syntax. */
  value: string;
  /**
   * Set when the value could not be typed, or when its octets differ from what encoding `value` would give
   * (e.g. a non-minimal integer from a handset): the exact encoded value, re-emitted unchanged on encode.
   * Whoever changes `value` must drop `raw`.
   */
  raw?: Buffer;
  /**
   * The page-1 field code the field arrived with, set by the decoder only when it differs from the code
   * encodeHeaders would choose (e.g. Accept-Charset as 0x3B rather than 0x01), so re-encoding is byte-exact.
   * Ignored on encode unless it is an assignment of `name`.
   */
  code?: number;
  /**
   * Set by the decoder when the field arrived as an application header (Token-text name) although its name is
   * a well-known field's (a handset's `Accept` or `x-wap-profile` spelled out): encodeHeaders then writes it
   * textual again, so decode → encode → decode keeps its name, form and octets.
   */
  text?: true;
  /**
   * The shift octets (WAP-230 §8.4.2.6: Shift-delimiter + Page-identity, or Short-cut-shift-delimiters) that
   * preceded this field as received, when there were any: re-emitted before it while they still select the
   * page the field needs, so redundant or repeated shifts survive a round trip byte for byte.
   */
  shift?: Buffer;
}

export interface HeaderCodecOptions {
  /** Negotiated WSP encoding version (major*16+minor, e.g. 0x15 for 1.5); limits which codes are emitted. */
  encodingVersion?: number;
  /** Cap on the number of header fields decoded from one block (default 256). */
  maxHeaders?: number;
}

/**
 * HTTP names of WSP fields where HTTP uses another name (UAProf, W3C CC/PP exchange): the gateway writes
 * these on the HTTP side; encodeHeaders accepts either name.
 */
export const HTTP_NAMES: ReadonlyMap<string, string> = new Map([
  ['Profile', 'X-Wap-Profile'],
  ['Profile-Diff', 'X-Wap-Profile-Diff'],
  ['Profile-Warning', 'X-Wap-Profile-Warning'],
]);
const WSP_NAMES = new Map([...HTTP_NAMES].map(([w, h]) => [h.toLowerCase(), w]));

/** The WSP field name for an HTTP header name ('x-wap-profile' → 'Profile'); other names unchanged. */
export function wspFieldName(httpName: string): string {
  return WSP_NAMES.get(httpName.toLowerCase()) ?? httpName;
}

/** The HTTP header name for a WSP field name ('Profile' → 'X-Wap-Profile'); other names unchanged. */
export function httpFieldName(wspName: string): string {
  return HTTP_NAMES.get(wspName) ?? wspName;
}

/** WAP-230 §8.4.2.6 Shift-delimiter; octets 1..31 are Short-cut-shift-delimiters. */
export const SHIFT_DELIMITER = 0x7f;
const OTHER_PAGE = /^x-wsp-page-(\d{1,3})-0x([0-9a-f]{1,2})$/i;
const UNKNOWN_FIELD = /^x-wsp-field-0x([0-9a-f]{1,2})$/i;

// ---------------------------------------------------------------- decoding

/** Decodes a whole header block (the reader's window) into fields. */
export function decodeHeaders(r: Reader, opts: HeaderCodecOptions = {}): WspHeader[] {
  const max = opts.maxHeaders ?? 256;
  const out: WspHeader[] = [];
  let page = 1;
  // Where the shift octets before the next field began (-1: none since the last field).
  let shiftStart = -1;
  let shifts = 0;
  // The page encodeHeaders would be on: it moves for well-known fields and kept shifts only.
  let fieldPage = 1;
  while (!r.atEnd()) {
    if (out.length >= max) r.fail(DecodeErrorCode.LIMIT, `more than ${max} header fields`);
    const b = r.peek();
    if (b === SHIFT_DELIMITER || (b >= 1 && b <= 31)) {
      // Lenient but bounded: shifts that select nothing still count against the field cap.
      if (++shifts > max) r.fail(DecodeErrorCode.LIMIT, `more than ${max} shift sequences`);
      if (shiftStart < 0) shiftStart = r.pos;
      r.u8();
      // §8.4.2.6 Shift-sequence = Shift-delimiter Page-identity; octets 1-31 are Short-cut-shift-delimiters.
      page = b === SHIFT_DELIMITER ? r.u8() : b;
      continue;
    }
    if (b === 0) r.fail(DecodeErrorCode.VALUE, 'header field starts with NUL');
    const shift = shiftStart >= 0 ? r.buf.subarray(shiftStart, r.pos) : undefined;
    shiftStart = -1;
    const f = b >= 0x80 ? readWellKnown(r, page) : readApplicationHeader(r);
    // Kept only when encodeHeaders would not write these very octets (a redundant or repeated shift).
    if (shift && !shift.equals(canonicalShift(b >= 0x80, fieldPage, page))) f.shift = Buffer.from(shift);
    if (b >= 0x80 || f.shift) fieldPage = page;
    out.push(f);
  }
  return out;
}

const NO_OCTETS = Buffer.alloc(0);

/** The shift octets encodeHeaders writes before a field: none for an application header or the same page. */
function canonicalShift(wellKnown: boolean, from: number, to: number): Buffer {
  if (!wellKnown || from === to) return NO_OCTETS;
  return to >= 1 && to <= 31 ? Buffer.from([to]) : Buffer.from([SHIFT_DELIMITER, to]);
}

/** Decodes one header block from a Buffer (convenience). */
export function decodeHeaderBlock(buf: Buffer, opts?: HeaderCodecOptions): WspHeader[] {
  return decodeHeaders(new Reader(buf), opts);
}

function readWellKnown(r: Reader, page: number): WspHeader {
  const code = r.u8() & 0x7f;
  const start = r.pos;
  const raw = readRawValue(r);
  if (page !== 1) {
    return { name: `X-Wsp-Page-${page}-0x${hex(code)}`, value: renderRaw(raw, start, r.buf), raw };
  }
  const name = FIELD_NAMES.name(code) ?? `X-Wsp-Field-0x${hex(code)}`;
  const codec = CODECS.get(code);
  // Raw-kept fields remember a code other than the one encodeHeaders would pick for the name.
  const rawField = (): WspHeader => {
    const f: WspHeader = { name, value: renderRaw(raw, start, r.buf), raw };
    if (FIELD_NAMES.code(name) !== code && FIELD_NAMES.name(code)) f.code = code;
    return f;
  };
  if (!codec) return rawField();
  let value: string;
  try {
    const vr = new Reader(r.buf, start, r.pos);
    value = codec.decode(vr);
    vr.expectEnd(name);
  } catch (e) {
    if (!(e instanceof WapDecodeError || e instanceof WapEncodeError)) throw e;
    return rawField();
  }
  // Keep the code and octets when our canonical encoding of the text would differ (lossless round trip).
  const field: WspHeader = { name, value };
  let canonical: Buffer | undefined;
  try {
    const w = new Writer(raw.length + 8);
    writeField(w, FIELD_NAMES.codes(name), value, ENCODING_VERSION_LATEST, true);
    canonical = w.finish();
  } catch (e) {
    if (!(e instanceof WapEncodeError)) throw e;
  }
  if (canonical === undefined) return rawField();
  // A list field whose one value the encoder would split or trim (',x' → 'x'): keep its octets.
  if (codec.list) {
    const items = splitList(value);
    if (items.length !== 1 || items[0] !== value) field.raw = raw;
  }
  if (canonical[0] !== (0x80 | code)) field.code = code;
  if (!field.raw && !canonical.subarray(1).equals(raw)) {
    // Same code, other octets → keep them; other code → check the value under the code it came with.
    const w = new Writer(raw.length + 8);
    try {
      codec.encode(w, value, { version: ENCODING_VERSION_LATEST, code, kept: true });
      if (!w.finish().equals(raw)) field.raw = raw;
    } catch (e) {
      if (!(e instanceof WapEncodeError)) throw e;
      field.raw = raw;
    }
  }
  return field;
}

/** Application-header = Token-text Application-specific-value (Text-string; lenient: any value). */
function readApplicationHeader(r: Reader): WspHeader {
  const name = readTokenText(r);
  const f = readApplicationValue(r, name);
  // A well-known name sent as text stays text (see WspHeader.text).
  if (wellKnownCode(name) !== undefined) f.text = true;
  return f;
}

/** The code encodeHeaders would write a field of this name under, if any. */
function wellKnownCode(name: string): number | undefined {
  if (UNKNOWN_FIELD.test(name) || OTHER_PAGE.test(name)) return 0;
  const code = FIELD_NAMES.codes(wspFieldName(name), ENCODING_VERSION_LATEST)[0];
  return code !== undefined && code <= 0x7f ? code : undefined;
}

function readApplicationValue(r: Reader, name: string): WspHeader {
  if (r.atEnd()) return { name, value: '', raw: Buffer.alloc(0) };
  const start = r.pos;
  if (peekValueKind(r) === 'text') return { name, value: readTextString(r) };
  const raw = readRawValue(r);
  // Lenient: handsets send binary values under text names (the Nokia 3510i's `X-WAP.TOD` Long-integer);
  // when the name is a well-known field's, read the value with that field's codec, keeping the octets.
  const code = FIELD_NAMES.code(name.replace(/\./g, '-'));
  const codec = code === undefined ? undefined : CODECS.get(code);
  if (codec) {
    try {
      const vr = new Reader(r.buf, start, r.pos);
      const value = codec.decode(vr);
      vr.expectEnd(name);
      return { name, value, raw };
    } catch (e) {
      if (!(e instanceof WapDecodeError || e instanceof WapEncodeError)) throw e;
    }
  }
  return { name, value: renderRaw(raw, start, r.buf), raw };
}

/** Text where the value is text, the number for a Short-integer, hex octets otherwise. */
function renderRaw(raw: Buffer, start: number, buf: Buffer): string {
  const r = new Reader(buf, start, start + raw.length);
  const kind = peekValueKind(r);
  if (kind === 'short') return String(raw[0]! & 0x7f);
  if (kind === 'text') return readTextString(r);
  const len = raw[0]! === 31 ? raw.length - 1 - uintvarSize(raw) : raw.length - 1;
  return raw.subarray(raw.length - len).toString('hex');
}

function uintvarSize(raw: Buffer): number {
  let n = 0;
  for (let i = 1; i < raw.length && n < 5; i++) {
    n++;
    if ((raw[i]! & 0x80) === 0) break;
  }
  return n;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// ---------------------------------------------------------------- encoding

/** Encodes fields into a header block: well-known codes and typed values where possible, text otherwise. */
export function encodeHeaders(headers: readonly WspHeader[], opts: HeaderCodecOptions = {}): Buffer {
  const version = opts.encodingVersion ?? ENCODING_VERSION_LATEST;
  const w = new Writer(256);
  let page = 1;
  for (const h of headers) {
    // A field without kept octets or code encodes the same way every time: remembered (Reply headers such as
    // Date repeat from one answer to the next, and the typed encoders parse their text on every call).
    const key = h.raw === undefined && h.code === undefined && !h.text && !h.shift && h.value.length <= FIELD_MEMO_VALUE_MAX ? `${version}\u0000${h.name}\u0000${h.value}` : undefined;
    let f = key === undefined ? undefined : FIELD_MEMO.get(key);
    if (f === undefined) {
      f = encodeField(h, version);
      if (key !== undefined) {
        if (FIELD_MEMO.size >= FIELD_MEMO_CAP) FIELD_MEMO.clear();
        // Own memory, not a view of a pooled slab the memo would keep alive.
        const octets = Buffer.allocUnsafeSlow(f.octets.length);
        f.octets.copy(octets);
        FIELD_MEMO.set(key, (f = { page: f.page, octets }));
      }
    }
    const kept = h.shift && shiftedPage(h.shift, page);
    if (kept !== undefined && (f.page === undefined || f.page === kept)) {
      w.bytes(h.shift!);
      page = kept;
    } else if (f.page !== undefined && f.page !== page) {
      // WAP-230 §8.4.2.6: Short-cut-shift-delimiter for pages 1-31, Shift-delimiter + Page-identity beyond.
      if (f.page >= 1 && f.page <= 31) w.u8(f.page);
      else w.u8(SHIFT_DELIMITER).u8(f.page);
      page = f.page;
    }
    w.bytes(f.octets);
  }
  return w.finish();
}

/** One field's octets, and the code page they must be written in (undefined: any page, an application header). */
interface EncodedField {
  page: number | undefined;
  octets: Buffer;
}

const FIELD_MEMO = new Map<string, EncodedField>();
const FIELD_MEMO_CAP = 1024;
const FIELD_MEMO_VALUE_MAX = 256;

/** The page a run of kept shift octets selects, or undefined when they are not shift sequences only. */
function shiftedPage(octets: Buffer, page: number): number | undefined {
  for (let i = 0; i < octets.length; i++) {
    const b = octets[i]!;
    if (b === SHIFT_DELIMITER && i + 1 < octets.length) page = octets[++i]!;
    else if (b >= 1 && b <= 31) page = b;
    else return undefined;
  }
  return page;
}

function encodeField(h: WspHeader, version: number): EncodedField {
  const w = new Writer(64);
  if (h.text) {
    writeApplicationHeader(w, h);
    return { page: undefined, octets: w.finish() };
  }
  const other = OTHER_PAGE.exec(h.name);
  if (other && h.raw) {
    const p = Number(other[1]);
    if (p > 255) throw new WapEncodeError(`code page ${p} out of range`);
    w.u8(0x80 | parseInt(other[2]!, 16));
    w.bytes(h.raw);
    return { page: p, octets: w.finish() };
  }
  const unknown = UNKNOWN_FIELD.exec(h.name);
  let codes = unknown ? [parseInt(unknown[1]!, 16)] : FIELD_NAMES.codes(wspFieldName(h.name), version);
  // The code a decoded field arrived with, if it is this name's and the peer's version has it.
  const came = h.code === undefined ? undefined : FIELD_NAMES.entry(h.code);
  const kept = !!came && !unknown && came.name.toLowerCase() === h.name.toLowerCase() && came.version <= version;
  if (kept) codes = [came.code];
  const code = codes[0];
  if (code === undefined || code > 0x7f) {
    writeApplicationHeader(w, h);
    return { page: undefined, octets: w.finish() };
  }
  if (h.raw) {
    w.u8(0x80 | code).bytes(h.raw);
    return { page: 1, octets: w.finish() };
  }
  const codec = CODECS.get(code);
  const values = codec?.list ? splitList(h.value) : [h.value];
  for (const v of values) writeField(w, codes, v, version, false, kept);
  return { page: 1, octets: w.finish() };
}

/**
 * One field: the first (oldest) code whose grammar takes the value typed — a later assignment of the same
 * name only when the value needs its newer grammar (e.g. Content-Range with an unknown length) — else the
 * first code with the value as a Text-string (WAP-230 §8.4.1.2). `kept`: `codes` is the one code a decoded field
 * arrived with, and the value keeps its typed form under it (see Ctx.kept).
 */
function writeField(w: Writer, codes: readonly number[], value: string, version: number, strict = false, kept = false): void {
  for (const code of codes) {
    const codec = CODECS.get(code);
    if (!codec) break;
    const typed = new Writer(64);
    try {
      codec.encode(typed, value, { version, code, kept });
    } catch (e) {
      if (!(e instanceof WapEncodeError)) throw e;
      continue;
    }
    w.u8(0x80 | code).bytes(typed.finish());
    return;
  }
  if (strict) throw new WapEncodeError(`no typed form for '${value}'`);
  w.u8(0x80 | codes[0]!);
  writeTextString(w, octetText(value));
}

/** Text carried as latin1 octets; a string with characters beyond U+00FF goes as its UTF-8 octets. */
function octetText(v: string): string {
  return /[^\u0000-\u00ff]/.test(v) ? utf8Octets(v) : v;
}

function writeApplicationHeader(w: Writer, h: WspHeader): void {
  // Token-text: must not be empty, contain NUL, or start with an octet that reads as a code or shift.
  const first = h.name.charCodeAt(0);
  if (!h.name || h.name.includes('\0') || first < 0x20 || first >= 0x7f) {
    throw new WapEncodeError(`header name '${h.name}' cannot be sent as Token-text`);
  }
  writeTokenText(w, h.name);
  if (h.raw) w.bytes(h.raw);
  else writeTextString(w, octetText(h.value));
}

/** 'a, b;q=0.5, "c, d"' → ['a', 'b;q=0.5', '"c, d"']. */
export function splitList(value: string): string[] {
  const parts = splitOutsideQuotes(value, ',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return parts.length ? parts : [value.trim()];
}

export { FIELD_NAMES };
