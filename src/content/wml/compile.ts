/**
 * WML 1.0–1.3 (WAP-191) → WBXML 1.x (WAP-192): the source read in its charset, the version from the DOCTYPE's
 * public identifier, white space as WML defines it, variables as EXT tokens (WAP-191 §14.1), comments dropped,
 * validity against the WML 1.3 DTD in strict mode. Pure: octets in, octets out, ContentError on bad input.
 */
import { encodeDocument, type ValuePart, type WbxmlAttr, type WbxmlNode } from '../../wbxml/engine.ts';
import type { Language } from '../../wbxml/language.ts';
import { WbxmlError } from '../../wbxml/errors.ts';
import { WML11, WML13, wmlByFpi } from '../../wbxml/tables-wml.ts';
import { decodeText, outputCharset, xmlSourceCharset } from '../charset.ts';
import { ContentError, ContentErrorCode } from '../errors.ts';
import { ENUMS, HREF_ATTRS, takesVariables, WML_ELEMENTS, WML_ROOT } from './dtd.ts';
import { DEFAULT_XML_LIMITS, parseXmlDocument, type XmlDocument, type XmlElement } from './xml.ts';

export interface WmlCompileOptions {
  /** Charset named by the HTTP Content-Type (wins over the XML declaration). */
  charset?: string;
  /** Charset of the compiled strings (default UTF-8); characters it lacks go as ENTITY tokens. */
  outputCharset?: string;
  /** WBXML version octet, 0x00–0x03 (default 0x03). */
  wbxmlVersion?: number;
  /** Put repeated strings into the WBXML string table (default true). */
  stringTable?: boolean;
  /** Refuse what the WML 1.3 DTD does not allow (default false: unknown elements/attributes go as LITERAL). */
  strict?: boolean;
  maxSourceBytes?: number;
  /** Largest compiled deck (the handset's negotiated maximum); larger is ContentError TOO_LARGE. */
  maxOutputBytes?: number;
  maxDepth?: number;
  maxElements?: number;
  maxMillis?: number;
}

export interface CompiledWml {
  body: Buffer;
  /** WML version of the source ('1.3'), from its public identifier. */
  language: Language;
  outputCharset: string;
  wbxmlVersion: number;
}

const DEFAULT_MAX_SOURCE = 256 * 1024;

export function compileWml(source: Buffer, opts: WmlCompileOptions = {}): CompiledWml {
  const maxSource = opts.maxSourceBytes ?? DEFAULT_MAX_SOURCE;
  if (source.length > maxSource) throw new ContentError(ContentErrorCode.LIMIT, `WML source of ${source.length} octets exceeds ${maxSource}`);
  const text = decodeText(source, xmlSourceCharset(source, opts.charset));
  const doc = parseXmlDocument(text, {
    maxDepth: opts.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth,
    maxElements: opts.maxElements ?? DEFAULT_XML_LIMITS.maxElements,
    maxAttributes: DEFAULT_XML_LIMITS.maxAttributes,
    ...(opts.maxMillis !== undefined ? { maxMillis: opts.maxMillis } : {}),
  });
  const strict = opts.strict ?? false;
  const lang = languageOf(doc, strict);
  const tree = new Converter(doc, strict).element(doc.root, undefined, false);
  const version = opts.wbxmlVersion ?? 0x03;
  const cs = opts.outputCharset ?? 'utf-8';
  try {
    const body = encodeDocument(tree, lang, {
      version,
      charset: outputCharset(cs),
      literals: !strict,
      stringTable: opts.stringTable ?? true,
      ...(opts.maxOutputBytes !== undefined ? { maxBytes: opts.maxOutputBytes } : {}),
    });
    return { body, language: lang, outputCharset: cs, wbxmlVersion: version };
  } catch (e) {
    if (e instanceof WbxmlError) {
      const code = e.code === 'WBXML_ERR_TOO_LARGE' ? ContentErrorCode.TOO_LARGE : ContentErrorCode.INVALID;
      throw new ContentError(code, e.message);
    }
    throw e;
  }
}

/** WAP-191 §14.2 / WAP-192 §5.5: the public identifier comes from the DOCTYPE; without one, WML 1.1 (as Kannel). */
function languageOf(doc: XmlDocument, strict: boolean): Language {
  const at = doc.locate(doc.root.offset);
  if (doc.root.name !== WML_ROOT) throw new ContentError(ContentErrorCode.INVALID, `the root element is <${doc.root.name}>, not <wml>`, at.line, at.column);
  const fpi = doc.doctype?.publicId;
  const lang = fpi ? wmlByFpi(fpi) : undefined;
  if (lang) return lang;
  if (strict) throw new ContentError(ContentErrorCode.INVALID, fpi ? `unknown public identifier "${fpi}"` : 'no WML DOCTYPE', 1, 1);
  // A WML 1.x FPI we do not list (e.g. a vendor's) takes the 1.3 table; none at all is 1.1.
  return fpi && /WML/i.test(fpi) ? WML13 : WML11;
}

