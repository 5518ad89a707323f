/**
 * The PDUs the reference MMSC sends (OMA-MMS-ENC-V1_3 §6): m-send-conf, m-notification-ind, m-retrieve-conf,
 * m-delivery-ind, m-read-orig-ind. Pure builders over the MMS codec.
 */
import {
  encodeContent,
  encodedString,
  encodeMms,
  type MmsHeaders,
  type MmsPdu,
  type MmsStatus,
  type ResponseStatus,
  type RetrieveStatus,
} from '../mms/index.ts';
import type { MessageRecord, RecipientRecord } from './store.ts';

/** The MMS version this MMSC speaks (§7.3.34: answers carry the version of the answering entity). */
export const MMSC_MMS_VERSION = '1.2';

/** §6.1.2 m-send-conf (and §6.5.3 m-forward-conf, same fields): Response-Status, [Response-Text], [Message-ID]. */
export function sendConf(
  transactionId: string,
  status: ResponseStatus,
  o: { messageId?: string; text?: string } = {},
  type: 'm-send-conf' | 'm-forward-conf' = 'm-send-conf',
): Buffer {
  const headers: MmsHeaders = { transactionId, mmsVersion: MMSC_MMS_VERSION, responseStatus: status };
  if (o.text) headers.responseText = encodedString(o.text);
  if (o.messageId) headers.messageId = o.messageId;
  return encodeMms({ messageType: type, headers });
}

/** §6.2 m-notification-ind for one recipient. */
export function notificationInd(m: MessageRecord, r: RecipientRecord, contentLocation: string): Buffer {
  const headers: MmsHeaders = { transactionId: r.transactionId, mmsVersion: MMSC_MMS_VERSION };
  if (m.senderVisible) headers.from = { address: encodedString(m.from) };
  if (m.subject) headers.subject = m.subject;
  headers.messageClass = m.messageClass ?? 'Personal';
  headers.messageSize = m.size;
  headers.expiry = { absolute: new Date(m.expiresAt) };
  headers.deliveryReport = m.deliveryReport;
  headers.contentLocation = contentLocation;
  return encodeMms({ messageType: 'm-notification-ind', headers });
}

/**
 * §6.3 m-retrieve-conf built from an accepted m-send-req: its headers for the recipient (Bcc dropped, §6.3) and
 * its Content-Type and body octets unchanged. No Transaction-Id: one is inserted per GET (see withTransactionId).
 */
export function retrieveConfFromSendReq(req: MmsPdu, m: MessageRecord): Buffer {
  const h = req.headers;
  const headers: MmsHeaders = { mmsVersion: MMSC_MMS_VERSION, messageId: m.messageId, date: new Date(m.receivedAt) };
  headers.from = m.senderVisible ? { address: encodedString(m.from) } : { insertAddress: true };
  if (h.to) headers.to = h.to;
  if (h.cc) headers.cc = h.cc;
  if (h.subject) headers.subject = h.subject;
  headers.messageClass = m.messageClass ?? 'Personal';
  if (h.priority !== undefined) headers.priority = h.priority;
  headers.deliveryReport = m.deliveryReport;
  if (h.readReport !== undefined) headers.readReport = h.readReport;
  const head = encodeMms({ messageType: 'm-retrieve-conf', headers });
  return Buffer.concat([head, encodeContent(req)]);
}

/**
 * §6.5.2 / §6.3: the m-retrieve-conf of a forwarded message: the forwarder as From, the new recipients, the
 * original sender and date as X-Mms-Previously-Sent-By / -Date (one more forwarding count), the original content.
 */
export function forwardedRetrieveConf(original: MmsPdu, fwd: MmsPdu, m: MessageRecord): Buffer {
  const o = original.headers;
  const count = Math.max(0, ...(o.previouslySentBy ?? []).map((p) => p.count)) + 1;
  const headers: MmsHeaders = { mmsVersion: MMSC_MMS_VERSION, messageId: m.messageId, date: new Date(m.receivedAt) };
  headers.from = { address: encodedString(m.from) };
  if (fwd.headers.to) headers.to = fwd.headers.to;
  if (fwd.headers.cc) headers.cc = fwd.headers.cc;
  if (o.subject) headers.subject = o.subject;
  headers.messageClass = m.messageClass ?? 'Personal';
  if (o.priority !== undefined) headers.priority = o.priority;
  headers.deliveryReport = m.deliveryReport;
  if (fwd.headers.readReport !== undefined) headers.readReport = fwd.headers.readReport;
  const sender = o.from && 'address' in o.from ? o.from.address : undefined;
  headers.previouslySentBy = [...(o.previouslySentBy ?? []), ...(sender ? [{ count, address: sender }] : [])];
  headers.previouslySentDate = [...(o.previouslySentDate ?? []), ...(o.date ? [{ count, date: o.date }] : [])];
  if (headers.previouslySentBy.length === 0) delete headers.previouslySentBy;
  if (headers.previouslySentDate.length === 0) delete headers.previouslySentDate;
  const head = encodeMms({ messageType: 'm-retrieve-conf', headers });
  return Buffer.concat([head, encodeContent(original)]);
}

/**
 * Inserts X-Mms-Transaction-Id right after X-Mms-Message-Type (§7.1 order) into an m-retrieve-conf this MMSC
 * built (which starts 8C 84 and carries none), so the handset's m-acknowledge-ind can be matched.
 */
export function withTransactionId(stored: Buffer, transactionId: string): Buffer {
  const tid = encodeMms({ messageType: 'm-retrieve-conf', headers: { transactionId } }).subarray(2);
  return Buffer.concat([stored.subarray(0, 2), tid, stored.subarray(2)]);
}

/**
 * §6.3 m-retrieve-conf carrying an error status: the answer for unknown or expired URLs. Content-Type is mandatory
 * in m-retrieve-conf, so the explanation travels as a text/plain body too (as operator MMSCs do).
 */
export function retrieveError(status: RetrieveStatus, text: string, now: number): Buffer {
  return encodeMms({
    messageType: 'm-retrieve-conf',
    headers: {
      mmsVersion: MMSC_MMS_VERSION,
      date: new Date(now),
      retrieveStatus: status,
      retrieveText: encodedString(text),
    },
    contentType: { type: 'text/plain', params: [{ name: 'charset', value: 'utf-8' }] },
    body: Buffer.from(text, 'utf8'),
  });
}

/** §6.6 m-delivery-ind to the sender. */
export function deliveryInd(m: MessageRecord, r: RecipientRecord, status: MmsStatus, now: number): Buffer {
  return encodeMms({
    messageType: 'm-delivery-ind',
    headers: {
      mmsVersion: MMSC_MMS_VERSION,
      messageId: m.messageId,
      to: [encodedString(r.address)],
      date: new Date(now),
      status,
    },
  });
}

/** §6.7.2 m-read-orig-ind to the original sender, from a recipient's m-read-rec-ind. */
export function readOrigInd(rec: MmsPdu, m: MessageRecord, reader: string, now: number): Buffer {
  const headers: MmsHeaders = {
    mmsVersion: MMSC_MMS_VERSION,
    messageId: m.messageId,
    to: [encodedString(m.from)],
    from: { address: encodedString(reader) },
    date: rec.headers.date ?? new Date(now),
    readStatus: rec.headers.readStatus ?? 'Read',
  };
  return encodeMms({ messageType: 'm-read-orig-ind', headers });
}
