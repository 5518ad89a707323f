/**
 * Code generator: syntax tree → symbolic assembly per function, with the constant and pragma pools filled
 * as WAP-193 §9 lays them out. The semantic rules live here: variables declared before use and once per
 * function (§6.4), local calls to declared functions with the declared arity (§6.3.3.1), external calls
 * through a `use url` name (§6.3.3.2), library calls by library and function index with their arity (§6.3.3.3,
 * WAP-194), `break`/`continue` inside loops (§6.5.7–8).
 *
 * The instruction choices follow Kannel's wmlsc where the spec leaves them open (so the two compilers'
 * output can be compared): a unary minus folds into an integer literal, unary plus is `x - 0`, `&&`/`||` end
 * with `tobool`, an assignment expression reloads the variable it stored, a function that ends without
 * `return` ends without an instruction (the interpreter returns "" at the end of code, §9.4).
 */
import { branch, ins, label, type AsmIns } from './asm.ts';
import type { CompilationUnit, Expression, FunctionDecl, Statement, VarDecl } from './ast.ts';
import { raise, WmlsErrorCode, type SourcePos } from './errors.ts';
import { UNBOUNDED, type Budget } from './limits.ts';
import { ConstantPool, PragmaType, type PragmaEntry } from './pools.ts';
import { lookupLibraryFunction } from './stdlib.ts';

export interface GeneratedFunction {
  name: string;
  extern: boolean;
  params: number;
  locals: number;
  code: AsmIns[];
  at: SourcePos;
}

export interface GeneratedUnit {
  constants: ConstantPool;
  pragmas: PragmaEntry[];
  /** In function-pool order (the order call instructions index). */
  functions: GeneratedFunction[];
}

// WAP-193 §9.4: the function pool's counts, a function's argument and variable counts are u_int8.
const MAX_FUNCTIONS = 255;
const MAX_VARIABLES = 255;
const MAX_NAME = 255;
// wmlsc reorders functions by how often they are called once there are more than this many (so the most
// called get the one-byte call_s, indexes 0–7); we do the same so indexes agree.
const SORT_THRESHOLD = 7;

interface Loop {
  cont: AsmIns;
  brk: AsmIns;
}

export class CodeGenerator {
  readonly constants = new ConstantPool();
  readonly pragmas: PragmaEntry[] = [];
  private readonly urls = new Map<string, number>();
  private readonly functionIndex = new Map<string, { index: number; params: number }>();
  // per function
  private code: AsmIns[] = [];
  private vars = new Map<string, number>();
  private loops: Loop[] = [];

  constructor(private readonly budget: Budget = UNBOUNDED) {}

  generate(unit: CompilationUnit): GeneratedUnit {
    for (const p of unit.pragmas) this.pragma(p);
    const order = this.functionOrder(unit);
    const functions = order.map((f) => this.function(f));
    return { constants: this.constants, pragmas: this.pragmas, functions };
  }

  // ---------------- pragmas (WAP-193 §6.7, §9.3) ----------------
  private pragma(p: CompilationUnit['pragmas'][number]): void {
    switch (p.kind) {
      case 'url':
        // §6.7.1: one name per external unit.
        if (this.urls.has(p.name)) raise(WmlsErrorCode.PRAGMA, `'use url ${p.name}' given twice`, p);
        this.urls.set(p.name, this.constants.string(p.url, p));
        return;
      case 'access':
        // §6.7.2: a compilation unit has at most one access control pragma.
        if (this.pragmas.some((e) => e.type === PragmaType.ACCESS_DOMAIN || e.type === PragmaType.ACCESS_PATH)) {
          raise(WmlsErrorCode.PRAGMA, "more than one 'use access' pragma", p);
        }
        if (p.domain !== undefined) this.pragmas.push({ type: PragmaType.ACCESS_DOMAIN, indexes: [this.constants.string(p.domain, p)] });
        if (p.path !== undefined) this.pragmas.push({ type: PragmaType.ACCESS_PATH, indexes: [this.constants.string(p.path, p)] });
        return;
      case 'meta':
        // §6.7.3: name and http equiv are for the origin server and are not in the bytecode; user agent is.
        if (p.meta !== 'user-agent') return;
        if (p.scheme === undefined) {
          this.pragmas.push({ type: PragmaType.USER_AGENT_PROPERTY, indexes: [this.constants.string(p.property, p), this.constants.string(p.content, p)] });
        } else {
          this.pragmas.push({
            type: PragmaType.USER_AGENT_PROPERTY_AND_SCHEME,
            indexes: [this.constants.string(p.property, p), this.constants.string(p.content, p), this.constants.string(p.scheme, p)],
          });
        }
        return;
    }
  }

