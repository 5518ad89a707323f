/**
 * Provisioning security (OMA-WAP-ProvBoot-V1_1 §5.3–5.4): the SEC method and the MAC carried as Content-Type
 * parameters of the push (WAP-230 Table 38: SEC 0x11 Short-integer, MAC 0x12 Text-value), the MAC being
 * HMAC-SHA1 over the WBXML document, written as 40 upper-case hexadecimal digits.
 *
 *   NETWPIN      key = the IMSI in its semi-octet form (GSM 11.11 EF_IMSI without the length octet)
 *   USERPIN      key = the user PIN (ASCII digits)
 *   USERNETWPIN  key = IMSI semi-octets followed by the user PIN
 *   USERPINMAC   the user is given U||M: U the PIN digits, M as many digits derived from HMAC(U, document)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ProvError, ProvErrorCode } from './errors.ts';

export type SecMethod = 'NETWPIN' | 'USERPIN' | 'USERNETWPIN' | 'USERPINMAC';

// ProvBoot §5.3 / WAP-230 Table 38 (and tshark's vals_wsp_parameter_sec): the SEC values.
export const SEC_CODES: Readonly<Record<SecMethod, number>> = { NETWPIN: 0, USERPIN: 1, USERNETWPIN: 2, USERPINMAC: 3 };
const SEC_BY_CODE = new Map(Object.entries(SEC_CODES).map(([k, v]) => [v, k as SecMethod]));

/** 'userpin', 'USERPIN', '1' → USERPIN; anything else is a ProvError naming the parameter. */
export function parseSec(s: string): SecMethod {
  const t = s.trim().toUpperCase();
  if (t in SEC_CODES) return t as SecMethod;
  if (/^\d+$/.test(t) && SEC_BY_CODE.has(Number(t))) return SEC_BY_CODE.get(Number(t))!;
  throw new ProvError(ProvErrorCode.TYPE, `unknown security method '${s}' (NETWPIN, USERPIN, USERNETWPIN, USERPINMAC)`, 'SEC');
}

const MAX_PIN_DIGITS = 32;

function digits(value: string | undefined, what: string, min: number, max: number): string {
  const v = (value ?? '').trim();
  if (!/^\d+$/.test(v)) throw new ProvError(ProvErrorCode.PIN, `${what} must be decimal digits`, what);
  if (v.length < min || v.length > max) throw new ProvError(ProvErrorCode.PIN, `${what} must have ${min}–${max} digits, not ${v.length}`, what);
  return v;
}

/**
 * ProvBoot §5.4.2 / GSM 11.11 §10.3.2 (EF_IMSI): the first semi-octet is the parity/type nibble (1001 for an
 * odd number of digits, 0001 for even), then the digits, low nibble first in each octet; unused semi-octets
 * are 0xF, up to the 8 octets of the field.
 */
export function imsiKey(imsi: string): Buffer {
  const d = digits(imsi, 'IMSI', 6, 15);
  const nibbles = [d.length % 2 === 1 ? 0x9 : 0x1, ...[...d].map(Number)];
  while (nibbles.length < 16) nibbles.push(0xf);
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) out[i] = (nibbles[2 * i + 1]! << 4) | nibbles[2 * i]!;
  return out;
}

export interface SecInput {
  sec: SecMethod;
  /** The user PIN (USERPIN, USERNETWPIN, USERPINMAC); for NETWPIN the IMSI may be given here, as in Kannel. */
  pin?: string;
  /** The subscriber's IMSI (NETWPIN, USERNETWPIN). */
  imsi?: string;
}

export interface Signature {
  sec: SecMethod;
  /** HMAC-SHA1 as 40 upper-case hex digits (the MAC parameter). */
  mac: string;
  /** USERPINMAC only: the PIN to give the user (U followed by the derived digits M). */
  userPin?: string;
}

function hmac(key: Buffer, body: Buffer): Buffer {
  return createHmac('sha1', key).update(body).digest();
}

/** The HMAC key of a method (USERPINMAC: the user part U). Bad or missing PIN/IMSI → ProvError (code PIN). */
export function macKey(s: SecInput): Buffer {
  switch (s.sec) {
    case 'NETWPIN':
      return imsiKey(s.imsi ?? s.pin ?? '');
    case 'USERPIN':
      return Buffer.from(digits(s.pin, 'PIN', 1, MAX_PIN_DIGITS), 'latin1');
    case 'USERNETWPIN':
      return Buffer.concat([imsiKey(s.imsi ?? ''), Buffer.from(digits(s.pin, 'PIN', 1, MAX_PIN_DIGITS), 'latin1')]);
    case 'USERPINMAC':
      return Buffer.from(digits(s.pin, 'PIN', 4, MAX_PIN_DIGITS / 2), 'latin1');
  }
}

/** Signs a compiled document. */
export function signProvisioning(body: Buffer, s: SecInput): Signature {
  const key = macKey(s);
  const digest = hmac(key, body);
  const mac = digest.toString('hex').toUpperCase();
  if (s.sec !== 'USERPINMAC') return { sec: s.sec, mac };
  // ProvBoot §5.4.4: m_i = (HMAC_i mod 10) + '0' for i < length(U); the user types U||M.
  const u = key.toString('latin1');
  let m = '';
  for (let i = 0; i < u.length; i++) m += String(digest[i]! % 10);
  return { sec: s.sec, mac, userPin: u + m };
}

/**
 * What a handset does (ProvBoot §5.4): recomputes the MAC with the PIN the user typed (or the IMSI it holds)
 * and compares. For USERPINMAC the typed PIN is U||M and M is checked; the MAC parameter too when given.
 */
export function verifyProvisioning(body: Buffer, sec: SecMethod, mac: string | undefined, input: { pin?: string; imsi?: string }): boolean {
  try {
    if (sec === 'USERPINMAC') {
      const typed = digits(input.pin, 'PIN', 8, MAX_PIN_DIGITS);
      if (typed.length % 2) return false;
      const again = signProvisioning(body, { sec, pin: typed.slice(0, typed.length / 2) });
      if (again.userPin !== typed) return false;
      return mac === undefined || sameHex(again.mac, mac);
    }
    if (mac === undefined) return false;
    return sameHex(signProvisioning(body, { sec, ...input }).mac, mac);
  } catch (e) {
    if (e instanceof ProvError) return false;
    throw e;
  }
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toUpperCase(), 'latin1');
  const y = Buffer.from(b.trim().toUpperCase(), 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}
