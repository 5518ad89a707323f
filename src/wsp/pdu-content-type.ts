/**
 * Byte-exact Content-Type re-encoding for the PDU and multipart codecs: the received octets are kept when
 * they differ from wapgate's canonical encoding (a textual type that has a well-known code, a general form
 * where the constrained one would do), and are written back only while they still decode to the same value.
 */
import { isDeepStrictEqual } from 'node:util';
import { WapDecodeError } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { readContentType, writeContentType, type ContentType } from './content-type.ts';

function canonical(ct: ContentType, encodingVersion: number | undefined): Buffer | undefined {
  const w = new Writer(64);
  try {
    writeContentType(w, ct, encodingVersion !== undefined ? { encodingVersion } : {});
  } catch {
    return undefined; // no canonical form (e.g. a non-latin1 parameter): keep what came
  }
  return w.finish();
}

/** Reads a Content-type-value; `raw` is set when re-encoding the value would give other octets. */
export function readContentTypeKeepingRaw(r: Reader, encodingVersion?: number): { contentType: ContentType; raw?: Buffer } {
  const start = r.pos;
  const contentType = readContentType(r);
  const received = r.buf.subarray(start, r.pos);
  const ours = canonical(contentType, encodingVersion);
  return ours && ours.equals(received) ? { contentType } : { contentType, raw: received };
}

/** Writes `raw` when it still decodes to `ct`, else the canonical encoding of `ct`. */
export function writeContentTypeOrRaw(w: Writer, ct: ContentType, raw: Buffer | undefined, encodingVersion?: number): void {
  if (raw && raw.length > 0) {
    try {
      const r = new Reader(raw);
      if (isDeepStrictEqual(readContentType(r), ct) && r.atEnd()) {
        w.bytes(raw);
        return;
      }
    } catch (e) {
      if (!(e instanceof WapDecodeError)) throw e;
    }
  }
  writeContentType(w, ct, encodingVersion !== undefined ? { encodingVersion } : {});
}
