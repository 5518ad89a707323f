/**
 * WSP multipart bodies (WAP-230 §8.5, application/vnd.wap.multipart.*) and their conversion to and from
 * MIME multipart text (RFC 2046) for HTTP upstreams.
 *
 * Multipart = nEntries(uintvar) *Entry; Entry = HeadersLen(uintvar) DataLen(uintvar) ContentType Headers Data,
 * where HeadersLen covers ContentType + Headers (§8.5.3).
 */
import { isDeepStrictEqual } from 'node:util';
import { DecodeErrorCode, WapDecodeError, WapEncodeError } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { formatContentType, parseContentType, readContentType, type ContentType } from './content-type.ts';
import { readContentTypeKeepingRaw, writeContentTypeOrRaw } from './pdu-content-type.ts';
import { decodeHeaders, encodeHeaders, type HeaderCodecOptions, type WspHeader } from './headers/index.ts';

export interface MultipartEntry {
  contentType: ContentType;
  /** The Content-Type octets as received when they differ from wapgate's encoding (see pdu-content-type.ts). */
  contentTypeRaw?: Buffer;
  headers: WspHeader[];
  /** The entry's octets as carried. */
  data: Buffer;
  /**
   * For a nested multipart entry (its type is application/vnd.wap.multipart.*): the decoded inner entries.
   * When present, encoding writes these instead of `data`.
   */
  parts?: MultipartEntry[];
  /**
   * Set by readMultipart with `keepWire` (in place of contentTypeRaw): the entry's Content-Type and header octets
   * as received. writeMultipart writes them back while they still decode to `contentType` and `headers`, and
   * writes `data` rather than re-encoding `parts` while it still decodes to them: untouched entries re-encode
   * byte-exact (the MMS codec's faithful re-encoding), changed ones are encoded afresh.
   */
  wire?: EntryWire;
}

export interface EntryWire {
  contentType: Buffer;
  headers: Buffer;
}

export interface MultipartOptions extends HeaderCodecOptions {
  /** Nesting levels decoded into `parts` (default 4); deeper multiparts stay as raw `data`. */
  maxDepth?: number;
  /** Entries accepted in one multipart (default 1024); more is a LIMIT error. */
  maxEntries?: number;
  /** Record each entry's received octets in `wire` (see MultipartEntry.wire). */
  keepWire?: boolean;
}

const DEFAULT_MAX_DEPTH = 4;
const DEFAULT_MAX_ENTRIES = 1024;

/** WSP multipart media types ⇄ MIME multipart subtypes. */
const WSP_TO_MIME: ReadonlyArray<readonly [string, string]> = [
  ['application/vnd.wap.multipart.mixed', 'multipart/mixed'],
  ['application/vnd.wap.multipart.related', 'multipart/related'],
  ['application/vnd.wap.multipart.alternative', 'multipart/alternative'],
  ['application/vnd.wap.multipart.form-data', 'multipart/form-data'],
  ['application/vnd.wap.multipart.byteranges', 'multipart/byteranges'],
  ['application/vnd.wap.multipart.*', 'multipart/*'],
];
const MIME_OF = new Map(WSP_TO_MIME.map(([w, m]) => [w, m]));
const WSP_OF = new Map(WSP_TO_MIME.map(([w, m]) => [m, w]));

/** True for application/vnd.wap.multipart.* (the WSP binary multipart types). */
export function isWspMultipart(type: string): boolean {
  return type.toLowerCase().startsWith('application/vnd.wap.multipart.');
}

/** True for MIME multipart/* types. */
export function isMimeMultipart(type: string): boolean {
  return type.toLowerCase().startsWith('multipart/');
}

// ---------------- binary decode ----------------

function headerOpts(o: MultipartOptions): HeaderCodecOptions {
  const h: HeaderCodecOptions = {};
  if (o.encodingVersion !== undefined) h.encodingVersion = o.encodingVersion;
  if (o.maxHeaders !== undefined) h.maxHeaders = o.maxHeaders;
  return h;
}

