/**
 * src/content: conversions between what servers send and what WAP 1.x handsets read. Pure compilers (WML →
 * WBXML here, WMLScript → bytecode in wmlscript/) and the ContentConverter the gateway's reply path calls.
 *
 * CONTRACT:
 * - compileWml(source, options) → { body (wmlc), language, outputCharset, wbxmlVersion }; ContentError on bad input.
 * - errorDeck(title, message, backHref?) → WML text of an error card (compile it with compileWml).
 * - new ContentConverter(options, { compileWmlScript }) → requestHeaders(), cookieHook(session), reply(), sessionEnded().
 * - compilePushWml(contentType, body) → the compiled push content for text/vnd.wap.wml, undefined for other types.
 */
import { compileWml } from './wml/compile.ts';
import { WMLC_TYPE, WML_TYPE } from './converter.ts';
import { charsetParam } from './charset.ts';

export { ContentError, ContentErrorCode } from './errors.ts';
export { compileWml, type CompiledWml, type WmlCompileOptions } from './wml/compile.ts';
export { errorDeck, describeError, wmlEscape } from './error-deck.ts';
export { CookieJars } from './cookies.ts';
export { CompileCache } from './cache.ts';
export {
  ContentConverter,
  DEFAULT_CONTENT_OPTIONS,
  type ContentOptions,
  type ContentDeps,
  type ContentReply,
  type ContentTarget,
  type ConvertedReply,
  type CookieHook,
  type WmlScriptCompiler,
  wbxmlVersionFor,
  WML_TYPE,
  WMLC_TYPE,
  WMLSCRIPT_TYPE,
  WMLSCRIPTC_TYPE,
} from './converter.ts';

/**
 * WML pushed through the PPG (WAP-249 §6.1: the PPG may transform content for the client): compiled as the
 * PPG compiles SI/SL/CO — WBXML 1.3, UTF-8. undefined when the content is not WML.
 */
export function compilePushWml(contentType: string, body: Buffer, opts: { strict?: boolean } = {}): { contentType: string; body: Buffer } | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== WML_TYPE) return undefined;
  const cs = charsetParam(contentType);
  const out = compileWml(body, { ...(cs ? { charset: cs } : {}), wbxmlVersion: 0x03, strict: opts.strict ?? false });
  return { contentType: WMLC_TYPE, body: out.body };
}
