/**
 * WSP PDU encoder (WAP-230 §8.2). Strict: a value with no valid encoding throws WapEncodeError.
 */
import { WapEncodeError } from '../wire/errors.ts';
import { Writer } from '../wire/writer.ts';
import { encodeCapabilities, writeAddress } from './capabilities.ts';
import type { ContentType } from './content-type.ts';
import { writeContentTypeOrRaw } from './pdu-content-type.ts';
import { encodeHeaders, type WspHeader } from './headers/index.ts';
import { GET_RANGE, METHOD_PDU, PDU_TYPE, POST_RANGE, type WspPdu, type WspPduOptions } from './pdu-types.ts';

function headerBlock(headers: readonly WspHeader[], opts: WspPduOptions): Buffer {
  if (headers.length === 0) return Buffer.alloc(0);
  const o: { encodingVersion?: number; maxHeaders?: number } = {};
  if (opts.encodingVersion !== undefined) o.encodingVersion = opts.encodingVersion;
  if (opts.maxHeaders !== undefined) o.maxHeaders = opts.maxHeaders;
  return encodeHeaders(headers, o);
}

function typedHeaderBlock(
  ct: ContentType | undefined,
  raw: Buffer | undefined,
  headers: readonly WspHeader[],
  opts: WspPduOptions,
): Buffer {
  if (ct === undefined) {
    if (headers.length > 0) throw new WapEncodeError('headers without a Content-Type cannot be encoded');
    return Buffer.alloc(0);
  }
  const w = new Writer(64);
  writeContentTypeOrRaw(w, ct, raw, opts.encodingVersion);
  w.bytes(headerBlock(headers, opts));
  return Buffer.from(w.finish());
}

function methodPduType(
  pduType: number | undefined,
  method: string | undefined,
  range: { first: number; last: number },
  opts: WspPduOptions,
): number {
  let t = pduType;
  if (t === undefined && method !== undefined) {
    t = (METHOD_PDU as Record<string, number>)[method.toUpperCase()];
    t ??= opts.extendedMethods?.find((m) => m.name !== undefined && m.name.toUpperCase() === method.toUpperCase())?.pduType;
  }
  if (t === undefined) throw new WapEncodeError(`no PDU type for method ${method ?? '(none)'}`);
  if (!Number.isInteger(t) || t < range.first || t > range.last) {
    throw new WapEncodeError(`PDU type 0x${t.toString(16)} outside 0x${range.first.toString(16)}-0x${range.last.toString(16)}`);
  }
  return t;
}

/** Writes one PDU (connection-oriented form: no TID). */
export function writeWspPdu(w: Writer, pdu: WspPdu, opts: WspPduOptions = {}): void {
  switch (pdu.type) {
    case 'Connect': {
      const { major, minor } = pdu.version;
      if (major < 0 || major > 15 || minor < 0 || minor > 15) throw new WapEncodeError('version nibbles out of range');
      const caps = encodeCapabilities(pdu.capabilities, { connect: true });
      const hdrs = headerBlock(pdu.headers, opts);
      w.u8(PDU_TYPE.Connect).u8((major << 4) | minor).uintvar(caps.length).uintvar(hdrs.length).bytes(caps).bytes(hdrs);
      return;
    }
    case 'ConnectReply': {
      const caps = encodeCapabilities(pdu.capabilities, { connect: false });
      const hdrs = headerBlock(pdu.headers, opts);
      w.u8(PDU_TYPE.ConnectReply).uintvar(pdu.sessionId).uintvar(caps.length).uintvar(hdrs.length).bytes(caps).bytes(hdrs);
      return;
    }
    case 'Redirect': {
      const reserved = pdu.reservedFlags ?? 0;
      if (!Number.isInteger(reserved) || reserved < 0 || reserved > 0x3f) throw new WapEncodeError('reserved flags out of range');
      w.u8(PDU_TYPE.Redirect).u8((pdu.permanent ? 0x80 : 0) | (pdu.reuseSecuritySession ? 0x40 : 0) | reserved);
      for (const a of pdu.addresses) writeAddress(w, a);
      return;
    }
    case 'Disconnect':
      w.u8(PDU_TYPE.Disconnect).uintvar(pdu.sessionId);
      return;
    case 'Suspend':
      w.u8(PDU_TYPE.Suspend).uintvar(pdu.sessionId);
      return;
    case 'Resume': {
      const caps = encodeCapabilities(pdu.capabilities, { connect: false });
      w.u8(PDU_TYPE.Resume).uintvar(pdu.sessionId).uintvar(caps.length).bytes(caps).bytes(headerBlock(pdu.headers, opts));
      return;
    }
    case 'Reply': {
      const block = typedHeaderBlock(pdu.contentType, pdu.contentTypeRaw, pdu.headers, opts);
      w.u8(PDU_TYPE.Reply).u8(pdu.status).uintvar(block.length).bytes(block).bytes(pdu.data);
      return;
    }
    case 'Push':
    case 'ConfirmedPush': {
      const block = typedHeaderBlock(pdu.contentType, pdu.contentTypeRaw, pdu.headers, opts);
      w.u8(PDU_TYPE[pdu.type]).uintvar(block.length).bytes(block).bytes(pdu.data);
      return;
    }
    case 'DataFragment': {
      const hdrs = headerBlock(pdu.headers, opts);
      w.u8(PDU_TYPE.DataFragment).uintvar(hdrs.length).bytes(hdrs).bytes(pdu.data);
      return;
    }
    case 'Get': {
      const t = methodPduType(pdu.pduType, pdu.method, GET_RANGE, opts);
      const uri = Buffer.from(pdu.uri, 'latin1');
      w.u8(t).uintvar(uri.length).bytes(uri).bytes(headerBlock(pdu.headers, opts));
      return;
    }
    case 'Post': {
      const t = methodPduType(pdu.pduType, pdu.method, POST_RANGE, opts);
      const uri = Buffer.from(pdu.uri, 'latin1');
      const block = typedHeaderBlock(pdu.contentType, pdu.contentTypeRaw, pdu.headers, opts);
      w.u8(t).uintvar(uri.length).uintvar(block.length).bytes(uri).bytes(block).bytes(pdu.data);
      return;
    }
  }
}

/** Encodes a connection-oriented WSP PDU (no TID). */
export function encodeWspPdu(pdu: WspPdu, opts: WspPduOptions = {}): Buffer {
  const w = new Writer(256);
  writeWspPdu(w, pdu, opts);
  return Buffer.from(w.finish());
}

/** Encodes a connectionless WSP PDU: the TID octet (WAP-230 §8.2.1), then the PDU. */
export function encodeConnectionless(tid: number, pdu: WspPdu, opts: WspPduOptions = {}): Buffer {
  if (!Number.isInteger(tid) || tid < 0 || tid > 0xff) throw new WapEncodeError(`TID out of range: ${tid}`);
  const w = new Writer(256);
  w.u8(tid);
  writeWspPdu(w, pdu, opts);
  return Buffer.from(w.finish());
}
