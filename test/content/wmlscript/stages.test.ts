/** Each stage alone: lexer, parser, code generator, optimizer, assembler, writer/decoder. */
import { describe, expect, it } from 'vitest';
import { formatAsm, branch, ins, label } from '../../../src/content/wmlscript/asm.ts';
import { assemble } from '../../../src/content/wmlscript/assemble.ts';
import { generate } from '../../../src/content/wmlscript/codegen.ts';
import { decodeInstructions, decodeWmlScriptBytecode } from '../../../src/content/wmlscript/decode.ts';
import { tokenize } from '../../../src/content/wmlscript/lexer.ts';
import { optimize } from '../../../src/content/wmlscript/optimize.ts';
import { parse } from '../../../src/content/wmlscript/parser.ts';
import { encodeUnit } from '../../../src/content/wmlscript/writer.ts';
import { compileWmlScript } from '../../../src/content/wmlscript/index.ts';

const toks = (s: string) => tokenize(s).map((t) => (t.type === 'string' ? `S:${t.str}` : t.type === 'int' || t.type === 'float' ? `${t.type}:${t.num}` : `${t.type}:${t.text}`));

describe('lexer (WAP-193 §6.1)', () => {
  it('punctuators longest first, div and div= as operators, keywords apart from names', () => {
    expect(toks('a>>>=b>>=c>>>d div e div= f')).toEqual([
      'name:a', 'punct:>>>=', 'name:b', 'punct:>>=', 'name:c', 'punct:>>>', 'name:d', 'punct:div', 'name:e',
      'punct:div=', 'name:f', 'eof:',
    ]);
    expect(toks('use url extern invalid isvalid x_1 _y')).toEqual([
      'keyword:use', 'keyword:url', 'keyword:extern', 'keyword:invalid', 'keyword:isvalid', 'name:x_1', 'name:_y', 'eof:',
    ]);
  });
  it('numbers: decimal, hex, octal, floats with fraction and exponent', () => {
    expect(toks('0 7 0x1F 0XaB 017 2147483648 1.5 .25 1e3 2E-2 3.e+1 0.0')).toEqual([
      'int:0', 'int:7', 'int:31', 'int:171', 'int:15', 'int:2147483648', 'float:1.5', 'float:0.25', 'float:1000',
      'float:0.02', 'float:30', 'float:0', 'eof:',
    ]);
    expect(toks('09')).toEqual(['int:0', 'int:9', 'eof:']);
  });
  it('string escapes (§6.1.5.4)', () => {
    expect(tokenize(String.raw`"\'\"\\\/\b\f\n\r\t\x41\u00e9\101\7\477"`)[0]!.str).toBe('\'"\\/\b\f\n\r\tA\u00e9A\x07\x27' + '7');
    expect(tokenize("'it''s'").map((t) => t.str)).toEqual(['it', 's', '']);
  });
  it('comments and line terminators (LF, CR, CR LF) keep lines and columns right', () => {
    const t = tokenize('a /* x\r\n y */ b\r c // z\n  d');
    expect(t.map((x) => [x.text, x.line, x.column])).toEqual([['a', 1, 1], ['b', 2, 7], ['c', 3, 2], ['d', 4, 3], ['', 4, 4]]);
  });
  it('skips a leading byte-order mark', () => {
    expect(tokenize('\ufeffx').map((t) => [t.text, t.line, t.column])).toEqual([['x', 1, 1], ['', 1, 2]]);
  });
  it('lexical errors carry codes and positions', () => {
    const err = (s: string) => {
      try {
        tokenize(s);
      } catch (e) {
        const x = e as { code: string; line: number; column: number };
        return [x.code, x.line, x.column];
      }
      return undefined;
    };
    expect(err('a\n  @')).toEqual(['WMLS_BAD_CHARACTER', 2, 3]);
    expect(err('"abc')).toEqual(['WMLS_UNTERMINATED', 1, 1]);
    expect(err('x /* never closed')).toEqual(['WMLS_UNTERMINATED', 1, 3]);
    expect(err('"\\q"')).toEqual(['WMLS_BAD_ESCAPE', 1, 2]);
    expect(err('"\\x4g"')).toEqual(['WMLS_BAD_ESCAPE', 1, 2]);
    expect(err('0x')).toEqual(['WMLS_BAD_NUMBER', 1, 1]);
    expect(err('1e+')).toEqual(['WMLS_BAD_NUMBER', 1, 4]);
    expect(err('4294967296')).toEqual(['WMLS_INTEGER_RANGE', 1, 1]);
    expect(err('1e39')).toEqual(['WMLS_FLOAT_RANGE', 1, 1]);
  });
});

