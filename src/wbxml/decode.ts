/**
 * WBXML (WAP-192, versions 1.0–1.3) → XML text. Token tables for SI, SL, CO and WML 1.0–1.3 (variables back as
 * `$(name:conv)`); any other document decodes with generic names (`tag-0x05`, `attr-0x05`). Reads untrusted octets through Reader: fails only with
 * WapDecodeError (offset included); nesting, element count, string table and the text its references expand to are capped.
 */
import { DecodeErrorCode } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import { attrStartOf, attrValueOf, type Language, tagName } from './language.ts';
import { type DocType, docTypeByFpi, docTypeByPublicId, GLOBAL, TAG_HAS_ATTRIBUTES, TAG_HAS_CONTENT } from './tables.ts';
import { wmlByFpi, wmlByPublicId } from './tables-wml.ts';

export interface DecodedWbxml {
  /** WBXML version octet (0x03 = 1.3). */
  version: number;
  /** Well-known public identifier (0 when the document names its FPI through the string table). */
  publicId: number;
  /** The formal public identifier, when known. */
  fpi?: string;
  charset: number;
  xml: string;
}

export interface DecodeOptions {
  maxDepth?: number;
  maxElements?: number;
  /**
   * Characters taken from the string table, every reference counted (default 4 Mi): a reference costs two
   * octets and may name the whole table, so without a bound a small document expands quadratically.
   */
  maxTableChars?: number;
}

const DEFAULT_MAX_TABLE_CHARS = 4 * 1024 * 1024;

interface State {
  r: Reader;
  strtbl: Buffer;
  strtblStart: number;
  charset: number;
  doc: Names | undefined;
  page: number;
  attrPage: number;
  elements: number;
  maxElements: number;
  maxDepth: number;
  tableChars: number;
  maxTableChars: number;
}

export function decodeWbxml(buf: Buffer, opts: DecodeOptions = {}): DecodedWbxml {
  const r = new Reader(buf);
  const version = r.u8();
  if (version > 0x03) r.fail(DecodeErrorCode.VERSION, `WBXML version 0x${version.toString(16)} is not 1.0–1.3`, 0);
  // WAP-192 §5.5 publicid = mb_u_int32 | ( zero index )
  let publicId = r.uintvar();
  let fpiIndex: number | undefined;
  if (publicId === 0) fpiIndex = r.uintvar();
  // §5.6 charset (absent in 1.0)
  const charset = version >= 0x01 ? r.uintvar() : 0;
  const strtblLen = r.uintvar();
  const strtblStart = r.pos;
  const strtbl = r.bytes(strtblLen, 'string table');
  const st: State = {
    r,
    strtbl,
    strtblStart,
    charset,
    doc: undefined,
    page: 0,
    attrPage: 0,
    elements: 0,
    maxElements: opts.maxElements ?? 4096,
    maxDepth: opts.maxDepth ?? 32,
    tableChars: 0,
    maxTableChars: opts.maxTableChars ?? DEFAULT_MAX_TABLE_CHARS,
  };
  let fpi: string | undefined;
  if (fpiIndex !== undefined) fpi = tableString(st, fpiIndex);
  st.doc = namesOf(fpi !== undefined ? (docTypeByFpi(fpi) ?? wmlByFpi(fpi)) : (docTypeByPublicId(publicId) ?? wmlByPublicId(publicId)));
  if (st.doc && publicId === 0) publicId = st.doc.publicId;
  fpi ??= st.doc?.fpi;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  if (st.doc) out.push(`<!DOCTYPE ${st.doc.root} PUBLIC "${st.doc.fpi}" "${st.doc.dtd}">\n`);
  skipPis(st, out);
  const root = readElement(st, 0);
  out.push(root);
  skipPis(st, out);
  r.expectEnd('WBXML body');
  return { version, publicId, fpi, charset, xml: out.join('') + '\n' };
}

/** What the decoder needs of a document type: the push tables (DocType) and the WML ones (Language) alike. */
interface Names {
  root: string;
  publicId: number;
  fpi: string;
  dtd: string;
  tag(page: number, id: number): string | undefined;
  attrStart(page: number, tok: number): { name: string; prefix: string } | undefined;
  attrValue(page: number, tok: number): string | undefined;
  dateAttrs?: ReadonlySet<string>;
  variables?: readonly string[];
}

