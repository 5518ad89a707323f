/**
 * The MMSC's side of PAP (WAP-247 §8, WAP-164 PAP 2.0): a push-message submitted to a PPG over HTTP as
 * multipart/related — the control entity (application/xml) naming the client address, then the content entity
 * (the m-notification-ind or m-delivery-ind, application/vnd.wap.mms-message, X-Wap-Application-Id
 * x-wap-application:mms.ua so the handset hands it to its MMS user agent, OMA-TS-MMS-CTR §8.1).
 */
import { randomBytes } from 'node:crypto';

/** X-Wap-Application-Id of the MMS user agent (OMNA push application ids: 0x04). */
export const MMS_UA_APPLICATION_ID = 'x-wap-application:mms.ua';

export interface PapPush {
  /** PAP client address, e.g. 'WAPPUSH=+15550000002/TYPE=PLMN@ppg'. */
  address: string;
  /** The content entity (an encoded MMS PDU). */
  content: Buffer;
  pushId?: string;
}

export interface PapResult {
  ok: boolean;
  /** PAP response code (1000-1001 accepted; 2xxx/3xxx/4xxx errors) when the PPG answered with a push-response. */
  code?: number;
  httpStatus?: number;
  pushId: string;
  error?: string;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The PAP 2.0 control entity for one push-message to one address. */
export function pushMessageXml(pushId: string, address: string): string {
  return (
    '<?xml version="1.0"?>\n' +
    '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">\n' +
    '<pap>\n' +
    `  <push-message push-id="${escapeXml(pushId)}">\n` +
    `    <address address-value="${escapeXml(address)}"/>\n` +
    '    <quality-of-service delivery-method="unconfirmed"/>\n' +
    '  </push-message>\n' +
    '</pap>\n'
  );
}

/** The multipart/related PAP request body and its Content-Type (RFC 2387, WAP-164 §8). */
export function papRequest(push: PapPush & { pushId: string }): { contentType: string; body: Buffer } {
  const boundary = `wapgate-mmsc-${randomBytes(12).toString('hex')}`;
  const control = pushMessageXml(push.pushId, push.address);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/vnd.wap.mms-message\r\n` +
        `X-Wap-Application-Id: ${MMS_UA_APPLICATION_ID}\r\nContent-Length: ${push.content.length}\r\n\r\n`,
    ),
    push.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { contentType: `multipart/related; boundary=${boundary}; type="application/xml"`, body };
}

/** POSTs one push-message to the PPG and reads its push-response. */
export async function submitPush(
  ppgUrl: string,
  push: PapPush,
  o: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PapResult> {
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 10_000);
  const pushId = push.pushId ?? `mmsc-${randomBytes(8).toString('hex')}`;
  const req = papRequest({ ...push, pushId });
  try {
    const res = await fetch(ppgUrl, {
      method: 'POST',
      headers: { 'content-type': req.contentType },
      body: new Uint8Array(req.body),
      signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout,
    });
    const text = (await res.text()).slice(0, 64 * 1024);
    // WAP-247 §9.3: <response-result code="1001" desc="..."/> inside <push-response>.
    const m = /<response-result[^>]*\bcode\s*=\s*["'](\d{4})["']/.exec(text);
    const code = m ? Number(m[1]) : undefined;
    const ok = res.ok && (code === undefined || (code >= 1000 && code < 2000));
    const result: PapResult = { ok, httpStatus: res.status, pushId };
    if (code !== undefined) result.code = code;
    if (!ok) result.error = `PPG answered HTTP ${res.status}${code ? `, PAP code ${code}` : ''}`;
    return result;
  } catch (e) {
    return { ok: false, pushId, error: (e as Error).message };
  }
}
