/**
 * The one error family every wapgate decoder throws. A decoder that reads untrusted bytes may fail only with
 * a WapDecodeError (never a RangeError, never a hang): each carries a stable `code` and the absolute byte
 * offset at which decoding stopped. Upper layers map codes to the answer the spec asks for (a WTP Abort
 * reason, a WSP status) — see `wtp/` and `wsp/` for those maps.
 */
export const DecodeErrorCode = {
  /** The input ended before a field did. */
  TRUNCATED: 'WAP_ERR_TRUNCATED',
  /** A uintvar longer than 5 octets or above 2^32-1 (WAP-230 §8.1.2). */
  UINTVAR: 'WAP_ERR_UINTVAR',
  /** A field holds a value the encoding does not allow. */
  VALUE: 'WAP_ERR_VALUE',
  /** A PDU type / header / token the decoder does not know and cannot skip. */
  UNKNOWN_TYPE: 'WAP_ERR_UNKNOWN_TYPE',
  /** A protocol version the decoder does not speak. */
  VERSION: 'WAP_ERR_VERSION',
  /** A length or count beyond a configured cap (e.g. too many headers, nesting too deep). */
  LIMIT: 'WAP_ERR_LIMIT',
  /** Bytes left over where the structure must end. */
  TRAILING: 'WAP_ERR_TRAILING',
} as const;
export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode];

export class WapDecodeError extends Error {
  override readonly name = 'WapDecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    /** Absolute offset into the buffer that was being decoded. */
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at offset ${offset})`);
  }
}

/** Thrown by encoders given a value that has no valid encoding (a programming or configuration error). */
export class WapEncodeError extends Error {
  override readonly name = 'WapEncodeError';
  readonly code = 'WAP_ERR_ENCODE';
}

export function isWapDecodeError(e: unknown): e is WapDecodeError {
  return e instanceof WapDecodeError;
}
