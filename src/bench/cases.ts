import { Writer } from '../wire/writer.ts';

/** The benchmark matrix: the cases of ../shared/peers/kannel/bench.sh plus the SAR-heavy 6000-byte Get. */

export interface FakewapCase {
  name: string;
  what: string;
  port: 9200 | 9201;
  path: '/mms' | '/big';
  transactions: number;
  phones: number;
  /** Size of the m-send-req to POST; absent for Get. */
  postBytes?: number;
}

export const FAKEWAP_CASES: FakewapCase[] = [
  { name: 'co-get', what: 'CO Get (Connect+Get+Disconnect), 16 phones', port: 9201, path: '/mms', transactions: 10000, phones: 16 },
  { name: 'cl-get', what: 'CL Get, 16 phones', port: 9200, path: '/mms', transactions: 20000, phones: 16 },
  { name: 'co-post', what: 'CO Post of a 2000 B m-send-req (SAR), 16 phones', port: 9201, path: '/mms', transactions: 4000, phones: 16, postBytes: 2000 },
  { name: 'cl-post', what: 'CL Post of a 300 B m-send-req, 16 phones', port: 9200, path: '/mms', transactions: 10000, phones: 16, postBytes: 300 },
  { name: 'co-get-1', what: 'CO Get, one phone', port: 9201, path: '/mms', transactions: 100, phones: 1 },
  { name: 'cl-get-1', what: 'CL Get, one phone', port: 9200, path: '/mms', transactions: 2000, phones: 1 },
  { name: 'co-big', what: 'CO Get of a 6000 B body (SAR Result), 16 phones', port: 9201, path: '/big', transactions: 500, phones: 16 },
];

/** Scales transaction counts down for a quick look (never below the phone count). */
export function scaled(c: FakewapCase, factor: number): FakewapCase {
  return { ...c, transactions: Math.max(c.phones, Math.round(c.transactions * factor)) };
}

const uintvar = (n: number): Buffer => Buffer.from(new Writer(5).uintvar(n).finish());

/**
 * A valid m-send-req of exactly `size` octets (one text/plain part, padded), the same shape as
 * ../shared/peers/kannel/make-mms.js produces, so both gateways get identical bodies.
 */
export function mSendReqOfSize(size: number): Buffer {
  const head = Buffer.concat([
    Buffer.from([0x8c, 0x80]), // X-Mms-Message-Type: m-send-req
    Buffer.from([0x98]),
    Buffer.from('T0000001\0', 'latin1'),
    Buffer.from([0x8d, 0x90]), // MMS 1.0
    Buffer.from([0x89, 0x01, 0x81]), // From: insert-address-token
    Buffer.from([0x97]),
    Buffer.from('+15550100/TYPE=PLMN\0', 'latin1'),
    Buffer.from([0x84, 0xa3]), // Content-Type: application/vnd.wap.multipart.mixed
  ]);
  const build = (k: number) => Buffer.concat([head, uintvar(1), uintvar(1), uintvar(k), Buffer.from([0x83]), Buffer.alloc(k, 0x41)]);
  let k = size - head.length - 4;
  while (k > 0 && build(k).length > size) k--;
  const pdu = build(k);
  if (pdu.length !== size) throw new Error(`cannot build an m-send-req of exactly ${size} bytes`);
  return pdu;
}
