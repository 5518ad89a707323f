/**
 * WMLScript parser: tokens → syntax tree, by recursive descent with one method per rule of the WAP-193 §14
 * grammar, named after it (the expression rules are in expression-parser.ts). Semantic checks that need the
 * whole unit (variables, functions, libraries) are the code generator's; this file only knows the grammar.
 * Nesting is bounded (`maxDepth`) so a hostile source cannot overflow the stack here or in the stages after.
 */
import type { CompilationUnit, Expression, FunctionDecl, Param, Pragma, Statement, VarDecl } from './ast.ts';
import { ExpressionParser } from './expression-parser.ts';
import { Lexer, type Token } from './lexer.ts';
import type { Budget } from './limits.ts';

export class Parser extends ExpressionParser {
  // ---------------- CompilationUnit (WAP-193 §14.1) ----------------
  parseCompilationUnit(): CompilationUnit {
    const pragmas: Pragma[] = [];
    while (this.isKeyword('use')) pragmas.push(this.parsePragma());
    const functions: FunctionDecl[] = [];
    // FunctionDeclarations: at least one (WAP-193 §14.1.3).
    do functions.push(this.parseFunctionDeclaration());
    while (this.tok.type !== 'eof');
    return { pragmas, functions, callCounts: this.callCounts };
  }

  // Pragma: `use` PragmaDeclaration `;` (WAP-193 §6.7)
  parsePragma(): Pragma {
    const use = this.expectKeyword('use');
    let p: Pragma;
    if (this.isKeyword('url')) p = this.parseExternalCompilationUnitPragma(use);
    else if (this.isKeyword('access')) p = this.parseAccessControlPragma(use);
    else if (this.isKeyword('meta')) p = this.parseMetaPragma(use);
    else this.unexpected("'url', 'access' or 'meta'");
    this.expectPunct(';');
    return p;
  }

  // ExternalCompilationUnitPragma: `url` Identifier StringLiteral (§6.7.1)
  parseExternalCompilationUnitPragma(use: Token): Pragma {
    this.expectKeyword('url');
    const name = this.expectName().text;
    const url = this.expectString().str;
    return { kind: 'url', name, url, ...ExpressionParser.pos(use) };
  }

  // AccessControlPragma: `access` (`domain` S | `path` S | `domain` S `path` S) (§6.7.2)
  parseAccessControlPragma(use: Token): Pragma {
    this.expectKeyword('access');
    let domain: string | undefined;
    let path: string | undefined;
    if (this.isKeyword('domain')) {
      this.advance();
      domain = this.expectString().str;
      if (this.isKeyword('path')) {
        this.advance();
        path = this.expectString().str;
      }
    } else if (this.isKeyword('path')) {
      this.advance();
      path = this.expectString().str;
    } else this.unexpected("'domain' or 'path'");
    return { kind: 'access', domain, path, ...ExpressionParser.pos(use) };
  }

  // MetaPragma: `meta` (`name` | `http` `equiv` | `user` `agent`) MetaBody (§6.7.3)
  parseMetaPragma(use: Token): Pragma {
    this.expectKeyword('meta');
    let meta: 'name' | 'http-equiv' | 'user-agent';
    if (this.isKeyword('name')) {
      this.advance();
      meta = 'name';
    } else if (this.isKeyword('http')) {
      this.advance();
      this.expectKeyword('equiv');
      meta = 'http-equiv';
    } else if (this.isKeyword('user')) {
      this.advance();
      this.expectKeyword('agent');
      meta = 'user-agent';
    } else this.unexpected("'name', 'http equiv' or 'user agent'");
    // MetaBody: MetaPropertyName MetaContent MetaScheme?
    const property = this.expectString().str;
    const content = this.expectString().str;
    const scheme = this.tok.type === 'string' ? this.advance().str : undefined;
    return { kind: 'meta', meta, property, content, scheme, ...ExpressionParser.pos(use) };
  }

  // FunctionDeclaration: `extern`? `function` Identifier `(` FormalParameterList? `)` Block `;`? (§6.3.1)
  parseFunctionDeclaration(): FunctionDecl {
    const start = this.tok;
    const extern = this.isKeyword('extern');
    if (extern) this.advance();
    this.expectKeyword('function');
    const name = this.expectName();
    this.expectPunct('(');
    const params = this.parseFormalParameterList();
    this.expectPunct(')');
    const body = this.parseBlock();
    if (this.isPunct(';')) this.advance();
    return { extern, name: name.text, params, body, ...ExpressionParser.pos(start) };
  }

