/**
 * MMS encapsulation codec (OMA-MMS-ENC 1.0–1.3): decodeMms / encodeMms and the shapes they use.
 */
export { decodeMms, type DecodeMmsOptions } from './decode.ts';
export { encodeMms, encodeContent } from './encode.ts';
export * from './types.ts';
export * from './fields.ts';
export { isMultipart, readMultipart, writeMultipart, encodeMultipart, partHeader } from './multipart.ts';
export * from './address.ts';