describe('parser (WAP-193 §14)', () => {
  it('precedence and associativity', () => {
    const u = parse('function f(a,b,c) { return a + b * c - a << 1 < b == c & a ^ b | c && a || b ? a : b; }');
    const r = u.functions[0]!.body[0]!;
    expect(r.kind).toBe('return');
    const show = (e: any): string =>
      e.kind === 'name' ? e.name : e.kind === 'int' ? String(e.magnitude)
      : e.kind === 'conditional' ? `(${show(e.test)}?${show(e.then)}:${show(e.else)})`
      : `(${show(e.left)} ${e.op} ${show(e.right)})`;
    expect(show((r as any).value)).toBe('(((((((((((a add (b mul c)) sub a) b_lshift 1) lt b) eq c) b_and a) b_xor b) b_or c) scand a) scor b)?a:b)');
  });
  it('folds a minus into an integer literal and compiles unary plus as x - 0', () => {
    const u = parse('function f(a) { return -(-5) + -2147483648 + +a; }');
    const e = (u.functions[0]!.body[0] as any).value;
    expect(e.left.left).toMatchObject({ kind: 'int', magnitude: 5, negative: false });
    expect(e.left.right).toMatchObject({ kind: 'int', magnitude: 2147483648, negative: true });
    expect(e.right).toMatchObject({ kind: 'binary', op: 'sub', right: { kind: 'int', magnitude: 0 } });
  });
  it('pragmas, calls of the three kinds, call counts', () => {
    const u = parse('use url L "http://x/l"; use access domain "x" path "/p"; use meta user agent "a" "b" "c";\n' +
      'extern function f() { g(); g(); L#h(1); Lang.abs(2); } function g() {}');
    expect(u.pragmas.map((p) => p.kind)).toEqual(['url', 'access', 'meta']);
    expect(u.callCounts.get('g')).toBe(2);
    expect((u.functions[0]!.body as any[]).map((s) => s.expr.kind)).toEqual(['call', 'call', 'callUrl', 'callLib']);
  });
  it('syntax errors point at the offending token', () => {
    const at = (s: string) => {
      try {
        parse(s);
      } catch (e) {
        const x = e as { code: string; line: number; column: number; message: string };
        return [x.code, x.line, x.column];
      }
      return undefined;
    };
    expect(at('function f() {\n  return 1 +;\n}')).toEqual(['WMLS_SYNTAX', 2, 13]);
    expect(at('function f() { var name; }')).toEqual(['WMLS_RESERVED_WORD', 1, 20]);
    expect(at('')).toEqual(['WMLS_SYNTAX', 1, 1]);
    expect(at('function f() {} use url x "y";')).toEqual(['WMLS_SYNTAX', 1, 17]);
    expect(at('function f() { 1 = 2; }')).toEqual(['WMLS_SYNTAX', 1, 18]);
  });
});

