/**
 * PAP client addresses (WAP-249 §7.1 "Client Address Format"):
 *
 *   WAPPUSH=<client-address>/TYPE=<type>@<ppg-specifier>
 *
 * type PLMN (a global phone number), IPv4, IPv6, USER (a user-defined identifier, e.g. an e-mail address)
 * or any other user-defined type. Special characters in a USER or user-defined value are %-escaped.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { PapCode, PapError } from './pap-codes.ts';

export type PushAddress =
  | { type: 'PLMN'; value: string; ppg: string; raw: string }
  | { type: 'IPv4'; value: string; ppg: string; raw: string }
  | { type: 'IPv6'; value: string; ppg: string; raw: string }
  | { type: 'USER'; value: string; ppg: string; raw: string }
  | { type: 'user-defined'; typeName: string; value: string; ppg: string; raw: string };

const ESCAPED = /^(?:[A-Za-z0-9\-_.!~*'()+,;:&=$]|%[0-9A-Fa-f]{2})+$/;

/** Parses one address-value; throws PapError 2002 (address error) when it is not valid. */
export function parsePushAddress(raw: string): PushAddress {
  const bad = (why: string): never => {
    throw new PapError(PapCode.ADDRESS_ERROR, `Address error: ${why}`, raw);
  };
  const s = raw.trim();
  const m = /^WAPPUSH=(.+)\/TYPE=([^@/]+)@(.+)$/i.exec(s);
  if (!m) bad(`'${raw}' is not WAPPUSH=<address>/TYPE=<type>@<ppg>`);
  const [, client = '', typeName = '', ppg = ''] = m!;
  // WAP-249 §7.1: ppg-specifier = dom-name / escaped value — no spaces, no '@'
  if (!/^[A-Za-z0-9\-_.:[\]%]+$/.test(ppg)) bad(`ppg-specifier '${ppg}'`);
  switch (typeName.toUpperCase()) {
    case 'PLMN': {
      // WAP-249 §7.1: global-phone-number = ["+"] 1*(DIGIT / written-sep), written-sep = "-" / "."
      if (!/^\+?[0-9][0-9.\-]*$/.test(client)) bad(`'${client}' is not a phone number`);
      const digits = client.replace(/[.-]/g, '');
      if (digits.replace('+', '').length > 20) bad(`phone number '${client}' longer than 20 digits`);
      return { type: 'PLMN', value: digits, ppg, raw: s };
    }
    case 'IPV4':
      if (!isIPv4(client)) bad(`'${client}' is not an IPv4 address`);
      return { type: 'IPv4', value: client, ppg, raw: s };
    case 'IPV6': {
      // WAP-249 §7.1 writes IPv6 as eight ':'-separated hex groups; compressed forms are accepted too.
      const v = client.replace(/^\[|\]$/g, '');
      if (!isIPv6(v)) bad(`'${client}' is not an IPv6 address`);
      return { type: 'IPv6', value: v, ppg, raw: s };
    }
    case 'USER':
      if (!ESCAPED.test(client)) bad(`'${client}' is not an escaped user identifier`);
      return { type: 'USER', value: unescape(client, bad), ppg, raw: s };
    default:
      // WAP-249 §7.1: user-defined-type = 1*(ALPHA / DIGIT / "_"), not starting with a digit... kept lenient
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(typeName)) bad(`unknown address type '${typeName}'`);
      if (!ESCAPED.test(client)) bad(`'${client}' is not an escaped value`);
      return { type: 'user-defined', typeName, value: unescape(client, bad), ppg, raw: s };
  }
}

function unescape(v: string, bad: (why: string) => never): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return bad(`bad %-escape in '${v}'`);
  }
}

/** The canonical address-value for answers (the PI's own spelling is echoed where we have it). */
export function formatPushAddress(a: PushAddress): string {
  return a.raw;
}
