/**
 * WMLScript compiler (WAP-193, standard libraries WAP-194): text/vnd.wap.wmlscript source →
 * application/vnd.wap.wmlscriptc bytecode. Pure: no I/O, no clock but the optional one in the options.
 *
 *   lexer.ts → parser.ts (syntax tree, ast.ts) → codegen.ts (symbolic assembly, pools) → optimize.ts →
 *   assemble.ts (function code) → writer.ts (the unit's binary form)
 *
 * Every failure is a WmlScriptCompileError with a stable code and the 1-based line and column; the bounds
 * (source size, nesting depth, bytecode size, time) fail the same way, never with a crash or a hang.
 */
import { assemble } from './assemble.ts';
import { generate } from './codegen.ts';
import { raise, WmlsErrorCode } from './errors.ts';
import { Budget, resolveLimits, type WmlScriptCompileOptions } from './limits.ts';
import { optimize } from './optimize.ts';
import { Parser } from './parser.ts';
import { Lexer } from './lexer.ts';
import { encodeUnit } from './writer.ts';

export { WmlScriptCompileError, WmlsErrorCode, isWmlScriptCompileError } from './errors.ts';
export type { WmlScriptCompileOptions } from './limits.ts';
export { decodeWmlScriptBytecode, type DecodedUnit } from './decode.ts';

/** Content types this compiler maps between. */
export const WMLSCRIPT_SOURCE_TYPE = 'text/vnd.wap.wmlscript';
export const WMLSCRIPT_BYTECODE_TYPE = 'application/vnd.wap.wmlscriptc';

export function compileWmlScript(source: string, options: WmlScriptCompileOptions = {}): Buffer {
  try {
    return compile(source, options);
  } catch (e) {
    // Last line of defence: the depth bound keeps recursion inside V8's stack (Node's default stack holds
    // about 400 nested parentheses on a cold start and 2,000 once the parser is optimized; the bound is 200,
    // at most 1,000), and a deeper bound or a smaller thread stack must still end in a typed error.
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      raise(WmlsErrorCode.TOO_DEEP, 'nesting too deep for the stack', { line: 1, column: 1 });
    }
    throw e;
  }
}

function compile(source: string, options: WmlScriptCompileOptions): Buffer {
  const limits = resolveLimits(options);
  // Cheap first: the UTF-16 length bounds the UTF-8 size from below (a code unit is at least one byte).
  if (source.length > limits.maxSourceBytes || Buffer.byteLength(source, 'utf8') > limits.maxSourceBytes) {
    raise(WmlsErrorCode.SOURCE_TOO_LARGE, `source larger than ${limits.maxSourceBytes} bytes`, { line: 1, column: 1 });
  }
  const budget = new Budget(options.now ?? (() => performance.now()), limits.maxMillis);
  const unit = new Parser(new Lexer(source, budget), limits.maxDepth, budget).parseCompilationUnit();
  const generated = generate(unit, budget);
  let total = 0;
  const functions = generated.functions.map((f) => {
    const code = assemble(optimize(f.code, budget), f.at, budget);
    total += code.length;
    if (total > limits.maxBytecodeBytes) raise(WmlsErrorCode.BYTECODE_TOO_LARGE, `bytecode larger than ${limits.maxBytecodeBytes} bytes`, f.at);
    return { externName: f.extern ? f.name : undefined, params: f.params, locals: f.locals, code };
  });
  const out = encodeUnit({ constants: generated.constants.entries, pragmas: generated.pragmas, functions }, limits.charset);
  if (out.length > limits.maxBytecodeBytes) {
    raise(WmlsErrorCode.BYTECODE_TOO_LARGE, `bytecode larger than ${limits.maxBytecodeBytes} bytes`, { line: 1, column: 1 });
  }
  return out;
}
