/**
 * Symbolic assembly: what the code generator emits and the optimizer rewrites before the assembler picks
 * instruction forms and offsets. Labels are instructions of their own; branches point at them.
 */
/**
 * Pseudo instructions whose encoded form depends on an operand (the assembler picks short/normal/wide) plus
 * every real instruction that has one form only.
 */
export type AsmOp =
  | 'label' | 'jump' | 'tjump' | 'call' | 'call_lib' | 'call_url' | 'load_var' | 'store_var' | 'incr_var'
  | 'load_const'
  // real instructions with one form
  | 'decr_var' | 'add_asg' | 'sub_asg'
  | 'const_0' | 'const_1' | 'const_m1' | 'const_es' | 'const_invalid' | 'const_true' | 'const_false'
  | 'incr' | 'decr' | 'uminus' | 'add' | 'sub' | 'mul' | 'div' | 'idiv' | 'rem' | 'b_and' | 'b_or' | 'b_xor'
  | 'b_not' | 'b_lshift' | 'b_rsshift' | 'b_rszshift' | 'eq' | 'le' | 'lt' | 'ge' | 'gt' | 'ne' | 'not'
  | 'scand' | 'scor' | 'tobool' | 'pop' | 'typeof' | 'isvalid' | 'return' | 'return_es' | 'debug';

export interface AsmIns {
  op: AsmOp;
  /** Operands: variable / constant / function index (a); library index or URL constant index (b); argument count (c). */
  a: number;
  b: number;
  c: number;
  /** jump / tjump: the label jumped to. */
  target?: AsmIns;
  /** label: how many branches point here. */
  refs: number;
}

export function ins(op: AsmOp, a = 0, b = 0, c = 0): AsmIns {
  return { op, a, b, c, refs: 0 };
}

export function label(): AsmIns {
  return ins('label');
}

export function branch(op: 'jump' | 'tjump', target: AsmIns): AsmIns {
  target.refs++;
  return { op, a: 0, b: 0, c: 0, target, refs: 0 };
}

export const isBranch = (i: AsmIns): boolean => i.op === 'jump' || i.op === 'tjump';

/** One line per instruction, labels as `L<n>:` — for tests and for docs/wmlscript.md. */
export function formatAsm(code: readonly AsmIns[]): string {
  const names = new Map<AsmIns, string>();
  for (const i of code) if (i.op === 'label') names.set(i, `L${names.size}`);
  return code
    .map((i) => {
      switch (i.op) {
        case 'label': return `${names.get(i)}:`;
        case 'jump': case 'tjump': return `  ${i.op} ${names.get(i.target!) ?? '?'}`;
        case 'call_lib': return `  call_lib ${i.b}.${i.a}`;
        case 'call_url': return `  call_url ${i.b} ${i.a} ${i.c}`;
        case 'call': case 'load_var': case 'store_var': case 'incr_var': case 'decr_var': case 'add_asg':
        case 'sub_asg': case 'load_const':
          return `  ${i.op} ${i.a}`;
        default: return `  ${i.op}`;
      }
    })
    .join('\n');
}
