/**
 * WSP PDU shapes (WAP-230 §8.2). One discriminated union, `WspPdu`, keyed by `type`. Binary payloads are
 * Buffers (views into the decoded datagram); headers are `WspHeader`s in HTTP text syntax (see headers/).
 */
import type { ContentType } from './content-type.ts';
import type { Capabilities, ExtendedMethod, WspAddress } from './capabilities.ts';
import type { WspHeader } from './headers/index.ts';

// WAP-230 §8.2.1 Table 34 "PDU Type Assignments" — written once, reverse map derived.
export const PDU_TYPE = {
  Connect: 0x01,
  ConnectReply: 0x02,
  Redirect: 0x03,
  Reply: 0x04,
  Disconnect: 0x05,
  Push: 0x06,
  ConfirmedPush: 0x07,
  Suspend: 0x08,
  Resume: 0x09,
  Get: 0x40,
  Options: 0x41,
  Head: 0x42,
  Delete: 0x43,
  Trace: 0x44,
  Post: 0x60,
  Put: 0x61,
  DataFragment: 0x80,
} as const;
export type PduTypeName = keyof typeof PDU_TYPE;
export const PDU_TYPE_NAMES: ReadonlyMap<number, PduTypeName> = new Map(
  Object.entries(PDU_TYPE).map(([k, v]) => [v, k as PduTypeName]),
);

/**
 * WAP-230 Table 34 ranges: 0x40-0x44 the Get methods, 0x45-0x4F unassigned Get PDUs, 0x50-0x5F extended
 * methods using the Get PDU; 0x60/0x61 Post/Put, 0x62-0x6F unassigned Post PDUs, 0x70-0x7F extended methods
 * using the Post PDU.
 */
export const GET_RANGE = { first: 0x40, last: 0x5f } as const;
export const POST_RANGE = { first: 0x60, last: 0x7f } as const;
export const EXTENDED_GET_RANGE = { first: 0x50, last: 0x5f } as const;
export const EXTENDED_POST_RANGE = { first: 0x70, last: 0x7f } as const;

/** HTTP method names of the well-known method PDU types (WAP-230 §8.2.3.1/2). */
export const METHOD_PDU = {
  GET: 0x40,
  OPTIONS: 0x41,
  HEAD: 0x42,
  DELETE: 0x43,
  TRACE: 0x44,
  POST: 0x60,
  PUT: 0x61,
} as const;
export type WellKnownMethod = keyof typeof METHOD_PDU;
export const METHOD_NAMES: ReadonlyMap<number, WellKnownMethod> = new Map(
  Object.entries(METHOD_PDU).map(([k, v]) => [v, k as WellKnownMethod]),
);

export interface WspVersion {
  major: number;
  minor: number;
}

/** WAP-230 §8.2.2.1 */
export interface ConnectPdu {
  type: 'Connect';
  version: WspVersion;
  capabilities: Capabilities;
  headers: WspHeader[];
}

/** WAP-230 §8.2.2.2 */
export interface ConnectReplyPdu {
  type: 'ConnectReply';
  sessionId: number;
  capabilities: Capabilities;
  headers: WspHeader[];
}

/** WAP-230 §8.2.2.3 */
export interface RedirectPdu {
  type: 'Redirect';
  permanent: boolean;
  reuseSecuritySession: boolean;
  /** The six reserved flag bits, kept only when a peer set them. */
  reservedFlags?: number;
  addresses: WspAddress[];
}

/** WAP-230 §8.2.2.4 */
export interface DisconnectPdu {
  type: 'Disconnect';
  sessionId: number;
}

/** WAP-230 §8.2.2.5 */
export interface SuspendPdu {
  type: 'Suspend';
  sessionId: number;
}

/** WAP-230 §8.2.2.6 */
export interface ResumePdu {
  type: 'Resume';
  sessionId: number;
  capabilities: Capabilities;
  headers: WspHeader[];
}

