/**
 * The one error every stage of the WMLScript compiler throws. Each carries a stable `code` and the 1-based
 * line and column of the source where compilation stopped, so the gateway can show them in an error deck.
 * Every stage raises through `raise()` (the way acorn raises every error through one function that attaches
 * the position) — nothing else may escape `compileWmlScript`.
 */
export const WmlsErrorCode = {
  /** The source is larger than `maxSourceBytes`. */
  SOURCE_TOO_LARGE: 'WMLS_SOURCE_TOO_LARGE',
  /** The compiled unit is larger than `maxBytecodeBytes`. */
  BYTECODE_TOO_LARGE: 'WMLS_BYTECODE_TOO_LARGE',
  /** Compiling took longer than `maxMillis`. */
  TIMEOUT: 'WMLS_TIMEOUT',
  /** Statements or expressions nested deeper than `maxDepth`. */
  TOO_DEEP: 'WMLS_TOO_DEEP',
  /** A character that starts no token (WAP-193 §6.1). */
  BAD_CHARACTER: 'WMLS_BAD_CHARACTER',
  /** A string literal or block comment the input ends inside. */
  UNTERMINATED: 'WMLS_UNTERMINATED',
  /** A malformed or unknown escape sequence in a string literal (WAP-193 §6.1.5.4). */
  BAD_ESCAPE: 'WMLS_BAD_ESCAPE',
  /** A malformed numeric literal (WAP-193 §6.1.5.1, §6.1.5.2). */
  BAD_NUMBER: 'WMLS_BAD_NUMBER',
  /** An integer literal outside the 32-bit range (WAP-193 §6.2.7.1). */
  INTEGER_RANGE: 'WMLS_INTEGER_RANGE',
  /** A floating-point literal outside the 32-bit range (WAP-193 §6.2.7.2). */
  FLOAT_RANGE: 'WMLS_FLOAT_RANGE',
  /** A token the grammar does not allow here (WAP-193 §14 grammar). */
  SYNTAX: 'WMLS_SYNTAX',
  /** A reserved word where an identifier is needed (WAP-193 §6.1.3). */
  RESERVED_WORD: 'WMLS_RESERVED_WORD',
  /** A variable used before (or without) its declaration (WAP-193 §6.4). */
  UNKNOWN_VARIABLE: 'WMLS_UNKNOWN_VARIABLE',
  /** A variable or parameter declared twice in one function (WAP-193 §6.4.2). */
  REDECLARED: 'WMLS_REDECLARED',
  /** A call to a local function the unit does not declare (WAP-193 §6.3.3.1). */
  UNKNOWN_FUNCTION: 'WMLS_UNKNOWN_FUNCTION',
  /** A function declared twice (WAP-193 §6.3.1). */
  REDEFINED: 'WMLS_REDEFINED',
  /** A call with the wrong number of arguments (WAP-193 §6.3.3). */
  ARITY: 'WMLS_ARITY',
  /** An unknown standard library or library function (WAP-194). */
  UNKNOWN_LIBRARY: 'WMLS_UNKNOWN_LIBRARY',
  /** An external call through a `use url` name the unit does not declare (WAP-193 §6.7.1). */
  UNKNOWN_UNIT: 'WMLS_UNKNOWN_UNIT',
  /** A pragma given twice where the spec allows one (WAP-193 §6.7). */
  PRAGMA: 'WMLS_PRAGMA',
  /** `break` or `continue` outside a loop (WAP-193 §6.5.7, §6.5.8). */
  NOT_IN_LOOP: 'WMLS_NOT_IN_LOOP',
  /** A count beyond what the bytecode can express (WAP-193 §9: 255 functions, 255 variables, 65535 constants…). */
  LIMIT: 'WMLS_LIMIT',
} as const;
export type WmlsErrorCode = (typeof WmlsErrorCode)[keyof typeof WmlsErrorCode];

/** A position in the source: 1-based line and column (UTF-16 code units). */
export interface SourcePos {
  line: number;
  column: number;
}

export class WmlScriptCompileError extends Error {
  override readonly name = 'WmlScriptCompileError';
  constructor(
    readonly code: WmlsErrorCode,
    readonly line: number,
    readonly column: number,
    /** The message without the position (for an error deck that shows the position apart). */
    readonly reason: string,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
  }
}

/** The one way any stage fails: a typed error at a source position. */
export function raise(code: WmlsErrorCode, message: string, pos: SourcePos | undefined): never {
  throw new WmlScriptCompileError(code, pos?.line ?? 1, pos?.column ?? 1, message);
}

export function isWmlScriptCompileError(e: unknown): e is WmlScriptCompileError {
  return e instanceof WmlScriptCompileError;
}
