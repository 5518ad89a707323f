/**
 * Provisioning WBXML → a document tree and its XML text: OMA ProvCont (public identifier 0x0B, two attribute
 * code pages) and Nokia/Ericsson OTA settings (WBXML 1.1, public identifier 0x01, one page). Reads untrusted
 * octets through Reader and fails only with WapDecodeError (offset included); depth, element count and string
 * table are capped.
 */
import { DecodeErrorCode } from '../wire/errors.ts';
import { Reader } from '../wire/reader.ts';
import type { XmlElement } from '../wbxml/encode.ts';
import { GLOBAL, TAG_HAS_ATTRIBUTES, TAG_HAS_CONTENT } from '../wbxml/tables.ts';
import { OTA_LANGUAGE, PROV_DTD, PROV_FPI, PROV_LANGUAGE, PROV_PUBLIC_ID, type TokenLanguage } from '../wbxml/tables-prov.ts';

export interface DecodedProv {
  kind: 'oma' | 'ota';
  version: number;
  publicId: number;
  charset: number;
  root: XmlElement;
  xml: string;
}

export interface ProvDecodeOptions {
  maxDepth?: number;
  maxElements?: number;
  /** Decode as OTA settings even though the public identifier is not 0x0B (the content type said so). */
  kind?: 'oma' | 'ota';
}

interface State {
  r: Reader;
  lang: TokenLanguage;
  strtbl: Buffer;
  charset: number;
  tagPage: number;
  attrPage: number;
  elements: number;
  maxElements: number;
  maxDepth: number;
}

