/**
 * The settings template: a small YAML document an operator writes instead of PROV XML.
 *
 *   name: Example MMS            # shown on the handset
 *   apn: mms.example.com
 *   auth: { type: PAP, user: mms, password: secret }     # optional (PAP | CHAP)
 *   mmsc: http://mmsc.example.com/mms
 *   proxy: { address: 10.0.0.1, port: 9201 }             # optional; 9200/9201 WSP, 9202/9203 WSP over WTLS, else HTTP
 *   browser:                                              # optional
 *     home: http://wap.example.com/
 *     bookmarks: [ { name: News, url: http://wap.example.com/news } ]
 *
 * From it: an OMA ProvCont document (NAPDEF + NAPAUTHINFO, PXLOGICAL/PXPHYSICAL/PORT, APPLICATION w4 for MMS and
 * w2 for the browser, ProvCont Appendix F / OMA-WAP-MMS application characteristics), or the Nokia/Ericsson OTA
 * settings and bookmarks documents for older handsets. Documents are built as trees, so nothing in the template
 * can inject markup.
 */
import { isIPv4 } from 'node:net';
import { createRequire } from 'node:module';
import * as z from 'zod';
import type { XmlElement } from '../wbxml/encode.ts';
import { ProvError, ProvErrorCode } from './errors.ts';

const text = (max: number) => z.string().min(1).max(max).refine((s) => !/[\u0000-\u001f]/.test(s), 'no control characters');
const url = text(512).refine((s) => /^(https?|wsp|wtai):\/\/?\S+$/i.test(s), 'an absolute URL');

export const settingsTemplate = z.strictObject({
  name: text(64).default('Operator settings'),
  apn: text(100).optional(),
  bearer: z.enum(['GSM-GPRS', 'GSM-CSD', 'GSM-SMS', '3G-GSM']).default('GSM-GPRS'),
  auth: z
    .strictObject({
      type: z.enum(['PAP', 'CHAP']).default('PAP'),
      user: text(64),
      password: text(64),
    })
    .optional(),
  mmsc: url.optional(),
  proxy: z
    .strictObject({
      address: text(255),
      port: z.number().int().min(1).max(65535).default(9201),
    })
    .optional(),
  browser: z
    .strictObject({
      home: url.optional(),
      bookmarks: z.array(z.strictObject({ name: text(64), url })).max(50).default([]),
    })
    .optional(),
});
export type SettingsTemplate = z.infer<typeof settingsTemplate>;

const MAX_TEMPLATE_BYTES = 32 * 1024;

