/**
 * A WBXML language as data (WAP-192 §5.8): its public identifier, tag tokens, attribute-start tokens (name plus
 * an optional value prefix) and attribute-value tokens, each written once as [code, …] rows; the lookups the
 * encoder and a decoder need are derived here. The engine (engine.ts) knows no language: it takes one of these.
 */

/** [token, element name] on code page 0, or [token, element name, code page]. */
export type TagRow = readonly [code: number, name: string, page?: number];
/** [token, attribute name, value prefix ('' for the bare name)], optionally with a code page. */
export type AttrStartRow = readonly [code: number, name: string, prefix: string, page?: number];
/** [token, value text] (WAP-192 §5.8.3: tokens ≥ 128 within attribute values). */
export type AttrValueRow = readonly [code: number, value: string, page?: number];

export interface LanguageSpec {
  /** Short name for messages ('WML 1.3'). */
  name: string;
  root: string;
  /** WAP-192 §7.2.1 well-known public identifier (0 when the document names its FPI in the string table). */
  publicId: number;
  fpi: string;
  dtd: string;
  tags: readonly TagRow[];
  attrStarts: readonly AttrStartRow[];
  attrValues: readonly AttrValueRow[];
  /**
   * When the language gives EXT_I_n / EXT_T_n a meaning as variables (WML, WAP-191 §14.1): the conversion each n
   * stands for ('escape', 'unesc', 'noesc'); a decoder writes them back as $(name:conv) and a literal '$' as '$$'.
   */
  variables?: readonly string[];
}

export interface Token {
  page: number;
  code: number;
}

export interface AttrStart extends Token {
  name: string;
  prefix: string;
}

export interface AttrValue extends Token {
  value: string;
}

export interface Language extends LanguageSpec {
  tagByName: ReadonlyMap<string, Token>;
  /** page << 8 | code → element name. */
  tagByCode: ReadonlyMap<number, string>;
  /** Attribute-start candidates by attribute name, longest value prefix first. */
  attrStartsByName: ReadonlyMap<string, readonly AttrStart[]>;
  attrStartByCode: ReadonlyMap<number, AttrStart>;
  /** Attribute-value tokens, longest value first (the encoder takes the longest match). */
  attrValuesByLength: readonly AttrValue[];
  attrValueByCode: ReadonlyMap<number, AttrValue>;
  /** First characters of the attribute-value tokens (a quick reject while scanning a value). */
  attrValueFirstChars: ReadonlySet<string>;
}

const key = (page: number, code: number): number => (page << 8) | code;

/** Derives the lookups from the rows; throws on a table that contradicts itself (a programming error). */
export function defineLanguage(spec: LanguageSpec): Language {
  const tagByName = new Map<string, Token>();
  const tagByCode = new Map<number, string>();
  for (const [code, name, page = 0] of spec.tags) {
    if (tagByName.has(name) || tagByCode.has(key(page, code))) throw new Error(`${spec.name}: tag ${name}/0x${code.toString(16)} twice`);
    if (code < 0x05 || code > 0x3f) throw new Error(`${spec.name}: tag token 0x${code.toString(16)} outside 0x05–0x3F`);
    tagByName.set(name, { page, code });
    tagByCode.set(key(page, code), name);
  }
  const attrStartsByName = new Map<string, AttrStart[]>();
  const attrStartByCode = new Map<number, AttrStart>();
  for (const [code, name, prefix, page = 0] of spec.attrStarts) {
    if (attrStartByCode.has(key(page, code)) || code < 0x05 || code > 0x7f) {
      throw new Error(`${spec.name}: attribute-start 0x${code.toString(16)} twice or out of range`);
    }
    const a: AttrStart = { page, code, name, prefix };
    attrStartByCode.set(key(page, code), a);
    const list = attrStartsByName.get(name) ?? [];
    list.push(a);
    attrStartsByName.set(name, list);
  }
  for (const list of attrStartsByName.values()) list.sort((a, b) => b.prefix.length - a.prefix.length);
  const attrValueByCode = new Map<number, AttrValue>();
  for (const [code, value, page = 0] of spec.attrValues) {
    if (attrValueByCode.has(key(page, code)) || code < 0x85 || code > 0xff) {
      throw new Error(`${spec.name}: attribute-value 0x${code.toString(16)} twice or out of range`);
    }
    attrValueByCode.set(key(page, code), { page, code, value });
  }
  const attrValuesByLength = [...attrValueByCode.values()].sort((a, b) => b.value.length - a.value.length);
  return {
    ...spec,
    tagByName,
    tagByCode,
    attrStartsByName,
    attrStartByCode,
    attrValuesByLength,
    attrValueByCode,
    attrValueFirstChars: new Set(attrValuesByLength.map((v) => v.value[0]!)),
  };
}

export function tagName(lang: Language, page: number, code: number): string | undefined {
  return lang.tagByCode.get(key(page, code));
}

export function attrStartOf(lang: Language, page: number, code: number): AttrStart | undefined {
  return lang.attrStartByCode.get(key(page, code));
}

export function attrValueOf(lang: Language, page: number, code: number): AttrValue | undefined {
  return lang.attrValueByCode.get(key(page, code));
}
