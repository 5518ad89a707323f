/**
 * The shapes of a decoded MMS PDU (OMA-MMS-ENC 1.0–1.3). Text travels as latin1 octet strings (see
 * src/wire/primitives.ts); `mmsText()` / `encodedString()` in ./strings.ts convert to and from Unicode.
 */
import type { EncodedString } from '../wire/primitives.ts';
import type { ContentType } from '../wsp/content-type.ts';
import type { WspHeader } from '../wsp/headers/index.ts';
import type {
  CancelStatus,
  ContentClass,
  MmState,
  MmsMessageType,
  MmsStatus,
  Priority,
  ReadStatus,
  ReplyCharging,
  ResponseStatus,
  RetrievalMode,
  RetrieveStatus,
  SenderVisibility,
  StoreStatus,
} from './fields.ts';

export type { EncodedString, ContentType, WspHeader };

/** From: an address, or the Insert-address-token asking the MMS Proxy-Relay to fill in the sender (§7.3.21). */
export type MmsFrom = { insertAddress: true } | { address: EncodedString };

/** Expiry, Delivery-Time, Reply-Charging-Deadline (§7.3.20): an absolute date or seconds from now. */
export type MmsTime = { absolute: Date } | { relative: number };

/** An enumerated header value: the spec's name, or the bare code when the table does not name it. */
export type Named<T extends string> = T | number;

export interface MmsHeaders {
  transactionId?: string;
  /** 'major.minor', e.g. '1.2'. */
  mmsVersion?: string;
  messageId?: string;
  date?: Date;
  from?: MmsFrom;
  to?: EncodedString[];
  cc?: EncodedString[];
  bcc?: EncodedString[];
  subject?: EncodedString;
  /** 'Personal' | 'Advertisement' | 'Informational' | 'Auto', or a Token-text class. */
  messageClass?: string;
  expiry?: MmsTime;
  deliveryTime?: MmsTime;
  priority?: Named<Priority>;
  senderVisibility?: Named<SenderVisibility>;
  deliveryReport?: boolean;
  readReport?: boolean;
  reportAllowed?: boolean;
  status?: Named<MmsStatus>;
  statusText?: EncodedString;
  readStatus?: Named<ReadStatus>;
  responseStatus?: Named<ResponseStatus>;
  responseText?: EncodedString;
  retrieveStatus?: Named<RetrieveStatus>;
  retrieveText?: EncodedString;
  contentLocation?: string;
  messageSize?: number;
  replyCharging?: Named<ReplyCharging>;
  replyChargingDeadline?: MmsTime;
  replyChargingId?: string;
  replyChargingSize?: number;
  previouslySentBy?: { count: number; address: EncodedString }[];
  previouslySentDate?: { count: number; date: Date }[];
  store?: boolean;
  mmState?: Named<MmState>;
  mmFlags?: { op: 'add' | 'remove' | 'filter'; flag: EncodedString }[];
  storeStatus?: Named<StoreStatus>;
  storeStatusText?: EncodedString;
  stored?: boolean;
  /** X-Mms-Attributes: field codes (see FIELDS). */
  attributes?: number[];
  totals?: boolean;
  mboxTotals?: { unit: 'messages' | 'bytes'; value: number }[];
  quotas?: boolean;
  mboxQuotas?: { unit: 'messages' | 'bytes'; value: number }[];
  messageCount?: number;
  start?: number;
  distributionIndicator?: boolean;
  limit?: number;
  recommendedRetrievalMode?: Named<RetrievalMode>;
  recommendedRetrievalModeText?: EncodedString;
  applicId?: string;
  replyApplicId?: string;
  auxApplicInfo?: string;
  contentClass?: Named<ContentClass>;
  drmContent?: boolean;
  adaptationAllowed?: boolean;
  replaceId?: string;
  cancelId?: string;
  cancelStatus?: Named<CancelStatus>;
  /**
   * Fields with no typed form here, kept as sent so re-encoding is faithful: a well-known field (`code`, without
   * the high bit) with its encoded value octets, or an application header (`name`, Text-string `value`).
   */
  unknown?: MmsRawHeader[];
}

export type MmsRawHeader = { code: number; value: Buffer } | { name: string; value: string };

/** One entry of a multipart body (WAP-230 §8.5.3). */
export interface MmsPart {
  contentType: ContentType;
  /** Headers after the content type (Content-Location, Content-ID, ...), HTTP text form. */
  headers: WspHeader[];
  body: Buffer;
  /** Nested multipart entries when this part is itself application/vnd.wap.multipart.*. */
  parts?: MmsPart[];
  /** The octets as received; re-emitted when contentType/headers are unchanged (faithful re-encoding). */
  wire?: { contentType: Buffer; headers: Buffer };
}

export interface MmsPdu {
  messageType: MmsMessageType | number;
  headers: MmsHeaders;
  /** Content-Type, always the last header (§7.1); present on m-send-req, m-retrieve-conf, ... */
  contentType?: ContentType;
  /** Message body when it is not multipart (or not split into parts). */
  body?: Buffer;
  /** Multipart entries when contentType is application/vnd.wap.multipart.*. */
  parts?: MmsPart[];
  /**
   * Set by decodeMms: the header order and the octets of each field as received. encodeMms re-emits the octets
   * of every field whose value is unchanged, so decode → encode is byte-identical for untouched PDUs.
   */
  wire?: MmsWire;
}

export interface MmsWire {
  /** One entry per header field in wire order: the MmsHeaders key (or 'unknown') and its encoded octets. */
  fields: { key: string; octets: Buffer }[];
  /** The multipart body as received (re-emitted while `parts` still decode from it). */
  body?: Buffer;
  /** NUL octets that followed the last header of a body-less PDU (re-emitted while it still has no body). */
  padding?: number;
}
