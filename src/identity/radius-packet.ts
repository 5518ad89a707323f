/**
 * RADIUS accounting packets from untrusted datagrams: the structural checks that must pass before any byte is
 * interpreted, the authenticator checks (the shared secret), and the attributes the subscriber map needs. The
 * npm `radius` library encodes our answers and forwarded requests; every datagram is validated here first
 * because the library trusts its input (an attribute running past Length is silently cut, a short integer
 * throws a RangeError, authenticators are compared as UTF-8 text).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { formatIp } from '../net/ip.ts';
import type { ThreeGppInfo } from './subscriber-map.ts';

/** RFC 2865 §3 / RFC 2866 §3 packet codes. */
export const RADIUS_CODE = { ACCOUNTING_REQUEST: 4, ACCOUNTING_RESPONSE: 5 } as const;
/** RFC 2865 §3: header is Code, Identifier, Length (2), Authenticator (16). */
export const HEADER_LENGTH = 20;
/** RFC 2865 §3: "The maximum length is 4096". */
export const MAX_LENGTH = 4096;

/** Attribute types used here (RFC 2865 §5, RFC 2866 §5, RFC 3162, RFC 6911). */
export const ATTR = {
  USER_NAME: 1,
  NAS_IP_ADDRESS: 4,
  FRAMED_IP_ADDRESS: 8,
  VENDOR_SPECIFIC: 26,
  CALLED_STATION_ID: 30,
  CALLING_STATION_ID: 31,
  NAS_IDENTIFIER: 32,
  PROXY_STATE: 33,
  ACCT_STATUS_TYPE: 40,
  ACCT_SESSION_ID: 44,
  MESSAGE_AUTHENTICATOR: 80,
  NAS_IPV6_ADDRESS: 95,
  FRAMED_IPV6_PREFIX: 97,
  FRAMED_IPV6_ADDRESS: 168,
} as const;

/** RFC 2866 §5.1 Acct-Status-Type values. */
export const ACCT_STATUS = { START: 1, STOP: 2, INTERIM_UPDATE: 3, ACCOUNTING_ON: 7, ACCOUNTING_OFF: 8 } as const;

/** TS 29.061 §16.4.7: the 3GPP vendor id and its sub-attribute numbers. */
export const VENDOR_3GPP = 10415;
export const VSA_3GPP = {
  IMSI: 1,
  CHARGING_ID: 2,
  PDP_TYPE: 3,
  CG_ADDRESS: 4,
  GPRS_NEGOTIATED_QOS: 5,
  SGSN_ADDRESS: 6,
  GGSN_ADDRESS: 7,
  IMSI_MCC_MNC: 8,
  GGSN_MCC_MNC: 9,
  NSAPI: 10,
  SELECTION_MODE: 12,
  CHARGING_CHARACTERISTICS: 13,
  SGSN_MCC_MNC: 18,
  IMEISV: 20,
  RAT_TYPE: 21,
  USER_LOCATION_INFO: 22,
  MS_TIME_ZONE: 23,
} as const;

