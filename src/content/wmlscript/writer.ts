/**
 * Bytecode writer: the compilation unit's binary form (WAP-193 §9): header (version, code size), constant
 * pool (count, character set, constants), pragma pool, function pool (count, names of extern functions,
 * functions). Multi-byte integers are mb_u_int (7 bits per octet, the same as WAP-230's uintvar).
 */
import { Writer } from '../../wire/writer.ts';
import type { Constant, PragmaEntry } from './pools.ts';

// WAP-193 §9.1: VersionNumber = (major - 1) << 4 | minor; this compiler writes 1.1.
export const BYTECODE_VERSION = 0x01;

// WAP-193 §9.2.1 constant types.
export const ConstantType = { INT8: 0, INT16: 1, INT32: 2, FLOAT32: 3, UTF8_STRING: 4, EMPTY_STRING: 5, EXT_STRING: 6 } as const;

// IANA MIBenum of the pool's character set.
export const MIB_UTF8 = 106;
export const MIB_LATIN1 = 4;

export interface EncodedFunction {
  /** Set for extern functions: their name goes into the function name table (§9.4.1). */
  externName?: string;
  params: number;
  locals: number;
  code: Buffer;
}

export interface EncodableUnit {
  constants: readonly Constant[];
  pragmas: readonly PragmaEntry[];
  functions: readonly EncodedFunction[];
}

function latin1Bytes(s: string): Buffer {
  const b = Buffer.alloc(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    b[i] = c <= 0xff ? c : 0x3f; // '?' for what Latin-1 cannot hold
  }
  return b;
}

export function encodeUnit(unit: EncodableUnit, charset: 'utf-8' | 'iso-8859-1' = 'utf-8'): Buffer {
  const w = new Writer(1024);
  // §9.2 constant pool
  w.uintvar(unit.constants.length).uintvar(charset === 'utf-8' ? MIB_UTF8 : MIB_LATIN1);
  for (const c of unit.constants) {
    switch (c.type) {
      case 'int':
        if (c.value >= -128 && c.value <= 127) w.u8(ConstantType.INT8).u8(c.value & 0xff);
        else if (c.value >= -32768 && c.value <= 32767) w.u8(ConstantType.INT16).u16(c.value & 0xffff);
        else w.u8(ConstantType.INT32).u32(c.value >>> 0);
        break;
      case 'float': {
        const b = Buffer.alloc(4);
        b.writeFloatBE(c.value); // IEEE 754 single, round to nearest even
        w.u8(ConstantType.FLOAT32).bytes(b);
        break;
      }
      case 'string': {
        if (c.value.length === 0) {
          w.u8(ConstantType.EMPTY_STRING);
          break;
        }
        const utf8 = charset === 'utf-8';
        const bytes = utf8 ? Buffer.from(c.value, 'utf8') : latin1Bytes(c.value);
        w.u8(utf8 ? ConstantType.UTF8_STRING : ConstantType.EXT_STRING).uintvar(bytes.length).bytes(bytes);
        break;
      }
    }
  }
  // §9.3 pragma pool
  w.uintvar(unit.pragmas.length);
  for (const p of unit.pragmas) {
    w.u8(p.type);
    for (const i of p.indexes) w.uintvar(i);
  }
  // §9.4 function pool
  w.u8(unit.functions.length);
  const named = unit.functions.flatMap((f, index) => (f.externName === undefined ? [] : [{ index, name: f.externName }]));
  w.u8(named.length);
  for (const { index, name } of named) {
    const b = Buffer.from(name, 'latin1'); // identifiers are ASCII (§6.1.2)
    w.u8(index).u8(b.length).bytes(b);
  }
  for (const f of unit.functions) w.u8(f.params).u8(f.locals).uintvar(f.code.length).bytes(f.code);
  const body = w.finish();
  // §9.1 header: version, then the size of everything after the header.
  return new Writer(body.length + 6).u8(BYTECODE_VERSION).uintvar(body.length).bytes(body).finish();
}
