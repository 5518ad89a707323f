/**
 * The multipart body of an MMS (OMA-MMS-ENC §5 "the message body ... application/vnd.wap.multipart.*" in the
 * WAP-230 §8.5 binary form):
 *   Multipart = nEntries(uintvar) *Entry
 *   Entry     = HeadersLen(uintvar) DataLen(uintvar) ContentType Headers Data   (ContentType+Headers = HeadersLen)
 * Bounded: every length is checked against the input before use, the entry count is capped, nesting is capped.
 */
import { isDeepStrictEqual } from 'node:util';
import { DecodeErrorCode, WapDecodeError } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { type ContentType, readContentType, writeContentType } from '../wsp/content-type.ts';
import { decodeHeaders, encodeHeaders } from '../wsp/headers/index.ts';
import type { MmsPart } from './types.ts';

export interface MultipartOptions {
  /** Most entries accepted in one multipart (default 256). */
  maxParts?: number;
  /** Most levels of multipart inside multipart that are split into parts (default 4; deeper stays a body). */
  maxDepth?: number;
}

export function isMultipart(ct: ContentType | undefined): boolean {
  return !!ct && /^application\/vnd\.wap\.multipart\./.test(ct.type);
}

/** Decodes a multipart body held in the reader's window (which it consumes entirely). */
export function readMultipart(r: Reader, opts: MultipartOptions = {}, depth = 0): MmsPart[] {
  const maxParts = opts.maxParts ?? 256;
  const maxDepth = opts.maxDepth ?? 4;
  const countAt = r.pos;
  const n = r.uintvar();
  // WAP-230 §8.5.2: every entry takes at least 3 octets (two uintvars and a content type).
  if (n > maxParts) r.fail(DecodeErrorCode.LIMIT, `multipart declares ${n} entries, cap is ${maxParts}`, countAt);
  if (n * 3 > r.remaining) r.fail(DecodeErrorCode.TRUNCATED, `multipart declares ${n} entries in ${r.remaining} octets`, countAt);
  const parts: MmsPart[] = [];
  for (let i = 0; i < n; i++) {
    const headersLen = r.uintvar();
    const dataLen = r.uintvar();
    const h = r.sub(headersLen, `multipart entry ${i} headers`);
    const ctStart = h.pos;
    const contentType = readContentType(h);
    const ctOctets = h.buf.subarray(ctStart, h.pos);
    const hdrStart = h.pos;
    const headers = decodeHeaders(h);
    h.expectEnd(`multipart entry ${i} headers`);
    const bodyStart = r.pos;
    const body = r.bytes(dataLen, `multipart entry ${i} data`);
    const part: MmsPart = { contentType, headers, body, wire: { contentType: ctOctets, headers: h.buf.subarray(hdrStart, h.end) } };
    if (isMultipart(contentType) && depth + 1 < maxDepth && body.length > 0) {
      // A nested multipart that does not parse stays a plain body (the outer framing was sound).
      try {
        part.parts = readMultipart(new Reader(r.buf, bodyStart, r.pos), opts, depth + 1);
      } catch (e) {
        if (!(e instanceof WapDecodeError)) throw e;
      }
    }
    parts.push(part);
  }
  r.expectEnd('multipart body');
  return parts;
}

/** Re-emits the received content-type octets when they still decode to the part's contentType. */
function contentTypeOctets(part: MmsPart): Uint8Array {
  if (part.wire) {
    try {
      const again = readContentType(new Reader(Buffer.from(part.wire.contentType)));
      if (isDeepStrictEqual(again, part.contentType)) return part.wire.contentType;
    } catch {
      // fall through to a fresh encoding
    }
  }
  const w = new Writer(64);
  writeContentType(w, part.contentType);
  return w.finish();
}

function headerOctets(part: MmsPart): Uint8Array {
  if (part.wire) {
    try {
      const raw = Buffer.from(part.wire.headers);
      if (isDeepStrictEqual(decodeHeaders(new Reader(raw)), part.headers)) return raw;
    } catch {
      // fall through to a fresh encoding
    }
  }
  return encodeHeaders(part.headers);
}

/** True when `body` decodes to exactly `parts` (so the received octets can be re-emitted). */
export function sameParts(body: Buffer | undefined, parts: readonly MmsPart[]): boolean {
  if (!body) return false;
  try {
    return isDeepStrictEqual(readMultipart(new Reader(Buffer.from(body))), parts);
  } catch {
    return false;
  }
}

export function writeMultipart(w: Writer, parts: readonly MmsPart[]): void {
  w.uintvar(parts.length);
  for (const part of parts) {
    const ct = contentTypeOctets(part);
    const hdrs = headerOctets(part);
    let body: Uint8Array = part.body;
    if (part.parts && !sameParts(part.body, part.parts)) {
      const inner = new Writer(part.body.length + 64);
      writeMultipart(inner, part.parts);
      body = inner.finish();
    }
    w.uintvar(ct.length + hdrs.length).uintvar(body.length).bytes(ct).bytes(hdrs).bytes(body);
  }
}

/** Encodes parts into a fresh multipart body. */
export function encodeMultipart(parts: readonly MmsPart[]): Buffer {
  const w = new Writer(parts.reduce((n, p) => n + p.body.length + 64, 16));
  writeMultipart(w, parts);
  return Buffer.from(w.finish());
}

/** The value of a part header by name (case-insensitive), e.g. 'Content-Location', 'Content-ID'. */
export function partHeader(part: MmsPart, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}