describe('code generator (WAP-193 §6, Kannel-compatible choices)', () => {
  const asm = (src: string, f = 0) => formatAsm(generate(parse(src)).functions[f]!.code);
  it('if/else, while, logical operators', () => {
    expect(asm('function f(a) { if (a && 1) a = 2; else a = 3; }')).toBe(
      ['  load_var 0', '  scand', '  tjump L0', '  const_1', '  tobool', 'L0:', '  tjump L1', '  load_const 0',
        '  store_var 0', '  load_var 0', '  pop', '  jump L2', 'L1:', '  load_const 1', '  store_var 0',
        '  load_var 0', '  pop', 'L2:'].join('\n'),
    );
  });
  it('semantic errors', () => {
    const code = (s: string) => {
      try {
        compileWmlScript(s);
      } catch (e) {
        return (e as { code: string }).code;
      }
      return 'ok';
    };
    expect(code('function f() { return x; }')).toBe('WMLS_UNKNOWN_VARIABLE');
    expect(code('function f() { x = 1; var x; }')).toBe('WMLS_UNKNOWN_VARIABLE');
    expect(code('function f(a) { var a; }')).toBe('WMLS_REDECLARED');
    expect(code('function f() {} function f() {}')).toBe('WMLS_REDEFINED');
    expect(code('function f() { g(); }')).toBe('WMLS_UNKNOWN_FUNCTION');
    expect(code('function f(a) { f(); }')).toBe('WMLS_ARITY');
    expect(code('function f() { Lang.abs(); }')).toBe('WMLS_ARITY');
    expect(code('function f() { Lang.nope(1); }')).toBe('WMLS_UNKNOWN_LIBRARY');
    expect(code('function f() { Nope.abs(1); }')).toBe('WMLS_UNKNOWN_LIBRARY');
    expect(code('function f() { X#g(); }')).toBe('WMLS_UNKNOWN_UNIT');
    expect(code('use url X "a"; use url X "b"; function f() {}')).toBe('WMLS_PRAGMA');
    expect(code('use access domain "a"; use access path "/b"; function f() {}')).toBe('WMLS_PRAGMA');
    expect(code('function f() { break; }')).toBe('WMLS_NOT_IN_LOOP');
    expect(code('function f() { while (1) {} continue; }')).toBe('WMLS_NOT_IN_LOOP');
    expect(code('function f() { return 2147483648; }')).toBe('WMLS_INTEGER_RANGE');
    expect(code('function f() { return -2147483648; }')).toBe('ok');
    const vars = Array.from({ length: 256 }, (_, i) => `v${i}`).join(', ');
    expect(code(`function f() { var ${vars}; }`)).toBe('WMLS_LIMIT');
    const fns = Array.from({ length: 256 }, (_, i) => `function f${i}() {}`).join('\n');
    expect(code(fns)).toBe('WMLS_LIMIT');
  });
});

describe('optimizer', () => {
  it('threads jumps, drops jumps to the next instruction and dead code, loads before pop', () => {
    const l1 = label();
    const l2 = label();
    const code = [ins('const_1'), ins('pop'), branch('tjump', l1), branch('jump', l2), ins('const_true'), l1, branch('jump', l2), ins('const_0'), l2, ins('return_es')];
    expect(formatAsm(optimize(code))).toBe(['  tjump L0', 'L0:'].join('\n'));
  });
  it('terminates on jump cycles (wmlsc loops forever on `for (;;) {}`)', () => {
    // header 01 0c; no constants, UTF-8; no pragmas; one function, named f; 0 args, 0 locals, 1 byte: jump_bw_s 0
    expect(compileWmlScript('extern function f() { for (;;) {} }').toString('hex')).toBe('010c' + '006a' + '00' + '0101' + '000166' + '000001' + 'a0');
  });
});

describe('assembler (WAP-193 §10)', () => {
  it('short, normal and wide operand forms', () => {
    const code = [ins('load_var', 31), ins('load_var', 32), ins('store_var', 15), ins('store_var', 16), ins('incr_var', 7), ins('incr_var', 8),
      ins('load_const', 15), ins('load_const', 255), ins('load_const', 256), ins('call', 7), ins('call', 8),
      ins('call_lib', 7, 255), ins('call_lib', 8, 3), ins('call_lib', 0, 512), ins('call_url', 1, 2, 3), ins('call_url', 256, 2, 3)];
    expect(decodeInstructions(assemble(code)).map((i) => `${i.op} ${i.operands.join(',')}`)).toEqual([
      'load_var_s 31', 'load_var 32', 'store_var_s 15', 'store_var 16', 'incr_var_s 7', 'incr_var 8', 'load_const_s 15',
      'load_const 255', 'load_const_w 256', 'call_s 7', 'call 8', 'call_lib_s 7,255', 'call_lib 8,3', 'call_lib_w 0,512',
      'call_url 2,1,3', 'call_url_w 2,256,3',
    ]);
  });
  it('branches shrink to the shortest form; forward offsets from the next instruction, backward from the branch', () => {
    const top = label();
    const end = label();
    const body = Array.from({ length: 40 }, () => ins('const_0'));
    const code = [top, ins('const_true'), branch('tjump', end), ...body, branch('jump', top), end];
    const out = decodeInstructions(assemble(code));
    expect(out[1]).toMatchObject({ op: 'tjump_fw', operands: [42], target: 45 });
    expect(out[out.length - 1]).toMatchObject({ op: 'jump_bw', operands: [43], target: 0 });
  });
});

