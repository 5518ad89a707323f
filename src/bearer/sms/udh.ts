/**
 * SMS User Data Header (3GPP TS 23.040 §9.2.3.24): the information elements WDP over SMS needs —
 * concatenation (8- and 16-bit reference) and application port addressing (8- and 16-bit ports) — and any
 * other element carried through as raw octets. Pure codec: bytes in, typed values out, WapDecodeError only.
 */
import { DecodeErrorCode, WapEncodeError } from '../../wire/errors.ts';
import { Reader } from '../../wire/reader.ts';
import { Writer } from '../../wire/writer.ts';

/** Information element identifiers (23.040 §9.2.3.24, table). Written once; the reverse map is derived. */
export const Iei = {
  CONCAT_8: 0x00,
  PORTS_8: 0x04,
  PORTS_16: 0x05,
  CONCAT_16: 0x08,
} as const;
export const IEI_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Iei).map(([k, v]) => [v, k]));

export type UdhElement =
  /** Concatenated short message (23.040 §9.2.3.24.1 8-bit reference, §9.2.3.24.8 16-bit reference). */
  | { kind: 'concat'; ref: number; total: number; seq: number; refBits: 8 | 16 }
  /** Application port addressing (§9.2.3.24.3 8-bit, §9.2.3.24.4 16-bit). */
  | { kind: 'ports'; dst: number; src: number; bits: 8 | 16 }
  /** Any other element, or a known one whose values the spec says to ignore, kept as raw octets. */
  | { kind: 'other'; iei: number; data: Buffer };

export interface UserDataWithHeader {
  elements: UdhElement[];
  /** The octets after the header (a view). */
  payload: Buffer;
  /** Length of the header including the UDHL octet. */
  headerLength: number;
}

/**
 * Splits 8-bit user data that starts with a UDH (TP-UDHI set): UDHL, elements, then the short message.
 * Error offsets are relative to `ud`.
 */
export function decodeUserDataHeader(ud: Buffer): UserDataWithHeader {
  const whole = new Reader(ud);
  const udhl = whole.u8();
  const hr = whole.sub(udhl, 'user data header');
  const elements: UdhElement[] = [];
  while (!hr.atEnd()) {
    const at = hr.pos;
    const iei = hr.u8();
    const len = hr.u8();
    if (hr.remaining < len) {
      hr.fail(DecodeErrorCode.TRUNCATED, `UDH element 0x${iei.toString(16)} needs ${len} octet(s)`, at);
    }
    const data = hr.bytes(len);
    elements.push(decodeElement(iei, data));
  }
  return { elements, payload: whole.rest(), headerLength: 1 + udhl };
}

function decodeElement(iei: number, data: Buffer): UdhElement {
  switch (iei) {
    // 23.040 §9.2.3.24.1: ref, max number, sequence number; a 0 max or a sequence outside 1..max → ignore the IE.
    case Iei.CONCAT_8:
      if (data.length === 3 && data[1]! > 0 && data[2]! > 0 && data[2]! <= data[1]!) {
        return { kind: 'concat', ref: data[0]!, total: data[1]!, seq: data[2]!, refBits: 8 };
      }
      break;
    // 23.040 §9.2.3.24.8: the same with a 16-bit reference.
    case Iei.CONCAT_16:
      if (data.length === 4 && data[2]! > 0 && data[3]! > 0 && data[3]! <= data[2]!) {
        return { kind: 'concat', ref: data.readUInt16BE(0), total: data[2]!, seq: data[3]!, refBits: 16 };
      }
      break;
    // 23.040 §9.2.3.24.3: destination port, originator port (8-bit, 240..255 reserved for WAP use).
    case Iei.PORTS_8:
      if (data.length === 2) return { kind: 'ports', dst: data[0]!, src: data[1]!, bits: 8 };
      break;
    // 23.040 §9.2.3.24.4: destination port, originator port (16-bit; WAP-259 §6.5: 2948 push, 9200 WSP CL).
    case Iei.PORTS_16:
      if (data.length === 4) return { kind: 'ports', dst: data.readUInt16BE(0), src: data.readUInt16BE(2), bits: 16 };
      break;
  }
  return { kind: 'other', iei, data };
}

/** Encodes the header, UDHL octet first. */
export function encodeUserDataHeader(elements: readonly UdhElement[]): Buffer {
  const w = new Writer(32);
  w.u8(0); // UDHL, patched below
  for (const e of elements) {
    switch (e.kind) {
      case 'concat':
        if (e.total < 1 || e.total > 255 || e.seq < 1 || e.seq > e.total) {
          throw new WapEncodeError(`concatenation ${e.seq}/${e.total} out of range`);
        }
        if (e.refBits === 8) w.u8(Iei.CONCAT_8).u8(3).u8(e.ref).u8(e.total).u8(e.seq);
        else w.u8(Iei.CONCAT_16).u8(4).u16(e.ref).u8(e.total).u8(e.seq);
        break;
      case 'ports':
        if (e.bits === 8) w.u8(Iei.PORTS_8).u8(2).u8(e.dst).u8(e.src);
        else w.u8(Iei.PORTS_16).u8(4).u16(e.dst).u16(e.src);
        break;
      case 'other':
        if (e.data.length > 255) throw new WapEncodeError('UDH element longer than 255 octets');
        w.u8(e.iei).u8(e.data.length).bytes(e.data);
        break;
    }
  }
  const out = Buffer.from(w.finish());
  if (out.length - 1 > 139) throw new WapEncodeError('user data header longer than the user data');
  out[0] = out.length - 1;
  return out;
}

/** Size in octets of an element as encoded (id, length, value). */
export function elementSize(e: UdhElement): number {
  switch (e.kind) {
    case 'concat':
      return e.refBits === 8 ? 5 : 6;
    case 'ports':
      return e.bits === 8 ? 4 : 6;
    case 'other':
      return 2 + e.data.length;
  }
}

export function findConcat(elements: readonly UdhElement[]): Extract<UdhElement, { kind: 'concat' }> | undefined {
  return elements.find((e): e is Extract<UdhElement, { kind: 'concat' }> => e.kind === 'concat');
}

export function findPorts(elements: readonly UdhElement[]): Extract<UdhElement, { kind: 'ports' }> | undefined {
  return elements.find((e): e is Extract<UdhElement, { kind: 'ports' }> => e.kind === 'ports');
}
