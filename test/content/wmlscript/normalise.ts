/**
 * Normalises a compiled WMLScript unit so two compilers' output can be compared where the spec leaves them
 * a choice (docs/wmlscript.md lists each):
 *   - instruction forms: short / normal / wide forms of one instruction are the same instruction;
 *   - branches: forward/backward forms are one, and the target is the index of the instruction jumped to;
 *   - constants: an operand names the constant's value, not its pool index (pool order is free);
 *   - floats: compared at 6 significant digits (compilers may round a literal to single precision
 *     differently at the last bit);
 *   - strings: an empty-string constant equals a zero-length UTF-8 one;
 *   - calls: a library call names Library.function; a URL call names its URL and function name.
 */
import { libraryFunctionAt } from '../../../src/content/wmlscript/stdlib.ts';
import type { DecodedConstant, DecodedUnit } from '../../../src/content/wmlscript/decode.ts';

export interface NormalFunction {
  index: number;
  name?: string;
  params: number;
  locals: number;
  instructions: string[];
}

export interface NormalUnit {
  pragmas: string[];
  functions: NormalFunction[];
}

export function constantText(c: DecodedConstant | undefined): string {
  if (!c) return '<no constant>';
  switch (c.type) {
    case 'int': return `int ${c.value}`;
    case 'float': return `float ${Number(c.value.toPrecision(6))}`;
    case 'string': return c.value.length === 0 ? 'string ""' : `string ${JSON.stringify(c.value)}`;
    case 'empty': return 'string ""';
  }
}

export function normalise(u: DecodedUnit): NormalUnit {
  const k = (i: number): string => constantText(u.constants[i]);
  const pragmas = u.pragmas.map((p) => `${p.type}: ${p.indexes.map(k).join(', ')}`);
  const functions = u.functions.map((f) => {
    const indexAt = new Map(f.instructions.map((ins, n) => [ins.offset, n]));
    const instructions = f.instructions.map((ins) => {
      const base = ins.op.replace(/_[sw]$/, '').replace(/_(fw|bw)$/, '');
      const o = ins.operands;
      switch (base) {
        case 'jump': case 'tjump': return `${base} #${indexAt.get(ins.target!) ?? `end+${ins.target! - f.code.length}`}`;
        case 'load_const': return `load_const ${k(o[0]!)}`;
        case 'call_lib': {
          const lf = libraryFunctionAt(o[1]!, o[0]!);
          return `call_lib ${lf ? `${lf.lib}.${lf.name}` : `${o[1]}.${o[0]}`}`;
        }
        case 'call_url': return `call_url ${k(o[0]!)} ${k(o[1]!)} ${o[2]}`;
        case 'call': return `call ${u.functions[o[0]!]?.name ?? `#${o[0]}`}`;
        default: return o.length > 0 ? `${base} ${o.join(' ')}` : base;
      }
    });
    return { index: f.index, name: f.name, params: f.params, locals: f.locals, instructions };
  });
  return { pragmas, functions };
}
