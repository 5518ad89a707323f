/**
 * WSP PDU decoder (WAP-230 §8.2). Reads untrusted octets through `Reader`: every length is checked against
 * what is there before anything is sliced, and the only failure is a WapDecodeError with the absolute offset.
 */
import { DecodeErrorCode } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import { readAddresses, readCapabilities } from './capabilities.ts';
import type { ContentType } from './content-type.ts';
import { readContentTypeKeepingRaw } from './pdu-content-type.ts';
import { decodeHeaders, type WspHeader } from './headers/index.ts';
import {
  EXTENDED_GET_RANGE,
  EXTENDED_POST_RANGE,
  GET_RANGE,
  METHOD_NAMES,
  PDU_TYPE,
  POST_RANGE,
  type ConnectionlessPdu,
  type WspPdu,
  type WspPduOptions,
} from './pdu-types.ts';

function headerOpts(opts: WspPduOptions): { encodingVersion?: number; maxHeaders?: number } {
  const o: { encodingVersion?: number; maxHeaders?: number } = {};
  if (opts.encodingVersion !== undefined) o.encodingVersion = opts.encodingVersion;
  if (opts.maxHeaders !== undefined) o.maxHeaders = opts.maxHeaders;
  return o;
}

/** Headers filling the reader's window (an empty window → no headers). */
function readHeaders(r: Reader, opts: WspPduOptions): WspHeader[] {
  if (r.atEnd()) return [];
  return decodeHeaders(r, headerOpts(opts));
}

/** Content-Type then headers, filling the window (WAP-230 §8.2.3.2/3, §8.2.4.1). */
function readTypedHeaders(
  r: Reader,
  opts: WspPduOptions,
): { contentType?: ContentType; contentTypeRaw?: Buffer; headers: WspHeader[] } {
  // An empty block has no Content-Type: peers do send it (lenient decode, byte-exact re-encode).
  if (r.atEnd()) return { headers: [] };
  const { contentType, raw } = readContentTypeKeepingRaw(r, opts.encodingVersion);
  const headers = readHeaders(r, opts);
  return raw ? { contentType, contentTypeRaw: raw, headers } : { contentType, headers };
}

function methodName(pduType: number, opts: WspPduOptions): string | undefined {
  const wk = METHOD_NAMES.get(pduType);
  if (wk) return wk;
  return opts.extendedMethods?.find((m) => m.pduType === pduType)?.name;
}

