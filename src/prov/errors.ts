/**
 * Errors of OTA provisioning. Every refusal names what was wrong (the element path, the parameter, the limit)
 * and carries a stable code; `httpStatus` is the 4xx a front door (sendota, PAP, the CLI) answers with.
 * Decoding WBXML octets fails only with WapDecodeError (src/wire), as every decoder of untrusted bytes does.
 */
export const ProvErrorCode = {
  /** Not well-formed XML, or XML we refuse to read (internal DTD subset, entity declarations, too large). */
  XML: 'PROV_ERR_XML',
  /** Well-formed, but not a valid document: unknown characteristic or parm, wrong nesting, stray text. */
  DOCUMENT: 'PROV_ERR_DOCUMENT',
  /** A PIN or IMSI that the chosen security method cannot use. */
  PIN: 'PROV_ERR_PIN',
  /** The compiled document does not fit the bearer (or a configured cap). */
  SIZE: 'PROV_ERR_SIZE',
  /** A content type or security method we do not know. */
  TYPE: 'PROV_ERR_TYPE',
  /** A settings template that does not validate. */
  TEMPLATE: 'PROV_ERR_TEMPLATE',
} as const;
export type ProvErrorCode = (typeof ProvErrorCode)[keyof typeof ProvErrorCode];

export class ProvError extends Error {
  override readonly name = 'ProvError';
  constructor(
    readonly code: ProvErrorCode,
    message: string,
    /** Where: an element path such as `characteristic[NAPDEF]/parm[FOO]`, or a parameter name. */
    readonly element?: string,
  ) {
    super(element ? `${element}: ${message}` : message);
  }

  /** The HTTP status a front door answers with: 413 for size, 415 for an unknown type, else 400. */
  get httpStatus(): number {
    if (this.code === ProvErrorCode.SIZE) return 413;
    if (this.code === ProvErrorCode.TYPE) return 415;
    return 400;
  }
}
