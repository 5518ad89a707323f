/**
 * Test helper: a WBXML body as a normalised token stream, to compare two compilers' output token by token
 * while ignoring the choices a compiler may make: string-table vs inline strings (STR_T resolved), where a
 * string is cut (adjacent strings and attribute-value tokens merged into one string, as WAP-192 §5.8.3 defines
 * an attribute value as their concatenation), ENTITY vs the character itself. Tag and attribute-start tokens,
 * the attribute/content bits, EXT tokens and their variable names stay as they are.
 */
import { attrStartOf, attrValueOf, tagName } from '../../src/wbxml/language.ts';
import { wmlByPublicId, WML13 } from '../../src/wbxml/tables-wml.ts';

export type Tok = string;

export interface TokenStream {
  version: number;
  publicId: number;
  charset: number;
  tokens: Tok[];
}

function uintvar(b: Buffer, at: { i: number }): number {
  let v = 0;
  for (let n = 0; n < 5; n++) {
    const c = b[at.i++]!;
    v = v * 128 + (c & 0x7f);
    if (!(c & 0x80)) return v;
  }
  throw new Error('uintvar too long');
}

function cstr(b: Buffer, from: number): string {
  const end = b.indexOf(0, from);
  return b.subarray(from, end < 0 ? b.length : end).toString('utf8');
}

export function tokenStream(b: Buffer): TokenStream {
  const at = { i: 0 };
  const version = b[at.i++]!;
  let publicId = uintvar(b, at);
  if (publicId === 0) uintvar(b, at);
  const charset = version >= 1 ? uintvar(b, at) : 0;
  const len = uintvar(b, at);
  const tbl = b.subarray(at.i, at.i + len);
  at.i += len;
  const lang = wmlByPublicId(publicId) ?? WML13;
  const tokens: Tok[] = [];
  let text: string | undefined;
  const pushText = (s: string) => (text = (text ?? '') + s);
  const flush = () => {
    if (text !== undefined) tokens.push(`"${text}"`);
    text = undefined;
  };
  let inAttrs = false;
  const stack: boolean[] = [];
  while (at.i < b.length) {
    const t = b[at.i++]!;
    switch (t) {
      case 0x00:
        flush();
        tokens.push(`SWITCH_PAGE ${b[at.i++]}`);
        continue;
      case 0x01:
        flush();
        tokens.push('END');
        if (inAttrs) {
          inAttrs = false;
        } else stack.pop();
        continue;
      case 0x02:
        pushText(String.fromCodePoint(uintvar(b, at)));
        continue;
      case 0x03: {
        const s = cstr(b, at.i);
        at.i = b.indexOf(0, at.i) + 1;
        pushText(s);
        continue;
      }
      case 0x83:
        pushText(cstr(tbl, uintvar(b, at)));
        continue;
      case 0x40:
      case 0x41:
      case 0x42: {
        flush();
        const s = cstr(b, at.i);
        at.i = b.indexOf(0, at.i) + 1;
        tokens.push(`EXT${t - 0x40}(${s})`);
        continue;
      }
      case 0x80:
      case 0x81:
      case 0x82:
        flush();
        tokens.push(`EXT${t - 0x80}(${cstr(tbl, uintvar(b, at))})`);
        continue;
      case 0xc3: {
        flush();
        const n = uintvar(b, at);
        tokens.push(`OPAQUE(${b.subarray(at.i, at.i + n).toString('hex')})`);
        at.i += n;
        continue;
      }
    }
    if (inAttrs) {
      if (t >= 0x80) {
        pushText(attrValueOf(lang, 0, t)?.value ?? `?${t.toString(16)}`);
      } else {
        flush();
        if (t === 0x04) tokens.push(`@LITERAL(${cstr(tbl, uintvar(b, at))})`);
        else {
          const a = attrStartOf(lang, 0, t);
          tokens.push(`@${a?.name ?? `?${t.toString(16)}`}`);
          if (a?.prefix) pushText(a.prefix);
        }
      }
      continue;
    }
    flush();
    const code = t & 0x3f;
    const name = code === 0x04 ? `LITERAL(${cstr(tbl, uintvar(b, at))})` : (tagName(lang, 0, code) ?? `?${code.toString(16)}`);
    tokens.push(`<${name}${t & 0x80 ? ' A' : ''}${t & 0x40 ? ' C' : ''}`);
    if (t & 0x40) stack.push(true);
    if (t & 0x80) inAttrs = true;
  }
  flush();
  return { version, publicId, charset, tokens };
}
