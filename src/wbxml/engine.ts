/**
 * The language-neutral WBXML encoder (WAP-192 §5): a document tree (elements, attributes, strings, extension
 * tokens, entities, opaque data) plus a Language (language.ts: token tables as data) → octets. Tag tokens with
 * their attribute/content bits, attribute-start tokens chosen by the longest value prefix, attribute-value tokens
 * inside attribute values, a string table for strings that repeat (when it saves octets), strings in the
 * output charset with characters it cannot carry as ENTITY tokens, code pages by SWITCH_PAGE. Pure.
 */
import { uintvarLength } from '../wire/writer.ts';
import { Writer } from '../wire/writer.ts';
import { WbxmlError, WbxmlErrorCode } from './errors.ts';
import type { AttrStart, Language } from './language.ts';
import { GLOBAL, TAG_HAS_ATTRIBUTES, TAG_HAS_CONTENT } from './tables.ts';

/** A variable or other extension (WAP-192 §5.8.4.2): EXT_I_n / EXT_T_n carrying a string. */
export interface ExtPart {
  ext: 0 | 1 | 2;
  name: string;
}
/** A character by its UCS-4 code (WAP-192 §5.8.4.3 ENTITY). */
export interface EntityPart {
  entity: number;
}
export interface OpaquePart {
  opaque: Uint8Array;
}
export type ValuePart = string | ExtPart | EntityPart | OpaquePart;

export interface WbxmlAttr {
  name: string;
  value: ValuePart[];
}

export interface WbxmlNode {
  tag: string;
  attrs: WbxmlAttr[];
  content: (WbxmlNode | ValuePart)[];
}

/** The output character set: its IANA MIBenum and how text becomes octets in it. */
export interface OutputCharset {
  mib: number;
  /** Text → octets; only called with characters canEncode accepted. */
  encode(s: string): Buffer;
  /** False for a character the charset cannot carry (sent as an ENTITY token instead). */
  canEncode(codePoint: number): boolean;
}

export const UTF8_OUTPUT: OutputCharset = {
  mib: 106,
  encode: (s) => Buffer.from(s, 'utf8'),
  canEncode: () => true,
};

export interface EngineOptions {
  /** WBXML version octet: 0x00 (1.0) … 0x03 (1.3). 1.0 has no charset field (WAP-192 §5.6). */
  version: number;
  charset?: OutputCharset;
  /** Put repeated strings into the string table (default true). */
  stringTable?: boolean;
  /** Elements and attributes the language has no token for go as LITERAL (default: refused). */
  literals?: boolean;
  /** Refuse a result larger than this. */
  maxBytes?: number;
}

const enum Op {
  /** Inline or table string (decided after counting). */
  Str = 1,
  Ext = 2,
  /** A LITERAL token (base | bits) whose name must be in the string table. */
  Literal = 3,
}

interface StrOp {
  op: Op;
  s: string;
  /** Ext index, or the LITERAL token octet. */
  n: number;
}

type Item = number | StrOp | Uint8Array;

class Compiler {
  readonly items: Item[] = [];
  readonly counts = new Map<string, number>();
  private tagPage = 0;
  private attrPage = 0;

  constructor(
    private readonly lang: Language,
    private readonly cs: OutputCharset,
    private readonly literals: boolean,
  ) {}

  private count(s: string): void {
    this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
  }

