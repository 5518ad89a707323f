/**
 * Provisioning content pushed through PAP (WAP-249 §6.1 content transformation), called by src/push/content.ts:
 *
 *   text/vnd.wap.connectivity-xml[; sec=USERPIN; pin=1234 | imsi=…]  → compiled (and signed when sec is given)
 *   application/vnd.wap.connectivity-wbxml[; SEC=…; MAC=…]           → checked (it must decode), SEC as its code
 *   application/x-wap-prov.browser-settings | -bookmarks (XML)       → the Nokia/Ericsson OTA WBXML
 *
 * The pin and imsi parameters are a wapgate extension for the PI that wants the PPG to sign; they are removed
 * before the push leaves. Anything else returns undefined (not ours). Bad content throws ProvError (PAP 2000).
 */
import { decodeProvWbxml } from './decode.ts';
import { ProvError, ProvErrorCode } from './errors.ts';
import { pushFromXml } from './index.ts';
import { normaliseProvContentType, provKindOfType } from './push.ts';
import { parseSec, signProvisioning } from './security.ts';
import { parseContentType } from '../wsp/content-type.ts';
import { PROV_BINARY_TYPE } from '../wbxml/tables-prov.ts';
import { WapDecodeError } from '../wire/errors.ts';

export function compilePushProv(contentType: string, body: Buffer): { contentType: string; body: Buffer } | undefined {
  const k = provKindOfType(contentType);
  if (!k) return undefined;
  const ct = parseContentType(contentType);
  const param = (n: string) => ct.params.find((p) => p.name.toLowerCase() === n)?.value;
  const charset = param('charset');
  const sec = param('sec');
  const secInput = sec !== undefined && (param('pin') !== undefined || param('imsi') !== undefined)
    ? { sec: parseSec(sec), ...(param('pin') !== undefined ? { pin: param('pin')! } : {}), ...(param('imsi') !== undefined ? { imsi: param('imsi')! } : {}) }
    : undefined;
  if (!k.binary) {
    const p = pushFromXml(body, { expect: k.kind, ...(charset ? { charset } : {}), ...(secInput ? { sec: secInput } : {}) });
    return { contentType: p.contentType, body: p.body };
  }
  try {
    decodeProvWbxml(body, { kind: 'oma' });
  } catch (e) {
    if (e instanceof WapDecodeError) throw new ProvError(ProvErrorCode.DOCUMENT, `not PROV WBXML: ${e.message}`);
    throw e;
  }
  if (secInput && param('mac') === undefined) {
    const s = signProvisioning(body, secInput);
    return { contentType: normaliseProvContentType(`${PROV_BINARY_TYPE}; sec=${s.sec}; mac=${s.mac}`), body };
  }
  return { contentType: normaliseProvContentType(contentType, ['pin', 'imsi', 'charset']), body };
}
