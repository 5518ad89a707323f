/**
 * What the gateway does to content on its way between servers and WAP 1.x handsets, behind one object the
 * reply path calls (src/gateway/transaction.ts): Accept/Accept-Charset augmentation upstream, WML → WBXML
 * (wmlc) and WMLScript → bytecode (wmlscriptc) with the compile cache, charset conversion of other text,
 * WML error decks (or a status) for what cannot be compiled, and the per-session cookie jars.
 */
import { ContentError, ContentErrorCode } from './errors.ts';
import { CompileCache } from './cache.ts';
import {
  canonicalCharset,
  charsetParam,
  charsetQuality,
  chooseOutputCharset,
  decodeText,
  encodeText,
  outputCharset,
  xmlDeclaredCharset,
} from './charset.ts';
import { CookieJars } from './cookies.ts';
import { describeError, errorDeck } from './error-deck.ts';
import { compileWml } from './wml/compile.ts';

export type HeaderPair = [name: string, value: string];

export const WML_TYPE = 'text/vnd.wap.wml';
export const WMLC_TYPE = 'application/vnd.wap.wmlc';
export const WMLSCRIPT_TYPE = 'text/vnd.wap.wmlscript';
export const WMLSCRIPTC_TYPE = 'application/vnd.wap.wmlscriptc';

export interface ContentOptions {
  errors: 'deck' | 'status';
  strict: boolean;
  wml: boolean;
  wmlscript: boolean;
  charset: boolean;
  accept: boolean;
  cookies: 'jar' | 'pass';
  cookiesPerSession: number;
  /** All jars together, in octets (a session's jar is capped by cookiesPerSession × 4 KB besides). */
  cookieBytes: number;
  cacheEntries: number;
  cacheBytes: number;
  maxSourceBytes: number;
  maxCompileTime: number;
}

export const DEFAULT_CONTENT_OPTIONS: ContentOptions = {
  errors: 'deck',
  strict: false,
  wml: true,
  wmlscript: true,
  charset: true,
  accept: true,
  cookies: 'jar',
  cookiesPerSession: 50,
  cookieBytes: 64 * 1024 * 1024,
  cacheEntries: 1000,
  cacheBytes: 8 * 1024 * 1024,
  maxSourceBytes: 256 * 1024,
  maxCompileTime: 250,
};

/** The WMLScript compiler's shape (src/content/wmlscript: compileWmlScript). */
export type WmlScriptCompiler = (source: string, options?: { maxSourceBytes?: number; maxBytecodeBytes?: number; maxMillis?: number }) => Buffer;

export interface ContentDeps {
  compileWmlScript?: WmlScriptCompiler;
  now?: () => number;
}

/** What the reply is converted for: the handset's request headers, its session and its limits. */
export interface ContentTarget {
  /** The request headers as sent upstream (Accept, Accept-Charset, Encoding-Version are read). */
  headers: readonly HeaderPair[];
  /** WSP encoding version of the session (0x12 = 1.2), if known. */
  encodingVersion?: number;
  /** Largest body the handset takes. */
  maxBytes: number;
  /** The URL fetched (for the error deck's link). */
  url?: string;
}

export interface ContentReply {
  status: number;
  contentType?: string;
  headers: HeaderPair[];
  body: Buffer;
}

export interface ConvertedReply extends ContentReply {
  /** What was done ('wmlc', 'wmlscriptc', 'charset', 'error-deck', 'error-status'), for the access line. */
  converted?: string;
  /** Why an error deck or status replaced the content. */
  error?: string;
}

/** The per-hop cookie hook the HTTP proxy calls (src/gateway/proxy.ts ProxyRequest.cookies). */
export interface CookieHook {
  /** Cookie header value for a request to url, if any. */
  header(url: string): string | undefined;
  /** The response headers of url with Set-Cookie taken into the jar (and out of what the handset gets). */
  received(url: string, headers: HeaderPair[]): HeaderPair[];
}

const NO_COOKIES: CookieHook = {
  header: () => undefined,
  received: (_url, headers) => headers.filter(([n]) => n.toLowerCase() !== 'set-cookie'),
};

export class ContentConverter {
  private opts: ContentOptions;
  private readonly cache: CompileCache;
  private readonly charsets = new Map<string, string>();
  readonly jars: CookieJars;