/** Why a datagram was dropped; each has a counter. */
export const DROP_REASONS = [
  'too-short',
  'bad-length',
  'truncated',
  'wrong-code',
  'attribute-length',
  'attribute-overflow',
  'bad-vsa',
  'bad-attribute-value',
  'no-status-type',
  'bad-authenticator',
  'bad-message-authenticator',
  'malformed',
  'unknown-client',
  'rate-limited',
  'upstream-busy',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface RawAttr {
  type: number;
  value: Buffer;
}

export type StructureResult = { ok: true; packet: Buffer; attrs: RawAttr[] } | { ok: false; reason: DropReason };

/**
 * RFC 2865 §3 structure of an Accounting-Request: code 4, 20 ≤ Length ≤ 4096, the datagram at least Length
 * long (octets past Length are padding and ignored), attributes tiling the rest exactly with Length ≥ 2 each,
 * and Vendor-Specific attributes (§5.26) holding a vendor id with a zero high octet and well-formed
 * type-length-value sub-attributes. The returned packet is a copy trimmed to Length.
 */
export function checkAccountingRequest(datagram: Buffer): StructureResult {
  if (datagram.length < HEADER_LENGTH) return { ok: false, reason: 'too-short' };
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_LENGTH) return { ok: false, reason: 'bad-length' };
  // RFC 2865 §3: "If the packet is shorter than the Length field indicates, it MUST be silently discarded."
  if (datagram.length < length) return { ok: false, reason: 'truncated' };
  if (datagram[0] !== RADIUS_CODE.ACCOUNTING_REQUEST) return { ok: false, reason: 'wrong-code' };
  const packet = Buffer.from(datagram.subarray(0, length));
  const attrs: RawAttr[] = [];
  let off = HEADER_LENGTH;
  while (off < length) {
    if (length - off < 2) return { ok: false, reason: 'attribute-overflow' };
    const type = packet[off] as number;
    const alen = packet[off + 1] as number;
    // RFC 2865 §5: Length ≥ 2 (a zero length would never advance).
    if (alen < 2) return { ok: false, reason: 'attribute-length' };
    if (off + alen > length) return { ok: false, reason: 'attribute-overflow' };
    const value = packet.subarray(off + 2, off + alen);
    if (type === ATTR.VENDOR_SPECIFIC && !vsaWellFormed(value)) return { ok: false, reason: 'bad-vsa' };
    attrs.push({ type, value });
    off += alen;
  }
  return { ok: true, packet, attrs };
}

function vsaWellFormed(v: Buffer): boolean {
  // RFC 2865 §5.26: Vendor-Id (4 octets, high-order octet 0) then the vendor's string, here TLVs.
  if (v.length < 5 || v[0] !== 0) return false;
  let off = 4;
  while (off < v.length) {
    if (v.length - off < 2) return false;
    const len = v[off + 1] as number;
    if (len < 2 || off + len > v.length) return false;
    off += len;
  }
  return true;
}

/**
 * RFC 2866 §3: Request Authenticator = MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret).
 * Compared in constant time.
 */
export function accountingRequestAuthentic(packet: Buffer, secret: string): boolean {
  const copy = Buffer.from(packet);
  copy.fill(0, 4, 20);
  const expected = createHash('md5').update(copy).update(secret, 'utf8').digest();
  return timingSafeEqual(expected, packet.subarray(4, 20));
}

/**
 * RFC 3579 §3.2 Message-Authenticator on an Accounting-Request: HMAC-MD5 over the packet with the
 * Message-Authenticator value zeroed and, for accounting (RFC 5080 §2.2.4; FreeRADIUS does the same), the
 * Request Authenticator field taken as zeros. undefined when the packet carries none.
 */
export function messageAuthenticatorValid(packet: Buffer, attrs: RawAttr[], secret: string): boolean | undefined {
  const ma = attrs.filter((a) => a.type === ATTR.MESSAGE_AUTHENTICATOR);
  if (ma.length === 0) return undefined;
  if (ma.length > 1 || ma[0]!.value.length !== 16) return false;
  const offset = ma[0]!.value.byteOffset - packet.byteOffset;
  const copy = Buffer.from(packet);
  copy.fill(0, 4, 20);
  copy.fill(0, offset, offset + 16);
  const expected = createHmac('md5', secret).update(copy).digest();
  return timingSafeEqual(expected, ma[0]!.value);
}

/**
 * Signs an Accounting-Response (built by the library without a Message-Authenticator) with one, the way
 * FreeRADIUS verifies it: the HMAC over the packet with a zero authenticator field, then the Response
 * Authenticator MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret) (RFC 2866 §3).
 */
export function addResponseMessageAuthenticator(response: Buffer, requestAuthenticator: Buffer, secret: string): Buffer {
  const out = Buffer.alloc(response.length + 18);
  response.copy(out);
  out[response.length] = ATTR.MESSAGE_AUTHENTICATOR;
  out[response.length + 1] = 18;
  out.writeUInt16BE(out.length, 2);
  out.fill(0, 4, 20);
  createHmac('md5', secret).update(out).digest().copy(out, response.length + 2);
  requestAuthenticator.copy(out, 4);
  createHash('md5').update(out).update(secret, 'utf8').digest().copy(out, 4);
  return out;
}

