/**
 * Provisioning documents → WBXML, validated against the token tables of src/wbxml/tables-prov.ts:
 *
 * - OMA Client Provisioning (OMA-WAP-ProvCont-V1_1): `wap-provisioningdoc` → WBXML 1.3, public identifier 0x0B,
 *   UTF-8, no string table; characteristic types and parm names as whole-attribute tokens, known values as
 *   value tokens, anything else as inline strings; attribute code pages switched where a token lives on page 1.
 * - Nokia/Ericsson OTA settings 7.0: `CHARACTERISTIC-LIST` → WBXML 1.1, public identifier 0x01.
 *
 * Strict: an unknown characteristic, parm, attribute, a characteristic where the DTD does not allow it, or text
 * content is a ProvError naming the element. Pure; the XML is read with src/wbxml's bounded parser.
 */
import { parseXml, xmlText, type XmlElement } from '../wbxml/encode.ts';
import { WbxmlError } from '../wbxml/errors.ts';
import { GLOBAL, TAG_HAS_ATTRIBUTES, TAG_HAS_CONTENT } from '../wbxml/tables.ts';
import {
  OTA_LANGUAGE,
  OTA_PARMS,
  OTA_PUBLIC_ID,
  OTA_TYPES,
  OTA_WBXML_VERSION,
  PROV_CHILDREN,
  PROV_FREE_PARMS,
  PROV_LANGUAGE,
  PROV_PUBLIC_ID,
  type TokenLanguage,
} from '../wbxml/tables-prov.ts';
import { Writer } from '../wire/writer.ts';
import { ProvError, ProvErrorCode } from './errors.ts';

const WBXML_1_3 = 0x03;
const UTF8 = 106;
export const DEFAULT_MAX_XML_BYTES = 64 * 1024;
const MAX_ELEMENTS = 2048;

/**
 * How attribute code pages are chosen. 'page0' (default, as Kannel's compiler): a token is taken from page 0
 * where it exists there, page 1 only for the ProvCont 1.1 application tokens — what ProvCont 1.0 handsets read.
 * 'compact': stay on the current page whenever the token exists there (fewer SWITCH_PAGEs; what the real
 * provisioning push in ../shared/captures/wap-push/mmsd_push5.wsp does).
 */
export type PagePolicy = 'page0' | 'compact';

export interface ProvCompileOptions {
  /** Refuse XML larger than this many octets (default 64 KiB). */
  maxXmlBytes?: number;
  /** Charset named by the transport's Content-Type, if any. */
  charset?: string;
  pagePolicy?: PagePolicy;
}

export type ProvKind = 'oma' | 'ota-settings' | 'ota-bookmarks';

/** Octets (or text) → the parsed document, as ProvErrors. */
export function readProvXml(xml: Buffer | string, opts: ProvCompileOptions = {}): XmlElement {
  const max = opts.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES;
  const size = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.length;
  if (size > max) throw new ProvError(ProvErrorCode.SIZE, `document of ${size} octets exceeds ${max}`);
  try {
    return parseXml(typeof xml === 'string' ? xml : xmlText(xml, opts.charset));
  } catch (e) {
    if (e instanceof WbxmlError) throw new ProvError(ProvErrorCode.XML, e.message);
    throw e;
  }
}

/** Which language a parsed document is in, by its root element. */
export function provKindOf(root: XmlElement): ProvKind {
  if (root.name === 'wap-provisioningdoc') return 'oma';
  if (root.name === 'CHARACTERISTIC-LIST') {
    // OTA §6.3: a bookmarks document holds BOOKMARK characteristics only; settings may carry some too.
    const kids = root.children.filter((c): c is XmlElement => typeof c !== 'string');
    return kids.length > 0 && kids.every((c) => attr(c, 'TYPE') === 'BOOKMARK') ? 'ota-bookmarks' : 'ota-settings';
  }
  throw new ProvError(ProvErrorCode.DOCUMENT, 'root element is neither wap-provisioningdoc (OMA) nor CHARACTERISTIC-LIST (OTA)', `<${root.name}>`);
}