  constructor(
    opts: Partial<ContentOptions> = {},
    private readonly deps: ContentDeps = {},
  ) {
    this.opts = { ...DEFAULT_CONTENT_OPTIONS, ...opts };
    this.cache = new CompileCache(this.opts.cacheEntries, this.opts.cacheBytes);
    this.jars = new CookieJars({ perSession: this.opts.cookiesPerSession, maxBytes: this.opts.cookieBytes, ...(deps.now ? { now: deps.now } : {}) });
  }

  /** SIGHUP: the reloadable keys (errors, strict, per-type switches, accept). */
  setOptions(opts: Partial<ContentOptions>): void {
    this.opts = { ...this.opts, ...opts };
  }

  get options(): Readonly<ContentOptions> {
    return this.opts;
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /**
   * How much of an upstream body to read for a handset that takes `handsetMax`: sources are read beyond it
   * (up to 8× and maxSourceBytes) when they may be compiled, since compiling shrinks them; reply() checks the
   * compiled size against the handset's again.
   */
  readLimit(handsetMax: number): number {
    if (!this.opts.wml && !this.opts.wmlscript) return handsetMax;
    return Math.max(handsetMax, Math.min(this.opts.maxSourceBytes, handsetMax * 8));
  }

  // ------------------------------------------------------------------ request side

  /**
   * Accept augmentation: a handset that accepts the compiled forms gets the text forms added upstream (servers
   * negotiate on them), and UTF-8 added to an Accept-Charset that lacks it (we convert from it), below the
   * handset's own choices.
   */
  requestHeaders(headers: HeaderPair[]): HeaderPair[] {
    if (!this.opts.accept) return headers;
    let accept = '';
    let acceptCharset: string | undefined;
    for (const [n, v] of headers) {
      const l = n.toLowerCase();
      if (l === 'accept') accept += `${v.toLowerCase()},`;
      else if (l === 'accept-charset') acceptCharset = (acceptCharset ?? '') + `${v},`;
    }
    const add: HeaderPair[] = [];
    if (this.opts.wml && accept.includes(WMLC_TYPE) && !hasType(accept, WML_TYPE)) add.push(['Accept', WML_TYPE]);
    if (this.opts.wmlscript && this.deps.compileWmlScript && accept.includes(WMLSCRIPTC_TYPE) && !hasType(accept, WMLSCRIPT_TYPE)) {
      add.push(['Accept', WMLSCRIPT_TYPE]);
    }
    if (this.opts.charset && acceptCharset !== undefined && charsetQuality([acceptCharset], 'utf-8') === 0) add.push(['Accept-Charset', 'utf-8;q=0.1']);
    return add.length ? [...headers, ...add] : headers;
  }

  /** The cookie hook for a request: the session's jar, none for connectionless, undefined when cookies pass. */
  cookieHook(session: number | undefined): CookieHook | undefined {
    if (this.opts.cookies === 'pass') return undefined;
    if (session === undefined) return NO_COOKIES;
    // Taken now, while the session lives: a reply after the session ended finds its jar ended.
    const jar = this.jars.open(session);
    return {
      header: (url) => jar.header(url),
      received: (url, headers) => {
        const set: string[] = [];
        const rest: HeaderPair[] = [];
        for (const h of headers) {
          if (h[0].toLowerCase() === 'set-cookie') set.push(h[1]);
          else rest.push(h);
        }
        if (set.length === 0) return headers;
        this.jars.account(jar, url, set);
        return rest;
      },
    };
  }

  sessionEnded(session: number): void {
    this.jars.sessionEnded(session);
  }

  // ------------------------------------------------------------------ reply side

  reply(res: ContentReply, target: ContentTarget): ConvertedReply {
    if (!res.contentType) return res;
    const semi = res.contentType.indexOf(';');
    const type = (semi < 0 ? res.contentType : res.contentType.slice(0, semi)).trim().toLowerCase();
    if (res.body.length === 0) {
      // HEAD, 304: nothing to compile, but the type is the one a GET would have brought.
      if (type === WML_TYPE && this.opts.wml) return { ...res, contentType: WMLC_TYPE };
      if (type === WMLSCRIPT_TYPE && this.opts.wmlscript && this.deps.compileWmlScript) return { ...res, contentType: WMLSCRIPTC_TYPE };
      return res;
    }
    if (type === WML_TYPE && this.opts.wml) return this.compiled(res, target, 'wml');
    if (type === WMLSCRIPT_TYPE && this.opts.wmlscript && this.deps.compileWmlScript) return this.compiled(res, target, 'wmlscript');
    if (this.opts.charset && isText(type)) return this.recharset(res, type, target);
    return res;
  }

  private compiled(res: ContentReply, target: ContentTarget, kind: 'wml' | 'wmlscript'): ConvertedReply {
    const out = this.outputFor(target.headers);
    const version = wbxmlVersionFor(target.encodingVersion ?? encodingVersionHeader(target.headers));
    const srcCharset = charsetParam(res.contentType);
    // A deck depends on the WBXML version, output charset and strictness; a script's bytecode on its source only.
    const targetKey = kind === 'wml' ? `wml|${version}|${out}|${srcCharset ?? ''}|${this.opts.strict ? 's' : ''}` : `wmlscript|${srcCharset ?? ''}`;
    const key = this.cache.key(res.body, targetKey);
    let entry = this.cache.get(key, res.body);
    if (!entry) {
      try {
        entry = { ok: true, body: kind === 'wml' ? this.compileDeck(res.body, srcCharset, out, version) : this.compileScript(res.body, srcCharset) };
      } catch (e) {
        entry = { ok: false, error: e as Error };
      }
      // Only what the source did wrong is remembered; a bug or a deadline missed (load) still answers a deck, uncached.
      if (entry.ok || sourceFault(entry.error)) this.cache.set(key, res.body, entry);
    }
    const what = kind === 'wml' ? 'page' : 'script';
    if (!entry.ok) return this.failure(res, target, entry.error, what, out, version);
    if (entry.body.length > target.maxBytes) {
      const e = new ContentError(ContentErrorCode.TOO_LARGE, `${entry.body.length} octets compiled, the phone takes ${target.maxBytes}`);
      return this.failure(res, target, e, what, out, version);
    }
    const contentType = kind === 'wml' ? WMLC_TYPE : WMLSCRIPTC_TYPE;
    return { ...res, contentType, body: entry.body, converted: kind === 'wml' ? 'wmlc' : 'wmlscriptc', headers: withoutLength(res.headers) };
  }

  /** The output charset for these request headers (memoised per Accept-Charset text: handsets send a handful). */
  private outputFor(headers: readonly HeaderPair[]): string {
    const acceptCharset = values(headers, 'accept-charset');
    const k = acceptCharset.join(',');
    let out = this.charsets.get(k);
    if (out === undefined) {
      out = chooseOutputCharset(acceptCharset, undefined, true) ?? 'utf-8';
      if (this.charsets.size >= 256) this.charsets.clear();
      this.charsets.set(k, out);
    }
    return out;
  }

  private compileDeck(body: Buffer, srcCharset: string | undefined, out: string, version: number): Buffer {
    return compileWml(body, {
      ...(srcCharset ? { charset: srcCharset } : {}),
      outputCharset: out,
      wbxmlVersion: version,
      strict: this.opts.strict,
      maxSourceBytes: this.opts.maxSourceBytes,
      maxMillis: this.opts.maxCompileTime,
    }).body;
  }

  private compileScript(body: Buffer, srcCharset: string | undefined): Buffer {
    if (body.length > this.opts.maxSourceBytes) {
      throw new ContentError(ContentErrorCode.LIMIT, `WMLScript source of ${body.length} octets exceeds ${this.opts.maxSourceBytes}`);
    }
    const source = decodeText(body, srcCharset ?? 'utf-8');
    return this.deps.compileWmlScript!(source, { maxSourceBytes: this.opts.maxSourceBytes, maxMillis: this.opts.maxCompileTime });
  }

  /** content.errors: a compiled WML error deck (status as the upstream's when 2xx), or 502 with a short text. */
  private failure(res: ContentReply, target: ContentTarget, e: unknown, what: string, out: string, version: number): ConvertedReply {
    const { title, message } = describeError(e, what);
    if (this.opts.errors === 'status') {
      return { status: 502, contentType: 'text/plain', headers: [], body: Buffer.from(`${message}\n`, 'utf8'), converted: 'error-status', error: message };
    }
    const deck = compileWml(Buffer.from(errorDeck(title, message, target.url), 'utf8'), { outputCharset: out, wbxmlVersion: version });
    const status = res.status >= 200 && res.status < 300 ? res.status : 200;
    return { status, contentType: WMLC_TYPE, headers: [], body: deck.body, converted: 'error-deck', error: message };
  }

  /**
   * A text reply in a charset the handset does not accept is converted into one it does (iconv-lite); XML
   * types get character references for what the new charset lacks and their declaration rewritten. A reply whose
   * charset is not stated is left as it is (guessing would corrupt it).
   */
  private recharset(res: ContentReply, type: string, target: ContentTarget): ContentReply | ConvertedReply {
    const acceptCharset = values(target.headers, 'accept-charset');
    if (acceptCharset.length === 0) return res;
    const xml = isXml(type);
    const from = charsetParam(res.contentType) ?? (xml ? xmlDeclaredCharset(res.body) : undefined);
    if (!from || charsetQuality(acceptCharset, from) > 0) return res;
    const to = chooseOutputCharset(acceptCharset, undefined);
    if (!to || to === canonicalCharset(from)) return res;
    let text: string;
    try {
      text = decodeText(res.body, from);
    } catch {
      return res;
    }
    // Every UTF-16 code unit becomes at least one octet in any charset: what cannot fit is not converted at all.
    if (text.length > target.maxBytes) return res;
    if (xml) {
      text = text.replace(/^(\s*<\?xml\s[^>]*?encoding\s*=\s*["'])[^"']*(["'])/, `$1${to}$2`);
      text = charRefsFor(text, to);
    }
    const body = encodeText(text, to);
    if (body.length > target.maxBytes) return res;
    const contentType = res.contentType!.replace(/;\s*charset\s*=\s*"?[^";\s]*"?/i, '') + `; charset=${to}`;
    return { ...res, contentType, body, converted: 'charset', headers: withoutLength(res.headers) };
  }
}

/** A compile error that the same source will always meet: a ContentError or a WMLScript error with a position, not a timeout. */
function sourceFault(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  if (code === ContentErrorCode.TIMEOUT || code === 'WMLS_TIMEOUT') return false;
  return e instanceof ContentError || typeof (e as { line?: unknown }).line === 'number';
}

function hasType(accept: string, type: string): boolean {
  const i = accept.indexOf(type);
  if (i < 0) return false;
  const next = accept[i + type.length];
  return next === undefined || next === ',' || next === ';' || next === ' ';
}

function values(headers: readonly HeaderPair[], lower: string): string[] {
  const out: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === lower) out.push(v);
  return out;
}