export function decodeProvWbxml(buf: Buffer, opts: ProvDecodeOptions = {}): DecodedProv {
  const r = new Reader(buf);
  const version = r.u8();
  if (version > 0x03) r.fail(DecodeErrorCode.VERSION, `WBXML version 0x${version.toString(16)} is not 1.0–1.3`, 0);
  // WAP-192 §5.5 publicid = mb_u_int32 | ( zero index )
  let publicId = r.uintvar();
  let fpiIndex: number | undefined;
  if (publicId === 0) fpiIndex = r.uintvar();
  const charset = version >= 0x01 ? r.uintvar() : 0;
  const strtbl = r.bytes(r.uintvar(), 'string table');
  const st: State = {
    r,
    lang: PROV_LANGUAGE,
    strtbl,
    charset,
    tagPage: 0,
    attrPage: 0,
    elements: 0,
    maxElements: opts.maxElements ?? 2048,
    maxDepth: opts.maxDepth ?? 16,
  };
  if (fpiIndex !== undefined && tableString(st, fpiIndex) === PROV_FPI) publicId = PROV_PUBLIC_ID;
  const kind = opts.kind ?? (publicId === PROV_PUBLIC_ID ? 'oma' : 'ota');
  st.lang = kind === 'oma' ? PROV_LANGUAGE : OTA_LANGUAGE;
  while (!r.atEnd() && r.peek() === GLOBAL.PI) skipPi(st);
  const root = readElement(st, 0);
  while (!r.atEnd() && r.peek() === GLOBAL.PI) skipPi(st);
  r.expectEnd('WBXML body');
  const head =
    kind === 'oma'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC "${PROV_FPI}" "${PROV_DTD}">\n`
      : '<?xml version="1.0" encoding="UTF-8"?>\n';
  return { kind, version, publicId, charset, root, xml: head + toXml(root, 0) };
}

function text(st: State, b: Buffer): string {
  return st.charset === 4 || st.charset === 3 ? b.toString('latin1') : b.toString('utf8');
}

function tableString(st: State, index: number): string {
  if (index >= st.strtbl.length) st.r.fail(DecodeErrorCode.VALUE, `string table index ${index} beyond ${st.strtbl.length}`);
  const end = st.strtbl.indexOf(0, index);
  if (end < 0) st.r.fail(DecodeErrorCode.VALUE, `string table entry at ${index} has no terminator`);
  return text(st, st.strtbl.subarray(index, end));
}

function skipPi(st: State): void {
  st.r.u8();
  readAttributes(st, () => {});
}

function readElement(st: State, depth: number): XmlElement {
  const r = st.r;
  if (depth >= st.maxDepth) r.fail(DecodeErrorCode.LIMIT, `elements nested deeper than ${st.maxDepth}`);
  if (++st.elements > st.maxElements) r.fail(DecodeErrorCode.LIMIT, `more than ${st.maxElements} elements`);
  // WAP-192 §5.8.4.7: SWITCH_PAGE in tag state changes the tag code page.
  while (r.peek() === GLOBAL.SWITCH_PAGE) {
    r.u8();
    st.tagPage = r.u8();
  }
  const start = r.pos;
  const tok = r.u8();
  const id = tok & 0x3f;
  let name: string;
  if (id === GLOBAL.LITERAL) name = tableString(st, r.uintvar());
  else if (id < 0x05) return r.fail(DecodeErrorCode.VALUE, `global token 0x${tok.toString(16)} where a tag belongs`, start);
  else name = st.lang.tagName(id, st.tagPage) ?? r.fail(DecodeErrorCode.UNKNOWN_TYPE, `tag 0x${id.toString(16)} on page ${st.tagPage} is not ${st.lang.name}`, start);
  const el: XmlElement = { name, attrs: [], children: [] };
  if (tok & TAG_HAS_ATTRIBUTES) readAttributes(st, (a, v) => el.attrs.push([a, v]));
  if (!(tok & TAG_HAS_CONTENT)) return el;
  for (;;) {
    const b = r.peek();
    if (b === GLOBAL.END) {
      r.u8();
      return el;
    }
    if (b === GLOBAL.STR_I) {
      r.u8();
      el.children.push(text(st, r.cstring('inline string')));
    } else if (b === GLOBAL.STR_T) {
      r.u8();
      el.children.push(tableString(st, r.uintvar()));
    } else if (b === GLOBAL.ENTITY) {
      r.u8();
      el.children.push(String.fromCodePoint(Math.min(r.uintvar(), 0x10ffff)));
    } else if (b === GLOBAL.OPAQUE) {
      r.u8();
      el.children.push(r.bytes(r.uintvar(), 'opaque').toString('hex'));
    } else if (b === GLOBAL.PI) skipPi(st);
    else el.children.push(readElement(st, depth + 1));
  }
}

/** Attribute list up to its END: (start token, value tokens/strings)*. */
function readAttributes(st: State, add: (a: string, v: string) => void): void {
  const r = st.r;
  let name: string | undefined;
  let value = '';
  const flush = () => {
    if (name !== undefined) add(name, value);
    name = undefined;
    value = '';
  };
  for (let n = 0; ; n++) {
    if (n > 4096) r.fail(DecodeErrorCode.LIMIT, 'attribute list too long');
    const start = r.pos;
    const b = r.u8();
    if (b === GLOBAL.END) return flush();
    if (b === GLOBAL.SWITCH_PAGE) {
      // WAP-192 §5.8.4.7: in attribute state it changes the attribute code page.
      st.attrPage = r.u8();
      continue;
    }
    if (b === GLOBAL.STR_I || b === GLOBAL.STR_T || b === GLOBAL.ENTITY || b === GLOBAL.OPAQUE) {
      if (name === undefined) r.fail(DecodeErrorCode.VALUE, 'attribute value before any attribute start', start);
      if (b === GLOBAL.STR_I) value += text(st, r.cstring('inline string'));
      else if (b === GLOBAL.STR_T) value += tableString(st, r.uintvar());
      else if (b === GLOBAL.ENTITY) value += String.fromCodePoint(Math.min(r.uintvar(), 0x10ffff));
      else value += r.bytes(r.uintvar(), 'opaque').toString('hex');
      continue;
    }
    if (b === GLOBAL.LITERAL) {
      flush();
      const lit = tableString(st, r.uintvar());
      const eq = lit.indexOf('=');
      [name, value] = eq < 0 ? [lit, ''] : [lit.slice(0, eq), lit.slice(eq + 1)];
      continue;
    }
    if (b >= 0x80) {
      if (name === undefined) r.fail(DecodeErrorCode.VALUE, 'attribute value token before any attribute start', start);
      const v = st.lang.valueOf(b, st.attrPage);
      if (v === undefined) r.fail(DecodeErrorCode.UNKNOWN_TYPE, `value token 0x${b.toString(16)} on page ${st.attrPage} is not ${st.lang.name}`, start);
      value += v;
      continue;
    }
    if (b < 0x05 || (b >= 0x40 && b <= 0x44)) r.fail(DecodeErrorCode.VALUE, `global token 0x${b.toString(16)} in an attribute list`, start);
    flush();
    const row = st.lang.attrStartRow(b, st.attrPage);
    if (!row) return r.fail(DecodeErrorCode.UNKNOWN_TYPE, `attribute start 0x${b.toString(16)} on page ${st.attrPage} is not ${st.lang.name}`, start);
    name = row.attr;
    value = row.value;
  }
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** XML text of a tree, two spaces per level (the form wbxml2xml and our template writer produce). */
export function toXml(el: XmlElement, depth: number): string {
  const pad = '  '.repeat(depth);
  const attrs = el.attrs.map(([a, v]) => ` ${a}="${escape(v)}"`).join('');
  if (el.children.length === 0) return `${pad}<${el.name}${attrs}/>\n`;
  const body = el.children.map((c) => (typeof c === 'string' ? `${pad}  ${escape(c)}\n` : toXml(c, depth + 1))).join('');
  return `${pad}<${el.name}${attrs}>\n${body}${pad}</${el.name}>\n`;
}
