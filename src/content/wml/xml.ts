/**
 * A small, strict XML 1.0 reader for WML decks (untrusted input): the XML declaration, the DOCTYPE's public and
 * system identifiers (an internal subset is refused: no entity declarations, so no entity expansion attacks),
 * elements, attributes (XML 1.0 §3.3.3 normalisation), character and entity references (the five of XML and the
 * WML DTD's nbsp and shy, WAP-191 §11.3), CDATA; comments and processing instructions are dropped. Bounded:
 * depth, element count, attributes per element and time; every error a ContentError with line and column.
 */
import { ContentError, ContentErrorCode } from '../errors.ts';

export interface XmlElement {
  name: string;
  attrs: [string, string][];
  children: (XmlElement | string)[];
  /** Where the element starts in the (line-end normalised) text; XmlDocument.locate turns it into line:column. */
  offset: number;
}

export interface XmlDocument {
  root: XmlElement;
  /** From <!DOCTYPE root PUBLIC "fpi" "system">. */
  doctype?: { root: string; publicId?: string; systemId?: string };
  /** encoding="…" of the XML declaration. */
  encoding?: string;
  locate(offset: number): { line: number; column: number };
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
  /** Give up after this long (checked every few hundred steps); undefined = no limit. */
  maxMillis?: number;
  now?: () => number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 20_000, maxAttributes: 32 };

// XML 1.0 §4.6 predefined entities, and the WML DTD's (WAP-191 §11.3 / wml13.dtd).
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', shy: '\u00ad' };

const NAME_START = /[A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd]/;
const NAME_CHAR = /[-.0-9\u00b7\u0300-\u036f\u203f-\u2040A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd]/;

class Parser {
  private i = 0;
  private elements = 0;
  private steps = 0;
  private readonly deadline: number | undefined;

  constructor(
    private readonly s: string,
    private readonly limits: XmlLimits,
  ) {
    const now = limits.now ?? performance.now.bind(performance);
    this.deadline = limits.maxMillis === undefined ? undefined : now() + limits.maxMillis;
  }

  fail(msg: string, at = this.i, code: ContentErrorCode = ContentErrorCode.NOT_WELL_FORMED): never {
    const { line, column } = locate(this.s, at);
    throw new ContentError(code, msg, line, column);
  }

  private tick(): void {
    if (this.deadline === undefined || ++this.steps % 256 !== 0) return;
    const now = (this.limits.now ?? performance.now.bind(performance))();
    if (now > this.deadline) this.fail(`parsing took longer than ${this.limits.maxMillis} ms`, this.i, ContentErrorCode.TIMEOUT);
  }

  private startsWith(t: string): boolean {
    return this.s.startsWith(t, this.i);
  }

  private skipSpace(): boolean {
    const from = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
    return this.i > from;
  }

  private name(): string {
    const from = this.i;
    if (!NAME_START.test(this.s[this.i] ?? '')) this.fail('a name was expected');
    this.i++;
    while (this.i < this.s.length && NAME_CHAR.test(this.s[this.i]!)) this.i++;
    return this.s.slice(from, this.i);
  }

  private expect(t: string): void {
    if (!this.startsWith(t)) this.fail(`'${t}' was expected`);
    this.i += t.length;
  }

  private quoted(): string {
    const q = this.s[this.i];
    if (q !== '"' && q !== "'") this.fail('a quoted value was expected');
    const end = this.s.indexOf(q, this.i + 1);
    if (end < 0) this.fail('unterminated quoted value');
    const v = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return v;
  }

  document(): XmlDocument {
    const s = this.s;
    const doc: Partial<XmlDocument> = { locate: (offset) => locate(s, offset) };
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    // XML 1.0 §2.8: the declaration, if any, comes first.
    if (this.startsWith('<?xml') && /\s/.test(this.s[this.i + 5] ?? '')) {
      const end = this.s.indexOf('?>', this.i);
      if (end < 0) this.fail('unterminated XML declaration');
      const decl = this.s.slice(this.i, end);
      const enc = /\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(decl);
      if (enc) doc.encoding = enc[1];
      this.i = end + 2;
    }
    this.misc();
    if (this.startsWith('<!DOCTYPE')) {
      doc.doctype = this.doctype();
      this.misc();
    }
    if (!this.startsWith('<') || this.startsWith('</')) this.fail('the root element was expected');
    doc.root = this.element(1);
    this.misc();
    if (this.i < this.s.length) this.fail('content after the root element');
    return doc as XmlDocument;
  }

