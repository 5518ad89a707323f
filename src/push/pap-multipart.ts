/**
 * The PAP request body (WAP-247 §8): a push-message travels as multipart/related (RFC 2387) whose first part
 * is the control entity (application/xml), the second the content entity and an optional third the
 * capabilities entity; cancel, status query and ccq messages may come as a bare application/xml document.
 * Multipart framing is read with @mjackson/multipart-parser.
 */
import { MaxFileSizeExceededError, MultipartParseError, parseMultipart } from '@mjackson/multipart-parser';
import { PapCode, PapError } from './pap-codes.ts';

export interface ContentEntity {
  /** Part headers, names lower-cased, in order. */
  headers: [string, string][];
  contentType: string;
  body: Buffer;
  /** Set (and body left empty) when the content exceeded maxContentSize: the caller answers 2000. */
  tooLarge?: number;
}

export interface PapRequestBody {
  control: string;
  content?: ContentEntity;
  capabilities?: string;
}

const MAX_PARTS = 3;

function mediaType(ct: string): string {
  return (ct.split(';')[0] ?? '').trim().toLowerCase();
}

function boundaryOf(ct: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  return m ? (m[1] ?? m[2]) : undefined;
}

function isXml(mt: string): boolean {
  return mt === 'application/xml' || mt === 'text/xml';
}

/**
 * Splits the body (whose total size the caller has already bounded). `maxContentSize` caps the content
 * entity (after Content-Transfer-Encoding base64 is undone): beyond it the entity comes back marked
 * `tooLarge` with no octets, so the caller can still answer the push-message by its push-id.
 */
export function parsePapBody(contentTypeHeader: string | undefined, body: Buffer, maxContentSize: number): PapRequestBody {
  const ct = contentTypeHeader ?? '';
  const mt = mediaType(ct);
  if (isXml(mt)) return { control: body.toString('utf8') };
  if (!mt.startsWith('multipart/')) {
    throw new PapError(PapCode.BAD_REQUEST, `Content-Type '${mt || '(none)'}' is neither multipart/related nor application/xml: no control entity`);
  }
  const boundary = boundaryOf(ct);
  if (!boundary || boundary.length > 70) throw new PapError(PapCode.BAD_REQUEST, 'multipart body without a valid boundary');
  const parts: { headers: [string, string][]; body: Buffer }[] = [];
  // RFC 2046 §5.1.1: a preamble before the first delimiter is discarded (Kannel's PIs send a CRLF there).
  const delimiter = `--${boundary}`;
  const at = body.subarray(0, delimiter.length).toString('latin1') === delimiter ? 0 : body.indexOf(`\r\n${delimiter}`);
  if (at < 0) throw new PapError(PapCode.BAD_REQUEST, 'multipart body without its boundary: no control entity');
  const framed = at === 0 && body[0] === 0x2d ? body : body.subarray(at + 2);
  try {
    for (const part of parseMultipart(framed, { boundary, maxFileSize: body.length + 1, maxHeaderSize: 8192 })) {
      if (parts.length >= MAX_PARTS) throw new PapError(PapCode.BAD_REQUEST, `more than ${MAX_PARTS} parts in the PAP message`);
      parts.push({ headers: [...part.headers].map(([k, v]) => [k.toLowerCase(), v]), body: Buffer.from(part.bytes) });
    }
  } catch (e) {
    if (e instanceof PapError) throw e;
    if (e instanceof MaxFileSizeExceededError) {
      throw new PapError(PapCode.BAD_REQUEST, `content entity larger than ${maxContentSize} octets`);
    }
    if (e instanceof MultipartParseError) throw new PapError(PapCode.BAD_REQUEST, `multipart body not readable: ${e.message}`);
    throw e;
  }
  const [control, content, capabilities] = parts;
  if (!control) throw new PapError(PapCode.BAD_REQUEST, 'multipart body without parts: no control entity');
  const controlType = mediaType(header(control.headers, 'content-type') ?? 'application/xml');
  if (!isXml(controlType)) {
    throw new PapError(PapCode.BAD_REQUEST, `first part is ${controlType}, not the application/xml control entity`);
  }
  const out: PapRequestBody = { control: control.body.toString('utf8') };
  if (content) {
    let data = content.body;
    const cte = header(content.headers, 'content-transfer-encoding')?.trim().toLowerCase();
    // RFC 2045 §6: base64 and the identity encodings; anything else cannot be pushed as is.
    if (cte === 'base64') data = Buffer.from(data.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    else if (cte && !['7bit', '8bit', 'binary'].includes(cte)) {
      throw new PapError(PapCode.TRANSFORMATION_FAILURE, `Content-Transfer-Encoding ${cte} not supported`);
    }
    const ctype = header(content.headers, 'content-type')?.trim() ?? '';
    const headers = content.headers.filter(([k]) => k !== 'content-transfer-encoding');
    out.content =
      data.length > maxContentSize
        ? { headers, contentType: ctype, body: Buffer.alloc(0), tooLarge: data.length }
        : { headers, contentType: ctype, body: data };
  }
  if (capabilities) out.capabilities = capabilities.body.toString('utf8');
  return out;
}

function header(h: [string, string][], name: string): string | undefined {
  return h.find(([k]) => k === name)?.[1];
}