function namesOf(d: DocType | Language | undefined): Names | undefined {
  if (!d) return undefined;
  if ('tagNames' in d) {
    return {
      ...d,
      tag: (page, id) => (page === 0 ? d.tagNames.get(id) : undefined),
      attrStart: (page, tok) => (page === 0 ? d.attrStartByCode.get(tok) : undefined),
      attrValue: (page, tok) => (page === 0 ? d.attrValues.get(tok) : undefined),
    };
  }
  return {
    root: d.root,
    publicId: d.publicId,
    fpi: d.fpi,
    dtd: d.dtd,
    tag: (page, id) => tagName(d, page, id),
    attrStart: (page, tok) => attrStartOf(d, page, tok),
    attrValue: (page, tok) => attrValueOf(d, page, tok)?.value,
    ...(d.variables ? { variables: d.variables } : {}),
  };
}

function skipPis(st: State, out: string[]): void {
  while (!st.r.atEnd() && st.r.peek() === GLOBAL.PI) out.push(readPi(st));
}

function readPi(st: State): string {
  st.r.u8();
  const target = readAttrStartName(st);
  const value = readAttrValue(st, target.name);
  return `<?${target.name}${target.prefix + value ? ` ${target.prefix}${value}` : ''}?>`;
}

function tableString(st: State, index: number): string {
  if (index >= st.strtbl.length) st.r.fail(DecodeErrorCode.VALUE, `string table index ${index} beyond ${st.strtbl.length}`);
  let end = st.strtbl.indexOf(0, index);
  if (end < 0) st.r.fail(DecodeErrorCode.VALUE, `string table entry at ${index} has no terminator`, st.strtblStart + index);
  st.tableChars += end - index;
  if (st.tableChars > st.maxTableChars) st.r.fail(DecodeErrorCode.LIMIT, `string table references expand beyond ${st.maxTableChars} characters`);
  return text(st, st.strtbl.subarray(index, end));
}

function text(st: State, b: Buffer): string {
  // 4 = ISO-8859-1, 3 = US-ASCII; UTF-8 (106) and unknown → UTF-8
  return st.charset === 4 || st.charset === 3 ? b.toString('latin1') : b.toString('utf8');
}

function readElement(st: State, depth: number): string {
  const r = st.r;
  if (depth >= st.maxDepth) r.fail(DecodeErrorCode.LIMIT, `elements nested deeper than ${st.maxDepth}`);
  if (++st.elements > st.maxElements) r.fail(DecodeErrorCode.LIMIT, `more than ${st.maxElements} elements`);
  while (r.peek() === GLOBAL.SWITCH_PAGE) {
    r.u8();
    st.page = r.u8();
  }
  const start = r.pos;
  const tok = r.u8();
  const id = tok & 0x3f;
  let name: string;
  if (id === GLOBAL.LITERAL) name = tableString(st, r.uintvar());
  else if (id < 0x05) return r.fail(DecodeErrorCode.VALUE, `global token 0x${tok.toString(16)} where a tag belongs`, start);
  else name = st.doc?.tag(st.page, id) ?? `tag-${st.page ? `${st.page}-` : ''}0x${hex(id)}`;
  let s = `<${name}`;
  if (tok & TAG_HAS_ATTRIBUTES) {
    while (r.peek() !== GLOBAL.END) {
      const a = readAttrStartName(st);
      s += ` ${a.name}="${escape(a.prefix + readAttrValue(st, a.name))}"`;
    }
    r.u8();
  }
  if (!(tok & TAG_HAS_CONTENT)) return `${s}/>`;
  s += '>';
  for (;;) {
    const b = r.peek();
    if (b === GLOBAL.END) {
      r.u8();
      break;
    }
    if (b === GLOBAL.STR_I) {
      r.u8();
      s += escape(dollars(st, text(st, r.cstring('inline string'))));
    } else if (b === GLOBAL.STR_T) {
      r.u8();
      s += escape(dollars(st, tableString(st, r.uintvar())));
    } else if (b === GLOBAL.ENTITY) {
      r.u8();
      s += `&#${r.uintvar()};`;
    } else if (b === GLOBAL.OPAQUE) {
      r.u8();
      s += escape(r.bytes(r.uintvar(), 'opaque').toString('latin1'));
    } else if (b === GLOBAL.PI) s += readPi(st);
    else if (isExtension(b)) s += escape(readExtension(st));
    else s += readElement(st, depth + 1);
  }
  return `${s}</${name}>`;
}

