/** The syntax tree of a WMLScript compilation unit (WAP-193 §14 grammar). Every node keeps its position. */
import type { SourcePos } from './errors.ts';

export interface Node extends SourcePos {}

// ---------------- pragmas (WAP-193 §6.7) ----------------
export type Pragma =
  | (Node & { kind: 'url'; name: string; url: string })
  | (Node & { kind: 'access'; domain?: string; path?: string })
  | (Node & { kind: 'meta'; meta: 'name' | 'http-equiv' | 'user-agent'; property: string; content: string; scheme?: string });

// ---------------- functions (WAP-193 §6.3) ----------------
export interface Param extends Node {
  name: string;
}
export interface FunctionDecl extends Node {
  extern: boolean;
  name: string;
  params: Param[];
  body: Statement[];
}
export interface CompilationUnit {
  pragmas: Pragma[];
  functions: FunctionDecl[];
  /** How often each local function name is called (wmlsc orders functions by it when there are more than 7). */
  callCounts: Map<string, number>;
}

// ---------------- statements (WAP-193 §6.5) ----------------
export interface VarDecl extends Node {
  name: string;
  init?: Expression;
}
export type Statement =
  | (Node & { kind: 'block'; body: Statement[] })
  | (Node & { kind: 'var'; decls: VarDecl[] })
  | (Node & { kind: 'empty' })
  | (Node & { kind: 'expr'; expr: Expression })
  | (Node & { kind: 'if'; test: Expression; then: Statement; else?: Statement })
  | (Node & { kind: 'while'; test: Expression; body: Statement })
  | (Node & { kind: 'for'; init?: VarDecl[] | Expression; test?: Expression; update?: Expression; body: Statement })
  | (Node & { kind: 'continue' })
  | (Node & { kind: 'break' })
  | (Node & { kind: 'return'; value?: Expression });

// ---------------- expressions (WAP-193 §6.2, §6.3.3) ----------------
/** Binary operators, named after the bytecode instruction that computes them (WAP-193 §9.4). */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'idiv' | 'rem' | 'b_and' | 'b_or' | 'b_xor' | 'b_lshift' | 'b_rsshift'
  | 'b_rszshift' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type UnaryOp = 'uminus' | 'b_not' | 'not' | 'typeof' | 'isvalid';
/** Assignment operators: '=' or the binary operator they combine with. */
export type AssignOp = '=' | BinaryOp;

export type Expression =
  | (Node & { kind: 'comma'; left: Expression; right: Expression })
  | (Node & { kind: 'assign'; name: string; op: AssignOp; value: Expression })
  | (Node & { kind: 'conditional'; test: Expression; then: Expression; else: Expression })
  | (Node & { kind: 'logical'; op: 'scand' | 'scor'; left: Expression; right: Expression })
  | (Node & { kind: 'binary'; op: BinaryOp; left: Expression; right: Expression })
  | (Node & { kind: 'unary'; op: UnaryOp; operand: Expression })
  | (Node & { kind: 'prefix' | 'postfix'; name: string; incr: boolean })
  | (Node & { kind: 'call'; name: string; args: Expression[] })
  | (Node & { kind: 'callUrl'; unit: string; name: string; args: Expression[] })
  | (Node & { kind: 'callLib'; lib: string; name: string; args: Expression[] })
  | (Node & { kind: 'name'; name: string })
  | (Node & { kind: 'invalid' | 'true' | 'false' })
  /** `magnitude` is 0 … 2^31; `negative` after a folded unary minus (WAP-193 §6.2.7.1). */
  | (Node & { kind: 'int'; magnitude: number; negative: boolean })
  | (Node & { kind: 'float'; value: number })
  | (Node & { kind: 'string'; value: string });