  // ---------------- functions (WAP-193 §6.3, §9.4) ----------------
  private functionOrder(unit: CompilationUnit): FunctionDecl[] {
    if (unit.functions.length > MAX_FUNCTIONS) raise(WmlsErrorCode.LIMIT, `more than ${MAX_FUNCTIONS} functions`, unit.functions[MAX_FUNCTIONS]);
    const seen = new Map<string, FunctionDecl>();
    for (const f of unit.functions) {
      if (seen.has(f.name)) raise(WmlsErrorCode.REDEFINED, `function '${f.name}' is defined twice`, f);
      if (f.name.length > MAX_NAME) raise(WmlsErrorCode.LIMIT, `function name longer than ${MAX_NAME} characters`, f);
      if (f.params.length > MAX_VARIABLES) raise(WmlsErrorCode.LIMIT, `more than ${MAX_VARIABLES} parameters`, f);
      seen.set(f.name, f);
    }
    let order = unit.functions;
    if (order.length > SORT_THRESHOLD) {
      const uses = (f: FunctionDecl): number => unit.callCounts.get(f.name) ?? 0;
      order = [...order].sort((x, y) => uses(y) - uses(x)); // stable: ties keep source order
    }
    order.forEach((f, index) => this.functionIndex.set(f.name, { index, params: f.params.length }));
    return order;
  }

  private function(f: FunctionDecl): GeneratedFunction {
    this.code = [];
    this.vars = new Map();
    this.loops = [];
    for (const p of f.params) this.declare(p.name, p);
    for (const s of f.body) this.statement(s);
    return { name: f.name, extern: f.extern, params: f.params.length, locals: this.vars.size - f.params.length, code: this.code, at: f };
  }

  private emit(i: AsmIns): void {
    this.code.push(i);
  }

  // WAP-193 §6.4.2: a variable is declared once in a function; its scope is the rest of the function.
  private declare(name: string, at: SourcePos): number {
    if (this.vars.has(name)) raise(WmlsErrorCode.REDECLARED, `'${name}' is already declared in this function`, at);
    if (this.vars.size >= MAX_VARIABLES) raise(WmlsErrorCode.LIMIT, `more than ${MAX_VARIABLES} variables in a function`, at);
    this.vars.set(name, this.vars.size);
    return this.vars.size - 1;
  }

  private variable(name: string, at: SourcePos): number {
    const v = this.vars.get(name);
    if (v === undefined) raise(WmlsErrorCode.UNKNOWN_VARIABLE, `unknown variable '${name}'`, at);
    return v;
  }

  // ---------------- statements (WAP-193 §6.5) ----------------
  private variableDeclarations(decls: VarDecl[]): void {
    for (const d of decls) {
      const v = this.declare(d.name, d);
      if (d.init) {
        this.expression(d.init);
        this.emit(ins('store_var', v));
      }
    }
  }

  statement(s: Statement): void {
    this.budget.tick(s);
    switch (s.kind) {
      case 'block':
        for (const x of s.body) this.statement(x);
        return;
      case 'var':
        return this.variableDeclarations(s.decls);
      case 'empty':
        return;
      case 'expr':
        this.expression(s.expr);
        this.emit(ins('pop'));
        return;
      case 'if': {
        // test; tjump else; then; jump end; else: …; end:
        const lElse = label();
        const lEnd = label();
        this.expression(s.test);
        this.emit(branch('tjump', lElse));
        this.statement(s.then);
        this.emit(branch('jump', lEnd));
        this.emit(lElse);
        if (s.else) this.statement(s.else);
        this.emit(lEnd);
        return;
      }
      case 'while': {
        const loop = { cont: label(), brk: label() };
        this.emit(loop.cont);
        this.expression(s.test);
        this.emit(branch('tjump', loop.brk));
        this.loopBody(loop, s.body);
        this.emit(branch('jump', loop.cont));
        this.emit(loop.brk);
        return;
      }
      case 'for': {
        const top = label();
        const loop = { cont: label(), brk: label() };
        if (Array.isArray(s.init)) this.variableDeclarations(s.init);
        else if (s.init) {
          this.expression(s.init);
          this.emit(ins('pop'));
        }
        this.emit(top);
        if (s.test) {
          this.expression(s.test);
          this.emit(branch('tjump', loop.brk));
        }
        this.loopBody(loop, s.body);
        this.emit(loop.cont);
        if (s.update) {
          this.expression(s.update);
          this.emit(ins('pop'));
        }
        this.emit(branch('jump', top));
        this.emit(loop.brk);
        return;
      }
      case 'continue':
      case 'break': {
        const loop = this.loops[this.loops.length - 1];
        if (!loop) raise(WmlsErrorCode.NOT_IN_LOOP, `'${s.kind}' outside a loop`, s);
        this.emit(branch('jump', s.kind === 'break' ? loop.brk : loop.cont));
        return;
      }
      case 'return':
        if (s.value) {
          this.expression(s.value);
          this.emit(ins('return'));
        } else this.emit(ins('return_es'));
        return;
    }
  }

  private loopBody(loop: Loop, body: Statement): void {
    this.loops.push(loop);
    this.statement(body);
    this.loops.pop();
  }