/** Reads a multipart filling the reader's window. */
export function readMultipart(r: Reader, opts: MultipartOptions = {}, depth = 0): MultipartEntry[] {
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const countAt = r.pos;
  const n = r.uintvar();
  if (n > maxEntries) r.fail(DecodeErrorCode.LIMIT, `multipart of ${n} entries (cap ${maxEntries})`, countAt);
  const entries: MultipartEntry[] = [];
  for (let i = 0; i < n; i++) {
    const headersLen = r.uintvar();
    const dataLen = r.uintvar();
    const h = r.sub(headersLen, 'multipart entry headers');
    const ctStart = h.pos;
    const { contentType, raw } = opts.keepWire ? { contentType: readContentType(h), raw: undefined } : readContentTypeKeepingRaw(h, opts.encodingVersion);
    const hdrStart = h.pos;
    const headers = h.atEnd() ? [] : decodeHeaders(h, headerOpts(opts));
    const data = r.bytes(dataLen, 'multipart entry data');
    const entry: MultipartEntry = raw ? { contentType, contentTypeRaw: raw, headers, data } : { contentType, headers, data };
    if (opts.keepWire) entry.wire = { contentType: h.buf.subarray(ctStart, hdrStart), headers: h.buf.subarray(hdrStart, h.end) };
    // WAP-230 §8.5: an entry may itself be a multipart; decode it (bounded), keep it raw if it does not parse.
    if (isWspMultipart(contentType.type) && depth + 1 < maxDepth) {
      try {
        entry.parts = readMultipart(new Reader(data), opts, depth + 1);
      } catch (e) {
        if (!(e instanceof WapDecodeError)) throw e;
      }
    }
    entries.push(entry);
  }
  r.expectEnd('multipart');
  return entries;
}

/** Decodes a whole buffer as a WSP multipart body. */
export function decodeMultipart(buf: Buffer, opts: MultipartOptions = {}): MultipartEntry[] {
  return readMultipart(new Reader(buf), opts);
}

// ---------------- binary encode ----------------

export function writeMultipart(w: Writer, entries: readonly MultipartEntry[], opts: MultipartOptions = {}): void {
  w.uintvar(entries.length);
  for (const e of entries) {
    const hw = new Writer(64);
    writeContentTypeOrRaw(hw, e.contentType, e.wire?.contentType ?? e.contentTypeRaw, opts.encodingVersion);
    if (e.wire && sameHeaders(e.wire.headers, e.headers, opts)) hw.bytes(e.wire.headers);
    else if (e.headers.length > 0) hw.bytes(encodeHeaders(e.headers, headerOpts(opts)));
    const hdrs = hw.finish();
    const data = e.parts && !(e.wire && sameEntries(e.data, e.parts, opts)) ? encodeMultipart(e.parts, opts) : e.data;
    w.uintvar(hdrs.length).uintvar(data.length).bytes(hdrs).bytes(data);
  }
}

/** True when the received header octets still decode to `headers`. */
function sameHeaders(octets: Buffer, headers: readonly WspHeader[], opts: MultipartOptions): boolean {
  try {
    return isDeepStrictEqual(octets.length === 0 ? [] : decodeHeaders(new Reader(octets), headerOpts(opts)), headers);
  } catch (e) {
    if (!(e instanceof WapDecodeError)) throw e;
    return false;
  }
}

/** True when `body` decodes (recording wire octets) to exactly `entries`, so it can be written unchanged. */
export function sameEntries(body: Buffer | undefined, entries: readonly MultipartEntry[], opts: MultipartOptions = {}): boolean {
  if (!body) return false;
  try {
    return isDeepStrictEqual(readMultipart(new Reader(body), { ...opts, keepWire: true }), entries);
  } catch (e) {
    if (!(e instanceof WapDecodeError)) throw e;
    return false;
  }
}

export function encodeMultipart(entries: readonly MultipartEntry[], opts: MultipartOptions = {}): Buffer {
  const w = new Writer(256);
  writeMultipart(w, entries, opts);
  return Buffer.from(w.finish());
}

// ---------------- MIME conversion (RFC 2046 §5.1) ----------------

const CRLF = '\r\n';

/** FNV-1a over a few samples of the parts, for a deterministic boundary (no clock, no randomness). */
function fingerprint(entries: readonly MultipartEntry[], salt: number): string {
  let h = 0x811c9dc5 ^ salt;
  const mix = (b: number): void => {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const e of entries) {
    const d = e.data;
    mix(d.length & 0xff);
    for (let i = 0; i < Math.min(d.length, 64); i++) mix(d[i]!);
  }
  return h.toString(16).padStart(8, '0');
}

