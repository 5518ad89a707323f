/**
 * Header hygiene between WSP and HTTP. WSP text values are latin1 strings decoded from untrusted octets: a
 * handset (or a fuzzer) can put CR, LF, NUL or any other control octet in them. HTTP/1.1 forbids those in a
 * field value (RFC 9110 §5.5: field-value = *field-content, no CTL but HTAB; RFC 9112 §2.2: a bare CR is
 * invalid), and CR/LF would let a handset inject its own header lines (header splitting). The gateway calls
 * these before a WSP-decoded header is forwarded, and `stripProtected` before enrichment so a handset can never
 * claim someone else's number.
 */
import type { Enricher } from '../gateway/hooks.ts';

/** RFC 9110 §5.1: field-name = token; token = 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Any CTL except HTAB (RFC 5234 CTL = %x00-1F / %x7F), and anything outside latin1. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_VALUE_CHAR = /[\u0000-\u0008\u000a-\u001f\u007f\u0100-\uffff]/;

/** Longest header value forwarded; a longer one is refused (undici and most servers cap a line near 8 KiB). */
export const MAX_HEADER_VALUE_LENGTH = 8192;
export const MAX_HEADER_NAME_LENGTH = 256;

export function isSafeHeaderName(name: string): boolean {
  return typeof name === 'string' && name.length <= MAX_HEADER_NAME_LENGTH && TOKEN.test(name);
}

/**
 * A field value fit for HTTP: surrounding whitespace (SP/HTAB, RFC 9110 §5.5 OWS) trimmed; undefined when the
 * value holds CR, LF, NUL or another control character, a character beyond latin1, or is over-long. Values are
 * refused rather than repaired: replacing CR/LF would forward a value the handset never meant.
 */
export function sanitizeHeaderValue(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE_LENGTH) return undefined;
  if (FORBIDDEN_VALUE_CHAR.test(value)) return undefined;
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** True when name is a token and value passes `sanitizeHeaderValue`. */
export function isSafeHeader(name: string, value: string): boolean {
  return isSafeHeaderName(name) && sanitizeHeaderValue(value) !== undefined;
}

export type HeaderPairs = Array<[name: string, value: string]>;

/**
 * Removes every header whose lower-cased name is in `enricher.protectedHeaders` (the MSISDN / IMSI / client-IP
 * headers only the gateway may set). Accepts the gateway's `[name, value][]` form or a plain record and returns
 * a new value of the same shape; `onStrip` hears each removed name (for a counter or a log line).
 */
export function stripProtected<T extends HeaderPairs | Record<string, string>>(
  headers: T,
  enricher: Pick<Enricher, 'protectedHeaders'> | ReadonlySet<string>,
  onStrip?: (name: string) => void,
): T {
  const prot = enricher instanceof Set ? (enricher as ReadonlySet<string>) : (enricher as Enricher).protectedHeaders;
  if (Array.isArray(headers)) {
    const out: HeaderPairs = [];
    for (const pair of headers as HeaderPairs) {
      if (prot.has(String(pair[0]).toLowerCase())) onStrip?.(pair[0]);
      else out.push(pair);
    }
    return out as T;
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (prot.has(name.toLowerCase())) onStrip?.(name);
    else out[name] = value;
  }
  return out as T;
}