describe('writer and decoder (WAP-193 §9)', () => {
  it('round-trips header, pools and functions', () => {
    const bc = encodeUnit({
      constants: [{ type: 'int', value: -5 }, { type: 'int', value: 300 }, { type: 'int', value: -70000 }, { type: 'float', value: 2.5 }, { type: 'string', value: 'h\u00e9' }, { type: 'string', value: '' }],
      pragmas: [{ type: 0, indexes: [4] }, { type: 3, indexes: [4, 4, 4] }],
      functions: [{ externName: 'main', params: 1, locals: 2, code: Buffer.from([0x15, 0x3a]) }, { params: 0, locals: 0, code: Buffer.from([0x3b]) }],
    });
    const d = decodeWmlScriptBytecode(bc);
    expect(d.version).toBe(1);
    expect(d.charset).toBe(106);
    expect(d.constants).toEqual([
      { type: 'int', value: -5 }, { type: 'int', value: 300 }, { type: 'int', value: -70000 }, { type: 'float', value: 2.5 },
      { type: 'string', value: 'h\u00e9', encoded: 'utf-8' }, { type: 'empty' },
    ]);
    expect(d.functions.map((f) => [f.name, f.params, f.locals, f.instructions.map((i) => i.op)])).toEqual([
      ['main', 1, 2, ['const_1', 'return']], [undefined, 0, 0, ['return_es']],
    ]);
  });
  it('ISO-8859-1 pool on request (MIBenum 4, external-encoding strings)', () => {
    const bc = compileWmlScript('extern function f() { return "caf\\u00e9\\u20ac"; }', { charset: 'iso-8859-1' });
    const d = decodeWmlScriptBytecode(bc);
    expect(d.charset).toBe(4);
    expect(d.constants).toEqual([{ type: 'string', value: 'caf\u00e9?', encoded: 'ext' }]);
  });
});

describe('comparison normaliser (normalise.ts)', () => {
  it('equates form choices: pool order, short/normal/wide forms, branch forms, float rounding in the last bit', async () => {
    const { normalise } = await import('./normalise.ts');
    // Unit A: constants [2.5, "x", 300]; code: load_const_s 0; load_const_s 1; tjump_fw_s +1; load_const_s 2; return
    const a = encodeUnit({
      constants: [{ type: 'float', value: 2.5 }, { type: 'string', value: 'x' }, { type: 'int', value: 300 }],
      pragmas: [{ type: 1, indexes: [1] }],
      functions: [{ externName: 'f', params: 0, locals: 0, code: Buffer.from([0x50, 0x51, 0xc1, 0x52, 0x3a]) }],
    });
    // Unit B: the same program with another pool order, wide/normal forms and a float one bit away.
    const b = encodeUnit({
      constants: [{ type: 'int', value: 300 }, { type: 'string', value: 'x' }, { type: 'float', value: 2.5000002 }],
      pragmas: [{ type: 1, indexes: [1] }],
      functions: [{ externName: 'f', params: 0, locals: 0, code: Buffer.from([0x13, 0x00, 0x02, 0x12, 0x01, 0x06, 0x00, 0x03, 0x13, 0x00, 0x00, 0x3a]) }],
    });
    expect(normalise(decodeWmlScriptBytecode(a))).toEqual(normalise(decodeWmlScriptBytecode(b)));
    // …but not a different program.
    const c = encodeUnit({
      constants: [{ type: 'float', value: 2.5 }, { type: 'string', value: 'y' }, { type: 'int', value: 300 }],
      pragmas: [{ type: 1, indexes: [1] }],
      functions: [{ externName: 'f', params: 0, locals: 0, code: Buffer.from([0x50, 0x51, 0xc1, 0x52, 0x3a]) }],
    });
    expect(normalise(decodeWmlScriptBytecode(a))).not.toEqual(normalise(decodeWmlScriptBytecode(c)));
  });
});
