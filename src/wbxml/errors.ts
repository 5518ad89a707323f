/**
 * Errors from compiling push content. Decoding WBXML octets fails only with WapDecodeError (the house rule for
 * every decoder of untrusted bytes); a document that cannot be compiled fails with a WbxmlError whose `code`
 * the PPG maps to a PAP status (WAP-247 §9.13: 2000-class client errors).
 */
export const WbxmlErrorCode = {
  /** Not well-formed XML, or a document we refuse to read (internal DTD subset, too large). */
  XML: 'WBXML_ERR_XML',
  /** Well-formed, but not a valid document of its type (unknown element or attribute, bad date, wrong root). */
  DOCUMENT: 'WBXML_ERR_DOCUMENT',
  /** A character set we cannot read the document in. */
  CHARSET: 'WBXML_ERR_CHARSET',
  /** The compiled document would exceed the size the caller allows. */
  TOO_LARGE: 'WBXML_ERR_TOO_LARGE',
} as const;
export type WbxmlErrorCode = (typeof WbxmlErrorCode)[keyof typeof WbxmlErrorCode];

export class WbxmlError extends Error {
  override readonly name = 'WbxmlError';
  constructor(
    readonly code: WbxmlErrorCode,
    message: string,
    /** Line in the XML source, when the parser reported one. */
    readonly line?: number,
  ) {
    super(line === undefined ? message : `${message} (line ${line})`);
  }
}
