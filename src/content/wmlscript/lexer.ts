/**
 * WMLScript lexer (WAP-193 §6.1): source text → tokens with their line and column. Whitespace, line
 * terminators (LF, CR, CR LF) and both comment forms are skipped; literals are decoded here (numbers to
 * values, escapes to characters) so the parser sees values only.
 */
import { raise, WmlsErrorCode, type SourcePos } from './errors.ts';
import { UNBOUNDED, type Budget } from './limits.ts';

export type TokenType = 'punct' | 'name' | 'keyword' | 'int' | 'float' | 'string' | 'eof';

export interface Token extends SourcePos {
  type: TokenType;
  /** Punctuator, keyword or identifier text; the literal's source text otherwise. */
  text: string;
  /** int: the magnitude (0 … 2^31; the sign comes from a unary minus); float: the value as a double. */
  num: number;
  /** string: the decoded value. */
  str: string;
}

// WAP-193 §6.1.3: keywords, keywords not used by WMLScript, and future reserved words. `div` is the integer
// division operator (and `div=` its assignment), so it is lexed as a punctuator.
export const KEYWORDS: ReadonlySet<string> = new Set([
  'access', 'agent', 'break', 'continue', 'domain', 'else', 'equiv', 'extern', 'for', 'function', 'header',
  'http', 'if', 'isvalid', 'meta', 'name', 'path', 'return', 'typeof', 'url', 'use', 'user', 'var', 'while',
  // literals (§6.1.5)
  'true', 'false', 'invalid',
  // not used by WMLScript
  'delete', 'in', 'lib', 'new', 'null', 'this', 'void', 'with',
  // future reserved words
  'case', 'catch', 'class', 'const', 'debugger', 'default', 'do', 'enum', 'export', 'extends', 'finally',
  'import', 'private', 'public', 'sizeof', 'struct', 'super', 'switch', 'throw', 'try',
]);

// WAP-193 §6.1.4 punctuators, longest first within each leading character.
const PUNCTUATORS: readonly string[] = [
  '>>>=', '>>>', '>>=', '<<=', '>>', '<<', '>=', '<=', '==', '!=', '&&', '||', '++', '--', '+=', '-=', '*=',
  '/=', '%=', '&=', '|=', '^=', '=', '>', '<', '!', '~', '?', ':', '.', '#', '+', '-', '*', '/', '%', '&',
  '|', '^', '(', ')', '{', '}', ',', ';',
];
const PUNCT_BY_FIRST = new Map<string, string[]>();
for (const p of PUNCTUATORS) {
  const list = PUNCT_BY_FIRST.get(p[0]!) ?? [];
  list.push(p);
  PUNCT_BY_FIRST.set(p[0]!, list);
}

const INT_LIMIT = 2 ** 31; // the magnitude of the most negative integer (§6.2.7.1)
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isOctal = (c: number): boolean => c >= 0x30 && c <= 0x37;
// §6.1.2: identifiers are ASCII letters, digits and underscore, not starting with a digit.
const isIdentStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

