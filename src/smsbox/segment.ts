/**
 * How a sendsms message becomes short messages (pure):
 *   - WAP Push / WDP (a UDH with the 16-bit application port element): the `text` octets are one WDP
 *     datagram; over SMS it is segmented as WAP-259 §6.5 says (src/bearer/sms/wdp.ts segmentWdp: the port
 *     element in every segment, concatenation when needed).
 *   - any other message: the user data (GSM 7-bit septets one per octet, 8-bit octets or UCS-2), with the UDH
 *     the request gave; when it does not fit one short message it is split and every part carries the given
 *     elements plus an 8-bit concatenation element (3GPP TS 23.040 §9.2.3.24.1), as Kannel splits.
 */
import { encodeUserDataHeader, type UdhElement } from '../bearer/sms/udh.ts';
import { segmentWdp, segmentCount, SMS_USER_DATA_OCTETS } from '../bearer/sms/wdp.ts';

/** One short message: user data (UDH included when udhi). */
export interface SmsPart {
  userData: Buffer;
  udhi: boolean;
}

export interface PlainSms {
  /** 0 GSM 7-bit (septets, one per octet), 1 8-bit, 2 UCS-2. */
  coding: 0 | 1 | 2;
  data: Buffer;
  /** The elements of the request's UDH (none: no header unless the text must be split). */
  udh: readonly UdhElement[];
}

// 23.040 §9.2.3.16: 140 octets of user data; 160 septets for GSM 7-bit. A header takes whole septets.
const septetsFor = (octets: number): number => Math.ceil((octets * 8) / 7);

/** Units (septets or octets) of payload that fit in one short message beside a header of udhOctets. */
function room(coding: 0 | 1 | 2, udhOctets: number): number {
  if (coding === 0) return 160 - (udhOctets ? septetsFor(udhOctets) : 0);
  const r = SMS_USER_DATA_OCTETS - udhOctets;
  return coding === 2 ? r - (r % 2) : r;
}

const udhLength = (els: readonly UdhElement[]): number => (els.length ? encodeUserDataHeader(els).length : 0);

/** Splits a plain message; never splits a GSM escape pair or a UCS-2 code unit pair in two. */
export function plainParts(m: PlainSms, ref: number): SmsPart[] {
  const single = room(m.coding, udhLength(m.udh));
  if (m.data.length <= single) {
    const udh = m.udh.length ? encodeUserDataHeader(m.udh) : undefined;
    return [{ userData: udh ? Buffer.concat([udh, m.data]) : Buffer.from(m.data), udhi: !!udh }];
  }
  const chunks = chunk(m, room(m.coding, udhLength([...m.udh, { kind: 'concat', ref: 0, total: 1, seq: 1, refBits: 8 }])));
  if (chunks.length > 255) throw new RangeError(`message needs ${chunks.length} short messages (at most 255)`);
  return chunks.map((c, i) => {
    const udh = encodeUserDataHeader([...m.udh, { kind: 'concat', ref: ref & 0xff, total: chunks.length, seq: i + 1, refBits: 8 }]);
    return { userData: Buffer.concat([udh, c]), udhi: true };
  });
}

function chunk(m: PlainSms, per: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < m.data.length) {
    let end = Math.min(at + per, m.data.length);
    if (end < m.data.length) {
      if (m.coding === 0 && m.data[end - 1] === 0x1b) end--; // keep an escape with its character
      if (m.coding === 2) {
        end -= (end - at) % 2;
        const hi = m.data[end - 2]!;
        if (hi >= 0xd8 && hi <= 0xdb) end -= 2; // keep a surrogate pair together
      }
    }
    if (end <= at) end = Math.min(at + per, m.data.length);
    out.push(m.data.subarray(at, end));
    at = end;
  }
  return out;
}

/** How many short messages a plain message becomes. */
export function plainCount(m: PlainSms): number {
  if (m.data.length <= room(m.coding, udhLength(m.udh))) return 1;
  return chunk(m, room(m.coding, udhLength([...m.udh, { kind: 'concat', ref: 0, total: 1, seq: 1, refBits: 8 }]))).length;
}

/** WAP-259 §6.5: a WDP datagram over SMS, ports kept in every segment. */
export function wdpParts(datagram: Buffer, ports: { dst: number; src: number }, ref: number): SmsPart[] {
  return segmentWdp(datagram, { dstPort: ports.dst, srcPort: ports.src, ref }).map((userData) => ({ userData, udhi: true }));
}

export function wdpCount(length: number): number {
  return segmentCount(length);
}