/** Compiles PROV or OTA XML (by its root element). */
export function compileProvisioning(xml: Buffer | string, opts: ProvCompileOptions = {}): { kind: ProvKind; wbxml: Buffer } {
  const root = readProvXml(xml, opts);
  const kind = provKindOf(root);
  return { kind, wbxml: kind === 'oma' ? compileProvTree(root, opts) : compileOtaTree(root) };
}

// ---------------------------------------------------------------- OMA ProvCont

export function compileProvTree(root: XmlElement, opts: ProvCompileOptions = {}): Buffer {
  if (root.name !== 'wap-provisioningdoc') {
    throw new ProvError(ProvErrorCode.DOCUMENT, 'root element must be wap-provisioningdoc (OMA-WAP-ProvCont §5)', `<${root.name}>`);
  }
  const st: EncState = { w: new Writer(512), lang: PROV_LANGUAGE, page: 0, policy: opts.pagePolicy ?? 'page0', elements: 0 };
  // WAP-192 §5.4–5.7: version 1.3, publicid 0x0B (ProvCont §7.1), charset UTF-8, empty string table
  st.w.u8(WBXML_1_3).uintvar(PROV_PUBLIC_ID).uintvar(UTF8).uintvar(0);
  provElement(st, root, 'wap-provisioningdoc', 'wap-provisioningdoc');
  return st.w.finish();
}

interface EncState {
  w: Writer;
  lang: TokenLanguage;
  /** The attribute code page in force (WAP-192 §5.8.4.7: SWITCH_PAGE in attribute state). */
  page: number;
  policy: PagePolicy;
  elements: number;
}

function provElement(st: EncState, el: XmlElement, parentType: string, path: string): void {
  if (++st.elements > MAX_ELEMENTS) throw new ProvError(ProvErrorCode.SIZE, `more than ${MAX_ELEMENTS} elements`);
  const kids = elementChildren(el, path);
  const attrs = el.attrs;
  let token: number;
  if (el.name === 'wap-provisioningdoc') {
    token = 0x05;
    for (const [a] of attrs) if (a !== 'version') throw new ProvError(ProvErrorCode.DOCUMENT, `attribute ${a} is not allowed`, path);
    if (kids.length === 0) throw new ProvError(ProvErrorCode.DOCUMENT, 'holds no characteristic (ProvCont §5: one or more)', path);
  } else if (el.name === 'characteristic') {
    token = 0x06;
    for (const [a] of attrs) if (a !== 'type') throw new ProvError(ProvErrorCode.DOCUMENT, `attribute ${a} is not allowed`, path);
    if (attr(el, 'type') === undefined) throw new ProvError(ProvErrorCode.DOCUMENT, 'characteristic without type', path);
  } else if (el.name === 'parm') {
    token = 0x07;
    for (const [a] of attrs) if (a !== 'name' && a !== 'value') throw new ProvError(ProvErrorCode.DOCUMENT, `attribute ${a} is not allowed`, path);
    if (attr(el, 'name') === undefined) throw new ProvError(ProvErrorCode.DOCUMENT, 'parm without name', path);
    if (kids.length) throw new ProvError(ProvErrorCode.DOCUMENT, 'parm is empty (ProvCont §5)', path);
  } else {
    throw new ProvError(ProvErrorCode.DOCUMENT, `unknown element <${el.name}>`, path);
  }
  const type = attr(el, 'type');
  const w = st.w;
  // WAP-192 §5.8.2: tags are always written on tag page 0 (every PROV tag exists there).
  w.u8(token | (attrs.length ? TAG_HAS_ATTRIBUTES : 0) | (kids.length ? TAG_HAS_CONTENT : 0));
  if (attrs.length) {
    for (const [a, v] of attrs) provAttribute(st, a, v, parentType, path);
    w.u8(GLOBAL.END);
  }
  if (kids.length) {
    for (const k of kids) {
      const childPath = `${path}/${describe(k)}`;
      if (k.name === 'characteristic') {
        const t = attr(k, 'type') ?? '';
        const allowed = PROV_CHILDREN[type ?? el.name] ?? [];
        if (!PROV_LANGUAGE.pages.some((p) => PROV_LANGUAGE.attrStart('type', t, p) !== undefined)) {
          throw new ProvError(ProvErrorCode.DOCUMENT, `unknown characteristic type '${t}'`, childPath);
        }
        if (!allowed.includes(t)) {
          throw new ProvError(ProvErrorCode.DOCUMENT, `characteristic ${t} is not allowed inside ${type ?? el.name}`, childPath);
        }
        provElement(st, k, t, childPath);
      } else if (k.name === 'parm') {
        if (el.name === 'wap-provisioningdoc') throw new ProvError(ProvErrorCode.DOCUMENT, 'parm outside a characteristic', childPath);
        provElement(st, k, type ?? '', childPath);
      } else {
        provElement(st, k, type ?? '', childPath);
      }
    }
    w.u8(GLOBAL.END);
  }
}