export class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly src: string,
    private readonly budget: Budget = UNBOUNDED,
  ) {
    // A byte-order mark left at the start of decoded text is not part of the script.
    if (src.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  /** Every token of the source, ending with one 'eof' token. */
  tokenize(): Token[] {
    const out: Token[] = [];
    for (;;) {
      const t = this.next();
      out.push(t);
      if (t.type === 'eof') return out;
    }
  }

  next(): Token {
    this.skipSpaceAndComments();
    const start = this.pos;
    const at = this.here();
    this.budget.tick(at);
    if (start >= this.src.length) return this.token('eof', '', at);
    const c = this.src.charCodeAt(start);
    if (isIdentStart(c)) return this.readWord(at);
    if (isDigit(c) || (c === 0x2e && isDigit(this.src.charCodeAt(start + 1)))) return this.readNumber(at);
    if (c === 0x22 || c === 0x27) return this.readString(at);
    for (const p of PUNCT_BY_FIRST.get(this.src[start]!) ?? []) {
      if (this.src.startsWith(p, start)) {
        this.pos += p.length;
        return this.token('punct', p, at);
      }
    }
    return raise(WmlsErrorCode.BAD_CHARACTER, `unexpected character ${JSON.stringify(this.src[start])}`, at);
  }

  private here(): SourcePos {
    return { line: this.line, column: this.pos - this.lineStart + 1 };
  }

  private token(type: TokenType, text: string, at: SourcePos, num = 0, str = ''): Token {
    return { type, text, num, str, line: at.line, column: at.column };
  }

  /** Consumes a line terminator at `pos` if there is one (CR LF counts once). */
  private newline(): boolean {
    const c = this.src.charCodeAt(this.pos);
    if (c !== 0x0a && c !== 0x0d) return false;
    this.pos += c === 0x0d && this.src.charCodeAt(this.pos + 1) === 0x0a ? 2 : 1;
    this.line++;
    this.lineStart = this.pos;
    return true;
  }

  // WAP-193 §6.1.1 white space, line terminators and comments (comments do not nest).
  private skipSpaceAndComments(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c) this.pos++;
      else if (this.newline()) continue;
      else if (c === 0x2f && s.charCodeAt(this.pos + 1) === 0x2f) {
        while (this.pos < s.length && s.charCodeAt(this.pos) !== 0x0a && s.charCodeAt(this.pos) !== 0x0d) this.pos++;
      } else if (c === 0x2f && s.charCodeAt(this.pos + 1) === 0x2a) {
        const at = this.here();
        this.pos += 2;
        for (;;) {
          if (this.pos >= s.length) raise(WmlsErrorCode.UNTERMINATED, 'end of input inside a comment', at);
          if (this.newline()) continue;
          if (s.charCodeAt(this.pos) === 0x2a && s.charCodeAt(this.pos + 1) === 0x2f) {
            this.pos += 2;
            break;
          }
          this.pos++;
        }
      } else return;
    }
  }

  private readWord(at: SourcePos): Token {
    const start = this.pos;
    while (this.pos < this.src.length && isIdentPart(this.src.charCodeAt(this.pos))) this.pos++;
    const word = this.src.slice(start, this.pos);
    // §6.1.4: `div` and `div=` are operators spelt as a word.
    if (word === 'div') {
      if (this.src.charCodeAt(this.pos) === 0x3d) {
        this.pos++;
        return this.token('punct', 'div=', at);
      }
      return this.token('punct', 'div', at);
    }
    return this.token(KEYWORDS.has(word) ? 'keyword' : 'name', word, at);
  }

  // WAP-193 §6.1.5.1 integer literals (decimal, 0x hex, 0 octal) and §6.1.5.2 floating-point literals.
  private readNumber(at: SourcePos): Token {
    const s = this.src;
    const start = this.pos;
    const c0 = s.charCodeAt(start);
    const c1 = s.charCodeAt(start + 1);
    if (c0 === 0x30 && (c1 === 0x78 || c1 === 0x58)) {
      this.pos += 2;
      const digits = this.pos;
      while (isHex(s.charCodeAt(this.pos))) this.pos++;
      if (this.pos === digits) raise(WmlsErrorCode.BAD_NUMBER, 'hexadecimal literal without digits', at);
      return this.intToken(s.slice(start, this.pos), digits, 16, at);
    }
    if (c0 === 0x30 && isOctal(c1)) {
      this.pos++;
      while (isOctal(s.charCodeAt(this.pos))) this.pos++;
      return this.intToken(s.slice(start, this.pos), start + 1, 8, at);
    }
    // A decimal literal starting with 0 is just 0 (`012` is octal, above; `09` is 0 then 9).
    if (c0 === 0x30) this.pos++;
    else while (isDigit(s.charCodeAt(this.pos))) this.pos++;
    let isFloat = false;
    if (s.charCodeAt(this.pos) === 0x2e) {
      isFloat = true;
      this.pos++;
      while (isDigit(s.charCodeAt(this.pos))) this.pos++;
    }
    const e = s.charCodeAt(this.pos);
    if (e === 0x65 || e === 0x45) {
      isFloat = true;
      this.pos++;
      const sign = s.charCodeAt(this.pos);
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (!isDigit(s.charCodeAt(this.pos))) raise(WmlsErrorCode.BAD_NUMBER, 'exponent without digits', this.here());
      while (isDigit(s.charCodeAt(this.pos))) this.pos++;
    }
    const text = s.slice(start, this.pos);
    if (!isFloat) return this.intToken(text, start, 10, at);
    const value = Number(text);
    // §6.2.7.2: a float literal must be representable as an IEEE 754 single.
    if (!Number.isFinite(Math.fround(value))) raise(WmlsErrorCode.FLOAT_RANGE, `floating-point literal ${text} is too large`, at);
    return this.token('float', text, at, value);
  }

  private intToken(text: string, digitsFrom: number, radix: number, at: SourcePos): Token {
    let v = 0;
    for (let i = digitsFrom; i < this.pos; i++) {
      v = v * radix + parseInt(this.src[i]!, 16);
      if (v > INT_LIMIT) raise(WmlsErrorCode.INTEGER_RANGE, `integer literal ${text} is too large`, at);
    }
    return this.token('int', text, at, v);
  }

  // WAP-193 §6.1.5.4 string literals and their escape sequences.
  private readString(at: SourcePos): Token {
    const s = this.src;
    const quote = s.charCodeAt(this.pos);
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= s.length) raise(WmlsErrorCode.UNTERMINATED, 'end of input inside a string literal', at);
      const c = s.charCodeAt(this.pos);
      if (c === quote) {
        this.pos++;
        return this.token('string', s.slice(start, this.pos), at, 0, out);
      }
      if (c === 0x0a || c === 0x0d) {
        const from = this.pos;
        this.newline();
        out += s.slice(from, this.pos);
        continue;
      }
      if (c !== 0x5c) {
        out += s[this.pos++];
        continue;
      }
      const escAt = this.here();
      this.pos++;
      if (this.pos >= s.length) raise(WmlsErrorCode.UNTERMINATED, 'end of input inside a string literal', at);
      const e = s[this.pos++]!;
      switch (e) {
        case "'": case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'x': case 'u': {
          const n = e === 'x' ? 2 : 4;
          let v = 0;
          for (let i = 0; i < n; i++) {
            const h = s.charCodeAt(this.pos);
            if (!isHex(h)) raise(WmlsErrorCode.BAD_ESCAPE, `malformed \\${e} escape`, escAt);
            v = v * 16 + parseInt(s[this.pos++]!, 16);
          }
          out += String.fromCharCode(v);
          break;
        }
        default: {
          const d = e.charCodeAt(0);
          if (!isOctal(d)) raise(WmlsErrorCode.BAD_ESCAPE, `unknown escape sequence \\${e}`, escAt);
          // \ooo: up to three octal digits, two when the first is 4–7 (the value stays below 256).
          let v = d - 0x30;
          const limit = v > 3 ? 2 : 3;
          for (let i = 1; i < limit && isOctal(s.charCodeAt(this.pos)); i++) v = v * 8 + (s.charCodeAt(this.pos++) - 0x30);
          out += String.fromCharCode(v);
        }
      }
    }
  }
}

export function tokenize(source: string, budget?: Budget): Token[] {
  return new Lexer(source, budget).tokenize();
}