  element(el: WbxmlNode): void {
    const hasAttrs = el.attrs.length > 0;
    const hasContent = el.content.length > 0;
    const bits = (hasAttrs ? TAG_HAS_ATTRIBUTES : 0) | (hasContent ? TAG_HAS_CONTENT : 0);
    const tok = this.lang.tagByName.get(el.tag);
    if (tok) {
      if (tok.page !== this.tagPage) {
        // WAP-192 §5.8.4.7: SWITCH_PAGE changes the tag code page in tag state.
        this.items.push(GLOBAL.SWITCH_PAGE, tok.page);
        this.tagPage = tok.page;
      }
      this.items.push(tok.code | bits);
    } else if (this.literals) {
      // WAP-192 §5.8.4.5: LITERAL (with the same bits) names the tag through the string table.
      this.items.push({ op: Op.Literal, s: el.tag, n: GLOBAL.LITERAL | bits });
      this.count(el.tag);
    } else {
      throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `<${el.tag}> is not an element of ${this.lang.name}`);
    }
    if (hasAttrs) {
      for (const a of el.attrs) this.attribute(a);
      this.items.push(GLOBAL.END);
    }
    if (hasContent) {
      for (const c of el.content) {
        if (typeof c === 'object' && 'tag' in c) this.element(c);
        else this.part(c, false);
      }
      this.items.push(GLOBAL.END);
    }
  }

  private attribute(a: WbxmlAttr): void {
    const first = typeof a.value[0] === 'string' ? a.value[0] : '';
    let start: AttrStart | undefined;
    for (const cand of this.lang.attrStartsByName.get(a.name) ?? []) {
      if (first.startsWith(cand.prefix)) {
        start = cand;
        break;
      }
    }
    let value = a.value;
    if (start) {
      if (start.page !== this.attrPage) {
        this.items.push(GLOBAL.SWITCH_PAGE, start.page);
        this.attrPage = start.page;
      }
      this.items.push(start.code);
      if (start.prefix) value = [first.slice(start.prefix.length), ...a.value.slice(1)];
    } else if (this.literals) {
      this.items.push({ op: Op.Literal, s: a.name, n: GLOBAL.LITERAL });
      this.count(a.name);
    } else {
      throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `attribute ${a.name}="${partsText(a.value)}" has no token in ${this.lang.name}`);
    }
    for (const p of value) this.part(p, true, value.length === 1);
  }

  /** A string, variable, entity or opaque datum; in attribute values the value tokens are taken out. */
  private part(p: ValuePart, inAttr: boolean, whole = false): void {
    if (typeof p === 'string') {
      if (p === '') return;
      if (inAttr) this.attrString(p, whole);
      else this.text(p);
    } else if ('ext' in p) {
      this.items.push({ op: Op.Ext, s: p.name, n: p.ext });
      this.count(p.name);
    } else if ('entity' in p) {
      this.items.push(GLOBAL.ENTITY, ...uintvarBytes(p.entity));
    } else {
      this.items.push(GLOBAL.OPAQUE, ...uintvarBytes(p.opaque.length), p.opaque);
    }
  }

  /**
   * WAP-192 §5.8.3: attribute-value tokens where they occur (longest first), strings between. Tokens that are
   * URL parts (".com/", "http://www.") are taken anywhere; word tokens ("help", "text") only for a whole value
   * (href="#help" stays a string, as Kannel and handsets expect).
   */
  private attrString(s: string, whole: boolean): void {
    const values = this.lang.attrValuesByLength;
    const firsts = this.lang.attrValueFirstChars;
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      if (!firsts.has(s[i]!)) continue;
      const hit = values.find((v) => s.startsWith(v.value, i) && (!WORD.test(v.value) || (whole && i === 0 && v.value.length === s.length)));
      if (!hit) continue;
      if (i > from) this.text(s.slice(from, i));
      if (hit.page !== this.attrPage) {
        this.items.push(GLOBAL.SWITCH_PAGE, hit.page);
        this.attrPage = hit.page;
      }
      this.items.push(hit.code);
      i += hit.value.length - 1;
      from = i + 1;
    }
    if (from < s.length) this.text(from === 0 ? s : s.slice(from));
  }

  /** Text in the output charset; characters it cannot carry become ENTITY tokens (WAP-192 §5.8.4.3). */
  private text(s: string): void {
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      const cp = s.codePointAt(i)!;
      if (cp < 0x80 || this.cs.canEncode(cp)) {
        if (cp > 0xffff) i++;
        continue;
      }
      if (i > from) this.str(s.slice(from, i));
      this.items.push(GLOBAL.ENTITY, ...uintvarBytes(cp));
      if (cp > 0xffff) i++;
      from = i + 1;
    }
    if (from < s.length) this.str(from === 0 ? s : s.slice(from));
  }

  private str(s: string): void {
    this.items.push({ op: Op.Str, s, n: 0 });
    this.count(s);
  }
}