  parseFormalParameterList(): Param[] {
    const params: Param[] = [];
    if (this.isPunct(')')) return params;
    for (;;) {
      const t = this.expectName();
      params.push({ name: t.text, ...ExpressionParser.pos(t) });
      if (!this.isPunct(',')) return params;
      this.advance();
    }
  }

  // ---------------- statements (WAP-193 §6.5) ----------------
  parseBlock(): Statement[] {
    this.expectPunct('{');
    const body: Statement[] = [];
    while (!this.isPunct('}')) {
      if (this.tok.type === 'eof') this.unexpected("'}'");
      body.push(this.parseStatement());
    }
    this.advance();
    return body;
  }

  parseStatement(): Statement {
    const t = this.tok;
    this.enter(t);
    try {
      const at = ExpressionParser.pos(t);
      if (this.isPunct('{')) return { kind: 'block', body: this.parseBlock(), ...at };
      if (this.isPunct(';')) {
        this.advance();
        return { kind: 'empty', ...at };
      }
      if (t.type === 'keyword') {
        switch (t.text) {
          case 'var': return this.parseVariableStatement();
          case 'if': return this.parseIfStatement();
          case 'while': return this.parseWhileStatement();
          case 'for': return this.parseForStatement();
          case 'continue':
          case 'break':
            this.advance();
            this.expectPunct(';');
            return { kind: t.text, ...at };
          case 'return': return this.parseReturnStatement();
        }
      }
      const expr = this.parseExpression();
      this.expectPunct(';');
      return { kind: 'expr', expr, ...at };
    } finally {
      this.leave();
    }
  }

  // VariableStatement: `var` VariableDeclarationList `;` (§6.5.3)
  parseVariableStatement(): Statement {
    const at = ExpressionParser.pos(this.expectKeyword('var'));
    const decls = this.parseVariableDeclarationList();
    this.expectPunct(';');
    return { kind: 'var', decls, ...at };
  }

  parseVariableDeclarationList(): VarDecl[] {
    const decls: VarDecl[] = [];
    for (;;) {
      const t = this.expectName();
      // VariableInitializer: `=` ConditionalExpression
      let init: Expression | undefined;
      if (this.isPunct('=')) {
        this.advance();
        init = this.parseConditionalExpression();
      }
      decls.push({ name: t.text, init, ...ExpressionParser.pos(t) });
      if (!this.isPunct(',')) return decls;
      this.advance();
    }
  }

  // IfStatement: `if` `(` Expression `)` Statement (`else` Statement)? (§6.5.5)
  parseIfStatement(): Statement {
    const at = ExpressionParser.pos(this.expectKeyword('if'));
    this.expectPunct('(');
    const test = this.parseExpression();
    this.expectPunct(')');
    const then = this.parseStatement();
    let otherwise: Statement | undefined;
    if (this.isKeyword('else')) {
      this.advance();
      otherwise = this.parseStatement();
    }
    return { kind: 'if', test, then, else: otherwise, ...at };
  }

  // WhileStatement: `while` `(` Expression `)` Statement (§6.5.6)
  parseWhileStatement(): Statement {
    const at = ExpressionParser.pos(this.expectKeyword('while'));
    this.expectPunct('(');
    const test = this.parseExpression();
    this.expectPunct(')');
    return { kind: 'while', test, body: this.parseStatement(), ...at };
  }

  // ForStatement: `for` `(` (ExpressionOpt | `var` VariableDeclarationList) `;` ExpressionOpt `;`
  // ExpressionOpt `)` Statement (§6.5.6)
  parseForStatement(): Statement {
    const at = ExpressionParser.pos(this.expectKeyword('for'));
    this.expectPunct('(');
    let init: VarDecl[] | Expression | undefined;
    if (this.isKeyword('var')) {
      this.advance();
      init = this.parseVariableDeclarationList();
    } else if (!this.isPunct(';')) init = this.parseExpression();
    this.expectPunct(';');
    const test = this.isPunct(';') ? undefined : this.parseExpression();
    this.expectPunct(';');
    const update = this.isPunct(')') ? undefined : this.parseExpression();
    this.expectPunct(')');
    return { kind: 'for', init, test, update, body: this.parseStatement(), ...at };
  }

  // ReturnStatement: `return` ExpressionOpt `;` (§6.5.9)
  parseReturnStatement(): Statement {
    const at = ExpressionParser.pos(this.expectKeyword('return'));
    const value = this.isPunct(';') ? undefined : this.parseExpression();
    this.expectPunct(';');
    return { kind: 'return', value, ...at };
  }
}

export function parse(source: string, maxDepth?: number, budget?: Budget): CompilationUnit {
  return new Parser(new Lexer(source, budget), maxDepth, budget).parseCompilationUnit();
}
