/**
 * Character sets around the content: reading a source in the charset it says it is in (HTTP Content-Type
 * charset, then a BOM, then the XML declaration, else the type's default), choosing the charset a handset gets
 * (Accept-Charset, RFC 2616 §14.2 / RFC 9110 §12.5.2; UTF-8 whenever it is acceptable), and writing text in it
 * (iconv-lite). MIBenums are WSP's table (WAP-230 Table 42, src/wsp/well-known.ts): written once.
 */
import { createRequire } from 'node:module';
import { CHARSETS } from '../wsp/well-known.ts';
import type { OutputCharset } from '../wbxml/engine.ts';
import { ContentError, ContentErrorCode } from './errors.ts';

/** Canonical lower-case name of a charset label ('UTF8' → 'utf-8', 'latin1' → 'iso-8859-1'). */
export function canonicalCharset(label: string): string {
  const l = label.trim().toLowerCase().replace(/^"|"$/g, '');
  return ALIASES[l] ?? l;
}

const ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  latin1: 'iso-8859-1',
  'iso8859-1': 'iso-8859-1',
  'iso_8859-1': 'iso-8859-1',
  'iso-latin-1': 'iso-8859-1',
  l1: 'iso-8859-1',
  ascii: 'us-ascii',
  'ansi_x3.4-1968': 'us-ascii',
  cp1252: 'windows-1252',
  sjis: 'shift_jis',
  'x-sjis': 'shift_jis',
};

/** IANA MIBenum of a charset, when WSP has one for it. */
export function mibOf(charset: string): number | undefined {
  return CHARSETS.code(canonicalCharset(charset));
}

export function charsetOfMib(mib: number): string | undefined {
  return CHARSETS.name(mib);
}

/**
 * iconv-lite, loaded (synchronously, once) at the first charset other than UTF-8, ISO-8859-1 and US-ASCII,
 * which Buffer reads and writes itself: a gateway whose handsets and servers speak those never loads it.
 */
let iconvLib: typeof import('iconv-lite') | undefined;
function iconv(): typeof import('iconv-lite') {
  return (iconvLib ??= createRequire(import.meta.url)('iconv-lite') as typeof import('iconv-lite'));
}

/** Charsets known without asking iconv-lite (Buffer reads them; writing them still goes through it: '?' for what they lack). */
const NATIVE = new Set(['utf-8', 'iso-8859-1', 'us-ascii']);

/** iconv-lite codecs that are not character sets: 'hex' would turn "Hello" into "48656c6c6f". */
const NOT_CHARSETS = new Set(['hex', 'base64', 'base64url', '_internal']);

/** True when iconv-lite can convert from/to it (and it is a character set). */
export function knownCharset(charset: string): boolean {
  const cs = canonicalCharset(charset);
  return NATIVE.has(cs) || (!NOT_CHARSETS.has(cs) && iconv().encodingExists(cs));
}

/** The charset parameter of a Content-Type text, if any. */
export function charsetParam(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m ? canonicalCharset(m[1]!) : undefined;
}

/** The XML declaration's encoding (read in an ASCII-compatible view of the first octets). */
export function xmlDeclaredCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 256).toString('latin1');
  const m = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
  return m ? canonicalCharset(m[1]!) : undefined;
}

/** The charset an XML body is in: BOM, then the HTTP parameter, then the declaration, else UTF-8 (XML 1.0 §4.3.3). */
export function xmlSourceCharset(body: Buffer, httpCharset: string | undefined): string {
  const bom = bomCharset(body);
  if (bom) return bom;
  return httpCharset ?? xmlDeclaredCharset(body) ?? 'utf-8';
}

