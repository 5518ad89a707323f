/**
 * Types for the parts of the npm `radius` library (1.1.x, plain JavaScript, no bundled types) that wapgate uses.
 * Documented in the library's README: decode / decode_without_secret / encode / encode_response / verify_response.
 */
declare module 'radius' {
  export type RawAttribute = [type: number, value: Buffer];
  export interface DecodedPacket {
    code: string;
    identifier: number;
    length: number;
    authenticator: Buffer;
    attributes: Record<string, unknown>;
    raw_attributes: RawAttribute[];
  }
  export type EncodeAttribute = [number | string, ...unknown[]];
  export function decode(args: { packet: Buffer; secret: string }): DecodedPacket;
  export function decode_without_secret(args: { packet: Buffer }): DecodedPacket;
  export function encode(args: {
    code: string;
    secret: string;
    identifier?: number;
    authenticator?: Buffer;
    attributes?: EncodeAttribute[] | Record<string, unknown>;
    add_message_authenticator?: boolean;
  }): Buffer;
  export function encode_response(args: {
    packet: DecodedPacket;
    code: string;
    secret: string;
    attributes?: EncodeAttribute[];
  }): Buffer;
  export function verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
  const radius: {
    decode: typeof decode;
    decode_without_secret: typeof decode_without_secret;
    encode: typeof encode;
    encode_response: typeof encode_response;
    verify_response: typeof verify_response;
  };
  export default radius;
}
