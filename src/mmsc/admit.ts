/**
 * What the MMSC checks before it takes a submission (m-send-req §6.1.1, m-forward-req §6.5.2): who sends, to whom,
 * for how long, from when. Pure: the answer is a refusal with its X-Mms-Response-Status, or the message's envelope.
 */
import { isValidAddress, type MmsHeaders, mmsText, parseAddress, type ResponseStatus } from '../mms/index.ts';
import { newToken, type RecipientRecord } from './store.ts';

export interface AdmitContext {
  /** The X-MSISDN the gateway injected, if any. */
  msisdn?: string;
  msisdnHeader: string;
  requireMsisdn: boolean;
  maxRecipients: number;
  /** Default and longest lifetime, ms. */
  expiry: number;
  now: number;
  /** ppg-specifier of PAP client addresses. */
  ppgDomain: string;
}

export type Admission =
  | { ok: false; status: ResponseStatus; text: string }
  | { ok: true; from: string; recipients: RecipientRecord[]; expiresAt: number; notBefore?: number };

const MIN_LIFETIME = 60_000;

/** PAP client address for an MMS address, or undefined when it cannot receive WAP Push (e.g. e-mail). */
export function pushAddressOf(address: string, ppgDomain: string): string | undefined {
  const a = parseAddress(address);
  if (!isValidAddress(a) || !['PLMN', 'IPv4', 'IPv6'].includes(a.type)) return undefined;
  return `WAPPUSH=${a.value}/TYPE=${a.type}@${ppgDomain}`;
}

export function newRecipient(address: string, pushAddress: string, now: number): RecipientRecord {
  return { address, pushAddress, token: newToken(), transactionId: newToken(), state: 'pending', updatedAt: now, notifyAttempts: 0 };
}

export function admit(h: MmsHeaders, ctx: AdmitContext): Admission {
  const refuse = (status: ResponseStatus, text: string): Admission => ({ ok: false, status, text });
  // Sender: the MSISDN the gateway injected wins over whatever the handset wrote (§6.1.1 Insert-address-token).
  let from: string;
  if (ctx.msisdn) {
    if (!/^\+?[0-9]{1,20}$/.test(ctx.msisdn)) return refuse('Error-permanent-sending-address-unresolved', `bad ${ctx.msisdnHeader}`);
    from = `${ctx.msisdn}/TYPE=PLMN`;
  } else if (ctx.requireMsisdn) {
    return refuse('Error-permanent-service-denied', 'sender not identified');
  } else if (h.from && 'address' in h.from) {
    from = mmsText(h.from.address);
  } else {
    return refuse('Error-permanent-sending-address-unresolved', 'sender address unknown (insert-address without MSISDN)');
  }
  const addresses = [...new Set([...(h.to ?? []), ...(h.cc ?? []), ...(h.bcc ?? [])].map((a) => mmsText(a).trim()))];
  if (addresses.length === 0) return refuse('Error-permanent-sending-address-unresolved', 'no recipients');
  if (addresses.length > ctx.maxRecipients) return refuse('Error-permanent-service-denied', `more than ${ctx.maxRecipients} recipients`);
  const recipients: RecipientRecord[] = [];
  for (const address of addresses) {
    const pushAddress = pushAddressOf(address, ctx.ppgDomain);
    if (!pushAddress) return refuse('Error-permanent-sending-address-unresolved', `cannot deliver to ${address}`);
    recipients.push(newRecipient(address, pushAddress, ctx.now));
  }
  // §7.3.20 X-Mms-Expiry, §7.3.15 X-Mms-Delivery-Time: absolute dates or seconds from now.
  const at = (t: NonNullable<MmsHeaders['expiry']>): number => ('relative' in t ? ctx.now + t.relative * 1000 : t.absolute.getTime());
  const wanted = h.expiry ? at(h.expiry) : ctx.now + ctx.expiry;
  const expiresAt = Math.min(Math.max(wanted, ctx.now + MIN_LIFETIME), ctx.now + ctx.expiry);
  const out: Admission = { ok: true, from, recipients, expiresAt };
  if (h.deliveryTime) {
    const notBefore = at(h.deliveryTime);
    if (notBefore >= expiresAt) return refuse('Error-permanent-content-not-accepted', 'delivery time after expiry');
    if (notBefore > ctx.now) out.notBefore = notBefore;
  }
  return out;
}
