/**
 * Bytecode decoder (WAP-193 §9, §10): the inverse of writer.ts, for tests, for comparing our output with
 * other compilers', and for tools. Reads untrusted bytes through the wire Reader: fails only with
 * WapDecodeError, allocates nothing beyond the input.
 */
import { DecodeErrorCode } from '../../wire/errors.ts';
import { Reader } from '../../wire/reader.ts';
import { OPCODES, opNameOf, type OpName } from './opcodes.ts';
import { ConstantType } from './writer.ts';

export type DecodedConstant =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string; encoded: 'utf-8' | 'ext' }
  | { type: 'empty' };

export interface DecodedInstruction {
  offset: number;
  op: OpName;
  /** Operands in encoding order (the packed one first for classes 1–3). */
  operands: number[];
  /** Branches: the code offset jumped to. */
  target?: number;
}

export interface DecodedFunction {
  index: number;
  name?: string;
  params: number;
  locals: number;
  code: Buffer;
  instructions: DecodedInstruction[];
}

export interface DecodedUnit {
  version: number;
  charset: number;
  constants: DecodedConstant[];
  pragmas: { type: number; indexes: number[] }[];
  functions: DecodedFunction[];
}

// WAP-193 §9.3: operand count of each pragma type.
const PRAGMA_OPERANDS = [1, 1, 2, 3];

export function decodeWmlScriptBytecode(buf: Buffer): DecodedUnit {
  const r: Reader = new Reader(buf);
  const version = r.u8();
  const size = r.uintvar();
  if (size !== r.remaining) r.fail(DecodeErrorCode.VALUE, `code size ${size} but ${r.remaining} octets follow`);
  const nConst = r.uintvar();
  const charset = r.uintvar();
  const constants: DecodedConstant[] = [];
  for (let i = 0; i < nConst; i++) {
    const t = r.u8();
    switch (t) {
      case ConstantType.INT8: constants.push({ type: 'int', value: (r.u8() << 24) >> 24 }); break;
      case ConstantType.INT16: constants.push({ type: 'int', value: (r.u16() << 16) >> 16 }); break;
      case ConstantType.INT32: constants.push({ type: 'int', value: r.u32() | 0 }); break;
      case ConstantType.FLOAT32: constants.push({ type: 'float', value: r.bytes(4).readFloatBE(0) }); break;
      case ConstantType.UTF8_STRING:
      case ConstantType.EXT_STRING: {
        const n = r.uintvar();
        const b = r.bytes(n, 'string constant');
        const utf8 = t === ConstantType.UTF8_STRING;
        constants.push({ type: 'string', value: b.toString(utf8 ? 'utf8' : 'latin1'), encoded: utf8 ? 'utf-8' : 'ext' });
        break;
      }
      case ConstantType.EMPTY_STRING: constants.push({ type: 'empty' }); break;
      default: r.fail(DecodeErrorCode.UNKNOWN_TYPE, `constant type ${t}`, r.pos - 1);
    }
  }
  const nPragma = r.uintvar();
  const pragmas: DecodedUnit['pragmas'] = [];
  for (let i = 0; i < nPragma; i++) {
    const type = r.u8();
    const n = PRAGMA_OPERANDS[type];
    if (n === undefined) r.fail(DecodeErrorCode.UNKNOWN_TYPE, `pragma type ${type}`, r.pos - 1);
    const indexes: number[] = [];
    for (let k = 0; k < n; k++) indexes.push(r.uintvar());
    pragmas.push({ type, indexes });
  }
  const nFunc = r.u8();
  const nNames = r.u8();
  const names = new Map<number, string>();
  for (let i = 0; i < nNames; i++) {
    const index = r.u8();
    const len = r.u8();
    names.set(index, r.bytes(len, 'function name').toString('latin1'));
  }
  const functions: DecodedFunction[] = [];
  for (let index = 0; index < nFunc; index++) {
    const params = r.u8();
    const locals = r.u8();
    const len = r.uintvar();
    const code = r.bytes(len, 'function code');
    functions.push({ index, name: names.get(index), params, locals, code, instructions: decodeInstructions(code) });
  }
  r.expectEnd('compilation unit');
  return { version, charset, constants, pragmas, functions };
}

export function decodeInstructions(code: Buffer): DecodedInstruction[] {
  const r: Reader = new Reader(code);
  const out: DecodedInstruction[] = [];
  while (!r.atEnd()) {
    const offset = r.pos;
    const byte = r.u8();
    const op = opNameOf(byte);
    if (op === undefined) r.fail(DecodeErrorCode.UNKNOWN_TYPE, `opcode 0x${byte.toString(16)}`, offset);
    const info = OPCODES[op];
    const operands: number[] = [];
    if (info.packedBits > 0) operands.push(byte & ((1 << info.packedBits) - 1));
    switch (op) {
      case 'jump_fw_w': case 'jump_bw_w': case 'tjump_fw_w': case 'tjump_bw_w': case 'load_const_w':
        operands.push(r.u16());
        break;
      case 'call_lib_w': operands.push(r.u8(), r.u16()); break;
      case 'call_url_w': operands.push(r.u16(), r.u16(), r.u8()); break;
      default:
        for (let k = 1; k < info.size; k++) operands.push(r.u8());
    }
    const end = r.pos;
    let target: number | undefined;
    if (op.startsWith('jump') || op.startsWith('tjump')) {
      target = op.includes('_fw') ? end + operands[0]! : offset - operands[0]!;
    }
    out.push({ offset, op, operands, target });
  }
  return out;
}
