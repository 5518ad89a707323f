/**
 * MMS addresses (OMA-MMS-ENC-V1_3 §8 "Address Encoding") and Encoded-string-value helpers:
 *   address        = e-mail / device-address
 *   device-address = global-phone-number "/TYPE=PLMN" / ipv4 "/TYPE=IPv4" / ipv6 "/TYPE=IPv6"
 *                  / escaped-value "/TYPE=" address-type
 * Text in MmsHeaders is a latin1 octet string with an optional charset (see src/wire/primitives.ts); these
 * helpers convert to and from Unicode.
 */
import { decodeCharset, type EncodedString, utf8Octets } from '../wire/primitives.ts';

export type MmsAddressType = 'PLMN' | 'IPv4' | 'IPv6' | 'email' | (string & {});

export interface MmsAddress {
  type: MmsAddressType;
  /** The number, IP address, e-mail addr-spec, or escaped value (Unicode). */
  value: string;
  /** For e-mail addresses written "Name <addr>", the display name. */
  displayName?: string;
}

/** The Unicode text of an Encoded-string-value (charset applied: UTF-8, UCS-2/UTF-16; others as latin1). */
export function mmsText(v: EncodedString): string {
  return decodeCharset(v.text, v.charset);
}

/** A Unicode string as an Encoded-string-value: plain Text-string when US-ASCII, else UTF-8 (MIBenum 106). */
export function encodedString(s: string): EncodedString {
  // eslint-disable-next-line no-control-regex
  return /^[\x01-\x7f]*$/.test(s) ? { text: s } : { text: utf8Octets(s), charset: 106 };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+$/;
// §8: global-phone-number = ["+"] 1*(DIGIT / written-sep); written-sep = "-" / "."
const PHONE = /^\+?[0-9][0-9.-]*$/;

/** Parses an address as carried in To/Cc/Bcc/From (§8). Never throws: unknown forms keep their TYPE. */
export function parseAddress(text: string | EncodedString): MmsAddress {
  const s = typeof text === 'string' ? text : mmsText(text);
  const m = /^(.*)\/TYPE=([^/]+)$/i.exec(s);
  if (m) {
    const t = m[2]!;
    const canonical = t.toUpperCase() === 'PLMN' ? 'PLMN' : t.toUpperCase() === 'IPV4' ? 'IPv4' : t.toUpperCase() === 'IPV6' ? 'IPv6' : t;
    return { type: canonical, value: m[1]! };
  }
  const named = /^\s*(.*?)\s*<([^<>]+@[^<>]+)>\s*$/.exec(s);
  if (named) return named[1] ? { type: 'email', value: named[2]!, displayName: named[1].replace(/^"|"$/g, '') } : { type: 'email', value: named[2]! };
  if (s.includes('@')) return { type: 'email', value: s.trim() };
  // No /TYPE= suffix: MMS 1.0 handsets sometimes send a bare number (a dotted quad is taken for IPv4 first).
  if (IPV4.test(s)) return { type: 'IPv4', value: s };
  if (PHONE.test(s)) return { type: 'PLMN', value: s };
  return { type: 'unknown', value: s };
}

/** True when the address is well formed for its type (§8). */
export function isValidAddress(a: MmsAddress): boolean {
  switch (a.type) {
    case 'PLMN':
      return PHONE.test(a.value);
    case 'IPv4':
      return IPV4.test(a.value);
    case 'IPv6':
      return IPV6.test(a.value) && a.value.includes(':');
    case 'email':
      return /^[^\s@<>]+@[^\s@<>]+$/.test(a.value);
    default:
      return a.value.length > 0 && a.type !== 'unknown';
  }
}

/** Formats an address for a To/Cc/Bcc/From value (§8), as an Encoded-string-value. */
export function formatAddress(a: MmsAddress): EncodedString {
  if (a.type === 'email') return encodedString(a.displayName ? `${a.displayName} <${a.value}>` : a.value);
  return encodedString(`${a.value}/TYPE=${a.type}`);
}

/** `+15550000001` → `{ text: '+15550000001/TYPE=PLMN' }`. */
export function phoneAddress(msisdn: string): EncodedString {
  return formatAddress({ type: 'PLMN', value: msisdn });
}
