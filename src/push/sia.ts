/**
 * The Session Initiation Application's content (WAP-235 §8.2.2, application/vnd.wap.sia): what a PPG pushes,
 * connectionless, to ask a handset to open a WSP session to it — version 0, the application ids that want the
 * session, and the contact points (WSP addresses, WAP-230 §8.2.2.3) to connect to. The application ids are
 * whole X-Wap-Application-Id headers (name and value), as Wireshark's "WAP Session Initiation Request" reads
 * them (Kannel packs bare values). Pure codec.
 */
import { Reader } from '../wire/reader.ts';
import { Writer } from '../wire/writer.ts';
import { DecodeErrorCode } from '../wire/errors.ts';
import { readAddresses, writeAddress, type WspAddress } from '../wsp/capabilities.ts';
import { decodeHeaders, encodeHeaders } from '../wsp/headers/index.ts';

export const SIA_CONTENT_TYPE = 'application/vnd.wap.sia';
/** WAP-235 §8.2.1: the SIA listens on this application id (WINA code 0x01). */
export const SIA_APPLICATION_ID = 'x-wap-application:push.sia';

export interface SiaContent {
  /** Application ids as URNs ('x-wap-application:wml.ua') or registered codes in decimal. */
  appIds: string[];
  contactPoints: WspAddress[];
}

/** WAP-235 §8.2.2: Version uint8 (0), AppIdListLen uintvar, AppIdList, ContactPointsLen uintvar, ContactPoints. */
export function encodeSia(c: SiaContent): Buffer {
  // WAP-230 §8.4.2.54: each value an App-assigned-code when registered, else a Uri-value.
  const a = encodeHeaders(c.appIds.map((value) => ({ name: 'X-Wap-Application-Id', value })));
  const points = new Writer(32);
  for (const p of c.contactPoints) writeAddress(points, p);
  const p = points.finish();
  return new Writer(a.length + p.length + 11).u8(0).uintvar(a.length).bytes(a).uintvar(p.length).bytes(p).finish();
}

/** Only WapDecodeError comes out. */
export function decodeSia(buf: Buffer): SiaContent {
  const r = new Reader(buf);
  const version = r.u8();
  if (version !== 0) r.fail(DecodeErrorCode.VERSION, `SIA version ${version}`, 0);
  const appIds = decodeHeaders(r.sub(r.uintvar(), 'AppIdList'))
    .filter((h) => h.name.toLowerCase() === 'x-wap-application-id')
    .map((h) => h.value);
  const contactPoints = readAddresses(r.sub(r.uintvar(), 'ContactPoints'));
  r.expectEnd('SIA');
  return { appIds, contactPoints };
}
