/**
 * WSP PDUs (WAP-230 §8.2): types, decoder and encoder. Import from here.
 *
 *   decodeWspPdu(buf, opts?) / encodeWspPdu(pdu, opts?)            connection-oriented (inside WTP), no TID
 *   decodeConnectionless(buf, opts?) / encodeConnectionless(tid, pdu, opts?)   connectionless (UDP 9200/2948)
 */
export * from './pdu-types.ts';
export { decodeConnectionless, decodeWspPdu, isExtendedMethod, readWspPdu } from './pdu-decode.ts';
export { encodeConnectionless, encodeWspPdu, writeWspPdu } from './pdu-encode.ts';
