/**
 * WMLScript instruction set (WAP-193 §9.4, §10): every opcode once, with its encoded size. Four classes by the
 * top bits: class 1 `1xxyyyyy` (a 5-bit operand), class 2 `010xyyyy` (4-bit), class 3 `011xxyyy` (3-bit),
 * class 4 `00xxxxxx` (operands in the following bytes). The reverse map is derived.
 */
export interface OpInfo {
  /** The opcode byte (for classes 1–3, with a zero operand field). */
  code: number;
  /** Encoded size in bytes, opcode included. */
  size: number;
  /** Bits of the operand packed into the opcode (0 for class 4). */
  packedBits: number;
}

const op = (code: number, size: number, packedBits = 0): OpInfo => ({ code, size, packedBits });

export const OPCODES = {
  // class 1 (WAP-193 §10.3.1)
  jump_fw_s: op(0x80, 1, 5), jump_bw_s: op(0xa0, 1, 5), tjump_fw_s: op(0xc0, 1, 5), load_var_s: op(0xe0, 1, 5),
  // class 2
  store_var_s: op(0x40, 1, 4), load_const_s: op(0x50, 1, 4),
  // class 3 (call_lib_s keeps its library index in the next byte)
  call_s: op(0x60, 1, 3), call_lib_s: op(0x68, 2, 3), incr_var_s: op(0x70, 1, 3),
  // class 4 (§10.3.4)
  jump_fw: op(0x01, 2), jump_fw_w: op(0x02, 3), jump_bw: op(0x03, 2), jump_bw_w: op(0x04, 3),
  tjump_fw: op(0x05, 2), tjump_fw_w: op(0x06, 3), tjump_bw: op(0x07, 2), tjump_bw_w: op(0x08, 3),
  call: op(0x09, 2), call_lib: op(0x0a, 3), call_lib_w: op(0x0b, 4), call_url: op(0x0c, 4), call_url_w: op(0x0d, 6),
  load_var: op(0x0e, 2), store_var: op(0x0f, 2), incr_var: op(0x10, 2), decr_var: op(0x11, 2),
  load_const: op(0x12, 2), load_const_w: op(0x13, 3),
  const_0: op(0x14, 1), const_1: op(0x15, 1), const_m1: op(0x16, 1), const_es: op(0x17, 1),
  const_invalid: op(0x18, 1), const_true: op(0x19, 1), const_false: op(0x1a, 1),
  incr: op(0x1b, 1), decr: op(0x1c, 1), add_asg: op(0x1d, 2), sub_asg: op(0x1e, 2), uminus: op(0x1f, 1),
  add: op(0x20, 1), sub: op(0x21, 1), mul: op(0x22, 1), div: op(0x23, 1), idiv: op(0x24, 1), rem: op(0x25, 1),
  b_and: op(0x26, 1), b_or: op(0x27, 1), b_xor: op(0x28, 1), b_not: op(0x29, 1), b_lshift: op(0x2a, 1),
  b_rsshift: op(0x2b, 1), b_rszshift: op(0x2c, 1),
  eq: op(0x2d, 1), le: op(0x2e, 1), lt: op(0x2f, 1), ge: op(0x30, 1), gt: op(0x31, 1), ne: op(0x32, 1),
  not: op(0x33, 1), scand: op(0x34, 1), scor: op(0x35, 1), tobool: op(0x36, 1), pop: op(0x37, 1),
  typeof: op(0x38, 1), isvalid: op(0x39, 1), return: op(0x3a, 1), return_es: op(0x3b, 1), debug: op(0x3c, 1),
} as const satisfies Record<string, OpInfo>;

export type OpName = keyof typeof OPCODES;

/** Decodes an opcode byte to its instruction name (packed operand bits masked off); undefined if unassigned. */
export function opNameOf(byte: number): OpName | undefined {
  if ((byte & 0x80) !== 0) return BY_CODE.get(byte & 0xe0);
  if ((byte & 0xe0) === 0x40) return BY_CODE.get(byte & 0xf0);
  if ((byte & 0xe0) === 0x60) return BY_CODE.get(byte & 0x78);
  return BY_CODE.get(byte);
}

const BY_CODE: ReadonlyMap<number, OpName> = new Map(
  (Object.entries(OPCODES) as [OpName, OpInfo][]).map(([name, info]) => [info.code, name]),
);
