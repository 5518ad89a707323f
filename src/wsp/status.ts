/**
 * WSP status codes ⇄ HTTP status codes (WAP-230 §8.2.2.3, Table 36 "Status Code Assignments").
 *
 * The table is written once (WSP octet → HTTP code); the reverse map is derived. Codes that have no WSP form
 * map to their class's generic code (a defined, lossy answer): 1xx → 100 (0x10), 2xx → 200 (0x20),
 * 3xx → 300 (0x30), 4xx → 400 (0x40), 5xx → 500 (0x60); anything outside 100..599 → 500 (0x60).
 */

// WAP-230 Table 36: WSP status octet → HTTP status code.
export const WSP_STATUS_TABLE: ReadonlyArray<readonly [wsp: number, http: number, reason: string]> = [
  [0x10, 100, 'Continue'],
  [0x11, 101, 'Switching Protocols'],
  [0x20, 200, 'OK'],
  [0x21, 201, 'Created'],
  [0x22, 202, 'Accepted'],
  [0x23, 203, 'Non-Authoritative Information'],
  [0x24, 204, 'No Content'],
  [0x25, 205, 'Reset Content'],
  [0x26, 206, 'Partial Content'],
  [0x30, 300, 'Multiple Choices'],
  [0x31, 301, 'Moved Permanently'],
  [0x32, 302, 'Moved Temporarily'],
  [0x33, 303, 'See Other'],
  [0x34, 304, 'Not Modified'],
  [0x35, 305, 'Use Proxy'],
  [0x37, 307, 'Temporary Redirect'],
  [0x40, 400, 'Bad Request'],
  [0x41, 401, 'Unauthorized'],
  [0x42, 402, 'Payment Required'],
  [0x43, 403, 'Forbidden'],
  [0x44, 404, 'Not Found'],
  [0x45, 405, 'Method Not Allowed'],
  [0x46, 406, 'Not Acceptable'],
  [0x47, 407, 'Proxy Authentication Required'],
  [0x48, 408, 'Request Timeout'],
  [0x49, 409, 'Conflict'],
  [0x4a, 410, 'Gone'],
  [0x4b, 411, 'Length Required'],
  [0x4c, 412, 'Precondition Failed'],
  [0x4d, 413, 'Request Entity Too Large'],
  [0x4e, 414, 'Request-URI Too Large'],
  [0x4f, 415, 'Unsupported Media Type'],
  [0x50, 416, 'Requested Range Not Satisfiable'],
  [0x51, 417, 'Expectation Failed'],
  [0x60, 500, 'Internal Server Error'],
  [0x61, 501, 'Not Implemented'],
  [0x62, 502, 'Bad Gateway'],
  [0x63, 503, 'Service Unavailable'],
  [0x64, 504, 'Gateway Timeout'],
  [0x65, 505, 'HTTP Version Not Supported'],
];

const WSP_TO_HTTP = new Map<number, number>(WSP_STATUS_TABLE.map(([w, h]) => [w, h]));
const HTTP_TO_WSP = new Map<number, number>(WSP_STATUS_TABLE.map(([w, h]) => [h, w]));
const REASON = new Map<number, string>(WSP_STATUS_TABLE.map(([, h, r]) => [h, r]));

/** Convenience names for the codes the gateway itself answers with. */
export const WspStatus = {
  OK: 0x20,
  BAD_REQUEST: 0x40,
  FORBIDDEN: 0x43,
  NOT_FOUND: 0x44,
  METHOD_NOT_ALLOWED: 0x45,
  REQUEST_ENTITY_TOO_LARGE: 0x4d,
  UNSUPPORTED_MEDIA_TYPE: 0x4f,
  INTERNAL_SERVER_ERROR: 0x60,
  NOT_IMPLEMENTED: 0x61,
  BAD_GATEWAY: 0x62,
  SERVICE_UNAVAILABLE: 0x63,
  GATEWAY_TIMEOUT: 0x64,
} as const;

/** True when the octet is an assigned WSP status (Table 36). */
export function isKnownWspStatus(octet: number): boolean {
  return WSP_TO_HTTP.has(octet);
}

/** True when the HTTP code has its own WSP status octet. */
export function hasWspForm(http: number): boolean {
  return HTTP_TO_WSP.has(http);
}

/**
 * HTTP status → WSP status octet. Codes without a WSP form take their class's generic code; codes outside
 * 100..599 (not HTTP at all) are answered as 500 Internal Server Error (0x60).
 */
export function httpToWspStatus(http: number): number {
  const exact = HTTP_TO_WSP.get(http);
  if (exact !== undefined) return exact;
  if (!Number.isInteger(http) || http < 100 || http > 599) return 0x60;
  const cls = Math.floor(http / 100);
  return cls === 5 ? 0x60 : cls * 0x10;
}

/**
 * WSP status octet → HTTP status. Unassigned octets inside a class range (0x10-0x1F 1xx, 0x20-0x2F 2xx,
 * 0x30-0x3F 3xx, 0x40-0x5F 4xx, 0x60-0x7F 5xx) take the class's generic code; anything else → 500.
 */
export function wspToHttpStatus(octet: number): number {
  const exact = WSP_TO_HTTP.get(octet);
  if (exact !== undefined) return exact;
  if (octet >= 0x10 && octet <= 0x1f) return 100;
  if (octet >= 0x20 && octet <= 0x2f) return 200;
  if (octet >= 0x30 && octet <= 0x3f) return 300;
  if (octet >= 0x40 && octet <= 0x5f) return 400;
  return 500;
}

/** The reason phrase for an HTTP code from Table 36 (undefined when the table has none). */
export function statusReason(http: number): string | undefined {
  return REASON.get(http);
}
