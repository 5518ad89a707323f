/**
 * OMA-MMS-ENC assignment tables (1.0–1.3), each written once; reverse maps are derived.
 *
 * Sources for the numbers: OMA-MMS-ENC-V1_3 §7.4 (Table 25 "Field Name Assignments", Table 26 "X-Mms-Message-Type
 * field encodings") and §7.3 (one clause per field for its value tokens).
 */

/** Builds the name → code map back from a code → name table. */
function reverse<N extends string>(t: Readonly<Record<number, N>>): ReadonlyMap<string, number> {
  return new Map(Object.entries(t).map(([code, name]) => [name, Number(code)]));
}

// OMA-MMS-ENC-V1_3 §7.4 Table 26: X-Mms-Message-Type values.
export const MESSAGE_TYPES = {
  0x80: 'm-send-req',
  0x81: 'm-send-conf',
  0x82: 'm-notification-ind',
  0x83: 'm-notifyresp-ind',
  0x84: 'm-retrieve-conf',
  0x85: 'm-acknowledge-ind',
  0x86: 'm-delivery-ind',
  0x87: 'm-read-rec-ind', // 1.1
  0x88: 'm-read-orig-ind', // 1.1
  0x89: 'm-forward-req', // 1.1
  0x8a: 'm-forward-conf', // 1.1
  0x8b: 'm-mbox-store-req', // 1.2
  0x8c: 'm-mbox-store-conf',
  0x8d: 'm-mbox-view-req',
  0x8e: 'm-mbox-view-conf',
  0x8f: 'm-mbox-upload-req',
  0x90: 'm-mbox-upload-conf',
  0x91: 'm-mbox-delete-req',
  0x92: 'm-mbox-delete-conf',
  0x93: 'm-mbox-descr',
  0x94: 'm-delete-req', // 1.3
  0x95: 'm-delete-conf',
  0x96: 'm-cancel-req',
  0x97: 'm-cancel-conf',
} as const;
export type MmsMessageType = (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES];
export const MESSAGE_TYPE_CODES = reverse<MmsMessageType>(MESSAGE_TYPES);

/**
 * How a field's value is encoded (OMA-MMS-ENC-V1_3 §7.3):
 * - esv: Encoded-string-value; text: Text-string (incl. Uri-value); long: Long-integer; int: Integer-value
 * - date: Date-value; time: Value-length (Absolute-token Date-value | Relative-token Delta-seconds-value)
 * - yesno: Yes (128) | No (129); enum: an octet named by `values`; version: Short-integer major.minor
 * - from: Value-length (Address-present-token ESV | Insert-address-token)
 * - class: Class-identifier (128..131) | Token-text
 * - sentBy / sentDate: Value-length Forwarded-count-value (ESV | Date-value)
 * - flags: Value-length (Add | Remove | Filter token) ESV; totals: Value-length (Message | Size token) Integer-value
 * - field: Short-integer naming another field (X-Mms-Attributes); octet: a bare octet ≥ 128 (Message-Type)
 * - raw: no typed form here (kept as its encoded octets)
 */
export type FieldKind =
  | 'esv'
  | 'text'
  | 'long'
  | 'int'
  | 'date'
  | 'time'
  | 'yesno'
  | 'enum'
  | 'version'
  | 'from'
  | 'class'
  | 'sentBy'
  | 'sentDate'
  | 'flags'
  | 'totals'
  | 'field'
  | 'octet'
  | 'contentType'
  | 'raw';

export interface FieldDef {
  code: number;
  /** Key in MmsHeaders. */
  key: string;
  /** Field name as the spec writes it. */
  name: string;
  kind: FieldKind;
  /** May occur more than once (the MmsHeaders value is an array). */
  repeat?: boolean;
  /** Value names for `enum` fields. */
  values?: Readonly<Record<number, string>>;
}