  /** Comments, PIs and white space between the prolog's parts. */
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<?')) this.pi();
      else return;
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.i + 4);
    if (end < 0) this.fail('unterminated comment');
    // XML 1.0 §2.5: '--' is not allowed inside a comment.
    if (this.s.slice(this.i + 4, end).includes('--')) this.fail("'--' inside a comment");
    this.i = end + 3;
  }

  private pi(): void {
    const end = this.s.indexOf('?>', this.i + 2);
    if (end < 0) this.fail('unterminated processing instruction');
    this.i = end + 2;
  }

  private doctype(): { root: string; publicId?: string; systemId?: string } {
    this.i += 9;
    if (!this.skipSpace()) this.fail('white space was expected after <!DOCTYPE');
    const root = this.name();
    const out: { root: string; publicId?: string; systemId?: string } = { root };
    this.skipSpace();
    if (this.startsWith('PUBLIC')) {
      this.i += 6;
      this.skipSpace();
      out.publicId = this.quoted();
      this.skipSpace();
      if (this.s[this.i] === '"' || this.s[this.i] === "'") out.systemId = this.quoted();
    } else if (this.startsWith('SYSTEM')) {
      this.i += 6;
      this.skipSpace();
      out.systemId = this.quoted();
    }
    this.skipSpace();
    if (this.s[this.i] === '[') this.fail('an internal DTD subset is not accepted', this.i, ContentErrorCode.REFUSED);
    this.expect('>');
    return out;
  }

  private element(depth: number): XmlElement {
    this.tick();
    if (depth > this.limits.maxDepth) this.fail(`elements nested deeper than ${this.limits.maxDepth}`, this.i, ContentErrorCode.LIMIT);
    if (++this.elements > this.limits.maxElements) this.fail(`more than ${this.limits.maxElements} elements`, this.i, ContentErrorCode.LIMIT);
    const at = this.i;
    this.i++; // '<'
    const name = this.name();
    const el: XmlElement = { name, attrs: [], children: [], offset: at };
    for (;;) {
      const spaced = this.skipSpace();
      if (this.startsWith('/>')) {
        this.i += 2;
        return el;
      }
      if (this.s[this.i] === '>') {
        this.i++;
        break;
      }
      if (!spaced) this.fail('white space was expected between attributes');
      const aAt = this.i;
      const an = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const raw = this.quoted();
      if (raw.includes('<')) this.fail(`'<' in the value of ${an}`, aAt);
      if (el.attrs.some(([n]) => n === an)) this.fail(`attribute ${an} given twice`, aAt);
      if (el.attrs.length >= this.limits.maxAttributes) this.fail(`more than ${this.limits.maxAttributes} attributes`, aAt, ContentErrorCode.LIMIT);
      // XML 1.0 §3.3.3: white space characters in a value become spaces, then references are replaced.
      el.attrs.push([an, this.references(raw.replace(/[\t\n\r]/g, ' '), aAt)]);
    }
    // content
    let text = '';
    for (;;) {
      this.tick();
      const lt = this.s.indexOf('<', this.i);
      if (lt < 0) this.fail(`<${name}> is not closed`, at);
      if (lt > this.i) {
        const raw = this.s.slice(this.i, lt);
        if (raw.includes(']]>')) this.fail("']]>' in text");
        text += this.references(raw, this.i);
        this.i = lt;
      }
      if (this.startsWith('</')) {
        const closeAt = this.i;
        this.i += 2;
        const end = this.name();
        if (end !== name) this.fail(`</${end}> closes <${name}> (line ${locate(this.s, at).line})`, closeAt);
        this.skipSpace();
        this.expect('>');
        if (text) el.children.push(text);
        return el;
      }
      if (this.startsWith('<!--')) {
        this.comment();
      } else if (this.startsWith('<![CDATA[')) {
        const end = this.s.indexOf(']]>', this.i + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        text += this.s.slice(this.i + 9, end);
        this.i = end + 3;
      } else if (this.startsWith('<?')) {
        this.pi();
      } else if (this.startsWith('<!')) {
        this.fail('markup declarations are not allowed in content');
      } else {
        if (text) el.children.push(text);
        text = '';
        el.children.push(this.element(depth + 1));
      }
    }
  }

  /** Replaces character and entity references (XML 1.0 §4.1); a bare '&' is an error. */
  private references(raw: string, at: number): string {
    if (!raw.includes('&')) return checkChars(raw, this, at);
    let out = '';
    let from = 0;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
      out += raw.slice(from, amp);
      const semi = raw.indexOf(';', amp);
      if (semi < 0 || semi - amp > 12) this.fail("'&' that starts no reference", at + amp);
      const ref = raw.slice(amp + 1, semi);
      if (ref.startsWith('#')) {
        const cp = /^#x[0-9a-fA-F]{1,6}$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]{1,7}$/.test(ref) ? parseInt(ref.slice(1), 10) : -1;
        if (!isXmlChar(cp)) this.fail(`&${ref}; is not a character`, at + amp);
        out += String.fromCodePoint(cp);
      } else {
        const e = ENTITIES[ref];
        if (e === undefined) this.fail(`undeclared entity &${ref};`, at + amp);
        out += e;
      }
      from = semi + 1;
    }
    return checkChars(out + raw.slice(from), this, at);
  }
}

/** 1-based line and column of an offset. */
function locate(s: string, at: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let k = s.indexOf('\n'); k >= 0 && k < at; k = s.indexOf('\n', k + 1)) {
    line++;
    last = k;
  }
  return { line, column: Math.min(at, s.length) - last };
}

/** XML 1.0 §2.2 Char. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

// eslint-disable-next-line no-control-regex
const BAD_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;

function checkChars(s: string, p: Parser, at: number): string {
  const m = BAD_CHARS.exec(s);
  if (m) p.fail(`character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed in XML`, at + m.index);
  return s;
}

/** Parses a whole document (line ends normalised first, XML 1.0 §2.11). */
export function parseXmlDocument(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlDocument {
  const s = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  return new Parser(s, limits).document();
}
