/** Helpers for the MMS tests: tshark fields with repeated keys kept, and expected tshark renderings. */
import type { MmsPart, MmsPdu } from '../../src/mms/index.ts';
import { fieldValues, tshark, type TsharkPacket } from '../support/tools.ts';

/** tshark's packets (test/support/tools.ts runs it with --no-duplicate-keys: repeated fields stay arrays). */
export function tsharkPackets(pcap: Buffer): TsharkPacket[] {
  return tshark(pcap).packets;
}

export { fieldValues };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as tshark prints an FT_ABSOLUTE_TIME in UTC: 'Nov 28, 2026 18:00:00.000000000 UTC'. */
export function tsharkDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')}, ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.000000000 UTC`;
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function stripParts(parts: MmsPart[] | undefined): MmsPart[] | undefined {
  return parts?.map(({ wire: _w, ...p }) => (p.parts ? { ...p, parts: stripParts(p.parts) } : p));
}
/** The PDU without the recorded wire octets: what an application would build. */
export function canonical(pdu: MmsPdu): MmsPdu {
  const { wire: _w, ...rest } = pdu;
  return pdu.parts ? { ...rest, parts: stripParts(pdu.parts)! } : rest;
}

