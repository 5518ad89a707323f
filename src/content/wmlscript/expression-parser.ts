/**
 * The expression half of the WMLScript parser (WAP-193 §6.2, §14.2) and the helpers both halves use: token
 * access with one token of lookahead pulled from the lexer on demand, expectations that fail with the
 * offending token's position, and the nesting bound. parser.ts extends it with units, pragmas, functions
 * and statements.
 */
import type { AssignOp, BinaryOp, Expression, UnaryOp } from './ast.ts';
import { raise, WmlsErrorCode, type SourcePos } from './errors.ts';
import { Lexer, type Token } from './lexer.ts';
import { DEFAULT_LIMITS, UNBOUNDED, type Budget } from './limits.ts';

const ASSIGN_OPS: ReadonlyMap<string, AssignOp> = new Map<string, AssignOp>([
  ['=', '='], ['*=', 'mul'], ['/=', 'div'], ['%=', 'rem'], ['+=', 'add'], ['-=', 'sub'], ['<<=', 'b_lshift'],
  ['>>=', 'b_rsshift'], ['>>>=', 'b_rszshift'], ['&=', 'b_and'], ['^=', 'b_xor'], ['|=', 'b_or'], ['div=', 'idiv'],
]);

const UNARY_OPS: ReadonlyMap<string, UnaryOp | 'plus'> = new Map<string, UnaryOp | 'plus'>([
  ['typeof', 'typeof'], ['isvalid', 'isvalid'], ['-', 'uminus'], ['~', 'b_not'], ['!', 'not'], ['+', 'plus'],
]);

/**
 * The binary operators by precedence (WAP-193 §6.2.11, §14.2): LogicalOR 1, LogicalAND 2, BitwiseOR 3,
 * BitwiseXOR 4, BitwiseAND 5, Equality 6, Relational 7, Shift 8, Additive 9, Multiplicative 10 — all
 * left-associative.
 */
interface BinaryInfo {
  prec: number;
  logical?: 'scor' | 'scand';
  op?: BinaryOp;
}
const BINARY_OPS: ReadonlyMap<string, BinaryInfo> = new Map<string, BinaryInfo>([
  ['||', { prec: 1, logical: 'scor' }], ['&&', { prec: 2, logical: 'scand' }],
  ['|', { prec: 3, op: 'b_or' }], ['^', { prec: 4, op: 'b_xor' }], ['&', { prec: 5, op: 'b_and' }],
  ['==', { prec: 6, op: 'eq' }], ['!=', { prec: 6, op: 'ne' }],
  ['<', { prec: 7, op: 'lt' }], ['>', { prec: 7, op: 'gt' }], ['<=', { prec: 7, op: 'le' }], ['>=', { prec: 7, op: 'ge' }],
  ['<<', { prec: 8, op: 'b_lshift' }], ['>>', { prec: 8, op: 'b_rsshift' }], ['>>>', { prec: 8, op: 'b_rszshift' }],
  ['+', { prec: 9, op: 'add' }], ['-', { prec: 9, op: 'sub' }],
  ['*', { prec: 10, op: 'mul' }], ['/', { prec: 10, op: 'div' }], ['div', { prec: 10, op: 'idiv' }], ['%', { prec: 10, op: 'rem' }],
]);
const PREC = { LOGICAL_OR: 1, LOGICAL_AND: 2, BITWISE_OR: 3, BITWISE_XOR: 4, BITWISE_AND: 5, EQUALITY: 6, RELATIONAL: 7, SHIFT: 8, ADDITIVE: 9, MULTIPLICATIVE: 10 } as const;

export class ExpressionParser {
  /** The current token and the one after it (fetched on demand: the parser never needs more lookahead). */
  protected cur: Token;
  protected ahead: Token | undefined;
  protected depth = 0;
  /** The height of each expression subtree, so left-leaning chains (a+b+c+…) are bounded too. */
  private readonly heights = new WeakMap<object, number>();
  protected readonly callCounts = new Map<string, number>();

  constructor(
    protected readonly lexer: Lexer,
    protected readonly maxDepth: number = DEFAULT_LIMITS.maxDepth,
    protected readonly budget: Budget = UNBOUNDED,
  ) {
    this.cur = lexer.next();
  }