function isExtension(b: number): boolean {
  return (b >= 0x40 && b <= 0x42) || (b >= 0x80 && b <= 0x82) || (b >= 0xc0 && b <= 0xc2);
}

function readExtension(st: State): string {
  const r = st.r;
  const b = r.u8();
  let v: string;
  if (b >= 0x40 && b <= 0x42) v = text(st, r.cstring('extension string'));
  else if (b >= 0x80 && b <= 0x82) v = tableString(st, r.uintvar());
  else return '';
  // WAP-191 §14.1: in WML, EXT_I_n / EXT_T_n are variable references.
  const conv = st.doc?.variables?.[b & 0x03];
  return conv ? `$(${v}:${conv})` : v;
}

/** A literal '$' in a language with variables is written '$$' (WAP-191 §10.3). */
function dollars(st: State, s: string): string {
  return st.doc?.variables && s.includes('$') ? s.replaceAll('$', '$$$$') : s;
}

function readAttrStartName(st: State): { name: string; prefix: string } {
  const r = st.r;
  while (r.peek() === GLOBAL.SWITCH_PAGE) {
    r.u8();
    st.attrPage = r.u8();
  }
  const start = r.pos;
  const tok = r.u8();
  if (tok === GLOBAL.LITERAL) {
    const lit = tableString(st, r.uintvar());
    const eq = lit.indexOf('=');
    return eq < 0 ? { name: lit, prefix: '' } : { name: lit.slice(0, eq), prefix: lit.slice(eq + 1) };
  }
  if (tok >= 0x80 || tok < 0x05) return r.fail(DecodeErrorCode.VALUE, `0x${tok.toString(16)} is not an attribute start`, start);
  const a = st.doc?.attrStart(st.attrPage, tok);
  return a ? { name: a.name, prefix: a.prefix } : { name: `attr-${st.attrPage ? `${st.attrPage}-` : ''}0x${hex(tok)}`, prefix: '' };
}

/** Attribute value tokens up to the next attribute start (< 0x80 other than globals) or END. */
function readAttrValue(st: State, attr: string): string {
  const r = st.r;
  let v = '';
  for (;;) {
    if (r.atEnd()) return r.fail(DecodeErrorCode.TRUNCATED, 'attribute list has no END');
    const b = r.peek();
    if (b === GLOBAL.END) return v;
    if (b === GLOBAL.SWITCH_PAGE) {
      // a page switch before the next attribute start
      return v;
    }
    if (b === GLOBAL.STR_I) {
      r.u8();
      v += dollars(st, text(st, r.cstring('inline string')));
    } else if (b === GLOBAL.STR_T) {
      r.u8();
      v += dollars(st, tableString(st, r.uintvar()));
    } else if (b === GLOBAL.ENTITY) {
      r.u8();
      v += String.fromCodePoint(Math.min(r.uintvar(), 0x10ffff));
    } else if (b === GLOBAL.OPAQUE) {
      r.u8();
      const o = r.bytes(r.uintvar(), 'opaque');
      v += st.doc?.dateAttrs?.has(attr) ? decodeDate(o) : o.toString('hex');
    } else if (isExtension(b)) v += readExtension(st);
    else if (b >= 0x80) {
      r.u8();
      v += st.doc?.attrValue(st.attrPage, b) ?? `[0x${hex(b)}]`;
    } else return v; // next attribute start
  }
}

/** WAP-167 §8.2.2: BCD octets back to YYYY-MM-DDThh:mm:ssZ (omitted trailing octets are zero). */
export function decodeDate(o: Buffer): string {
  if (o.length > 7 || o.some((b) => b >> 4 > 9 || (b & 0x0f) > 9)) return o.toString('hex');
  let digits = '';
  for (let i = 0; i < 7; i++) digits += (i < o.length ? o[i]! : 0).toString(16).padStart(2, '0');
  const d = (a: number, b: number) => digits.slice(a, b);
  return `${d(0, 4)}-${d(4, 6)}-${d(6, 8)}T${d(8, 10)}:${d(10, 12)}:${d(12, 14)}Z`;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
