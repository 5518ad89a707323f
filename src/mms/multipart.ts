/**
 * The multipart body of an MMS (OMA-MMS-ENC §5 "the message body ... application/vnd.wap.multipart.*" in the
 * WAP-230 §8.5 binary form). The framing is src/wsp/multipart.ts's, with each entry's received octets recorded
 * (`keepWire`) so an untouched PDU re-encodes byte-exact; here MMS parts (`body`) are mapped to and from its
 * entries (`data`).
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import type { ContentType } from '../wsp/content-type.ts';
import * as wsp from '../wsp/multipart.ts';
import type { MmsPart } from './types.ts';

export interface MultipartOptions {
  /** Most entries accepted in one multipart (default 256). */
  maxParts?: number;
  /** Most levels of multipart inside multipart that are split into parts (default 4; deeper stays a body). */
  maxDepth?: number;
}

const DEFAULT_MAX_PARTS = 256;

export function isMultipart(ct: ContentType | undefined): boolean {
  return !!ct && wsp.isWspMultipart(ct.type);
}

function wspOptions(opts: MultipartOptions): wsp.MultipartOptions {
  return { maxEntries: opts.maxParts ?? DEFAULT_MAX_PARTS, ...(opts.maxDepth !== undefined ? { maxDepth: opts.maxDepth } : {}), keepWire: true };
}

function toPart(e: wsp.MultipartEntry): MmsPart {
  const part: MmsPart = { contentType: e.contentType, headers: e.headers, body: e.data };
  if (e.parts) part.parts = e.parts.map(toPart);
  if (e.wire) part.wire = e.wire;
  return part;
}

function toEntry(p: MmsPart): wsp.MultipartEntry {
  const entry: wsp.MultipartEntry = { contentType: p.contentType, headers: p.headers, data: p.body };
  if (p.parts) entry.parts = p.parts.map(toEntry);
  if (p.wire) entry.wire = p.wire;
  return entry;
}

/** Decodes a multipart body held in the reader's window (which it consumes entirely). */
export function readMultipart(r: Reader, opts: MultipartOptions = {}): MmsPart[] {
  return wsp.readMultipart(r, wspOptions(opts)).map(toPart);
}

/** True when `body` decodes to exactly `parts` (so the received octets can be re-emitted). */
export function sameParts(body: Buffer | undefined, parts: readonly MmsPart[]): boolean {
  return wsp.sameEntries(body, parts.map(toEntry), wspOptions({}));
}

export function writeMultipart(w: Writer, parts: readonly MmsPart[]): void {
  wsp.writeMultipart(w, parts.map(toEntry));
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
