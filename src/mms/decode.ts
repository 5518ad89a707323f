/**
 * decodeMms: an application/vnd.wap.mms-message body (OMA-MMS-ENC-V1_3 §7) → MmsPdu.
 *
 * §7: the PDU is a sequence of header fields (well-known field code with the high bit set, then its value, or an
 * application header as Token-text + Text-string), Content-Type last, then the body. Each value's extent is found
 * with the generic WAP-230 §8.4.1.2 rule (Short-integer | Text | Value-length) before it is typed, so a value this
 * codec cannot type (a reserved token, a form from a later version, a sloppy encoder) is kept as raw octets instead
 * of failing the whole PDU; truncated or ill-framed input still fails with WapDecodeError.
 */
import { DecodeErrorCode, WapDecodeError } from '../wire/errors.ts';
import { readRawValue, readTextString, readTokenText } from '../wire/primitives.ts';
import { Reader } from '../wire/reader.ts';
import { readContentType } from '../wsp/content-type.ts';
import { FIELD_BY_CODE, MESSAGE_TYPES } from './fields.ts';
import { isMultipart, type MultipartOptions, readMultipart } from './multipart.ts';
import type { MmsHeaders, MmsPdu, MmsRawHeader, MmsWire } from './types.ts';
import { readFieldValue } from './values.ts';

export interface DecodeMmsOptions extends MultipartOptions {
  /** Most header fields accepted (default 256). */
  maxHeaders?: number;
  /** Split a multipart body into parts (default true). */
  parseParts?: boolean;
}

const MESSAGE_TYPE_FIELD = 0x0c;
const CONTENT_TYPE_FIELD = 0x04;

/** True when every octet from `start` to the end is NUL (and there is at least one header before it). */
function isPadding(buf: Buffer, start: number): boolean {
  if (start === 0) return false;
  for (let i = start; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

export function decodeMms(buf: Buffer, opts: DecodeMmsOptions = {}): MmsPdu {
  const maxHeaders = opts.maxHeaders ?? 256;
  const r = new Reader(buf);
  const headers: MmsHeaders = {};
  const bag = headers as Record<string, unknown>;
  const wire: MmsWire = { fields: [] };
  const unknown: MmsRawHeader[] = [];
  const pdu: MmsPdu = { messageType: 0, headers, wire };
  let sawType = false;

  // §7.1: X-Mms-Message-Type comes first; some encoders put it later, which is accepted.
  if (r.atEnd()) r.fail(DecodeErrorCode.TRUNCATED, 'empty MMS PDU');
  while (!r.atEnd()) {
    if (wire.fields.length >= maxHeaders) r.fail(DecodeErrorCode.LIMIT, `more than ${maxHeaders} MMS header fields`);
    const start = r.pos;
    const b = r.u8();
    if (b >= 0x80) {
      const code = b & 0x7f;
      const def = FIELD_BY_CODE.get(code);
      if (code === CONTENT_TYPE_FIELD) {
        // §7.1: Content-Type is the last header; what follows is the body.
        pdu.contentType = readContentType(r);
        wire.fields.push({ key: 'contentType', octets: buf.subarray(start, r.pos) });
        const bodyStart = r.pos;
        const body = r.rest();
        if (isMultipart(pdu.contentType) && opts.parseParts !== false) {
          pdu.parts = readMultipart(new Reader(buf, bodyStart, buf.length), opts);
          wire.body = body;
        } else {
          pdu.body = body;
        }
        break;
      }
      const valueStart = r.pos;
      const raw = readRawValue(r);
      const octets = buf.subarray(start, r.pos);
      let value: unknown;
      let typed = false;
      if (def && def.kind !== 'raw' && (def.repeat || bag[def.key] === undefined)) {
        try {
          const v = new Reader(buf, valueStart, r.pos);
          value = readFieldValue(def, v);
          v.expectEnd(def.name);
          typed = true;
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }
      if (typed && def) {
        if (code === MESSAGE_TYPE_FIELD) {
          if (sawType) typed = false;
          else {
            sawType = true;
            const n = value as number;
            pdu.messageType = MESSAGE_TYPES[n as keyof typeof MESSAGE_TYPES] ?? n;
            wire.fields.push({ key: 'messageType', octets });
            continue;
          }
        }
      }
      if (typed && def) {
        if (def.repeat) ((bag[def.key] ??= []) as unknown[]).push(value);
        else bag[def.key] = value;
        wire.fields.push({ key: def.key, octets });
      } else {
        unknown.push({ code, value: Buffer.from(raw) });
        wire.fields.push({ key: 'unknown', octets });
      }
    } else if (b >= 0x20) {
      // §7.1 Application-header = Token-text Application-specific-value (Text-string)
      r.pos = start;
      const name = readTokenText(r);
      const value = readTextString(r);
      unknown.push({ name, value });
      wire.fields.push({ key: 'unknown', octets: buf.subarray(start, r.pos) });
    } else if (b === 0 && isPadding(buf, start)) {
      // Lenient: NUL octets after the last header of a body-less PDU (senders that pad to a block size);
      // kept so the PDU re-encodes byte for byte (docs/leniency.md).
      wire.padding = buf.length - start;
      break;
    } else {
      r.fail(DecodeErrorCode.VALUE, `octet 0x${b.toString(16)} does not start a header field`, start);
    }
  }
  if (!sawType) r.fail(DecodeErrorCode.VALUE, 'no X-Mms-Message-Type header', 0);
  if (unknown.length) headers.unknown = unknown;
  return pdu;
}
