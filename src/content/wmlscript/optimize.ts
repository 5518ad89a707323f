/**
 * Optimizer over symbolic assembly: the rewrites Kannel's wmlsc applies (learnt from its behaviour, so the
 * two compilers' instruction streams can be compared), repeated until nothing changes:
 *   - a `tobool` before an instruction that converts to boolean anyway (tjump, not, scand, scor, tobool) or
 *     discards its operand (pop) is dropped;
 *   - a load or constant followed by `pop` is dropped; `const_es; return` becomes `return_es`; a trailing
 *     `return_es` is dropped (the end of a function returns "", WAP-193 §9.4);
 *   - a branch to a `jump` branches to that jump's target (chains followed, cycles left alone — wmlsc loops
 *     forever on `for (;;) {}`, we do not);
 *   - a `jump` to the label right after it is dropped;
 *   - code after `jump`/`return`/`return_es` up to the next label something still branches to is dropped.
 */
import { isBranch, type AsmIns } from './asm.ts';
import { UNBOUNDED, type Budget } from './limits.ts';

const CONVERTS_TO_BOOL = new Set(['tjump', 'not', 'scand', 'scor', 'tobool', 'pop']);
const PURE_PUSH = new Set([
  'load_var', 'load_const', 'const_0', 'const_1', 'const_m1', 'const_es', 'const_invalid', 'const_true', 'const_false',
]);

function nextNonLabel(code: readonly AsmIns[], from: number): AsmIns | undefined {
  for (let j = from; j < code.length; j++) if (code[j]!.op !== 'label') return code[j];
  return undefined;
}

export function removeUselessConversions(code: AsmIns[]): { code: AsmIns[]; changed: boolean } {
  const out = code.filter((i, k) => !(i.op === 'tobool' && CONVERTS_TO_BOOL.has(nextNonLabel(code, k + 1)?.op ?? '')));
  return { code: out, changed: out.length !== code.length };
}

export function peephole(code: AsmIns[]): { code: AsmIns[]; changed: boolean } {
  const out: AsmIns[] = [];
  let changed = false;
  for (let k = 0; k < code.length; k++) {
    const a = code[k]!;
    const b = code[k + 1];
    if (b?.op === 'pop' && PURE_PUSH.has(a.op)) {
      k++;
      changed = true;
      continue;
    }
    if (b?.op === 'return' && a.op === 'const_es') {
      out.push({ ...b, op: 'return_es' });
      k++;
      changed = true;
      continue;
    }
    out.push(a);
  }
  if (out.length > 0 && out[out.length - 1]!.op === 'return_es') out.pop();
  return { code: out, changed };
}

export function jumpsToJumps(code: AsmIns[]): { code: AsmIns[]; changed: boolean } {
  const at = new Map<AsmIns, number>();
  code.forEach((i, k) => {
    if (i.op === 'label') at.set(i, k);
  });
  let changed = false;
  for (const i of code) {
    if (!isBranch(i)) continue;
    let t = i.target!;
    const seen = new Set([t]);
    for (;;) {
      const pos = at.get(t);
      const j = pos === undefined ? undefined : nextNonLabel(code, pos);
      if (j?.op !== 'jump' || seen.has(j.target!)) break;
      t = j.target!;
      seen.add(t);
    }
    if (t !== i.target) {
      i.target!.refs--;
      t.refs++;
      i.target = t;
      changed = true;
    }
  }
  return { code, changed };
}

export function jumpsToNext(code: AsmIns[]): { code: AsmIns[]; changed: boolean } {
  const out: AsmIns[] = [];
  for (let k = 0; k < code.length; k++) {
    const i = code[k]!;
    if (i.op === 'jump') {
      let j = k + 1;
      while (j < code.length && code[j]!.op === 'label' && code[j] !== i.target) j++;
      if (code[j] === i.target) {
        i.target!.refs--;
        continue;
      }
    }
    out.push(i);
  }
  return { code: out, changed: out.length !== code.length };
}

export function deadCode(code: AsmIns[]): { code: AsmIns[]; changed: boolean } {
  const out: AsmIns[] = [];
  let changed = false;
  for (let k = 0; k < code.length; k++) {
    const i = code[k]!;
    out.push(i);
    if (i.op !== 'jump' && i.op !== 'return' && i.op !== 'return_es') continue;
    let j = k + 1;
    for (; j < code.length; j++) {
      const d = code[j]!;
      if (d.op === 'label' && d.refs > 0) break;
      if (isBranch(d)) d.target!.refs--;
    }
    if (j > k + 1) changed = true;
    k = j - 1;
  }
  return { code: out, changed };
}

export function optimize(input: AsmIns[], budget: Budget = UNBOUNDED): AsmIns[] {
  let code = input;
  let changed = true;
  while (changed) {
    changed = false;
    for (const pass of [removeUselessConversions, peephole, jumpsToJumps, jumpsToNext, deadCode]) {
      budget.tick();
      const r = pass(code);
      code = r.code;
      changed ||= r.changed;
    }
  }
  return code;
}