// §7.3.54 Yes/No style tokens are handled by kind 'yesno'. Value tables below, one per clause.
export const PRIORITY = { 0x80: 'Low', 0x81: 'Normal', 0x82: 'High' } as const; // §7.3.44
export const SENDER_VISIBILITY = { 0x80: 'Hide', 0x81: 'Show' } as const; // §7.3.52
// §7.3.54 X-Mms-Status
export const STATUS = {
  0x80: 'Expired',
  0x81: 'Retrieved',
  0x82: 'Rejected',
  0x83: 'Deferred',
  0x84: 'Unrecognised',
  0x85: 'Indeterminate',
  0x86: 'Forwarded',
  0x87: 'Unreachable',
} as const;
// §7.3.48 X-Mms-Response-Status (129..135 are the obsolete 1.0 codes, still seen from old MMSCs)
export const RESPONSE_STATUS = {
  0x80: 'Ok',
  0x81: 'Error-unspecified',
  0x82: 'Error-service-denied',
  0x83: 'Error-message-format-corrupt',
  0x84: 'Error-sending-address-unresolved',
  0x85: 'Error-message-not-found',
  0x86: 'Error-network-problem',
  0x87: 'Error-content-not-accepted',
  0x88: 'Error-unsupported-message',
  0xc0: 'Error-transient-failure',
  0xc1: 'Error-transient-sending-address-unresolved',
  0xc2: 'Error-transient-message-not-found',
  0xc3: 'Error-transient-network-problem',
  0xc4: 'Error-transient-partial-success',
  0xe0: 'Error-permanent-failure',
  0xe1: 'Error-permanent-service-denied',
  0xe2: 'Error-permanent-message-format-corrupt',
  0xe3: 'Error-permanent-sending-address-unresolved',
  0xe4: 'Error-permanent-message-not-found',
  0xe5: 'Error-permanent-content-not-accepted',
  0xe6: 'Error-permanent-reply-charging-limitations-not-met',
  0xe7: 'Error-permanent-reply-charging-request-not-accepted',
  0xe8: 'Error-permanent-reply-charging-forwarding-denied',
  0xe9: 'Error-permanent-reply-charging-not-supported',
  0xea: 'Error-permanent-address-hiding-not-supported',
  0xeb: 'Error-permanent-lack-of-prepaid',
} as const;
// §7.3.50 X-Mms-Retrieve-Status
export const RETRIEVE_STATUS = {
  0x80: 'Ok',
  0xc0: 'Error-transient-failure',
  0xc1: 'Error-transient-message-not-found',
  0xc2: 'Error-transient-network-problem',
  0xe0: 'Error-permanent-failure',
  0xe1: 'Error-permanent-service-denied',
  0xe2: 'Error-permanent-message-not-found',
  0xe3: 'Error-permanent-content-unsupported',
} as const;
// §7.3.58 X-Mms-Store-Status
export const STORE_STATUS = {
  0x80: 'Success',
  0xc0: 'Error-transient-failure',
  0xc1: 'Error-transient-network-problem',
  0xe0: 'Error-permanent-failure',
  0xe1: 'Error-permanent-service-denied',
  0xe2: 'Error-permanent-message-format-corrupt',
  0xe3: 'Error-permanent-message-not-found',
  0xe4: 'Error-permanent-mmbox-full',
} as const;
export const READ_STATUS = { 0x80: 'Read', 0x81: 'Deleted without being read' } as const; // §7.3.46
// §7.3.49 X-Mms-Reply-Charging
export const REPLY_CHARGING = {
  0x80: 'Requested',
  0x81: 'Requested text only',
  0x82: 'Accepted',
  0x83: 'Accepted text only',
} as const;
export const MM_STATE = { 0x80: 'Draft', 0x81: 'Sent', 0x82: 'New', 0x83: 'Retrieved', 0x84: 'Forwarded' } as const; // §7.3.33
// §7.3.9 X-Mms-Content-Class (1.3)
export const CONTENT_CLASS = {
  0x80: 'text',
  0x81: 'image-basic',
  0x82: 'image-rich',
  0x83: 'video-basic',
  0x84: 'video-rich',
  0x85: 'megapixel',
  0x86: 'content-basic',
  0x87: 'content-rich',
} as const;
export const RETRIEVAL_MODE = { 0x80: 'Manual' } as const; // §7.3.47 X-Mms-Recommended-Retrieval-Mode
// §7.3.7 X-Mms-Cancel-Status
export const CANCEL_STATUS = {
  0x80: 'Cancel Request Successfully received',
  0x81: 'Cancel Request corrupted',
} as const;
// §7.3.27 X-Mms-Message-Class: Class-identifier
export const MESSAGE_CLASS = { 0x80: 'Personal', 0x81: 'Advertisement', 0x82: 'Informational', 0x83: 'Auto' } as const;
export const MESSAGE_CLASS_CODES = reverse(MESSAGE_CLASS);

export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];
export type SenderVisibility = (typeof SENDER_VISIBILITY)[keyof typeof SENDER_VISIBILITY];
export type MmsStatus = (typeof STATUS)[keyof typeof STATUS];
export type ResponseStatus = (typeof RESPONSE_STATUS)[keyof typeof RESPONSE_STATUS];
export type RetrieveStatus = (typeof RETRIEVE_STATUS)[keyof typeof RETRIEVE_STATUS];
export type StoreStatus = (typeof STORE_STATUS)[keyof typeof STORE_STATUS];
export type ReadStatus = (typeof READ_STATUS)[keyof typeof READ_STATUS];
export type ReplyCharging = (typeof REPLY_CHARGING)[keyof typeof REPLY_CHARGING];
export type MmState = (typeof MM_STATE)[keyof typeof MM_STATE];
export type ContentClass = (typeof CONTENT_CLASS)[keyof typeof CONTENT_CLASS];
export type RetrievalMode = (typeof RETRIEVAL_MODE)[keyof typeof RETRIEVAL_MODE];
export type CancelStatus = (typeof CANCEL_STATUS)[keyof typeof CANCEL_STATUS];