  // ---------------- helpers ----------------
  protected get tok(): Token {
    return this.cur;
  }
  /** The token after the current one. */
  protected peek(): Token {
    if (this.cur.type === 'eof') return this.cur;
    return (this.ahead ??= this.lexer.next());
  }
  protected isPunct(p: string, t: Token = this.tok): boolean {
    return t.type === 'punct' && t.text === p;
  }
  protected isKeyword(k: string, t: Token = this.tok): boolean {
    return t.type === 'keyword' && t.text === k;
  }
  protected advance(): Token {
    const t = this.cur;
    if (t.type !== 'eof') {
      this.cur = this.ahead ?? this.lexer.next();
      this.ahead = undefined;
    }
    this.budget.tick(t);
    return t;
  }
  protected unexpected(what: string, t: Token = this.tok): never {
    const found = t.type === 'eof' ? 'end of input' : `'${t.text}'`;
    if (t.type === 'keyword' && what === 'an identifier') {
      raise(WmlsErrorCode.RESERVED_WORD, `'${t.text}' is a reserved word, expected ${what}`, t);
    }
    return raise(WmlsErrorCode.SYNTAX, `expected ${what} but found ${found}`, t);
  }
  protected expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.unexpected(`'${p}'`);
    return this.advance();
  }
  protected expectKeyword(k: string): Token {
    if (!this.isKeyword(k)) this.unexpected(`'${k}'`);
    return this.advance();
  }
  protected expectName(): Token {
    if (this.tok.type !== 'name') this.unexpected('an identifier');
    return this.advance();
  }
  protected expectString(): Token {
    if (this.tok.type !== 'string') this.unexpected('a string literal');
    return this.advance();
  }
  protected enter(at: SourcePos): void {
    if (++this.depth > this.maxDepth) raise(WmlsErrorCode.TOO_DEEP, `nesting deeper than ${this.maxDepth}`, at);
  }
  protected leave(): void {
    this.depth--;
  }
  /** Records an expression node's height (1 + its tallest child) and bounds it. */
  protected node<E extends Expression>(e: E, ...children: Expression[]): E {
    let h = 0;
    for (const c of children) h = Math.max(h, this.heights.get(c) ?? 1);
    if (h + 1 > this.maxDepth) raise(WmlsErrorCode.TOO_DEEP, `expression nested deeper than ${this.maxDepth}`, e);
    this.heights.set(e, h + 1);
    return e;
  }
  protected static pos(t: SourcePos): SourcePos {
    return { line: t.line, column: t.column };
  }

  // ---------------- expressions (WAP-193 §6.2) ----------------
  // Expression: AssignmentExpression (`,` AssignmentExpression)*
  parseExpression(): Expression {
    let left = this.parseAssignmentExpression();
    while (this.isPunct(',')) {
      const at = ExpressionParser.pos(this.advance());
      const right = this.parseAssignmentExpression();
      left = this.node({ kind: 'comma', left, right, ...at }, left, right);
    }
    return left;
  }

  // AssignmentExpression: ConditionalExpression | Identifier AssignmentOperator AssignmentExpression
  parseAssignmentExpression(): Expression {
    const t = this.tok;
    this.enter(t);
    try {
      const next = this.peek();
      const op = next.type === 'punct' ? ASSIGN_OPS.get(next.text) : undefined;
      if (t.type === 'name' && op !== undefined) {
        this.advance();
        this.advance();
        const value = this.parseAssignmentExpression();
        return this.node({ kind: 'assign', name: t.text, op, value, ...ExpressionParser.pos(t) }, value);
      }
      return this.parseConditionalExpression();
    } finally {
      this.leave();
    }
  }

  // ConditionalExpression: LogicalORExpression (`?` AssignmentExpression `:` AssignmentExpression)?
  parseConditionalExpression(): Expression {
    const test = this.parseLogicalORExpression();
    if (!this.isPunct('?')) return test;
    const at = ExpressionParser.pos(this.advance());
    const then = this.parseAssignmentExpression();
    this.expectPunct(':');
    const otherwise = this.parseAssignmentExpression();
    return this.node({ kind: 'conditional', test, then, else: otherwise, ...at }, test, then, otherwise);
  }

  /**
   * Binary operators at precedence `minPrec` and above, by precedence climbing (as acorn's parseExprOp):
   * one frame per operand instead of one per grammar level, so the stack a nested source needs stays small.
   */
  private parseBinary(minPrec: number): Expression {
    let left = this.parseUnaryExpression();
    for (;;) {
      const t = this.tok;
      const info = t.type === 'punct' ? BINARY_OPS.get(t.text) : undefined;
      if (info === undefined || info.prec < minPrec) return left;
      this.advance();
      const right = this.parseBinary(info.prec + 1);
      const at = ExpressionParser.pos(t);
      left = info.logical
        ? this.node({ kind: 'logical', op: info.logical, left, right, ...at }, left, right)
        : this.node({ kind: 'binary', op: info.op!, left, right, ...at }, left, right);
    }
  }

  // LogicalORExpression … MultiplicativeExpression (§6.2.3–§6.2.10): each rule is the operators from its
  // precedence up.
  parseLogicalORExpression(): Expression {
    return this.parseBinary(PREC.LOGICAL_OR);
  }
  parseLogicalANDExpression(): Expression {
    return this.parseBinary(PREC.LOGICAL_AND);
  }
  parseBitwiseORExpression(): Expression {
    return this.parseBinary(PREC.BITWISE_OR);
  }
  parseBitwiseXORExpression(): Expression {
    return this.parseBinary(PREC.BITWISE_XOR);
  }
  parseBitwiseANDExpression(): Expression {
    return this.parseBinary(PREC.BITWISE_AND);
  }
  parseEqualityExpression(): Expression {
    return this.parseBinary(PREC.EQUALITY);
  }
  parseRelationalExpression(): Expression {
    return this.parseBinary(PREC.RELATIONAL);
  }
  parseShiftExpression(): Expression {
    return this.parseBinary(PREC.SHIFT);
  }
  parseAdditiveExpression(): Expression {
    return this.parseBinary(PREC.ADDITIVE);
  }
  parseMultiplicativeExpression(): Expression {
    return this.parseBinary(PREC.MULTIPLICATIVE);
  }

  // UnaryExpression: PostfixExpression | (`typeof` | `isvalid` | `-` | `~` | `!` | `+`) UnaryExpression
  //                | (`++` | `--`) Identifier   (§6.2.5 – §6.2.6)
  parseUnaryExpression(): Expression {
    const t = this.tok;
    const at = ExpressionParser.pos(t);
    if (this.isPunct('++') || this.isPunct('--')) {
      this.advance();
      const name = this.expectName().text;
      return this.node({ kind: 'prefix', name, incr: t.text === '++', ...at });
    }
    const op = t.type === 'keyword' || t.type === 'punct' ? UNARY_OPS.get(t.text) : undefined;
    if (op === undefined) return this.parsePostfixExpression();
    this.advance();
    this.enter(t);
    try {
      const operand = this.parseUnaryExpression();
      // A minus before an integer literal is part of the literal, so -2147483648 is representable (§6.2.7.1).
      if (op === 'uminus' && operand.kind === 'int') {
        operand.negative = !operand.negative;
        return operand;
      }
      // Unary plus only converts its operand to a number (§7.2): compiled as `operand - 0`, since `+ 0`
      // would accept strings.
      if (op === 'plus') {
        const zero = this.node({ kind: 'int', magnitude: 0, negative: false, ...at });
        return this.node({ kind: 'binary', op: 'sub', left: operand, right: zero, ...at }, operand, zero);
      }
      return this.node({ kind: 'unary', op, operand, ...at }, operand);
    } finally {
      this.leave();
    }
  }

  // PostfixExpression: CallExpression | Identifier (`++` | `--`)
  parsePostfixExpression(): Expression {
    const t = this.tok;
    const next = this.peek();
    if (t.type === 'name' && (this.isPunct('++', next) || this.isPunct('--', next))) {
      this.advance();
      this.advance();
      return this.node({ kind: 'postfix', name: t.text, incr: next.text === '++', ...ExpressionParser.pos(t) });
    }
    return this.parseCallExpression();
  }

  // CallExpression: PrimaryExpression | Identifier Arguments | Identifier `#` Identifier Arguments
  //               | Identifier `.` Identifier Arguments   (§6.3.3)
  parseCallExpression(): Expression {
    const t = this.tok;
    if (t.type !== 'name') return this.parsePrimaryExpression();
    const next = this.peek();
    if (this.isPunct('(', next)) {
      this.advance();
      const args = this.parseArguments();
      this.callCounts.set(t.text, (this.callCounts.get(t.text) ?? 0) + 1);
      return this.node({ kind: 'call', name: t.text, args, ...ExpressionParser.pos(t) }, ...args);
    }
    if (this.isPunct('#', next) || this.isPunct('.', next)) {
      this.advance();
      this.advance();
      const name = this.expectName();
      if (!this.isPunct('(')) this.unexpected("'('");
      const args = this.parseArguments();
      const at = ExpressionParser.pos(name);
      return next.text === '#'
        ? this.node({ kind: 'callUrl', unit: t.text, name: name.text, args, ...at }, ...args)
        : this.node({ kind: 'callLib', lib: t.text, name: name.text, args, ...at }, ...args);
    }
    return this.parsePrimaryExpression();
  }

  // Arguments: `(` (AssignmentExpression (`,` AssignmentExpression)*)? `)`
  parseArguments(): Expression[] {
    this.expectPunct('(');
    const args: Expression[] = [];
    if (this.isPunct(')')) {
      this.advance();
      return args;
    }
    for (;;) {
      args.push(this.parseAssignmentExpression());
      if (this.isPunct(')')) {
        this.advance();
        return args;
      }
      this.expectPunct(',');
    }
  }

  // PrimaryExpression: Identifier | Literal | `(` Expression `)`  (§6.2.1)
  parsePrimaryExpression(): Expression {
    const t = this.tok;
    const at = ExpressionParser.pos(t);
    switch (t.type) {
      case 'name':
        this.advance();
        return this.node({ kind: 'name', name: t.text, ...at });
      case 'int':
        this.advance();
        return this.node({ kind: 'int', magnitude: t.num, negative: false, ...at });
      case 'float':
        this.advance();
        return this.node({ kind: 'float', value: t.num, ...at });
      case 'string':
        this.advance();
        return this.node({ kind: 'string', value: t.str, ...at });
      case 'keyword':
        if (t.text === 'true' || t.text === 'false' || t.text === 'invalid') {
          this.advance();
          return this.node({ kind: t.text, ...at });
        }
        break;
      case 'punct':
        if (t.text === '(') {
          this.advance();
          const e = this.parseExpression();
          this.expectPunct(')');
          return e;
        }
        break;
    }
    return this.unexpected('an expression');
  }
}

