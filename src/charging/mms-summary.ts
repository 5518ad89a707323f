/**
 * The MMS facts a charging record carries, peeked from a body that passed through the gateway
 * (OMA-MMS-ENC §7: X-Mms-Message-Type, X-Mms-Transaction-Id, Message-ID, To/Cc/Bcc). Headers only: the body is
 * never split into parts. Never throws: a body that is not MMS or does not decode gives undefined.
 */
import { decodeMms } from '../mms/index.ts';
import type { Cdr } from './cdr.ts';

export type MmsSummary = NonNullable<Cdr['mms']>;

/** Longest identifier kept in a record (Transaction-Id / Message-ID are unbounded text on the wire). */
const MAX_ID = 256;
/** Bodies larger than this are not peeked (MMS headers sit at the front of far smaller PDUs). */
const MAX_PEEK = 4 * 1024 * 1024;

export function isMmsContentType(contentType: string | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/vnd.wap.mms-message';
}

export function mmsSummary(body: Buffer | undefined, contentType: string | undefined): MmsSummary | undefined {
  try {
    if (!body || !Buffer.isBuffer(body) || body.length === 0 || body.length > MAX_PEEK) return undefined;
    if (!isMmsContentType(contentType)) return undefined;
    const pdu = decodeMms(body, { parseParts: false });
    const h = pdu.headers;
    const out: MmsSummary = {};
    const t = pdu.messageType;
    out.messageType = typeof t === 'string' ? t : `0x${Number(t).toString(16).padStart(2, '0')}`;
    if (typeof h.transactionId === 'string') out.transactionId = h.transactionId.slice(0, MAX_ID);
    if (typeof h.messageId === 'string') out.messageId = h.messageId.slice(0, MAX_ID);
    const n = (h.to?.length ?? 0) + (h.cc?.length ?? 0) + (h.bcc?.length ?? 0);
    if (h.to || h.cc || h.bcc) out.recipients = n;
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The MMS facts of one transaction: what the handset sent (m-send-req: type, Transaction-Id, recipients) and
 * what came back (m-send-conf: the Message-ID the MMSC assigned; m-retrieve-conf on a Get: everything). The
 * request wins where both say something; undefined when neither body is MMS.
 */
export function mmsTransactionSummary(
  request?: { body?: Buffer | undefined; contentType?: string | undefined },
  response?: { body?: Buffer | undefined; contentType?: string | undefined },
): MmsSummary | undefined {
  const up = request ? mmsSummary(request.body, request.contentType) : undefined;
  const down = response ? mmsSummary(response.body, response.contentType) : undefined;
  if (!up) return down;
  if (down?.messageId !== undefined && up.messageId === undefined) return { ...up, messageId: down.messageId };
  return up;
}