function encodingVersionHeader(headers: readonly HeaderPair[]): number | undefined {
  const v = values(headers, 'encoding-version')[0];
  const m = v ? /^(\d+)\.(\d+)/.exec(v.trim()) : null;
  return m ? (Number(m[1]) << 4) | (Number(m[2]) & 0x0f) : undefined;
}

/**
 * WAP-192 §5.4 / WAP-230 §8.4.2.70: the WBXML version a handset of that WSP encoding version reads (1.1 for
 * 1.1 and unknown — Kannel's default —, 1.2 for 1.2, 1.3 for 1.3 and later).
 */
export function wbxmlVersionFor(encodingVersion: number | undefined): number {
  if (encodingVersion === undefined || encodingVersion <= 0x11) return 0x01;
  return encodingVersion === 0x12 ? 0x02 : 0x03;
}

function withoutLength(headers: HeaderPair[]): HeaderPair[] {
  return headers.some(([n]) => n.toLowerCase() === 'content-length' || n.toLowerCase() === 'content-md5')
    ? headers.filter(([n]) => n.toLowerCase() !== 'content-length' && n.toLowerCase() !== 'content-md5')
    : headers;
}

const XML_TYPES = new Set(['application/xhtml+xml', 'application/vnd.wap.xhtml+xml', 'application/xml', 'text/xml', 'text/vnd.wap.wml']);

function isXml(type: string): boolean {
  return XML_TYPES.has(type) || type.endsWith('+xml');
}

function isText(type: string): boolean {
  return type.startsWith('text/') || isXml(type);
}

/** Characters the target charset lacks as numeric character references (XML types only). */
function charRefsFor(text: string, charset: string): string {
  const cs = canonicalCharset(charset);
  if (cs === 'utf-8') return text;
  // outputCharset's canEncode remembers its verdict per character: one iconv round trip each, not one per occurrence.
  const { canEncode } = outputCharset(cs);
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 || canEncode(cp) ? ch : `&#${cp};`;
  }
  return out;
}