/** Reads one PDU filling the reader's window (connection-oriented form: no TID). */
export function readWspPdu(r: Reader, opts: WspPduOptions = {}): WspPdu {
  const typeAt = r.pos;
  const t = r.u8();
  switch (t) {
    // WAP-230 §8.2.2.1 Connect: Version, CapabilitiesLen, HeadersLen, Capabilities, Headers.
    case PDU_TYPE.Connect: {
      const v = r.u8();
      const capLen = r.uintvar();
      const hdrLen = r.uintvar();
      const capabilities = readCapabilities(r.sub(capLen, 'capabilities'), { connect: true });
      const headers = readHeaders(r.sub(hdrLen, 'headers'), opts);
      r.expectEnd('Connect');
      return { type: 'Connect', version: { major: v >> 4, minor: v & 0x0f }, capabilities, headers };
    }
    // WAP-230 §8.2.2.2 ConnectReply: ServerSessionId, CapabilitiesLen, HeadersLen, Capabilities, Headers.
    case PDU_TYPE.ConnectReply: {
      const sessionId = r.uintvar();
      const capLen = r.uintvar();
      const hdrLen = r.uintvar();
      const capabilities = readCapabilities(r.sub(capLen, 'capabilities'), { connect: false });
      const headers = readHeaders(r.sub(hdrLen, 'headers'), opts);
      r.expectEnd('ConnectReply');
      return { type: 'ConnectReply', sessionId, capabilities, headers };
    }
    // WAP-230 §8.2.2.3 Redirect: Flags (0x80 permanent, 0x40 reuse security session), Addresses.
    case PDU_TYPE.Redirect: {
      const flags = r.u8();
      const addresses = readAddresses(r);
      const pdu: WspPdu = {
        type: 'Redirect',
        permanent: (flags & 0x80) !== 0,
        reuseSecuritySession: (flags & 0x40) !== 0,
        addresses,
      };
      if (flags & 0x3f) pdu.reservedFlags = flags & 0x3f;
      return pdu;
    }
    // WAP-230 §8.2.2.4/5 Disconnect and Suspend: ServerSessionId.
    case PDU_TYPE.Disconnect:
    case PDU_TYPE.Suspend: {
      const sessionId = r.uintvar();
      r.expectEnd(t === PDU_TYPE.Disconnect ? 'Disconnect' : 'Suspend');
      return { type: t === PDU_TYPE.Disconnect ? 'Disconnect' : 'Suspend', sessionId };
    }
    // WAP-230 §8.2.2.6 Resume: SessionId, CapabilitiesLen, Capabilities, Headers (rest).
    case PDU_TYPE.Resume: {
      const sessionId = r.uintvar();
      const capLen = r.uintvar();
      const capabilities = readCapabilities(r.sub(capLen, 'capabilities'), { connect: false });
      const headers = readHeaders(r.sub(r.remaining, 'headers'), opts);
      return { type: 'Resume', sessionId, capabilities, headers };
    }
    // WAP-230 §8.2.3.3 Reply: Status, HeadersLen, ContentType, Headers, Data.
    case PDU_TYPE.Reply: {
      const status = r.u8();
      const hdrLen = r.uintvar();
      const th = readTypedHeaders(r.sub(hdrLen, 'headers'), opts);
      const data = r.rest();
      return { type: 'Reply', status, ...th, data };
    }
    // WAP-230 §8.2.4.1 Push and ConfirmedPush: HeadersLen, ContentType, Headers, Data.
    case PDU_TYPE.Push:
    case PDU_TYPE.ConfirmedPush: {
      const hdrLen = r.uintvar();
      const th = readTypedHeaders(r.sub(hdrLen, 'headers'), opts);
      const data = r.rest();
      return { type: t === PDU_TYPE.Push ? 'Push' : 'ConfirmedPush', ...th, data };
    }
    // WAP-230 §8.2.3.4 Data Fragment: HeadersLen, Headers, Data.
    case PDU_TYPE.DataFragment: {
      const hdrLen = r.uintvar();
      const headers = readHeaders(r.sub(hdrLen, 'headers'), opts);
      return { type: 'DataFragment', headers, data: r.rest() };
    }
  }
  // WAP-230 §8.2.3.1 Get family (0x40-0x5F): UriLen, Uri, Headers (rest).
  if (t >= GET_RANGE.first && t <= GET_RANGE.last) {
    const uriLen = r.uintvar();
    const uri = r.bytes(uriLen, 'URI').toString('latin1');
    const headers = readHeaders(r.sub(r.remaining, 'headers'), opts);
    const method = methodName(t, opts);
    return method === undefined ? { type: 'Get', pduType: t, uri, headers } : { type: 'Get', pduType: t, method, uri, headers };
  }
  // WAP-230 §8.2.3.2 Post family (0x60-0x7F): UriLen, HeadersLen, Uri, ContentType, Headers, Data.
  if (t >= POST_RANGE.first && t <= POST_RANGE.last) {
    const uriLen = r.uintvar();
    const hdrLen = r.uintvar();
    const uri = r.bytes(uriLen, 'URI').toString('latin1');
    const th = readTypedHeaders(r.sub(hdrLen, 'headers'), opts);
    const data = r.rest();
    const method = methodName(t, opts);
    return method === undefined
      ? { type: 'Post', pduType: t, uri, ...th, data }
      : { type: 'Post', pduType: t, method, uri, ...th, data };
  }
  return r.fail(DecodeErrorCode.UNKNOWN_TYPE, `unknown WSP PDU type 0x${t.toString(16).padStart(2, '0')}`, typeAt);
}

/** Decodes a connection-oriented WSP PDU (the WTP Invoke/Result user data: no TID octet). */
export function decodeWspPdu(buf: Buffer, opts: WspPduOptions = {}): WspPdu {
  return readWspPdu(new Reader(buf), opts);
}

/** Decodes a connectionless WSP PDU (WAP-230 §8.2.1: a TID octet, then the PDU), e.g. a UDP 9200/2948 payload. */
export function decodeConnectionless(buf: Buffer, opts: WspPduOptions = {}): ConnectionlessPdu {
  const r = new Reader(buf);
  const tid = r.u8();
  return { tid, pdu: readWspPdu(r, opts) };
}

/** True for the PDU types that are extended methods (WAP-230 Table 34). */
export function isExtendedMethod(pduType: number): boolean {
  return (
    (pduType >= EXTENDED_GET_RANGE.first && pduType <= EXTENDED_GET_RANGE.last) ||
    (pduType >= EXTENDED_POST_RANGE.first && pduType <= EXTENDED_POST_RANGE.last)
  );
}