function containsBoundary(entries: readonly MultipartEntry[], boundary: string): boolean {
  const needle = Buffer.from(`--${boundary}`, 'latin1');
  return entries.some((e) => e.data.includes(needle) || e.headers.some((h) => h.value.includes(boundary)));
}

function chooseBoundary(entries: readonly MultipartEntry[]): string {
  for (let salt = 0; salt < 64; salt++) {
    const b = `=_wapgate_${fingerprint(entries, salt)}_${salt}`;
    if (!containsBoundary(entries, b)) return b;
  }
  throw new WapEncodeError('no MIME boundary found that the parts do not contain');
}

/** The MIME media type for a WSP multipart type (application/vnd.wap.multipart.related → multipart/related). */
export function mimeTypeOf(wspType: string): string {
  return MIME_OF.get(wspType.toLowerCase()) ?? (isWspMultipart(wspType) ? `multipart/${wspType.slice(30).toLowerCase()}` : wspType);
}

/** The WSP multipart type for a MIME multipart type. */
export function wspTypeOf(mimeType: string): string {
  return WSP_OF.get(mimeType.toLowerCase()) ?? (isMimeMultipart(mimeType) ? `application/vnd.wap.multipart.${mimeType.slice(10).toLowerCase()}` : mimeType);
}

function headerSafe(s: string): string {
  if (/[\r\n]/.test(s)) throw new WapEncodeError('header value contains a line break');
  return s;
}

/**
 * WSP multipart entries → a MIME multipart body and its Content-Type (with a boundary no part contains).
 * `wspType` is the WSP type of the whole (default application/vnd.wap.multipart.mixed); its parameters
 * (e.g. type, start for related) are carried over. Nested entries become nested MIME multiparts.
 */
