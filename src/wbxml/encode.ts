/**
 * XML push documents (SI, SL, CO) → WBXML 1.3 (WAP-192): the documents' own rules here, the encoding by the
 * language-neutral engine (engine.ts) with the type's tables (tables.ts): tag tokens, attribute-start tokens with
 * value-prefix compression (href="http://www."), attribute-value tokens (".com/"), %Datetime attributes as
 * OPAQUE (WAP-167 §8.2.2), inline strings in UTF-8, no string table.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { encodeDocument, type WbxmlAttr, type WbxmlNode } from './engine.ts';
import { WbxmlError, WbxmlErrorCode } from './errors.ts';
import { type DocType, WBXML_VERSION_1_3 } from './tables.ts';

export interface CompileOptions {
  /** Refuse documents larger than this many octets (default 64 KiB). */
  maxBytes?: number;
  /** Charset named by the HTTP/PAP Content-Type, if any (else the XML declaration, else UTF-8). */
  charset?: string;
}

/** One element of the parsed document. */
export interface XmlElement {
  name: string;
  attrs: [string, string][];
  children: (XmlElement | string)[];
}

const MAX_DEPTH = 16;

// ---------------------------------------------------------------- XML side

/** Octets → text: BOM, then the given charset, then the XML declaration's encoding, else UTF-8. */
export function xmlText(body: Buffer, charset?: string): string {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return body.subarray(3).toString('utf8');
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return body.subarray(2).toString('utf16le');
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return Buffer.from(body.subarray(2)).swap16().toString('utf16le');
  const declared = charset ?? /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(body.subarray(0, 200).toString('latin1'))?.[1];
  const cs = (declared ?? 'utf-8').toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8') return body.toString('utf8');
  if (['iso-8859-1', 'latin1', 'us-ascii', 'ascii', 'iso_8859-1'].includes(cs)) return body.toString('latin1');
  if (cs === 'utf-16le') return body.toString('utf16le');
  throw new WbxmlError(WbxmlErrorCode.CHARSET, `unsupported document charset '${declared}'`);
}

type Ordered = Record<string, unknown>;

/** Parses and checks well-formedness; refuses internal DTD subsets (entity expansion) outright. */
export function parseXml(text: string): XmlElement {
  if (/<!DOCTYPE[^>]*\[/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new WbxmlError(WbxmlErrorCode.XML, 'internal DTD subsets and entity declarations are not accepted');
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new WbxmlError(WbxmlErrorCode.XML, `XML not well-formed: ${valid.err.msg}`, valid.err.line);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: '#comment',
    processEntities: true,
    // numeric character references (&#233;) — and, leniently, the HTML named ones
    htmlEntities: true,
  });
  const tree = parser.parse(text) as Ordered[];
  const roots = tree.map(toElement).filter((e): e is XmlElement => typeof e !== 'string');
  if (roots.length !== 1) throw new WbxmlError(WbxmlErrorCode.XML, `expected one root element, found ${roots.length}`);
  return roots[0]!;
}

function toElement(node: Ordered, depth = 0): XmlElement | string {
  if (depth > MAX_DEPTH) throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `elements nested deeper than ${MAX_DEPTH}`);
  if ('#text' in node) return String(node['#text']);
  if ('#comment' in node) return '';
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name.startsWith('!')) return '';
  const attrs = Object.entries((node[':@'] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)] as [string, string]);
  const kids = (node[name] as Ordered[] | undefined) ?? [];
  return { name, attrs, children: kids.map((k) => toElement(k, depth + 1)).filter((k) => k !== '') };
}

// ---------------------------------------------------------------- WBXML side

/**
 * Compiles a parsed document of the given type: the push document's own rules are checked here (root, which
 * elements take text, enumerated actions, %Datetime as OPAQUE), the tokens are the engine's (engine.ts) with the
 * type's tables. No string table (push documents are short and Kannel's peers expect none).
 */
export function encodeWbxml(root: XmlElement, doc: DocType): Buffer {
  if (root.name !== doc.root) {
    throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `root element <${root.name}> is not <${doc.root}> (${doc.fpi})`);
  }
  return encodeDocument(toNode(root, doc), doc.language, { version: WBXML_VERSION_1_3, stringTable: false });
}

function toNode(el: XmlElement, doc: DocType): WbxmlNode {
  if (!doc.tags.has(el.name)) throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `<${el.name}> is not an element of ${doc.fpi}`);
  const content = el.children.map((c) => (typeof c === 'string' ? normaliseText(c) : c)).filter((c) => c !== '');
  if (content.some((c) => typeof c === 'string') && !doc.textElements.has(el.name)) {
    throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `<${el.name}> takes no text content`);
  }
  for (const c of content) if (typeof c === 'string' && c.includes('\0')) throw new WbxmlError(WbxmlErrorCode.DOCUMENT, 'text contains NUL');
  return {
    tag: el.name,
    attrs: el.attrs.map(([name, value]) => toAttr(name, value, doc)),
    content: content.map((c) => (typeof c === 'string' ? c : toNode(c, doc))),
  };
}

/** Element text with runs of white space collapsed and the ends trimmed (as Kannel's compilers do). */
function normaliseText(s: string): string {
  return s.replace(/[ \t\r\n]+/g, ' ').trim();
}

function toAttr(name: string, value: string, doc: DocType): WbxmlAttr {
  const starts = doc.attrStarts.filter((a) => a.name === name);
  if (!starts.some((a) => value.startsWith(a.prefix))) {
    throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `attribute ${name}="${value}" is not allowed by ${doc.fpi}`);
  }
  // Enumerated values (action, WAP-167 §7.2 / WAP-168 §8.2) are whole-value tokens.
  if (name === 'action' && !starts.some((a) => a.prefix === value)) {
    throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `action="${value}" is not one of the values ${doc.fpi} allows`);
  }
  if (value.includes('\0')) throw new WbxmlError(WbxmlErrorCode.DOCUMENT, 'text contains NUL');
  // WAP-167 §8.2.2: %Datetime values go as OPAQUE (their attribute-start tokens carry no prefix).
  if (doc.dateAttrs.has(name)) return { name, value: [{ opaque: encodeDate(value, name) }] };
  return { name, value: [value] };
}

/**
 * WAP-167 §8.2.2: a %Datetime "YYYY-MM-DDThh:mm:ssZ" is sent as OPAQUE holding its 14 digits packed two per
 * octet (BCD), with trailing zero octets left out.
 */
export function encodeDate(value: string, attr = 'date'): Buffer {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(value.trim());
  if (!m) throw new WbxmlError(WbxmlErrorCode.DOCUMENT, `${attr}="${value}" is not a YYYY-MM-DDThh:mm:ssZ date`);
  const digits = m.slice(1).join('');
  const octets: number[] = [];
  for (let i = 0; i < digits.length; i += 2) octets.push((Number(digits[i]) << 4) | Number(digits[i + 1]));
  while (octets.length > 0 && octets[octets.length - 1] === 0) octets.pop();
  return Buffer.from(octets);
}
