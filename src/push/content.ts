/**
 * Content transformation before push (WAP-249 §6.1): SI, SL and CO XML are compiled to WBXML
 * (application/vnd.wap.sic, slc, coc) by src/wbxml's compilePushContent; MMS notifications and every other
 * type pass through unchanged. The compiler is found at run time so the PPG works (passing XML through as
 * text/vnd.wap.si etc., which handsets also accept) before and without the WBXML module.
 */
import { PapCode, PapError } from './pap-codes.ts';

export interface CompiledContent {
  contentType: string;
  body: Buffer;
}

export type PushCompiler = (contentType: string, body: Buffer) => CompiledContent | Promise<CompiledContent>;

/** Identity: what the PPG pushes when no compiler is available. */
export const passThrough: PushCompiler = (contentType, body) => ({ contentType, body });

const CANDIDATES = ['../wbxml/index.ts', '../wbxml/push.ts', '../wbxml/compile.ts'];

let found: Promise<PushCompiler | undefined> | undefined;

/** src/wbxml's compilePushContent, or undefined while that module does not exist. */
export function findWbxmlCompiler(): Promise<PushCompiler | undefined> {
  found ??= (async () => {
    for (const spec of CANDIDATES) {
      try {
        const mod = (await import(spec)) as { compilePushContent?: PushCompiler };
        if (typeof mod.compilePushContent === 'function') return mod.compilePushContent;
      } catch {
        // not there (yet)
      }
    }
    return undefined;
  })();
  return found;
}

/** Compiles with `compiler` (default: src/wbxml's), mapping any failure to PAP 3006 Transformation failure. */
export async function compilePushContent(contentType: string, body: Buffer, compiler?: PushCompiler): Promise<CompiledContent> {
  const c = compiler ?? (await findWbxmlCompiler()) ?? passThrough;
  try {
    const out = await c(contentType, body);
    return { contentType: out.contentType, body: Buffer.from(out.body) };
  } catch (e) {
    throw new PapError(PapCode.TRANSFORMATION_FAILURE, `content could not be compiled: ${(e as Error).message}`);
  }
}
