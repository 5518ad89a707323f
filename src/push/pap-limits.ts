/**
 * Limits of a PAP request, apart from the parsers (pap-parse.ts, pap-multipart.ts), so the PPG can size its
 * body reader without loading them: they load at the first PAP request.
 */

/** Largest control document read (a push-message with many addresses stays far below). */
export const MAX_CONTROL_SIZE = 256 * 1024;
