/**
 * Content transformation before push (WAP-249 §6.1): SI, SL and CO XML are compiled to WBXML
 * (application/vnd.wap.sic, slc, coc) by src/wbxml's compilePushContent, WML decks to application/vnd.wap.wmlc
 * by src/content's compilePushWml; MMS notifications and every other
 * type pass through unchanged. A compiler can be injected (PpgCreateDeps.compile) for tests or other types.
 */
import { compilePushWml, ContentError, ContentErrorCode } from '../content/index.ts';
import { ProvError } from '../prov/errors.ts';
import { compilePushProv } from '../prov/pap.ts';
import { compilePushContent as compileWbxml, WbxmlError, WbxmlErrorCode } from '../wbxml/index.ts';
import { PapCode, PapError } from './pap-codes.ts';

export interface CompiledContent {
  contentType: string;
  body: Buffer;
}

export type PushCompiler = (contentType: string, body: Buffer) => CompiledContent | Promise<CompiledContent>;

/** Identity: pushes the content as the PI sent it. */
export const passThrough: PushCompiler = (contentType, body) => ({ contentType, body });

/** The default compiler: WML → wmlc (src/content), SI/SL/CO → WBXML (src/wbxml), anything else unchanged. */
export const wbxmlCompiler: PushCompiler = (contentType, body) =>
  compilePushProv(contentType, body) ?? compilePushWml(contentType, body) ?? compileWbxml(contentType, body);

/**
 * Compiles with `compiler` (default: src/wbxml's). A malformed or invalid document is the PI's error, PAP 2000
 * Bad Request; any other failure (e.g. a charset we cannot read) is PAP 3006 Transformation failure.
 */
export async function compilePushContent(contentType: string, body: Buffer, compiler: PushCompiler = wbxmlCompiler): Promise<CompiledContent> {
  try {
    const out = await compiler(contentType, body);
    return { contentType: out.contentType, body: Buffer.from(out.body) };
  } catch (e) {
    throw new PapError(papCodeForCompileError(e), `content could not be compiled: ${(e as Error).message}`);
  }
}

/** WAP-247 §9.13: a document the PI got wrong is a 2000-class client error; the rest is the PPG's 3006. */
function papCodeForCompileError(e: unknown): number {
  if (e instanceof WbxmlError && (e.code === WbxmlErrorCode.XML || e.code === WbxmlErrorCode.DOCUMENT)) return PapCode.BAD_REQUEST;
  const badDeck: string[] = [ContentErrorCode.NOT_WELL_FORMED, ContentErrorCode.INVALID, ContentErrorCode.REFUSED, ContentErrorCode.LIMIT];
  if (e instanceof ContentError && badDeck.includes(e.code)) return PapCode.BAD_REQUEST;
  // OTA provisioning documents (src/prov): an invalid document, PIN or size is the PI's error
  if (e instanceof ProvError) return PapCode.BAD_REQUEST;
  return PapCode.TRANSFORMATION_FAILURE;
}
