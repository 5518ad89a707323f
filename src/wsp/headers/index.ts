/**
 * WSP headers (WAP-230 §8.4): binary ⇄ HTTP text, field by field.
 *
 * CONTRACT (other modules depend on these names and shapes; the implementation is owned by the headers work):
 * headers travel through wapgate as (name, value) pairs in HTTP text syntax; the codecs here turn them into
 * WSP's binary form (well-known field codes and typed values, code pages) and back.
 */
import type { Reader } from '../../wire/reader.ts';

export interface WspHeader {
  /** Canonical field name as HTTP writes it ('Content-Length', 'X-Wap-Application-Id', or any application header). */
  name: string;
  /** The value in HTTP text syntax. */
  value: string;
  /** Set when the value could not be typed: its raw encoded octets, re-emitted unchanged on encode. */
  raw?: Buffer;
}

export interface HeaderCodecOptions {
  /** Negotiated WSP encoding version (major*16+minor, e.g. 0x15 for 1.5); limits which codes are emitted. */
  encodingVersion?: number;
  /** Cap on the number of header fields decoded from one block (default 256). */
  maxHeaders?: number;
}

/** Decodes a whole header block (the reader's window) into fields. */
export function decodeHeaders(_r: Reader, _opts?: HeaderCodecOptions): WspHeader[] {
  throw new Error('not implemented yet');
}

/** Encodes fields into a header block: well-known codes and typed values where possible, text otherwise. */
export function encodeHeaders(_headers: readonly WspHeader[], _opts?: HeaderCodecOptions): Buffer {
  throw new Error('not implemented yet');
}