function provAttribute(st: EncState, a: string, v: string, parentType: string, path: string): void {
  const lang = st.lang;
  if (a === 'value') {
    // ProvCont §7.3: a known value is the bare `value` start followed by its value token, both on one page.
    const page = choosePage(st, (p) => lang.valueToken(v, p) !== undefined);
    if (page !== undefined) {
      switchTo(st, page);
      st.w.u8(lang.attrStart('value', '', page)!).u8(lang.valueToken(v, page)!);
      return;
    }
    bare(st, 'value', v, path);
    return;
  }
  // ProvCont §7.2: type, name and version values are whole-attribute tokens.
  const page = choosePage(st, (p) => lang.attrStart(a, v, p) !== undefined);
  if (page !== undefined) {
    switchTo(st, page);
    st.w.u8(lang.attrStart(a, v, page)!);
    return;
  }
  if (a === 'name' && !PROV_FREE_PARMS.has(parentType)) {
    throw new ProvError(ProvErrorCode.DOCUMENT, `unknown parm name '${v}' (not in ProvCont §7.2)`, path);
  }
  if (a === 'type') throw new ProvError(ProvErrorCode.DOCUMENT, `unknown characteristic type '${v}'`, path);
  bare(st, a, v, path);
}

/** The bare attribute start (on the page the policy picks) and the value as an inline string. */
function bare(st: EncState, a: string, v: string, path: string): void {
  const page = choosePage(st, (p) => st.lang.attrStart(a, '', p) !== undefined);
  if (page === undefined) throw new ProvError(ProvErrorCode.DOCUMENT, `attribute ${a} has no token`, path);
  switchTo(st, page);
  st.w.u8(st.lang.attrStart(a, '', page)!);
  inline(st.w, v, path);
}

function choosePage(st: EncState, has: (page: number) => boolean): number | undefined {
  if (st.policy === 'compact' && has(st.page)) return st.page;
  return st.lang.pages.find(has);
}

function switchTo(st: EncState, page: number): void {
  if (page === st.page) return;
  // WAP-192 §5.8.4.7: SWITCH_PAGE, then the page number.
  st.w.u8(GLOBAL.SWITCH_PAGE).u8(page);
  st.page = page;
}

function inline(w: Writer, s: string, path: string): void {
  const b = Buffer.from(s, 'utf8');
  if (b.includes(0)) throw new ProvError(ProvErrorCode.DOCUMENT, 'value contains NUL', path);
  w.u8(GLOBAL.STR_I).bytes(b).u8(0);
}

// ---------------------------------------------------------------- Nokia/Ericsson OTA settings

export function compileOtaTree(root: XmlElement): Buffer {
  if (root.name !== 'CHARACTERISTIC-LIST') {
    throw new ProvError(ProvErrorCode.DOCUMENT, 'root element must be CHARACTERISTIC-LIST (OTA §6)', `<${root.name}>`);
  }
  const st: EncState = { w: new Writer(256), lang: OTA_LANGUAGE, page: 0, policy: 'page0', elements: 0 };
  // OTA §8: WBXML 1.1, public identifier 0x01 (unknown), UTF-8, no string table.
  st.w.u8(OTA_WBXML_VERSION).uintvar(OTA_PUBLIC_ID).uintvar(UTF8).uintvar(0);
  otaElement(st, root, 'CHARACTERISTIC-LIST', '');
  return st.w.finish();
}