/** What an Accounting-Request says about a subscriber. */
export interface AccountingInfo {
  statusType: number;
  identifier: number;
  authenticator: Buffer;
  framedIp?: string;
  framedIpv6Prefix?: string;
  framedIpv6Address?: string;
  callingStationId?: string;
  userName?: string;
  sessionId?: string;
  calledStationId?: string;
  nasIp?: string;
  nasIdentifier?: string;
  imsi?: string;
  threeGpp?: ThreeGppInfo;
  hasMessageAuthenticator: boolean;
}

export type ExtractResult = { ok: true; info: AccountingInfo } | { ok: false; reason: DropReason };

const text = (b: Buffer): string => b.toString('utf8');
const hex = (b: Buffer): string => b.toString('hex');

function ipv4(b: Buffer): string | undefined {
  return b.length === 4 ? formatIp({ family: 4, value: BigInt(b.readUInt32BE(0)) }) : undefined;
}

function ipv6(b: Buffer): string | undefined {
  if (b.length !== 16) return undefined;
  return formatIp({ family: 6, value: BigInt(`0x${b.toString('hex')}`) });
}

/** Shortest Framed-IPv6-Prefix bound to one subscriber. */
export const MIN_SUBSCRIBER_PREFIX = 32;

/** RFC 3162 §2.3 Framed-IPv6-Prefix: Reserved, Prefix-Length (0..128), Prefix (only the significant octets). */
function ipv6Prefix(b: Buffer): string | undefined {
  if (b.length < 2 || b.length > 18) return undefined;
  const bits = b[1] as number;
  if (bits > 128 || b.length - 2 < Math.ceil(bits / 8)) return undefined;
  const full = Buffer.alloc(16);
  b.copy(full, 0, 2);
  let v = BigInt(`0x${full.toString('hex')}`);
  const hostBits = BigInt(128 - bits);
  v = (v >> hostBits) << hostBits;
  return `${formatIp({ family: 6, value: v })}/${bits}`;
}

/**
 * Pulls the accounting fields out of structurally valid attributes. Fixed-size fields of the wrong size are
 * `bad-attribute-value` (dropped: a NAS sending them is broken and guessing would bind the wrong subscriber).
 */