class Converter {
  constructor(
    private readonly doc: XmlDocument,
    private readonly strict: boolean,
  ) {}

  private invalid(msg: string, el: XmlElement): never {
    const { line, column } = this.doc.locate(el.offset);
    throw new ContentError(ContentErrorCode.INVALID, msg, line, column);
  }

  element(el: XmlElement, parent: string | undefined, preserve: boolean): WbxmlNode {
    const rule = WML_ELEMENTS.get(el.name);
    if (this.strict) {
      if (!rule) this.invalid(`<${el.name}> is not a WML element`, el);
      if (parent !== undefined && !WML_ELEMENTS.get(parent)!.children.has(el.name)) this.invalid(`<${el.name}> is not allowed in <${parent}>`, el);
      for (const r of rule.required) if (!el.attrs.some(([n]) => n === r)) this.invalid(`<${el.name}> needs the attribute ${r}`, el);
      for (const [n, v] of el.attrs) {
        if (!rule.attrs.has(n)) this.invalid(`<${el.name}> has no attribute ${n}`, el);
        const allowed = ENUMS.get(`${el.name}/${n}`) ?? (n === 'type' || n === 'align' ? undefined : ENUMS.get(n));
        if (allowed && !allowed.includes(v)) this.invalid(`${n}="${v}" is not one of ${allowed.join(', ')}`, el);
      }
    }
    // WAP-191 §11.8.1 (pre) and XML 1.0 §2.10 xml:space: white space kept as written.
    const space = el.attrs.find(([n]) => n === 'xml:space')?.[1];
    const keep = el.name === 'pre' || space === 'preserve' || (preserve && space !== 'default');
    const attrs: WbxmlAttr[] = el.attrs.map(([name, value]) => ({
      name,
      value: takesVariables(el.name, name) ? this.variables(value, HREF_ATTRS.has(name), el) : [value],
    }));
    const content: WbxmlNode['content'] = [];
    const kids = el.children;
    const elementOnly = rule?.elementOnly ?? false;
    for (let k = 0; k < kids.length; k++) {
      const c = kids[k]!;
      if (typeof c !== 'string') {
        content.push(this.element(c, el.name, keep));
        continue;
      }
      let t = c;
      if (!keep) {
        // XML white space runs become one space; at the start and end of an element they go (WAP-191 §11.8).
        t = t.replace(/[ \t\n\r]+/g, ' ');
        if (k === 0) t = t.trimStart();
        if (k === kids.length - 1) t = t.trimEnd();
        if (t === ' ' && elementOnly) t = '';
      }
      if (t === '') continue;
      if (elementOnly && this.strict && t.trim() !== '') this.invalid(`<${el.name}> takes no text`, el);
      for (const p of this.variables(t, false, el)) content.push(p);
    }
    return { tag: el.name, attrs, content };
  }

  /**
   * WAP-191 §10.3: `$$` is '$'; `$name`, `$(name)` and `$(name:conv)` with conv e|escape|u|unesc|n|noesc are
   * variables → EXT_I_0 (escape), EXT_I_1 (unescape), EXT_I_2 (no conversion) (WAP-191 §14.1). Without a
   * conversion a %HREF attribute escapes (§10.3.1), everything else substitutes as is.
   */
  private variables(s: string, href: boolean, el: XmlElement): ValuePart[] {
    if (!s.includes('$')) return [s];
    const out: ValuePart[] = [];
    let text = '';
    let i = 0;
    while (i < s.length) {
      const d = s.indexOf('$', i);
      if (d < 0) {
        text += s.slice(i);
        break;
      }
      text += s.slice(i, d);
      const next = s[d + 1];
      if (next === '$') {
        text += '$';
        i = d + 2;
        continue;
      }
      let name: string | undefined;
      let conv: string | undefined;
      let end = d + 1;
      if (next === '(') {
        const close = s.indexOf(')', d + 2);
        const m = close > 0 ? /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z]+)\s*)?$/.exec(s.slice(d + 2, close)) : null;
        if (m) {
          name = m[1];
          conv = m[2]?.toLowerCase();
          end = close + 1;
        }
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(d + 1, d + 1 + 256));
        if (m) {
          name = m[0];
          end = d + 1 + m[0].length;
        }
      }
      const ext = conv === undefined ? (href ? 0 : 2) : CONVERSIONS[conv];
      if (name === undefined || ext === undefined) {
        if (this.strict) this.invalid(`'${s.slice(d, d + 24)}' is not a variable reference (write $$ for '$')`, el);
        text += '$';
        i = d + 1;
        continue;
      }
      if (text) out.push(text);
      text = '';
      out.push({ ext, name });
      i = end;
    }
    if (text) out.push(text);
    return out;
  }
}

const CONVERSIONS: Record<string, 0 | 1 | 2> = { e: 0, escape: 0, u: 1, unesc: 1, n: 2, noesc: 2 };
