/**
 * Errors from converting content for a handset. Every one carries a stable `code`; errors about the source
 * carry the 1-based line and column where it went wrong. The gateway turns them into a WML error deck or an
 * HTTP status (content.errors), never into a crash.
 */
export const ContentErrorCode = {
  /** Not well-formed XML. */
  NOT_WELL_FORMED: 'CONTENT_ERR_NOT_WELL_FORMED',
  /** Well-formed but not valid WML (strict mode), or not WML at all (wrong root, unknown public identifier). */
  INVALID: 'CONTENT_ERR_INVALID',
  /** Something we refuse to read: an internal DTD subset (entity declarations). */
  REFUSED: 'CONTENT_ERR_REFUSED',
  /** A configured bound was reached: source size, depth, element count. */
  LIMIT: 'CONTENT_ERR_LIMIT',
  /** Compiling took longer than allowed: the machine's load as much as the source, so never cached. */
  TIMEOUT: 'CONTENT_ERR_TIMEOUT',
  /** A character set we cannot read the source in. */
  CHARSET: 'CONTENT_ERR_CHARSET',
  /** The compiled form exceeds what the handset takes. */
  TOO_LARGE: 'CONTENT_ERR_TOO_LARGE',
  /** A WMLScript compile error (from the WMLScript compiler). */
  SCRIPT: 'CONTENT_ERR_SCRIPT',
} as const;
export type ContentErrorCode = (typeof ContentErrorCode)[keyof typeof ContentErrorCode];

export class ContentError extends Error {
  override readonly name = 'ContentError';
  constructor(
    readonly code: ContentErrorCode,
    /** What went wrong, without the position. */
    readonly detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? detail : `${detail} (line ${line}, column ${column ?? 0})`);
  }
}