// OMA-MMS-ENC-V1_3 §7.4 Table 25: field name assignments (the code is sent with the high bit set).
export const FIELDS: readonly FieldDef[] = [
  { code: 0x01, key: 'bcc', name: 'Bcc', kind: 'esv', repeat: true },
  { code: 0x02, key: 'cc', name: 'Cc', kind: 'esv', repeat: true },
  { code: 0x03, key: 'contentLocation', name: 'X-Mms-Content-Location', kind: 'text' },
  { code: 0x04, key: 'contentType', name: 'Content-Type', kind: 'contentType' },
  { code: 0x05, key: 'date', name: 'Date', kind: 'date' },
  { code: 0x06, key: 'deliveryReport', name: 'X-Mms-Delivery-Report', kind: 'yesno' },
  { code: 0x07, key: 'deliveryTime', name: 'X-Mms-Delivery-Time', kind: 'time' },
  { code: 0x08, key: 'expiry', name: 'X-Mms-Expiry', kind: 'time' },
  { code: 0x09, key: 'from', name: 'From', kind: 'from' },
  { code: 0x0a, key: 'messageClass', name: 'X-Mms-Message-Class', kind: 'class' },
  { code: 0x0b, key: 'messageId', name: 'Message-ID', kind: 'text' },
  { code: 0x0c, key: 'messageType', name: 'X-Mms-Message-Type', kind: 'octet' },
  { code: 0x0d, key: 'mmsVersion', name: 'X-Mms-MMS-Version', kind: 'version' },
  { code: 0x0e, key: 'messageSize', name: 'X-Mms-Message-Size', kind: 'long' },
  { code: 0x0f, key: 'priority', name: 'X-Mms-Priority', kind: 'enum', values: PRIORITY },
  { code: 0x10, key: 'readReport', name: 'X-Mms-Read-Report', kind: 'yesno' }, // 1.0: X-Mms-Read-Reply
  { code: 0x11, key: 'reportAllowed', name: 'X-Mms-Report-Allowed', kind: 'yesno' },
  { code: 0x12, key: 'responseStatus', name: 'X-Mms-Response-Status', kind: 'enum', values: RESPONSE_STATUS },
  { code: 0x13, key: 'responseText', name: 'X-Mms-Response-Text', kind: 'esv' },
  { code: 0x14, key: 'senderVisibility', name: 'X-Mms-Sender-Visibility', kind: 'enum', values: SENDER_VISIBILITY },
  { code: 0x15, key: 'status', name: 'X-Mms-Status', kind: 'enum', values: STATUS },
  { code: 0x16, key: 'subject', name: 'Subject', kind: 'esv' },
  { code: 0x17, key: 'to', name: 'To', kind: 'esv', repeat: true },
  { code: 0x18, key: 'transactionId', name: 'X-Mms-Transaction-Id', kind: 'text' },
  { code: 0x19, key: 'retrieveStatus', name: 'X-Mms-Retrieve-Status', kind: 'enum', values: RETRIEVE_STATUS },
  { code: 0x1a, key: 'retrieveText', name: 'X-Mms-Retrieve-Text', kind: 'esv' },
  { code: 0x1b, key: 'readStatus', name: 'X-Mms-Read-Status', kind: 'enum', values: READ_STATUS },
  { code: 0x1c, key: 'replyCharging', name: 'X-Mms-Reply-Charging', kind: 'enum', values: REPLY_CHARGING },
  { code: 0x1d, key: 'replyChargingDeadline', name: 'X-Mms-Reply-Charging-Deadline', kind: 'time' },
  { code: 0x1e, key: 'replyChargingId', name: 'X-Mms-Reply-Charging-ID', kind: 'text' },
  { code: 0x1f, key: 'replyChargingSize', name: 'X-Mms-Reply-Charging-Size', kind: 'long' },
  { code: 0x20, key: 'previouslySentBy', name: 'X-Mms-Previously-Sent-By', kind: 'sentBy', repeat: true },
  { code: 0x21, key: 'previouslySentDate', name: 'X-Mms-Previously-Sent-Date', kind: 'sentDate', repeat: true },
  { code: 0x22, key: 'store', name: 'X-Mms-Store', kind: 'yesno' }, // 1.2
  { code: 0x23, key: 'mmState', name: 'X-Mms-MM-State', kind: 'enum', values: MM_STATE },
  { code: 0x24, key: 'mmFlags', name: 'X-Mms-MM-Flags', kind: 'flags', repeat: true },
  { code: 0x25, key: 'storeStatus', name: 'X-Mms-Store-Status', kind: 'enum', values: STORE_STATUS },
  { code: 0x26, key: 'storeStatusText', name: 'X-Mms-Store-Status-Text', kind: 'esv' },
  { code: 0x27, key: 'stored', name: 'X-Mms-Stored', kind: 'yesno' },
  { code: 0x28, key: 'attributes', name: 'X-Mms-Attributes', kind: 'field', repeat: true },
  { code: 0x29, key: 'totals', name: 'X-Mms-Totals', kind: 'yesno' },
  { code: 0x2a, key: 'mboxTotals', name: 'X-Mms-Mbox-Totals', kind: 'totals', repeat: true },
  { code: 0x2b, key: 'quotas', name: 'X-Mms-Quotas', kind: 'yesno' },
  { code: 0x2c, key: 'mboxQuotas', name: 'X-Mms-Mbox-Quotas', kind: 'totals', repeat: true },
  { code: 0x2d, key: 'messageCount', name: 'X-Mms-Message-Count', kind: 'int' },
  { code: 0x2e, key: 'content', name: 'Content', kind: 'raw' },
  { code: 0x2f, key: 'start', name: 'X-Mms-Start', kind: 'int' },
  { code: 0x30, key: 'additionalHeaders', name: 'Additional-headers', kind: 'raw' },
  { code: 0x31, key: 'distributionIndicator', name: 'X-Mms-Distribution-Indicator', kind: 'yesno' },
  { code: 0x32, key: 'elementDescriptor', name: 'X-Mms-Element-Descriptor', kind: 'raw' },
  { code: 0x33, key: 'limit', name: 'X-Mms-Limit', kind: 'int' },
  { code: 0x34, key: 'recommendedRetrievalMode', name: 'X-Mms-Recommended-Retrieval-Mode', kind: 'enum', values: RETRIEVAL_MODE }, // 1.3
  { code: 0x35, key: 'recommendedRetrievalModeText', name: 'X-Mms-Recommended-Retrieval-Mode-Text', kind: 'esv' },
  { code: 0x36, key: 'statusText', name: 'X-Mms-Status-Text', kind: 'esv' },
  { code: 0x37, key: 'applicId', name: 'X-Mms-Applic-ID', kind: 'text' },
  { code: 0x38, key: 'replyApplicId', name: 'X-Mms-Reply-Applic-ID', kind: 'text' },
  { code: 0x39, key: 'auxApplicInfo', name: 'X-Mms-Aux-Applic-Info', kind: 'text' },
  { code: 0x3a, key: 'contentClass', name: 'X-Mms-Content-Class', kind: 'enum', values: CONTENT_CLASS },
  { code: 0x3b, key: 'drmContent', name: 'X-Mms-DRM-Content', kind: 'yesno' },
  { code: 0x3c, key: 'adaptationAllowed', name: 'X-Mms-Adaptation-Allowed', kind: 'yesno' },
  { code: 0x3d, key: 'replaceId', name: 'X-Mms-Replace-ID', kind: 'text' },
  { code: 0x3e, key: 'cancelId', name: 'X-Mms-Cancel-ID', kind: 'text' },
  { code: 0x3f, key: 'cancelStatus', name: 'X-Mms-Cancel-Status', kind: 'enum', values: CANCEL_STATUS },
];

export const FIELD_BY_CODE: ReadonlyMap<number, FieldDef> = new Map(FIELDS.map((f) => [f.code, f]));
export const FIELD_BY_KEY: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.key, f]));

/**
 * Order used when encoding headers that carry no recorded wire order: OMA-MMS-ENC §6 / §7.1 puts
 * X-Mms-Message-Type first, X-Mms-Transaction-Id (when present) second, X-Mms-MMS-Version third and
 * Content-Type last; the rest follow the order of the PDU tables in §6.
 */
const LEADING = [
  'messageType',
  'transactionId',
  'mmsVersion',
  'messageId',
  'date',
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'messageClass',
  'messageSize',
  'expiry',
  'deliveryTime',
  'priority',
  'senderVisibility',
  'deliveryReport',
  'readReport',
  'reportAllowed',
  'status',
  'statusText',
  'readStatus',
  'responseStatus',
  'responseText',
  'retrieveStatus',
  'retrieveText',
  'contentLocation',
];
export const CANONICAL_ORDER: readonly string[] = [
  ...LEADING,
  ...FIELDS.map((f) => f.key).filter((k) => !LEADING.includes(k) && k !== 'contentType'),
];
