/**
 * encodeMms: MmsPdu → application/vnd.wap.mms-message octets (OMA-MMS-ENC-V1_3 §7).
 *
 * §7.1 order: X-Mms-Message-Type first, X-Mms-Transaction-Id and X-Mms-MMS-Version next, Content-Type last with
 * the body after it. A PDU that came from decodeMms carries `wire`: fields are then written in the order received,
 * and a field whose value is unchanged is written with its received octets, so untouched PDUs round-trip
 * byte-identical; new or changed fields get the canonical encoding.
 */
import { isDeepStrictEqual } from 'node:util';
import { WapEncodeError } from '../wire/errors.ts';
import { readRawValue, readTextString, readTokenText, writeTextString, writeTokenText } from '../wire/primitives.ts';
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { readContentType, writeContentType } from '../wsp/content-type.ts';
import { CANONICAL_ORDER, FIELD_BY_CODE, FIELD_BY_KEY, MESSAGE_TYPE_CODES } from './fields.ts';
import { sameParts, writeMultipart } from './multipart.ts';
import type { MmsPdu, MmsRawHeader } from './types.ts';
import { readFieldValue, writeFieldValue } from './values.ts';

const MESSAGE_TYPE_FIELD = 0x0c;
/** Most NUL padding re-emitted (a decoded PDU's padding is bounded by its own size). */
const MAX_PADDING = 16 << 20;
const CONTENT_TYPE_FIELD = 0x04;

/** What a field's received octets decode to (undefined if they no longer decode as a typed value). */
function decodeOctets(key: string, octets: Buffer): unknown {
  try {
    const r = new Reader(Buffer.from(octets));
    if (key === 'unknown') {
      const b = r.u8();
      if (b >= 0x80) return { code: b & 0x7f, value: Buffer.from(readRawValue(r)) };
      r.pos = 0;
      return { name: readTokenText(r), value: readTextString(r) };
    }
    const def = FIELD_BY_CODE.get(r.u8() & 0x7f);
    if (!def || def.key !== key) return undefined;
    if (key === 'contentType') return readContentType(r);
    const v = readFieldValue(def, r);
    r.expectEnd();
    return v;
  } catch {
    return undefined;
  }
}

function writeRawHeader(w: Writer, h: MmsRawHeader): void {
  if ('code' in h) {
    if (h.code < 0 || h.code > 0x7f) throw new WapEncodeError(`header code ${h.code} out of range`);
    // The value octets must frame themselves (Short-integer | Text | Value-length); check before writing.
    const r = new Reader(Buffer.from(h.value));
    try {
      readRawValue(r);
      r.expectEnd();
    } catch {
      throw new WapEncodeError(`raw value of header 0x${h.code.toString(16)} is not one encoded value`);
    }
    w.u8(0x80 | h.code).bytes(h.value);
  } else {
    writeTokenText(w, h.name);
    writeTextString(w, h.value);
  }
}

export function encodeMms(pdu: MmsPdu): Buffer {
  const w = new Writer(4096);
  const headers = pdu.headers as Record<string, unknown>;
  const used = new Map<string, number>();
  const unknown = pdu.headers.unknown ?? [];
  let unknownUsed = 0;

  /** The next not yet written value of a header key, or undefined. */
  const next = (key: string): { value: unknown } | undefined => {
    const def = FIELD_BY_KEY.get(key);
    const v = headers[key];
    if (v === undefined || !def) return undefined;
    const n = used.get(key) ?? 0;
    if (def.repeat) {
      if (!Array.isArray(v)) throw new WapEncodeError(`${def.name} must be an array`);
      if (n >= v.length) return undefined;
      used.set(key, n + 1);
      return { value: v[n] };
    }
    if (n > 0) return undefined;
    used.set(key, 1);
    return { value: v };
  };
  const writeField = (key: string, value: unknown): void => {
    const def = FIELD_BY_KEY.get(key)!;
    w.u8(0x80 | def.code);
    writeFieldValue(def, w, value);
  };
  const messageTypeCode = (): number => {
    const t = pdu.messageType;
    const code = typeof t === 'number' ? t : MESSAGE_TYPE_CODES.get(t);
    if (code === undefined) throw new WapEncodeError(`unknown MMS message type '${String(t)}'`);
    return code;
  };
  let typeWritten = false;
  const writeType = (): void => {
    w.u8(0x80 | MESSAGE_TYPE_FIELD).u8(messageTypeCode());
    typeWritten = true;
  };
  let contentTypeOctets: Buffer | undefined;

  for (const f of pdu.wire?.fields ?? []) {
    if (f.key === 'messageType') {
      if (typeWritten) continue;
      if (decodeOctets('messageType', f.octets) === messageTypeCode()) {
        w.bytes(f.octets);
        typeWritten = true;
      } else writeType();
    } else if (f.key === 'contentType') {
      contentTypeOctets = f.octets;
    } else {
      if (f.key === 'unknown') {
        const h = unknown[unknownUsed++];
        if (h === undefined) continue;
        if (isDeepStrictEqual(decodeOctets('unknown', f.octets), h)) w.bytes(f.octets);
        else writeRawHeader(w, h);
        continue;
      }
      const v = next(f.key);
      if (v === undefined) continue;
      if (isDeepStrictEqual(decodeOctets(f.key, f.octets), v.value)) w.bytes(f.octets);
      else writeField(f.key, v.value);
    }
  }
  // Fields without recorded octets: canonical order (§7.1).
  if (!typeWritten) writeType();
  for (const key of CANONICAL_ORDER) {
    if (key === 'messageType') continue;
    for (let v = next(key); v !== undefined; v = next(key)) writeField(key, v.value);
  }
  for (; unknownUsed < unknown.length; unknownUsed++) writeRawHeader(w, unknown[unknownUsed]!);

  // §7.1: Content-Type last, then the body.
  writeContent(w, pdu, contentTypeOctets);
  const pad = pdu.wire?.padding;
  if (pad && !pdu.contentType && !pdu.body && !pdu.parts) {
    if (!Number.isInteger(pad) || pad < 0 || pad > MAX_PADDING) throw new WapEncodeError(`padding of ${pad} octets`);
    w.bytes(Buffer.alloc(pad));
  }
  return Buffer.from(w.finish());
}

function writeContent(w: Writer, pdu: MmsPdu, contentTypeOctets: Buffer | undefined): void {
  if (pdu.contentType) {
    if (contentTypeOctets && isDeepStrictEqual(decodeOctets('contentType', contentTypeOctets), pdu.contentType)) {
      w.bytes(contentTypeOctets);
    } else {
      w.u8(0x80 | CONTENT_TYPE_FIELD);
      writeContentType(w, pdu.contentType);
    }
    if (pdu.parts) {
      if (pdu.wire?.body && sameParts(pdu.wire.body, pdu.parts)) w.bytes(pdu.wire.body);
      else writeMultipart(w, pdu.parts);
    } else if (pdu.body) w.bytes(pdu.body);
  } else if (pdu.parts || pdu.body) {
    throw new WapEncodeError('an MMS body needs a contentType');
  }
}

/**
 * The Content-Type field and the body of a PDU as they would be encoded (the received octets when unchanged):
 * what an MMS Proxy-Relay copies from an m-send-req into the m-retrieve-conf it serves (§6.1, §6.3).
 */
export function encodeContent(pdu: MmsPdu): Buffer {
  const w = new Writer(4096);
  writeContent(w, pdu, pdu.wire?.fields.find((f) => f.key === 'contentType')?.octets);
  return Buffer.from(w.finish());
}
