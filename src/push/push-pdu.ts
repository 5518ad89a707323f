/**
 * The WSP push PDU the PPG sends (WAP-235 §6, WAP-230 §8.2.4.1): Content-Type from the (compiled) content
 * entity, the push headers (X-Wap-Application-Id, X-Wap-Content-URI, X-Wap-Initiator-URI, Push-Flag, and
 * the entity headers WAP-249 §6.2 lets through), then the content. Connectionless Push carries a TID octet
 * first (WAP-230 §8.2.1); ConfirmedPush travels inside WTP (the push id is the WTP TID).
 */
import { parseContentType } from '../wsp/content-type.ts';
import type { WspHeader } from '../wsp/headers/index.ts';
import { encodeConnectionless, encodeWspPdu } from '../wsp/pdu.ts';

/** MIME / hop-by-hop headers that describe the PAP transfer, never the pushed content (WAP-249 §6.2). */
const DROPPED = new Set([
  'content-type',
  'content-length',
  'content-transfer-encoding',
  'content-id',
  'content-disposition',
  'mime-version',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'host',
  'push-flag',
]);

/** Canonical spelling of the push headers (the WSP encoder looks names up case-insensitively). */
const CANONICAL: Record<string, string> = {
  'x-wap-application-id': 'X-Wap-Application-Id',
  'x-wap-content-uri': 'X-Wap-Content-URI',
  'x-wap-initiator-uri': 'X-Wap-Initiator-URI',
  'content-language': 'Content-Language',
  'content-encoding': 'Content-Encoding',
  'content-location': 'Content-Location',
  'content-base': 'Content-Base',
  'cache-control': 'Cache-Control',
  expires: 'Expires',
  'last-modified': 'Last-Modified',
  etag: 'ETag',
};

export interface PushPduInput {
  contentType: string;
  body: Buffer;
  /** Content entity headers as the PI sent them (lower-case names). */
  entityHeaders: readonly [string, string][];
  /** X-Wap-Initiator-URI to add when the entity has none (the authenticated PI's URI). */
  initiatorUri?: string;
  /** WAP-230 §8.4.2.66 Push-Flag bits: 1 initiator URI authenticated, 2 content trusted, 4 last push. */
  pushFlag?: number;
}

/**
 * WAP-235 §7.2 application ids: a short name such as 'mms.ua' or 'wml.ua' is the 'x-wap-application:' URN;
 * numbers (registered codes) and absolute URIs are kept as given.
 */
export function normaliseApplicationId(v: string): string {
  const t = v.trim();
  if (/^[a-z0-9.*-]+\.ua$|^\*$/i.test(t)) return `x-wap-application:${t.toLowerCase()}`;
  if (/^x-wap-application:/i.test(t)) return 'x-wap-application:' + t.slice(18).toLowerCase();
  return t;
}

export function pushHeaders(p: PushPduInput): WspHeader[] {
  const out: WspHeader[] = [];
  const first: WspHeader[] = [];
  for (const [k, v] of p.entityHeaders) {
    const name = k.toLowerCase();
    if (DROPPED.has(name)) continue;
    if (/[\r\n\0]/.test(v)) continue; // never carry control characters into the handset's headers
    if (name === 'x-wap-application-id') first.push({ name: CANONICAL[name]!, value: normaliseApplicationId(v) });
    else out.push({ name: CANONICAL[name] ?? k, value: v.trim() });
  }
  if (p.initiatorUri && !out.some((h) => h.name === 'X-Wap-Initiator-URI')) {
    out.push({ name: 'X-Wap-Initiator-URI', value: p.initiatorUri });
  }
  return [
    ...first,
    ...out,
    { name: 'Content-Length', value: String(p.body.length) },
    { name: 'Push-Flag', value: String(p.pushFlag ?? 0) },
  ];
}

/** Connectionless WSP Push: TID, 0x06, HeadersLen, Content-Type, headers, data. */
export function encodePushDatagram(tid: number, p: PushPduInput): Buffer {
  return encodeConnectionless(tid & 0xff, {
    type: 'Push',
    contentType: parseContentType(p.contentType),
    headers: pushHeaders(p),
    data: p.body,
  });
}

/** ConfirmedPush (0x07) for a WTP class 1 invoke. */
export function encodeConfirmedPush(p: PushPduInput): Buffer {
  return encodeWspPdu({ type: 'ConfirmedPush', contentType: parseContentType(p.contentType), headers: pushHeaders(p), data: p.body });
}