export function wspMultipartToMime(
  entries: readonly MultipartEntry[],
  wspType: ContentType | string = 'application/vnd.wap.multipart.mixed',
): { body: Buffer; contentType: string } {
  const ct: ContentType = typeof wspType === 'string' ? { type: wspType, params: [] } : wspType;
  const flat: MultipartEntry[] = entries.map((e) => {
    if (!e.parts) return e;
    const inner = wspMultipartToMime(e.parts, e.contentType);
    return { contentType: parseContentType(inner.contentType), headers: e.headers, data: inner.body };
  });
  const boundary = chooseBoundary(flat);
  const chunks: Buffer[] = [];
  for (const e of flat) {
    const lines = [`--${boundary}`];
    const partType = isWspMultipart(e.contentType.type) ? { ...e.contentType, type: mimeTypeOf(e.contentType.type) } : e.contentType;
    lines.push(`Content-Type: ${headerSafe(formatContentType(partType))}`);
    for (const h of e.headers) lines.push(`${headerSafe(h.name)}: ${headerSafe(h.value)}`);
    chunks.push(Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1'), e.data, Buffer.from(CRLF, 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`, 'latin1'));
  const params = ct.params.filter((p) => p.name.toLowerCase() !== 'boundary');
  const outer: ContentType = { type: mimeTypeOf(ct.type), params: [...params, { name: 'boundary', value: boundary }] };
  return { body: Buffer.concat(chunks), contentType: formatContentType(outer) };
}

export interface MimeParseOptions extends MultipartOptions {
  /** Header lines accepted per part (default 128). */
  maxHeaderLines?: number;
}

function mimeFail(offset: number, message: string, code: typeof DecodeErrorCode[keyof typeof DecodeErrorCode] = DecodeErrorCode.VALUE): never {
  throw new WapDecodeError(code, offset, message);
}

/** Splits one part's header section into fields (folded lines joined). */
function parseHeaderSection(text: string, base: number, maxLines: number): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  if (text.length === 0) return out;
  const lines = text.split(/\r?\n/);
  if (lines.length > maxLines) mimeFail(base, `part has more than ${maxLines} header lines`, DecodeErrorCode.LIMIT);
  for (const line of lines) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      out[out.length - 1]!.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) mimeFail(base, `bad MIME header line '${line.slice(0, 40)}'`);
    out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

/**
 * A MIME multipart body (from HTTP) → WSP multipart entries and the WSP Content-Type for the whole.
 * Bounded: parts are found by searching for the delimiter, never by a length taken from the input;
 * nesting stops at maxDepth (deeper multiparts are kept as opaque data). base64 parts are decoded.
 */
export function mimeToWspMultipart(
  body: Buffer,
  contentType: string | ContentType,
  opts: MimeParseOptions = {},
  depth = 0,
): { entries: MultipartEntry[]; contentType: ContentType } {
  const ct = typeof contentType === 'string' ? parseContentType(contentType) : contentType;
  if (!isMimeMultipart(ct.type)) mimeFail(0, `not a multipart type: ${ct.type}`);
  const boundary = ct.params.find((p) => p.name.toLowerCase() === 'boundary')?.value;
  if (!boundary || boundary.length > 200) mimeFail(0, 'multipart Content-Type without a usable boundary');
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxLines = opts.maxHeaderLines ?? 128;
  const delim = Buffer.from(`--${boundary}`, 'latin1');

  // RFC 2046 §5.1.1: the first delimiter may start the body; later ones follow a CRLF (LF tolerated).
  let pos = body.indexOf(delim);
  if (pos < 0) mimeFail(0, 'MIME boundary not found');
  const entries: MultipartEntry[] = [];
  for (;;) {
    let p = pos + delim.length;
    if (body[p] === 0x2d && body[p + 1] === 0x2d) break; // close delimiter "--boundary--"
    // transport padding, then the line break ending the delimiter line
    while (p < body.length && (body[p] === 0x20 || body[p] === 0x09)) p++;
    if (body[p] === 0x0d) p++;
    if (body[p] !== 0x0a) mimeFail(p, 'MIME delimiter line not ended by a line break');
    p++;
    const next = body.indexOf(delim, p);
    if (next < 0) mimeFail(p, 'MIME part without a closing delimiter', DecodeErrorCode.TRUNCATED);
    if (entries.length >= maxEntries) mimeFail(p, `more than ${maxEntries} MIME parts`, DecodeErrorCode.LIMIT);
    // the CRLF before the next delimiter belongs to the delimiter
    let end = next;
    if (end > p && body[end - 1] === 0x0a) end--;
    if (end > p && body[end - 1] === 0x0d) end--;
    const part = body.subarray(p, end);
    // header section ends at the first empty line
    let hdrEnd = -1;
    let dataStart = 0;
    if (part[0] === 0x0a) {
      hdrEnd = 0;
      dataStart = 1;
    } else if (part[0] === 0x0d && part[1] === 0x0a) {
      hdrEnd = 0;
      dataStart = 2;
    } else {
      const crlf = part.indexOf('\r\n\r\n');
      const lf = part.indexOf('\n\n');
      if (crlf >= 0 && (lf < 0 || crlf < lf)) {
        hdrEnd = crlf;
        dataStart = crlf + 4;
      } else if (lf >= 0) {
        hdrEnd = lf;
        dataStart = lf + 2;
      }
    }
    if (hdrEnd < 0) mimeFail(p, 'MIME part without an empty line after its headers');
    const fields = parseHeaderSection(part.subarray(0, hdrEnd).toString('latin1'), p, maxLines);
    let data: Buffer = part.subarray(dataStart);
    let partType: ContentType = { type: 'text/plain', params: [{ name: 'charset', value: 'us-ascii' }] };
    const headers: WspHeader[] = [];
    for (const f of fields) {
      const lname = f.name.toLowerCase();
      if (lname === 'content-type') partType = parseContentType(f.value);
      else if (lname === 'content-transfer-encoding' && f.value.toLowerCase() === 'base64') {
        data = Buffer.from(data.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
      } else if (lname === 'content-transfer-encoding' && /^(7bit|8bit|binary)$/i.test(f.value)) {
        // identity encodings: nothing to carry
      } else headers.push({ name: f.name, value: f.value });
    }
    const entry: MultipartEntry = { contentType: partType, headers, data };
    if (isMimeMultipart(partType.type)) {
      if (depth + 1 < maxDepth) {
        const inner = mimeToWspMultipart(data, partType, opts, depth + 1);
        entry.contentType = inner.contentType;
        entry.parts = inner.entries;
        entry.data = encodeMultipart(inner.entries, opts);
      }
    }
    entries.push(entry);
    pos = next;
  }
  const params = ct.params.filter((x) => x.name.toLowerCase() !== 'boundary');
  return { entries, contentType: { type: wspTypeOf(ct.type), params } };
}