function otaElement(st: EncState, el: XmlElement, path: string, parentType: string): void {
  if (++st.elements > MAX_ELEMENTS) throw new ProvError(ProvErrorCode.SIZE, `more than ${MAX_ELEMENTS} elements`);
  const kids = elementChildren(el, path);
  const allowedAttrs = el.name === 'CHARACTERISTIC' ? ['TYPE', 'VALUE'] : el.name === 'PARM' ? ['NAME', 'VALUE'] : [];
  const token = st.lang.tagToken(el.name, 0);
  if (token === undefined) throw new ProvError(ProvErrorCode.DOCUMENT, `unknown element <${el.name}> (OTA §6)`, path);
  for (const [a] of el.attrs) if (!allowedAttrs.includes(a)) throw new ProvError(ProvErrorCode.DOCUMENT, `attribute ${a} is not allowed`, path);
  if (el.name === 'CHARACTERISTIC-LIST' && kids.some((k) => k.name !== 'CHARACTERISTIC')) {
    throw new ProvError(ProvErrorCode.DOCUMENT, 'takes CHARACTERISTIC elements only', path);
  }
  if (el.name === 'CHARACTERISTIC') {
    const t = attr(el, 'TYPE');
    if (t === undefined || !OTA_TYPES.has(t)) throw new ProvError(ProvErrorCode.DOCUMENT, `unknown CHARACTERISTIC TYPE '${t ?? ''}'`, path);
    if (kids.some((k) => k.name !== 'PARM')) throw new ProvError(ProvErrorCode.DOCUMENT, 'takes PARM elements only', path);
  }
  if (el.name === 'PARM') {
    const n = attr(el, 'NAME');
    if (n === undefined || !OTA_PARMS.has(n)) throw new ProvError(ProvErrorCode.DOCUMENT, `unknown PARM NAME '${n ?? ''}' in ${parentType}`, path);
    if (kids.length) throw new ProvError(ProvErrorCode.DOCUMENT, 'PARM is empty', path);
  }
  st.w.u8(token | (el.attrs.length ? TAG_HAS_ATTRIBUTES : 0) | (kids.length ? TAG_HAS_CONTENT : 0));
  if (el.attrs.length) {
    for (const [a, v] of el.attrs) {
      // OTA §8.2: a whole-attribute token where one exists, else the bare start and an inline string.
      const whole = st.lang.attrStart(a, v, 0);
      if (whole !== undefined) st.w.u8(whole);
      else {
        const b = st.lang.attrStart(a, '', 0);
        if (b === undefined) throw new ProvError(ProvErrorCode.DOCUMENT, `${a}="${v}" has no token`, path);
        st.w.u8(b);
        inline(st.w, v, path);
      }
    }
    st.w.u8(GLOBAL.END);
  }
  if (kids.length) {
    for (const k of kids) otaElement(st, k, `${path}/${describe(k)}`, attr(el, 'TYPE') ?? '');
    st.w.u8(GLOBAL.END);
  }
}

// ---------------------------------------------------------------- helpers

function attr(el: XmlElement, name: string): string | undefined {
  return el.attrs.find(([a]) => a === name)?.[1];
}

/** Element children; text other than white space is refused (PROV and OTA elements hold no text). */
function elementChildren(el: XmlElement, path: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (c.trim() !== '') throw new ProvError(ProvErrorCode.DOCUMENT, `text content '${c.trim().slice(0, 40)}' is not allowed`, path);
    } else out.push(c);
  }
  return out;
}

/** `characteristic[NAPDEF]`, `parm[NAME]`, `PARM[URL]` — how errors name an element. */
export function describe(el: XmlElement): string {
  const key = attr(el, 'type') ?? attr(el, 'name') ?? attr(el, 'TYPE') ?? attr(el, 'NAME');
  return key === undefined ? el.name : `${el.name}[${key}]`;
}