  // ---------------- expressions (WAP-193 §6.2, §6.3.3) ----------------
  expression(e: Expression): void {
    switch (e.kind) {
      case 'comma':
        this.expression(e.left);
        this.emit(ins('pop'));
        this.expression(e.right);
        return;
      case 'assign': {
        const v = this.variable(e.name, e);
        if (e.op === '=') {
          this.expression(e.value);
          this.emit(ins('store_var', v));
        } else if (e.op === 'add' || e.op === 'sub') {
          // §9.4 ADD_ASG / SUB_ASG
          this.expression(e.value);
          this.emit(ins(e.op === 'add' ? 'add_asg' : 'sub_asg', v));
        } else {
          this.emit(ins('load_var', v));
          this.expression(e.value);
          this.emit(ins(e.op));
          this.emit(ins('store_var', v));
        }
        // The value of an assignment is the value assigned (§6.2.2).
        this.emit(ins('load_var', v));
        return;
      }
      case 'conditional': {
        const lElse = label();
        const lEnd = label();
        this.expression(e.test);
        this.emit(branch('tjump', lElse));
        this.expression(e.then);
        this.emit(branch('jump', lEnd));
        this.emit(lElse);
        this.expression(e.else);
        this.emit(lEnd);
        return;
      }
      case 'logical': {
        // §9.4 SCAND/SCOR leave the short-circuit result and a flag for the following TJUMP; the result of
        // the right operand is converted to boolean (§6.2.3).
        const out = label();
        this.expression(e.left);
        this.emit(ins(e.op));
        this.emit(branch('tjump', out));
        this.expression(e.right);
        this.emit(ins('tobool'));
        this.emit(out);
        return;
      }
      case 'binary':
        this.expression(e.left);
        this.expression(e.right);
        this.emit(ins(e.op));
        return;
      case 'unary':
        this.expression(e.operand);
        this.emit(ins(e.op));
        return;
      case 'prefix': {
        const v = this.variable(e.name, e);
        this.emit(ins(e.incr ? 'incr_var' : 'decr_var', v));
        this.emit(ins('load_var', v));
        return;
      }
      case 'postfix': {
        const v = this.variable(e.name, e);
        this.emit(ins('load_var', v));
        this.emit(ins(e.incr ? 'incr_var' : 'decr_var', v));
        return;
      }
      case 'call': {
        for (const a of e.args) this.expression(a);
        const f = this.functionIndex.get(e.name);
        if (!f) raise(WmlsErrorCode.UNKNOWN_FUNCTION, `unknown local function '${e.name}'`, e);
        if (f.params !== e.args.length) {
          raise(WmlsErrorCode.ARITY, `'${e.name}' takes ${f.params} argument(s), called with ${e.args.length}`, e);
        }
        this.emit(ins('call', f.index));
        return;
      }
      case 'callUrl': {
        for (const a of e.args) this.expression(a);
        const url = this.urls.get(e.unit);
        if (url === undefined) raise(WmlsErrorCode.UNKNOWN_UNIT, `no 'use url ${e.unit}' for external call ${e.unit}#${e.name}`, e);
        if (e.args.length > 255) raise(WmlsErrorCode.LIMIT, 'more than 255 arguments', e);
        this.emit(ins('call_url', this.constants.string(e.name, e), url, e.args.length));
        return;
      }
      case 'callLib': {
        for (const a of e.args) this.expression(a);
        const f = lookupLibraryFunction(e.lib, e.name);
        if (f === 'no-library') raise(WmlsErrorCode.UNKNOWN_LIBRARY, `unknown library '${e.lib}'`, e);
        if (f === 'no-function') raise(WmlsErrorCode.UNKNOWN_LIBRARY, `unknown library function '${e.lib}.${e.name}'`, e);
        if (f.arity !== e.args.length) {
          raise(WmlsErrorCode.ARITY, `'${e.lib}.${e.name}' takes ${f.arity} argument(s), called with ${e.args.length}`, e);
        }
        this.emit(ins('call_lib', f.funcIndex, f.libIndex));
        return;
      }
      case 'name':
        this.emit(ins('load_var', this.variable(e.name, e)));
        return;
      case 'invalid':
        this.emit(ins('const_invalid'));
        return;
      case 'true':
        this.emit(ins('const_true'));
        return;
      case 'false':
        this.emit(ins('const_false'));
        return;
      case 'int': {
        // §6.2.7.1: integers are 32-bit signed; 2^31 only with a minus.
        if (e.magnitude === 0) this.emit(ins('const_0'));
        else if (e.magnitude === 1 && !e.negative) this.emit(ins('const_1'));
        else {
          if (!e.negative && e.magnitude > 0x7fffffff) raise(WmlsErrorCode.INTEGER_RANGE, `integer literal ${e.magnitude} is too large`, e);
          this.emit(ins('load_const', this.constants.int(e.negative ? -e.magnitude : e.magnitude, e)));
        }
        return;
      }
      case 'float':
        this.emit(ins('load_const', this.constants.float(e.value, e)));
        return;
      case 'string':
        if (e.value.length === 0) this.emit(ins('const_es'));
        else this.emit(ins('load_const', this.constants.string(e.value, e)));
        return;
    }
  }
}

export function generate(unit: CompilationUnit, budget?: Budget): GeneratedUnit {
  return new CodeGenerator(budget).generate(unit);
}
