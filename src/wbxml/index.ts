/**
 * WBXML for push content (WAP-192 with the SI, SL and CO tables of WAP-167, WAP-168 and WAP-175).
 *
 * CONTRACT (the PPG codes against these names):
 * - compilePushContent(contentType, body): text/vnd.wap.si|sl|co → compiled WBXML with the binary type
 *   (application/vnd.wap.sic|slc|coc); anything else returned unchanged. Bad documents throw WbxmlError.
 * - decompileWbxml(body): { publicId, xml }. Bad octets throw WapDecodeError.
 */
import { decodeWbxml, type DecodeOptions } from './decode.ts';
import { type CompileOptions, encodeWbxml, parseXml, xmlText } from './encode.ts';
import { WbxmlError, WbxmlErrorCode } from './errors.ts';
import { docTypeByTextType } from './tables.ts';

export { WbxmlError, WbxmlErrorCode } from './errors.ts';
export { decodeWbxml, decodeDate, type DecodedWbxml } from './decode.ts';
export { encodeDate, encodeWbxml, parseXml, type XmlElement } from './encode.ts';
export { CO, DOC_TYPES, SI, SL, type DocType } from './tables.ts';

const DEFAULT_MAX_BYTES = 64 * 1024;

export function compilePushContent(contentType: string, body: Buffer, opts: CompileOptions = {}): { contentType: string; body: Buffer } {
  const [type = '', ...params] = contentType.split(';');
  const doc = docTypeByTextType(type.trim());
  if (!doc) return { contentType, body };
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (body.length > max) throw new WbxmlError(WbxmlErrorCode.XML, `document of ${body.length} octets exceeds ${max}`);
  const charsetParam = params.map((p) => /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(p)?.[1]).find(Boolean);
  const charset = opts.charset ?? charsetParam;
  const root = parseXml(xmlText(body, charset));
  return { contentType: doc.binaryType, body: encodeWbxml(root, doc) };
}

export function decompileWbxml(body: Buffer, opts?: DecodeOptions): { publicId: number; xml: string } {
  const d = decodeWbxml(body, opts);
  return { publicId: d.publicId, xml: d.xml };
}