function bomCharset(b: Buffer): string | undefined {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Octets in `charset` → text (a BOM dropped). A charset we cannot read is a ContentError. */
export function decodeText(body: Buffer, charset: string): string {
  const cs = canonicalCharset(charset);
  if (cs === 'utf-8') {
    const s = body.toString('utf8');
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  }
  if (cs === 'iso-8859-1' || cs === 'us-ascii') return body.toString('latin1');
  if (!knownCharset(cs)) throw new ContentError(ContentErrorCode.CHARSET, `cannot read charset '${charset}'`);
  return iconv().decode(body, cs);
}

/** Text → octets in `charset` (characters it lacks become '?', as iconv does). */
export function encodeText(text: string, charset: string): Buffer {
  const cs = canonicalCharset(charset);
  if (cs === 'utf-8') return Buffer.from(text, 'utf8');
  return iconv().encode(text, cs);
}

/** One parsed Accept-Charset entry. */
interface Ranked {
  charset: string;
  q: number;
  order: number;
}

function parseAcceptCharset(values: readonly string[]): Ranked[] {
  const out: Ranked[] = [];
  for (const v of values) {
    for (const item of v.split(',')) {
      const [name = '', ...params] = item.split(';');
      const cs = name.trim();
      if (!cs) continue;
      let q = 1;
      for (const p of params) {
        const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
        if (m) q = Math.max(0, Math.min(1, Number(m[1]) || 0));
      }
      out.push({ charset: cs === '*' ? '*' : canonicalCharset(cs), q, order: out.length });
      if (out.length >= 64) return out;
    }
  }
  return out;
}

/** The q a handset gives a charset (RFC 2616 §14.2: ISO-8859-1 is 1 unless named or refused by '*'). */
export function charsetQuality(acceptCharset: readonly string[], charset: string): number {
  const ranked = parseAcceptCharset(acceptCharset);
  if (ranked.length === 0) return 1;
  const cs = canonicalCharset(charset);
  const own = ranked.find((r) => r.charset === cs);
  if (own) return own.q;
  const star = ranked.find((r) => r.charset === '*');
  if (star) return star.q;
  return cs === 'iso-8859-1' ? 1 : 0;
}

/**
 * The charset to send a handset: UTF-8 when it accepts it (WBXML's own default and lossless), else the
 * acceptable charset with the highest q that we can write and that has a MIBenum, else undefined. For WBXML
 * (`forWbxml`) only charsets whose strings can end in one NUL octet (WAP-192 §5.8.4.1: not UTF-16/32, UCS-2/4).
 */
export function chooseOutputCharset(acceptCharset: readonly string[], current?: string, forWbxml = false): string | undefined {
  if (charsetQuality(acceptCharset, 'utf-8') > 0) return 'utf-8';
  const usable = (cs: string) => knownCharset(cs) && mibOf(cs) !== undefined && (!forWbxml || nulTerminable(cs));
  if (current && charsetQuality(acceptCharset, current) > 0 && usable(current)) return canonicalCharset(current);
  const ranked = parseAcceptCharset(acceptCharset)
    .filter((r) => r.charset !== '*' && r.q > 0 && usable(r.charset))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  if (ranked[0]) return ranked[0].charset;
  return charsetQuality(acceptCharset, 'iso-8859-1') > 0 ? 'iso-8859-1' : undefined;
}

/** Whether text in this charset never holds a 0x00 octet for a non-NUL character ('A' as a probe). */
function nulTerminable(charset: string): boolean {
  return !encodeText('A', charset).includes(0);
}

const OUTPUTS = new Map<string, OutputCharset>();

/** The engine's view of an output charset: MIBenum, encoder and which characters it can carry. */
export function outputCharset(charset: string): OutputCharset {
  const cs = canonicalCharset(charset);
  let o = OUTPUTS.get(cs);
  if (o) return o;
  const mib = mibOf(cs);
  if (mib === undefined || !knownCharset(cs)) throw new ContentError(ContentErrorCode.CHARSET, `cannot write charset '${charset}'`);
  if (cs === 'utf-8') {
    o = { mib, encode: (s) => Buffer.from(s, 'utf8'), canEncode: () => true };
  } else if (cs === 'iso-8859-1') {
    o = { mib, encode: (s) => Buffer.from(s, 'latin1'), canEncode: (cp) => cp <= 0xff };
  } else if (cs === 'us-ascii') {
    o = { mib, encode: (s) => Buffer.from(s, 'latin1'), canEncode: (cp) => cp <= 0x7f };
  } else {
    const known = new Map<number, boolean>();
    o = {
      mib,
      encode: (s) => iconv().encode(s, cs),
      canEncode: (cp) => {
        let ok = known.get(cp);
        if (ok === undefined) {
          const ch = String.fromCodePoint(cp);
          const b = iconv().encode(ch, cs);
          // Multi-octet charsets whose octets may hold 0x00 cannot be NUL-terminated WBXML strings.
          ok = !b.includes(0) && iconv().decode(b, cs) === ch;
          if (known.size < 4096) known.set(cp, ok);
        }
        return ok;
      },
    };
  }
  if (OUTPUTS.size < 64) OUTPUTS.set(cs, o);
  return o;
}
