/**
 * PAP status codes (WAP-247 §9.13, table "Status Codes"): the code ↔ meaning table, written once.
 * 1xxx success, 2xxx client errors, 3xxx server errors, 4xxx service failures, 5xxx mobile client aborts.
 */
export const PapCode = {
  OK: 1000,
  ACCEPTED_FOR_PROCESSING: 1001,
  BAD_REQUEST: 2000,
  FORBIDDEN: 2001,
  ADDRESS_ERROR: 2002,
  ADDRESS_NOT_FOUND: 2003,
  PUSH_ID_NOT_FOUND: 2004,
  CAPABILITIES_MISMATCH: 2005,
  REQUIRED_CAPABILITIES_NOT_SUPPORTED: 2006,
  DUPLICATE_PUSH_ID: 2007,
  CANCELLATION_NOT_POSSIBLE: 2008,
  INTERNAL_SERVER_ERROR: 3000,
  NOT_IMPLEMENTED: 3001,
  VERSION_NOT_SUPPORTED: 3002,
  NOT_POSSIBLE: 3003,
  CAPABILITY_MATCHING_NOT_SUPPORTED: 3004,
  MULTIPLE_ADDRESSES_NOT_SUPPORTED: 3005,
  TRANSFORMATION_FAILURE: 3006,
  SPECIFIED_DELIVERY_METHOD_NOT_POSSIBLE: 3007,
  CAPABILITIES_NOT_AVAILABLE: 3008,
  REQUIRED_NETWORK_NOT_AVAILABLE: 3009,
  REQUIRED_BEARER_NOT_AVAILABLE: 3010,
  REPLACEMENT_NOT_SUPPORTED: 3011,
  SERVICE_FAILURE: 4000,
  SERVICE_UNAVAILABLE: 4001,
  MOBILE_CLIENT_ABORTED: 5000,
} as const;
export type PapCode = (typeof PapCode)[keyof typeof PapCode];

const DESCRIPTIONS: Record<number, string> = {
  1000: 'OK',
  1001: 'Accepted for processing',
  2000: 'Bad request',
  2001: 'Forbidden',
  2002: 'Address error',
  2003: 'Address not found',
  2004: 'Push ID not found',
  2005: 'Capabilities mismatch',
  2006: 'Required capabilities not supported',
  2007: 'Duplicate push ID',
  2008: 'Cancellation not possible',
  3000: 'Internal server error',
  3001: 'Not implemented',
  3002: 'Version not supported',
  3003: 'Not possible',
  3004: 'Capability matching not supported',
  3005: 'Multiple addresses not supported',
  3006: 'Transformation failure',
  3007: 'Specified delivery method not possible',
  3008: 'Capabilities not available',
  3009: 'Required network not available',
  3010: 'Required bearer not available',
  3011: 'Replacement not supported',
  4000: 'Service failure',
  4001: 'Service unavailable',
  5000: 'Mobile client aborted',
};

export const PAP_CODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(PapCode).map(([k, v]) => [v, k]));

/** The standard description of a code; 5xxx codes carry the WSP/WTP abort reason in the low octet. */
export function papCodeDescription(code: number): string {
  if (code > 5000 && code < 6000) return `Mobile client aborted (reason 0x${(code - 5000).toString(16)})`;
  return DESCRIPTIONS[code] ?? 'Unknown';
}

/** A request the PPG refuses, with the PAP code to answer. Thrown by the PAP parsers, caught by the handler. */
export class PapError extends Error {
  override readonly name = 'PapError';
  constructor(
    readonly code: number,
    readonly desc: string,
    /** The offending fragment, for badmessage-response. */
    readonly fragment?: string,
  ) {
    super(`PAP ${code}: ${desc}`);
  }
}