/** YAML text → a validated template; problems as ProvError (code TEMPLATE) naming the key. */
export function parseTemplate(source: string | Buffer): SettingsTemplate {
  const textIn = typeof source === 'string' ? source : source.toString('utf8');
  if (Buffer.byteLength(textIn) > MAX_TEMPLATE_BYTES) throw new ProvError(ProvErrorCode.TEMPLATE, `template larger than ${MAX_TEMPLATE_BYTES} octets`);
  let raw: unknown;
  try {
    // yaml is loaded at the first YAML template: serve's config schema imports this module, most runs never parse one.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    raw = parse(textIn, { maxAliasCount: 16 });
  } catch (e) {
    throw new ProvError(ProvErrorCode.TEMPLATE, `not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return checkTemplate(raw);
}

export function checkTemplate(raw: unknown): SettingsTemplate {
  const r = settingsTemplate.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ProvError(ProvErrorCode.TEMPLATE, i.message, i.path.join('.') || 'template');
  }
  const t = r.data;
  if (!t.apn && !t.mmsc && !t.proxy && !t.browser) throw new ProvError(ProvErrorCode.TEMPLATE, 'names nothing to provision (apn, mmsc, proxy or browser)', 'template');
  if ((t.proxy || t.mmsc || t.browser) && !t.apn) throw new ProvError(ProvErrorCode.TEMPLATE, 'a proxy, MMSC or browser needs the apn they are reached through', 'apn');
  return t;
}

const el = (name: string, attrs: [string, string][], children: XmlElement[] = []): XmlElement => ({ name, attrs, children });
const parm = (name: string, value?: string): XmlElement => el('parm', value === undefined ? [['name', name]] : [['name', name], ['value', value]]);
const chr = (type: string, children: XmlElement[]): XmlElement => el('characteristic', [['type', type]], children);

const NAPID = 'NAP1';
const PROXYID = 'PROXY1';

/** WAP-183 / ProvCont §5.5.4 PORT SERVICE for the WSP ports; other ports are HTTP proxies (no SERVICE). */
function service(port: number): string | undefined {
  return { 9200: 'CL-WSP', 9201: 'CO-WSP', 9202: 'CL-SEC-WSP', 9203: 'CO-SEC-WSP' }[port];
}

/** The OMA ProvCont document of a template. */
export function omaDocument(t: SettingsTemplate): XmlElement {
  const top: XmlElement[] = [];
  const proxyId = t.proxy ? t.proxy.address : undefined;
  if (t.proxy) {
    const svc = service(t.proxy.port);
    const port = chr('PORT', [parm('PORTNBR', String(t.proxy.port)), ...(svc ? [parm('SERVICE', svc)] : [])]);
    top.push(
      chr('PXLOGICAL', [
        parm('PROXY-ID', proxyId),
        parm('NAME', t.name),
        ...(t.browser?.home ? [parm('STARTPAGE', t.browser.home)] : []),
        chr('PXPHYSICAL', [
          parm('PHYSICAL-PROXY-ID', PROXYID),
          parm('PXADDR', t.proxy.address),
          parm('PXADDRTYPE', isIPv4(t.proxy.address) ? 'IPV4' : 'ALPHA'),
          parm('TO-NAPID', NAPID),
          port,
        ]),
      ]),
    );
  }
  if (t.apn) {
    top.push(
      chr('NAPDEF', [
        parm('NAPID', NAPID),
        parm('BEARER', t.bearer),
        parm('NAME', t.name),
        parm('NAP-ADDRESS', t.apn),
        parm('NAP-ADDRTYPE', 'APN'),
        ...(t.auth ? [chr('NAPAUTHINFO', [parm('AUTHTYPE', t.auth.type), parm('AUTHNAME', t.auth.user), parm('AUTHSECRET', t.auth.password)])] : []),
      ]),
    );
  }
  const via = proxyId ? parm('TO-PROXY', proxyId) : parm('TO-NAPID', NAPID);
  if (t.mmsc) {
    // OMA-WAP-MMS application characteristic w4: ADDR is the MMSC URL.
    top.push(chr('APPLICATION', [parm('APPID', 'w4'), parm('NAME', t.name), via, parm('ADDR', t.mmsc)]));
  }
  if (t.browser) {
    const resources = [
      ...(t.browser.home ? [chr('RESOURCE', [parm('URI', t.browser.home), parm('NAME', 'Home'), parm('STARTPAGE')])] : []),
      ...t.browser.bookmarks.map((b) => chr('RESOURCE', [parm('URI', b.url), parm('NAME', b.name)])),
    ];
    // ProvCont Appendix F, w2 (the WAP browser): bookmarks and the start page as RESOURCE.
    top.push(chr('APPLICATION', [parm('APPID', 'w2'), parm('NAME', t.name), via, ...resources]));
  }
  return el('wap-provisioningdoc', [['version', '1.0']], top);
}

const OTA = (type: string, attrs: [string, string][], parms: [string, string][] = []): XmlElement =>
  el(
    'CHARACTERISTIC',
    [['TYPE', type], ...attrs],
    parms.map(([n, v]) => el('PARM', [['NAME', n], ['VALUE', v]])),
  );

/** Nokia/Ericsson OTA browser settings (OTA §6): ADDRESS (bearer, proxy, APN, login), URL, MMSURL, NAME. */
export function otaSettingsDocument(t: SettingsTemplate): XmlElement {
  const kids: XmlElement[] = [];
  if (t.proxy || t.apn) {
    const p: [string, string][] = [['BEARER', t.bearer === 'GSM-CSD' ? 'GSM/CSD' : 'GPRS']];
    if (t.proxy) p.push(['PROXY', t.proxy.address], ['PORT', String(t.proxy.port)]);
    if (t.apn) p.push(['GPRS_ACCESSPOINTNAME', t.apn]);
    if (t.auth) p.push(['PPP_AUTHTYPE', t.auth.type], ['PPP_AUTHNAME', t.auth.user], ['PPP_AUTHSECRET', t.auth.password]);
    kids.push(OTA('ADDRESS', [], p));
  }
  if (t.browser?.home) kids.push(OTA('URL', [['VALUE', t.browser.home]]));
  if (t.mmsc) kids.push(OTA('MMSURL', [['VALUE', t.mmsc]]));
  kids.push(OTA('NAME', [], [['NAME', t.name]]));
  for (const b of t.browser?.bookmarks ?? []) kids.push(OTA('BOOKMARK', [], [['NAME', b.name], ['URL', b.url]]));
  return el('CHARACTERISTIC-LIST', [], kids);
}

/** Nokia/Ericsson OTA bookmarks (OTA §6.3), or undefined when the template has none. */
export function otaBookmarksDocument(t: SettingsTemplate): XmlElement | undefined {
  const b = t.browser?.bookmarks ?? [];
  if (!b.length) return undefined;
  return el('CHARACTERISTIC-LIST', [], b.map((x) => OTA('BOOKMARK', [], [['NAME', x.name], ['URL', x.url]])));
}
