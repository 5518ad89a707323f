/**
 * Assembler: optimized symbolic assembly → the bytes of one function's code (WAP-193 §9.4, §10). Operands
 * pick the shortest form they fit (load_var_s for variables 0–31, load_const_s for constants 0–15, call_s
 * for functions 0–7 …). Branches start in their widest form and shrink while the distance allows, until
 * nothing changes. Forward offsets count from the end of the branch, backward ones from its first byte
 * (§10.3.1: JUMP_BW sets PC to the branch's own address minus the offset).
 */
import type { AsmIns } from './asm.ts';
import { raise, WmlsErrorCode, type SourcePos } from './errors.ts';
import { UNBOUNDED, type Budget } from './limits.ts';
import { OPCODES, type OpName } from './opcodes.ts';

// Branch forms in growing size; [name, operand maximum].
const FORMS: Record<string, ReadonlyArray<readonly [OpName, number]>> = {
  'jump+': [['jump_fw_s', 31], ['jump_fw', 0xff], ['jump_fw_w', 0xffff]],
  'jump-': [['jump_bw_s', 31], ['jump_bw', 0xff], ['jump_bw_w', 0xffff]],
  'tjump+': [['tjump_fw_s', 31], ['tjump_fw', 0xff], ['tjump_fw_w', 0xffff]],
  'tjump-': [['tjump_bw', 0xff], ['tjump_bw_w', 0xffff]],
};

/** The one form of a non-branch instruction for its operands. */
function formOf(i: AsmIns): OpName {
  switch (i.op) {
    case 'call': return i.a <= 7 ? 'call_s' : 'call';
    case 'call_lib': return i.a <= 7 && i.b <= 0xff ? 'call_lib_s' : i.b <= 0xff ? 'call_lib' : 'call_lib_w';
    case 'call_url': return i.a <= 0xff && i.b <= 0xff ? 'call_url' : 'call_url_w';
    case 'load_var': return i.a <= 31 ? 'load_var_s' : 'load_var';
    case 'store_var': return i.a <= 15 ? 'store_var_s' : 'store_var';
    case 'incr_var': return i.a <= 7 ? 'incr_var_s' : 'incr_var';
    case 'load_const': return i.a <= 15 ? 'load_const_s' : i.a <= 0xff ? 'load_const' : 'load_const_w';
    case 'label': case 'jump': case 'tjump': throw new Error('unreachable');
    default: return i.op;
  }
}

export function assemble(code: readonly AsmIns[], at?: SourcePos, budget: Budget = UNBOUNDED): Buffer {
  const n = code.length;
  const labelIndex = new Map<AsmIns, number>();
  code.forEach((i, k) => {
    if (i.op === 'label') labelIndex.set(i, k);
  });
  // Per instruction: its form (branches: index into their FORMS list, widest first).
  const kind: (string | undefined)[] = new Array(n);
  const form: number[] = new Array(n).fill(0);
  const size: number[] = new Array(n).fill(0);
  const fixed: (OpName | undefined)[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = code[k]!;
    if (i.op === 'label') continue;
    if (i.op === 'jump' || i.op === 'tjump') {
      const t = labelIndex.get(i.target!);
      if (t === undefined) throw new Error('branch to a label not in this function');
      kind[k] = `${i.op}${t > k ? '+' : '-'}`;
      form[k] = FORMS[kind[k]!]!.length - 1;
      size[k] = OPCODES[FORMS[kind[k]!]![form[k]!]![0]].size;
    } else {
      fixed[k] = formOf(i);
      size[k] = OPCODES[fixed[k]!].size;
    }
  }
  const offset: number[] = new Array(n + 1).fill(0);
  const distance = (k: number): number => {
    const t = labelIndex.get(code[k]!.target!)!;
    return kind[k]!.endsWith('+') ? offset[t]! - (offset[k]! + size[k]!) : offset[k]! - offset[t]!;
  };
  for (let changed = true; changed; ) {
    budget.tick(at);
    changed = false;
    for (let k = 0, o = 0; k <= n; k++) {
      offset[k] = o;
      o += size[k] ?? 0;
    }
    for (let k = 0; k < n; k++) {
      if (kind[k] === undefined) continue;
      const forms = FORMS[kind[k]!]!;
      const d = distance(k);
      let f = 0;
      while (f < forms.length && d > forms[f]![1]) f++;
      if (f >= forms.length) raise(WmlsErrorCode.LIMIT, 'function too large: a branch spans more than 65535 bytes', at);
      if (f < form[k]!) {
        form[k] = f;
        size[k] = OPCODES[forms[f]![0]].size;
        changed = true;
      }
    }
  }
  // A function must not be empty: some clients mishandle zero-length code (as Kannel found), so an empty
  // one returns "" explicitly.
  if (offset[n] === 0) return Buffer.from([OPCODES.return_es.code]);
  const out = Buffer.alloc(offset[n]!);
  for (let k = 0; k < n; k++) {
    const i = code[k]!;
    if (i.op === 'label') continue;
    const name = kind[k] ? FORMS[kind[k]!]![form[k]!]![0] : fixed[k]!;
    const o = offset[k]!;
    const info = OPCODES[name];
    const operand = kind[k] ? distance(k) : i.a;
    if (info.packedBits > 0) {
      out[o] = info.code | operand;
      if (name === 'call_lib_s') out[o + 1] = i.b;
      continue;
    }
    out[o] = info.code;
    switch (name) {
      case 'jump_fw_w': case 'jump_bw_w': case 'tjump_fw_w': case 'tjump_bw_w': case 'load_const_w':
        out.writeUInt16BE(operand, o + 1);
        break;
      case 'call_lib':
        out[o + 1] = i.a;
        out[o + 2] = i.b;
        break;
      case 'call_lib_w':
        out[o + 1] = i.a;
        out.writeUInt16BE(i.b, o + 2);
        break;
      // WAP-193 §10.3.4: CALL_URL urlIndex, functionNameIndex, argumentCount.
      case 'call_url':
        out[o + 1] = i.b;
        out[o + 2] = i.a;
        out[o + 3] = i.c;
        break;
      case 'call_url_w':
        out.writeUInt16BE(i.b, o + 1);
        out.writeUInt16BE(i.a, o + 3);
        out[o + 5] = i.c;
        break;
      default:
        if (info.size === 2) out[o + 1] = operand;
    }
  }
  return out;
}
