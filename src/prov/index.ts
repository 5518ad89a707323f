/**
 * OTA provisioning: OMA Client Provisioning (ProvCont 1.1 documents, ProvBoot security) and the Nokia/Ericsson
 * OTA browser settings and bookmarks, from PROV XML or a settings template to a signed WAP Push, delivered
 * through the PPG or the SMS sender. The front doors (sendota in src/smsbox, PAP in src/push, `wapgate
 * provision`, the handset simulator) call only what this file exports.
 */
import type { XmlElement } from '../wbxml/encode.ts';
import { compileOtaTree, compileProvTree, compileProvisioning, provKindOf, type PagePolicy, type ProvKind } from './compile.ts';
import { ProvError, ProvErrorCode } from './errors.ts';
import { buildProvPush, type ProvPush } from './push.ts';
import type { SecInput } from './security.ts';
import { omaDocument, otaBookmarksDocument, otaSettingsDocument, type SettingsTemplate } from './template.ts';

export { ProvError, ProvErrorCode } from './errors.ts';
export { compileProvisioning, compileProvTree, compileOtaTree, readProvXml, provKindOf, type PagePolicy, type ProvKind } from './compile.ts';
export { decodeProvWbxml, toXml, type DecodedProv } from './decode.ts';
export { imsiKey, parseSec, signProvisioning, verifyProvisioning, SEC_CODES, type SecInput, type SecMethod, type Signature } from './security.ts';
export { checkTemplate, omaDocument, otaBookmarksDocument, otaSettingsDocument, parseTemplate, type SettingsTemplate } from './template.ts';
export {
  buildProvPush,
  normaliseProvContentType,
  provDatagram,
  provKindOfType,
  secFromContentType,
  type ProvPush,
} from './push.ts';

export interface BuildOptions {
  /** Security of OMA documents (ignored for OTA settings, which carry none). */
  sec?: SecInput;
  pagePolicy?: PagePolicy;
  /** Charset of the XML named by the transport. */
  charset?: string;
  /** The kind the transport's Content-Type announced; the document's root must agree. */
  expect?: ProvKind;
}

/** PROV or OTA XML → the push (compiled, validated, signed). */
export function pushFromXml(xml: Buffer | string, opts: BuildOptions = {}): ProvPush {
  const { kind, wbxml } = compileProvisioning(xml, { ...(opts.pagePolicy ? { pagePolicy: opts.pagePolicy } : {}), ...(opts.charset ? { charset: opts.charset } : {}) });
  if (opts.expect && (opts.expect === 'oma') !== (kind === 'oma')) {
    throw new ProvError(ProvErrorCode.DOCUMENT, `the content type announces ${opts.expect} but the document is ${kind}`);
  }
  // Kannel's two OTA types differ only in the content type; the announced one wins.
  const k = opts.expect && opts.expect !== 'oma' ? opts.expect : kind;
  return buildProvPush(k, wbxml, k === 'oma' ? opts.sec : undefined);
}

/** A parsed document tree → the push. */
export function pushFromTree(root: XmlElement, opts: BuildOptions = {}): ProvPush {
  const kind = provKindOf(root);
  const wbxml = kind === 'oma' ? compileProvTree(root, opts.pagePolicy ? { pagePolicy: opts.pagePolicy } : {}) : compileOtaTree(root);
  return buildProvPush(kind, wbxml, kind === 'oma' ? opts.sec : undefined);
}

export type TemplateFormat = 'oma' | 'ota';

/** A settings template → its pushes: one OMA document, or the OTA settings (and bookmarks, when any). */
export function pushesFromTemplate(t: SettingsTemplate, format: TemplateFormat = 'oma', opts: BuildOptions = {}): ProvPush[] {
  if (format === 'oma') return [pushFromTree(omaDocument(t), opts)];
  const out = [pushFromTree(otaSettingsDocument(t))];
  const b = otaBookmarksDocument(t);
  if (b) out.push(buildProvPush('ota-bookmarks', compileOtaTree(b)));
  return out;
}
