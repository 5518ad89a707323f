/**
 * A compiled provisioning document as a WAP Push: the content type with its SEC and MAC parameters
 * (ProvBoot §5.3, WAP-230 Table 38), the body, and the WDP ports it travels to over SMS.
 *
 *   OMA ProvCont     application/vnd.wap.connectivity-wbxml; SEC; MAC → WDP 2948 (WAP Push), from 2948 as Kannel
 *                    sends it (ProvBoot §5.2: connectionless push to the push port)
 *   OTA settings     application/x-wap-prov.browser-settings; charset=utf-8 → WDP 49999 from 49154 (OTA §5.1)
 *   OTA bookmarks    application/x-wap-prov.browser-bookmarks; charset=utf-8 → the same ports
 */
import { WdpPort } from '../bearer/sms/wdp.ts';
import { formatContentType, parseContentType } from '../wsp/content-type.ts';
import { encodeConnectionless } from '../wsp/pdu.ts';
import { OTA_BOOKMARKS_TYPE, OTA_SETTINGS_TYPE, OTA_SMS_DST_PORT, OTA_SMS_SRC_PORT, PROV_BINARY_TYPE } from '../wbxml/tables-prov.ts';
import type { ProvKind } from './compile.ts';
import { ProvError, ProvErrorCode } from './errors.ts';
import { SEC_CODES, type SecMethod, parseSec, signProvisioning, type SecInput, type Signature } from './security.ts';

export interface ProvPush {
  kind: ProvKind;
  /** Content-Type as the PPG's WSP encoder takes it (`sec=1; mac=…` become the 0x91/0x92 parameters). */
  contentType: string;
  body: Buffer;
  signature?: Signature;
  smsPorts: { dst: number; src: number };
}

/** Wraps a compiled document; OMA documents are signed when `sec` is given (OTA settings carry no MAC). */
export function buildProvPush(kind: ProvKind, wbxml: Buffer, sec?: SecInput): ProvPush {
  if (kind !== 'oma') {
    const type = kind === 'ota-settings' ? OTA_SETTINGS_TYPE : OTA_BOOKMARKS_TYPE;
    return { kind, contentType: `${type}; charset=utf-8`, body: wbxml, smsPorts: { dst: OTA_SMS_DST_PORT, src: OTA_SMS_SRC_PORT } };
  }
  const smsPorts = { dst: WdpPort.PUSH_CL, src: WdpPort.PUSH_CL };
  if (!sec) return { kind, contentType: PROV_BINARY_TYPE, body: wbxml, smsPorts };
  const signature = signProvisioning(wbxml, sec);
  // WAP-230 Table 38: SEC is a Short-integer (the code), MAC a Text-value.
  const contentType = `${PROV_BINARY_TYPE}; sec=${SEC_CODES[signature.sec]}; mac=${signature.mac}`;
  return { kind, contentType, body: wbxml, signature, smsPorts };
}

/** The connectionless WSP Push datagram (TID, 0x06, headers = the content type only, data), as Kannel builds it. */
export function provDatagram(p: ProvPush, tid = 0x01): Buffer {
  return encodeConnectionless(tid & 0xff, { type: 'Push', contentType: parseContentType(p.contentType), headers: [], data: p.body });
}

/** SEC/MAC read back from a received Content-Type (names or codes, any case). */
export function secFromContentType(contentType: string): { sec?: SecMethod; mac?: string } {
  const ct = parseContentType(contentType);
  const get = (n: string) => ct.params.find((p) => p.name.toLowerCase() === n)?.value;
  const sec = get('sec');
  const mac = get('mac');
  return { ...(sec !== undefined ? { sec: parseSec(sec) } : {}), ...(mac !== undefined ? { mac } : {}) };
}

/** Which provisioning kind a (binary or textual) content type names, if any. */
export function provKindOfType(contentType: string): { kind: ProvKind; binary: boolean } | undefined {
  const t = parseContentType(contentType).type;
  if (t === PROV_BINARY_TYPE) return { kind: 'oma', binary: true };
  if (t === 'text/vnd.wap.connectivity-xml') return { kind: 'oma', binary: false };
  if (t === OTA_SETTINGS_TYPE) return { kind: 'ota-settings', binary: false };
  if (t === OTA_BOOKMARKS_TYPE) return { kind: 'ota-bookmarks', binary: false };
  return undefined;
}

/**
 * The content type with SEC normalised to its code (SEC=USERPIN → sec=1) and the other parameters kept — the
 * form our WSP encoder writes as well-known parameters. Unknown SEC names are a ProvError.
 */
export function normaliseProvContentType(contentType: string, drop: readonly string[] = []): string {
  const ct = parseContentType(contentType);
  const params = ct.params
    .filter((p) => !drop.includes(p.name.toLowerCase()))
    .map((p) => (p.name.toLowerCase() === 'sec' ? { name: 'sec', value: String(SEC_CODES[parseSec(p.value)]) } : { name: p.name.toLowerCase(), value: p.value }));
  return formatContentType({ type: ct.type, params });
}

export function assertKind(kind: string): ProvKind {
  if (kind === 'oma' || kind === 'ota-settings' || kind === 'ota-bookmarks') return kind;
  throw new ProvError(ProvErrorCode.TYPE, `unknown document kind '${kind}'`);
}