export function extractAccounting(packet: Buffer, attrs: RawAttr[]): ExtractResult {
  const info: AccountingInfo = {
    statusType: -1,
    identifier: packet[1] as number,
    authenticator: Buffer.from(packet.subarray(4, 20)),
    hasMessageAuthenticator: false,
  };
  const g: ThreeGppInfo = {};
  let any3gpp = false;
  for (const { type, value } of attrs) {
    switch (type) {
      case ATTR.ACCT_STATUS_TYPE:
        if (value.length !== 4) return { ok: false, reason: 'bad-attribute-value' };
        info.statusType = value.readUInt32BE(0);
        break;
      case ATTR.FRAMED_IP_ADDRESS: {
        const ip = ipv4(value);
        if (!ip) return { ok: false, reason: 'bad-attribute-value' };
        // RFC 2865 §5.8: 255.255.255.255 / .254 ask the NAS to choose; 0.0.0.0 is none. No handset holds them.
        if (ip !== '255.255.255.255' && ip !== '255.255.255.254' && ip !== '0.0.0.0') info.framedIp = ip;
        break;
      }
      case ATTR.FRAMED_IPV6_PREFIX: {
        const prefix = ipv6Prefix(value);
        if (!prefix) return { ok: false, reason: 'bad-attribute-value' };
        // A handset gets one /64 per PDP context / PDN connection; a prefix shorter than /32 would claim
        // whole networks for one subscriber, so it binds nothing (the request is still answered).
        if (value[1]! >= MIN_SUBSCRIBER_PREFIX) info.framedIpv6Prefix = prefix;
        break;
      }
      case ATTR.FRAMED_IPV6_ADDRESS:
        info.framedIpv6Address = ipv6(value);
        if (!info.framedIpv6Address) return { ok: false, reason: 'bad-attribute-value' };
        break;
      case ATTR.NAS_IP_ADDRESS:
        info.nasIp = ipv4(value);
        break;
      case ATTR.NAS_IPV6_ADDRESS:
        info.nasIp ??= ipv6(value);
        break;
      case ATTR.CALLING_STATION_ID:
        info.callingStationId = text(value);
        break;
      case ATTR.USER_NAME:
        info.userName = text(value);
        break;
      case ATTR.ACCT_SESSION_ID:
        info.sessionId = text(value);
        break;
      case ATTR.CALLED_STATION_ID:
        info.calledStationId = text(value);
        break;
      case ATTR.NAS_IDENTIFIER:
        info.nasIdentifier = text(value);
        break;
      case ATTR.MESSAGE_AUTHENTICATOR:
        info.hasMessageAuthenticator = true;
        break;
      case ATTR.VENDOR_SPECIFIC:
        if (value.readUInt32BE(0) === VENDOR_3GPP) {
          any3gpp = true;
          for (let off = 4; off < value.length; off += value[off + 1] as number) {
            const st = value[off] as number;
            const sv = value.subarray(off + 2, off + (value[off + 1] as number));
            const r = apply3gpp(st, sv, g, info);
            if (!r) return { ok: false, reason: 'bad-attribute-value' };
          }
        }
        break;
      default:
        break;
    }
  }
  // RFC 2866 §5.1: Acct-Status-Type MUST be present.
  if (info.statusType < 0) return { ok: false, reason: 'no-status-type' };
  if (any3gpp && Object.keys(g).length) info.threeGpp = g;
  return { ok: true, info };
}

/** One 3GPP sub-attribute into the info; false when a fixed-size one has the wrong size. */
function apply3gpp(type: number, v: Buffer, g: ThreeGppInfo, info: AccountingInfo): boolean {
  const u32 = (): number | undefined => (v.length === 4 ? v.readUInt32BE(0) : undefined);
  switch (type) {
    case VSA_3GPP.IMSI:
      info.imsi = text(v);
      return true;
    case VSA_3GPP.CHARGING_ID:
      return (g.chargingId = u32()) !== undefined;
    case VSA_3GPP.PDP_TYPE:
      return (g.pdpType = u32()) !== undefined;
    case VSA_3GPP.CG_ADDRESS:
      return (g.chargingGatewayAddress = ipv4(v)) !== undefined;
    case VSA_3GPP.SGSN_ADDRESS:
      return (g.sgsnAddress = ipv4(v)) !== undefined;
    case VSA_3GPP.GGSN_ADDRESS:
      return (g.ggsnAddress = ipv4(v)) !== undefined;
    case VSA_3GPP.GPRS_NEGOTIATED_QOS:
      g.negotiatedQos = text(v);
      return true;
    case VSA_3GPP.IMSI_MCC_MNC:
      g.imsiMccMnc = text(v);
      return true;
    case VSA_3GPP.GGSN_MCC_MNC:
      g.ggsnMccMnc = text(v);
      return true;
    case VSA_3GPP.SGSN_MCC_MNC:
      g.sgsnMccMnc = text(v);
      return true;
    case VSA_3GPP.NSAPI:
      g.nsapi = text(v);
      return true;
    case VSA_3GPP.SELECTION_MODE:
      g.selectionMode = text(v);
      return true;
    case VSA_3GPP.CHARGING_CHARACTERISTICS:
      g.chargingCharacteristics = text(v);
      return true;
    case VSA_3GPP.IMEISV:
      g.imeisv = text(v);
      return true;
    case VSA_3GPP.RAT_TYPE:
      if (v.length !== 1) return false;
      g.ratType = v[0] as number;
      return true;
    case VSA_3GPP.USER_LOCATION_INFO:
      g.userLocationInfo = hex(v);
      return true;
    case VSA_3GPP.MS_TIME_ZONE:
      g.msTimeZone = hex(v);
      return true;
    default:
      return true;
  }
}