function uintvarBytes(v: number): number[] {
  const out = [v & 0x7f];
  v = Math.floor(v / 128);
  while (v > 0) {
    out.unshift(0x80 | (v & 0x7f));
    v = Math.floor(v / 128);
  }
  return out;
}

function partsText(parts: readonly ValuePart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : 'ext' in p ? `$(${p.name})` : '…')).join('');
}

/** Encodes a document of `lang`. Throws WbxmlError (DOCUMENT: no token and literals off; TOO_LARGE). */
export function encodeDocument(root: WbxmlNode, lang: Language, opts: EngineOptions): Buffer {
  const cs = opts.charset ?? UTF8_OUTPUT;
  const c = new Compiler(lang, cs, opts.literals ?? false);
  c.element(root);
  // The string table: literals must live there; other strings go there when that saves octets.
  const encoded = new Map<string, Buffer>();
  const enc = (s: string): Buffer => {
    let b = encoded.get(s);
    if (!b) {
      b = cs.encode(s);
      if (b.includes(0)) throw new WbxmlError(WbxmlErrorCode.DOCUMENT, 'a string holds a NUL character');
      encoded.set(s, b);
    }
    return b;
  };
  const table = new Map<string, number>();
  const tableParts: Buffer[] = [];
  let tableLen = 0;
  const useTable = opts.stringTable ?? true;
  for (const it of c.items) {
    if (typeof it !== 'object' || it instanceof Uint8Array || table.has(it.s)) continue;
    const n = c.counts.get(it.s)!;
    const b = enc(it.s);
    // inline: token + octets + NUL each time; table: octets + NUL once, token + offset each time.
    const worth = it.op === Op.Literal || (useTable && n > 1 && b.length + 1 + n * (1 + uintvarLength(tableLen)) < n * (b.length + 2));
    if (!worth) continue;
    table.set(it.s, tableLen);
    tableParts.push(b, ZERO);
    tableLen += b.length + 1;
  }
  const w = new Writer(1024);
  // WAP-192 §5.4 version, §5.5 publicid, §5.6 charset (not in 1.0), §5.7 strtbl
  w.u8(opts.version).uintvar(lang.publicId);
  if (opts.version >= 0x01) w.uintvar(cs.mib);
  w.uintvar(tableLen);
  for (const p of tableParts) w.bytes(p);
  for (const it of c.items) {
    if (typeof it === 'number') {
      w.u8(it);
    } else if (it instanceof Uint8Array) {
      w.bytes(it);
    } else {
      const at = table.get(it.s);
      if (it.op === Op.Literal) {
        w.u8(it.n).uintvar(at!);
      } else if (it.op === Op.Ext) {
        // WAP-192 §5.8.4.2: EXT_T_n = 0x80+n with a table offset, EXT_I_n = 0x40+n with an inline string.
        if (at !== undefined) w.u8(GLOBAL.EXT_T_0 + it.n).uintvar(at);
        else w.u8(GLOBAL.EXT_I_0 + it.n).bytes(enc(it.s)).u8(0);
      } else if (at !== undefined) {
        w.u8(GLOBAL.STR_T).uintvar(at);
      } else {
        w.u8(GLOBAL.STR_I).bytes(enc(it.s)).u8(0);
      }
    }
    if (opts.maxBytes !== undefined && w.length > opts.maxBytes) {
      throw new WbxmlError(WbxmlErrorCode.TOO_LARGE, `compiled document exceeds ${opts.maxBytes} octets`);
    }
  }
  return Buffer.from(w.finish());
}

const ZERO = Buffer.from([0]);
const WORD = /^[A-Za-z]+$/;