/** WAP-230 §8.2.3.1: Get, Options, Head, Delete, Trace and the extended methods that use the Get PDU. */
export interface GetPdu {
  type: 'Get';
  /** The PDU type octet (0x40-0x5F). Optional when encoding: derived from `method`. */
  pduType?: number;
  /** 'GET', 'OPTIONS', ...; for 0x50-0x5F the negotiated extended method name when known. */
  method?: string;
  uri: string;
  headers: WspHeader[];
}

/** WAP-230 §8.2.3.2: Post, Put and the extended methods that use the Post PDU. */
export interface PostPdu {
  type: 'Post';
  /** The PDU type octet (0x60-0x7F). Optional when encoding: derived from `method`. */
  pduType?: number;
  method?: string;
  uri: string;
  /** Absent only when a peer sent an empty headers block (no Content-Type). */
  contentType?: ContentType;
  /**
   * The Content-Type octets as received, kept only when they differ from wapgate's own encoding of
   * `contentType` (e.g. a textual media type that has a well-known code), so re-encoding is byte-exact.
   * Used on encode only while it still decodes to `contentType`; otherwise `contentType` is encoded.
   */
  contentTypeRaw?: Buffer;
  headers: WspHeader[];
  data: Buffer;
}

/** WAP-230 §8.2.3.3 */
export interface ReplyPdu {
  type: 'Reply';
  /** The WSP status octet (WAP-230 Table 36; see status.ts for HTTP ⇄ WSP). */
  status: number;
  /** Absent only when a peer sent an empty headers block (no Content-Type). */
  contentType?: ContentType;
  /**
   * The Content-Type octets as received, kept only when they differ from wapgate's own encoding of
   * `contentType` (e.g. a textual media type that has a well-known code), so re-encoding is byte-exact.
   * Used on encode only while it still decodes to `contentType`; otherwise `contentType` is encoded.
   */
  contentTypeRaw?: Buffer;
  headers: WspHeader[];
  data: Buffer;
}

/** WAP-230 §8.2.4.1 */
export interface PushPdu {
  type: 'Push';
  contentType?: ContentType;
  /**
   * The Content-Type octets as received, kept only when they differ from wapgate's own encoding of
   * `contentType` (e.g. a textual media type that has a well-known code), so re-encoding is byte-exact.
   * Used on encode only while it still decodes to `contentType`; otherwise `contentType` is encoded.
   */
  contentTypeRaw?: Buffer;
  headers: WspHeader[];
  data: Buffer;
}

/** WAP-230 §8.2.4.1 (same layout as Push; the push id is the WTP TID). */
export interface ConfirmedPushPdu {
  type: 'ConfirmedPush';
  contentType?: ContentType;
  /**
   * The Content-Type octets as received, kept only when they differ from wapgate's own encoding of
   * `contentType` (e.g. a textual media type that has a well-known code), so re-encoding is byte-exact.
   * Used on encode only while it still decodes to `contentType`; otherwise `contentType` is encoded.
   */
  contentTypeRaw?: Buffer;
  headers: WspHeader[];
  data: Buffer;
}

/** WAP-230 §8.2.3.4 Data Fragment (Large Data Transfer): HeadersLen, Headers, Data. */
export interface DataFragmentPdu {
  type: 'DataFragment';
  headers: WspHeader[];
  data: Buffer;
}

export type WspPdu =
  | ConnectPdu
  | ConnectReplyPdu
  | RedirectPdu
  | ReplyPdu
  | DisconnectPdu
  | PushPdu
  | ConfirmedPushPdu
  | SuspendPdu
  | ResumePdu
  | GetPdu
  | PostPdu
  | DataFragmentPdu;

export type WspPduType = WspPdu['type'];

export interface WspPduOptions {
  /** Negotiated WSP encoding version (major*16+minor, e.g. 0x15 for 1.5), passed to the header codec. */
  encodingVersion?: number;
  /** Cap on header fields per header block (default 256, enforced by the header codec). */
  maxHeaders?: number;
  /** Negotiated extended methods: decoding names `method` for 0x50-0x5F / 0x70-0x7F from this list. */
  extendedMethods?: readonly ExtendedMethod[];
}

export interface ConnectionlessPdu {
  /** The Transaction ID octet (WAP-230 §8.2.1) that precedes every connectionless PDU. */
  tid: number;
  pdu: WspPdu;
}
