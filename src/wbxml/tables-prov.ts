/**
 * Token tables of the provisioning languages, as data (the PROV compiler/decoder in src/prov/ reads them):
 *
 * - OMA Client Provisioning content (OMA-WAP-ProvCont-V1_1, §7 "WBXML encoding"): public identifier 0x0B
 *   ("-//WAPFORUM//DTD PROV 1.0//EN", WAP-192 §7.2.1 / WINA), two attribute code pages. Code page 0 holds the
 *   WAP-183 (ProvCont 1.0) tokens; code page 1 the application tokens ProvCont 1.1 added (APPLICATION, APPADDR,
 *   APPAUTH, RESOURCE and their parms), plus a repeat of the tokens most used beside them, so a document may stay
 *   on page 1.
 * - Nokia/Ericsson "Over The Air Settings Specification" 7.0 (§8): browser settings and bookmarks,
 *   application/x-wap-prov.browser-settings / -bookmarks, WBXML 1.1 with public identifier 0x01 (unknown), one
 *   code page, every value either a whole-attribute token or an inline string.
 *
 * Written once; the lookups below are derived. Rows: [page, token, attribute, value]; value '' marks the bare
 * attribute-start token (the value follows as an inline string or a value token).
 */

export type ProvAttrRow = readonly [page: number, token: number, attr: string, value: string];
export type ProvValueRow = readonly [page: number, token: number, value: string];

// ---------------------------------------------------------------- OMA ProvCont

/** WAP-192 §7.2.1 / ProvCont §7.1: the well-known public identifier of PROV documents. */
export const PROV_PUBLIC_ID = 0x0b;
export const PROV_FPI = '-//WAPFORUM//DTD PROV 1.0//EN';
export const PROV_DTD = 'http://www.wapforum.org/DTD/prov.dtd';
/** WAP-230 Table 40 (0x35 / 0x36) and ProvCont §4.3. */
export const PROV_TEXT_TYPE = 'text/vnd.wap.connectivity-xml';
export const PROV_BINARY_TYPE = 'application/vnd.wap.connectivity-wbxml';

// ProvCont §7.1: tag tokens (the same on both code pages; the root only on page 0).
export const PROV_TAGS: readonly (readonly [page: number, token: number, name: string])[] = [
  [0, 0x05, 'wap-provisioningdoc'],
  [0, 0x06, 'characteristic'],
  [0, 0x07, 'parm'],
  [1, 0x06, 'characteristic'],
  [1, 0x07, 'parm'],
];

// ProvCont §7.2: attribute start tokens, code page 0 then code page 1.
export const PROV_ATTR_STARTS: readonly ProvAttrRow[] = [
  // wap-provisioningdoc
  [0, 0x45, 'version', ''],
  [0, 0x46, 'version', '1.0'],
  // characteristic (§7.2.1 code page 0)
  [0, 0x50, 'type', ''],
  [0, 0x51, 'type', 'PXLOGICAL'],
  [0, 0x52, 'type', 'PXPHYSICAL'],
  [0, 0x53, 'type', 'PORT'],
  [0, 0x54, 'type', 'VALIDITY'],
  [0, 0x55, 'type', 'NAPDEF'],
  [0, 0x56, 'type', 'BOOTSTRAP'],
  [0, 0x57, 'type', 'VENDORCONFIG'],
  [0, 0x58, 'type', 'CLIENTIDENTITY'],
  [0, 0x59, 'type', 'PXAUTHINFO'],
  [0, 0x5a, 'type', 'NAPAUTHINFO'],
  [0, 0x5b, 'type', 'ACCESS'],
  // parm
  [0, 0x05, 'name', ''],
  [0, 0x06, 'value', ''],
  [0, 0x07, 'name', 'NAME'],
  [0, 0x08, 'name', 'NAP-ADDRESS'],
  [0, 0x09, 'name', 'NAP-ADDRTYPE'],
  [0, 0x0a, 'name', 'CALLTYPE'],
  [0, 0x0b, 'name', 'VALIDUNTIL'],
  [0, 0x0c, 'name', 'AUTHTYPE'],
  [0, 0x0d, 'name', 'AUTHNAME'],
  [0, 0x0e, 'name', 'AUTHSECRET'],
  [0, 0x0f, 'name', 'LINGER'],
  [0, 0x10, 'name', 'BEARER'],
  [0, 0x11, 'name', 'NAPID'],
  [0, 0x12, 'name', 'COUNTRY'],
  [0, 0x13, 'name', 'NETWORK'],
  [0, 0x14, 'name', 'INTERNET'],
  [0, 0x15, 'name', 'PROXY-ID'],
  [0, 0x16, 'name', 'PROXY-PROVIDER-ID'],
  [0, 0x17, 'name', 'DOMAIN'],
  [0, 0x18, 'name', 'PROVURL'],
  [0, 0x19, 'name', 'PXAUTH-TYPE'],
  [0, 0x1a, 'name', 'PXAUTH-ID'],
  [0, 0x1b, 'name', 'PXAUTH-PW'],
  [0, 0x1c, 'name', 'STARTPAGE'],
  [0, 0x1d, 'name', 'BASAUTH-ID'],
  [0, 0x1e, 'name', 'BASAUTH-PW'],
  [0, 0x1f, 'name', 'PUSHENABLED'],
  [0, 0x20, 'name', 'PXADDR'],
  [0, 0x21, 'name', 'PXADDRTYPE'],
  [0, 0x22, 'name', 'TO-NAPID'],
  [0, 0x23, 'name', 'PORTNBR'],
  [0, 0x24, 'name', 'SERVICE'],
  [0, 0x25, 'name', 'LINKSPEED'],
  [0, 0x26, 'name', 'DNLINKSPEED'],
  [0, 0x27, 'name', 'LOCAL-ADDR'],
  [0, 0x28, 'name', 'LOCAL-ADDRTYPE'],
  [0, 0x29, 'name', 'CONTEXT-ALLOW'],
  [0, 0x2a, 'name', 'TRUST'],
  [0, 0x2b, 'name', 'MASTER'],
  [0, 0x2c, 'name', 'SID'],
  [0, 0x2d, 'name', 'SOC'],
  [0, 0x2e, 'name', 'WSP-VERSION'],
  [0, 0x2f, 'name', 'PHYSICAL-PROXY-ID'],
  [0, 0x30, 'name', 'CLIENT-ID'],
  [0, 0x31, 'name', 'DELIVERY-ERR-SDU'],
  [0, 0x32, 'name', 'DELIVERY-ORDER'],
  [0, 0x33, 'name', 'TRAFFIC-CLASS'],
  [0, 0x34, 'name', 'MAX-SDU-SIZE'],
  [0, 0x35, 'name', 'MAX-BITRATE-UPLINK'],
  [0, 0x36, 'name', 'MAX-BITRATE-DNLINK'],
  [0, 0x37, 'name', 'RESIDUAL-BER'],
  [0, 0x38, 'name', 'SDU-ERROR-RATIO'],
  [0, 0x39, 'name', 'TRAFFIC-HANDL-PRIO'],
  [0, 0x3a, 'name', 'TRANSFER-DELAY'],
  [0, 0x3b, 'name', 'GUARANTEED-BITRATE-UPLINK'],
  [0, 0x3c, 'name', 'GUARANTEED-BITRATE-DNLINK'],
  [0, 0x3d, 'name', 'PXADDR-FQDN'],
  [0, 0x3e, 'name', 'PROXY-PW'],
  [0, 0x3f, 'name', 'PPGAUTH-TYPE'],
  [0, 0x47, 'name', 'PULLENABLED'],
  [0, 0x48, 'name', 'DNS-ADDR'],
  [0, 0x49, 'name', 'MAX-NUM-RETRY'],
  [0, 0x4a, 'name', 'FIRST-RETRY-TIMEOUT'],
  [0, 0x4b, 'name', 'REREG-THRESHOLD'],
  [0, 0x4c, 'name', 'T-BIT'],
  [0, 0x4e, 'name', 'AUTH-ENTITY'],
  [0, 0x4f, 'name', 'SPI'],
  // §7.2.2 code page 1: the APPLICATION characteristic and its parms, with the common tokens repeated
  [1, 0x05, 'name', ''],
  [1, 0x06, 'value', ''],
  [1, 0x07, 'name', 'NAME'],
  [1, 0x14, 'name', 'INTERNET'],
  [1, 0x1c, 'name', 'STARTPAGE'],
  [1, 0x22, 'name', 'TO-NAPID'],
  [1, 0x23, 'name', 'PORTNBR'],
  [1, 0x24, 'name', 'SERVICE'],
  [1, 0x2e, 'name', 'AACCEPT'],
  [1, 0x2f, 'name', 'AAUTHDATA'],
  [1, 0x30, 'name', 'AAUTHLEVEL'],
  [1, 0x31, 'name', 'AAUTHNAME'],
  [1, 0x32, 'name', 'AAUTHSECRET'],
  [1, 0x33, 'name', 'AAUTHTYPE'],
  [1, 0x34, 'name', 'ADDR'],
  [1, 0x35, 'name', 'ADDRTYPE'],
  [1, 0x36, 'name', 'APPID'],
  [1, 0x37, 'name', 'APROTOCOL'],
  [1, 0x38, 'name', 'PROVIDER-ID'],
  [1, 0x39, 'name', 'TO-PROXY'],
  [1, 0x3a, 'name', 'URI'],
  [1, 0x3b, 'name', 'RULE'],
  [1, 0x3c, 'name', 'APPREF'],
  [1, 0x3d, 'name', 'TO-APPREF'],
  [1, 0x50, 'type', ''],
  [1, 0x53, 'type', 'PORT'],
  [1, 0x55, 'type', 'APPLICATION'],
  [1, 0x56, 'type', 'APPADDR'],
  [1, 0x57, 'type', 'APPAUTH'],
  [1, 0x58, 'type', 'CLIENTIDENTITY'],
  [1, 0x59, 'type', 'RESOURCE'],
];

// ProvCont §7.3: attribute value tokens (whole values of `value`).
export const PROV_VALUES: readonly ProvValueRow[] = [
  // ADDRTYPE
  [0, 0x85, 'IPV4'],
  [0, 0x86, 'IPV6'],
  [0, 0x87, 'E164'],
  [0, 0x88, 'ALPHA'],
  [0, 0x89, 'APN'],
  [0, 0x8a, 'SCODE'],
  [0, 0x8b, 'TETRA-ITSI'],
  [0, 0x8c, 'MAN'],
  // CALLTYPE
  [0, 0x90, 'ANALOG-MODEM'],
  [0, 0x91, 'V.120'],
  [0, 0x92, 'V.110'],
  [0, 0x93, 'X.31'],
  [0, 0x94, 'BIT-TRANSPARENT'],
  [0, 0x95, 'DIRECT-ASYNCHRONOUS-DATA-SERVICE'],
  // AUTHTYPE / PXAUTH-TYPE
  [0, 0x9a, 'PAP'],
  [0, 0x9b, 'CHAP'],
  [0, 0x9c, 'HTTP-BASIC'],
  [0, 0x9d, 'HTTP-DIGEST'],
  [0, 0x9e, 'WTLS-SS'],
  [0, 0x9f, 'MD5'],
  // BEARER
  [0, 0xa2, 'GSM-USSD'],
  [0, 0xa3, 'GSM-SMS'],
  [0, 0xa4, 'ANSI-136-GUTS'],
  [0, 0xa5, 'IS-95-CDMA-SMS'],
  [0, 0xa6, 'IS-95-CDMA-CSD'],
  [0, 0xa7, 'IS-95-CDMA-PACKET'],
  [0, 0xa8, 'ANSI-136-CSD'],
  [0, 0xa9, 'ANSI-136-GPRS'],
  [0, 0xaa, 'GSM-CSD'],
  [0, 0xab, 'GSM-GPRS'],
  [0, 0xac, 'AMPS-CDPD'],
  [0, 0xad, 'PDC-CSD'],
  [0, 0xae, 'PDC-PACKET'],
  [0, 0xaf, 'IDEN-SMS'],
  [0, 0xb0, 'IDEN-CSD'],
  [0, 0xb1, 'IDEN-PACKET'],
  [0, 0xb2, 'FLEX/REFLEX'],
  [0, 0xb3, 'PHS-SMS'],
  [0, 0xb4, 'PHS-CSD'],
  [0, 0xb5, 'TETRA-SDS'],
  [0, 0xb6, 'TETRA-PACKET'],
  [0, 0xb7, 'ANSI-136-GHOST'],
  [0, 0xb8, 'MOBITEX-MPAK'],
  [0, 0xb9, 'CDMA2000-1X-SIMPLE-IP'],
  [0, 0xba, 'CDMA2000-1X-MOBILE-IP'],
  // LINKSPEED
  [0, 0xc5, 'AUTOBAUDING'],
  // SERVICE
  [0, 0xca, 'CL-WSP'],
  [0, 0xcb, 'CO-WSP'],
  [0, 0xcc, 'CL-SEC-WSP'],
  [0, 0xcd, 'CO-SEC-WSP'],
  [0, 0xce, 'CL-SEC-WTA'],
  [0, 0xcf, 'CO-SEC-WTA'],
  [0, 0xd0, 'OTA-HTTP-TO'],
  [0, 0xd1, 'OTA-HTTP-TLS-TO'],
  [0, 0xd2, 'OTA-HTTP-PO'],
  [0, 0xd3, 'OTA-HTTP-TLS-PO'],
  // AUTH-ENTITY
  [0, 0xe0, 'AAA'],
  [0, 0xe1, 'HA'],
  // code page 1: ADDRTYPE (APPADDR), AAUTHTYPE
  [1, 0x86, 'IPV6'],
  [1, 0x87, 'E164'],
  [1, 0x88, 'ALPHA'],
  [1, 0x8d, 'APPSRV'],
  [1, 0x8e, 'OBEX'],
  [1, 0x90, ','],
  [1, 0x91, 'HTTP-'],
  [1, 0x92, 'BASIC'],
  [1, 0x93, 'DIGEST'],
];

/**
 * ProvCont §5 (the DTD and the characteristic descriptions): which characteristics may appear where. The root
 * takes the top-level ones; a characteristic not listed as a key takes no characteristic children.
 */
export const PROV_CHILDREN: Readonly<Record<string, readonly string[]>> = {
  'wap-provisioningdoc': ['PXLOGICAL', 'NAPDEF', 'BOOTSTRAP', 'VENDORCONFIG', 'CLIENTIDENTITY', 'APPLICATION', 'ACCESS'],
  PXLOGICAL: ['PXAUTHINFO', 'PORT', 'PXPHYSICAL'],
  PXPHYSICAL: ['PORT'],
  NAPDEF: ['NAPAUTHINFO', 'VALIDITY'],
  APPLICATION: ['APPADDR', 'APPAUTH', 'RESOURCE'],
  APPADDR: ['PORT'],
};

/** ProvCont §5.4: VENDORCONFIG carries vendor parms whose names no table knows. */
export const PROV_FREE_PARMS = new Set(['VENDORCONFIG']);

// ---------------------------------------------------------------- Nokia/Ericsson OTA settings 7.0

/** OTA §8: WBXML 1.1, public identifier 0x01 ("unknown"), as Kannel's sendota sends it. */
export const OTA_WBXML_VERSION = 0x01;
export const OTA_PUBLIC_ID = 0x01;
export const OTA_SETTINGS_TYPE = 'application/x-wap-prov.browser-settings';
export const OTA_BOOKMARKS_TYPE = 'application/x-wap-prov.browser-bookmarks';
/** The WDP ports of browser settings/bookmarks over SMS (OTA §5.1; Kannel's sendota uses the same). */
export const OTA_SMS_DST_PORT = 49999;
export const OTA_SMS_SRC_PORT = 49154;

// OTA §8.1 tag tokens.
export const OTA_TAGS: readonly (readonly [page: number, token: number, name: string])[] = [
  [0, 0x05, 'CHARACTERISTIC-LIST'],
  [0, 0x06, 'CHARACTERISTIC'],
  [0, 0x07, 'PARM'],
];

// OTA §8.2 attribute start tokens (every token is a start; VALUE=GSM/CSD is "attribute VALUE, value GSM/CSD").
export const OTA_ATTR_STARTS: readonly ProvAttrRow[] = [
  [0, 0x06, 'TYPE', 'ADDRESS'],
  [0, 0x07, 'TYPE', 'URL'],
  [0, 0x08, 'TYPE', 'NAME'],
  [0, 0x7c, 'TYPE', 'MMSURL'],
  [0, 0x7d, 'TYPE', 'ID'],
  [0, 0x7f, 'TYPE', 'BOOKMARK'],
  [0, 0x10, 'NAME', ''],
  [0, 0x11, 'VALUE', ''],
  [0, 0x12, 'NAME', 'BEARER'],
  [0, 0x13, 'NAME', 'PROXY'],
  [0, 0x14, 'NAME', 'PORT'],
  [0, 0x15, 'NAME', 'NAME'],
  [0, 0x16, 'NAME', 'PROXY_TYPE'],
  [0, 0x17, 'NAME', 'URL'],
  [0, 0x18, 'NAME', 'PROXY_AUTHNAME'],
  [0, 0x19, 'NAME', 'PROXY_AUTHSECRET'],
  [0, 0x1a, 'NAME', 'SMS_SMSC_ADDRESS'],
  [0, 0x1b, 'NAME', 'USSD_SERVICE_CODE'],
  [0, 0x1c, 'NAME', 'GPRS_ACCESSPOINTNAME'],
  [0, 0x1d, 'NAME', 'PPP_LOGINTYPE'],
  [0, 0x1e, 'NAME', 'PROXY_LOGINTYPE'],
  [0, 0x21, 'NAME', 'CSD_DIALSTRING'],
  [0, 0x22, 'NAME', 'PPP_AUTHTYPE'],
  [0, 0x23, 'NAME', 'PPP_AUTHNAME'],
  [0, 0x24, 'NAME', 'PPP_AUTHSECRET'],
  [0, 0x28, 'NAME', 'CSD_CALLTYPE'],
  [0, 0x29, 'NAME', 'CSD_CALLSPEED'],
  [0, 0x7e, 'NAME', 'ISP_NAME'],
  [0, 0x45, 'VALUE', 'GSM/CSD'],
  [0, 0x46, 'VALUE', 'GSM/SMS'],
  [0, 0x47, 'VALUE', 'GSM/USSD'],
  [0, 0x48, 'VALUE', 'IS-136/CSD'],
  [0, 0x49, 'VALUE', 'GPRS'],
  [0, 0x60, 'VALUE', '9200'],
  [0, 0x61, 'VALUE', '9201'],
  [0, 0x62, 'VALUE', '9202'],
  [0, 0x63, 'VALUE', '9203'],
  [0, 0x64, 'VALUE', 'AUTOMATIC'],
  [0, 0x65, 'VALUE', 'MANUAL'],
  [0, 0x6a, 'VALUE', 'AUTO'],
  [0, 0x6b, 'VALUE', '9600'],
  [0, 0x6c, 'VALUE', '14400'],
  [0, 0x6d, 'VALUE', '19200'],
  [0, 0x6e, 'VALUE', '28800'],
  [0, 0x6f, 'VALUE', '38400'],
  [0, 0x70, 'VALUE', 'PAP'],
  [0, 0x71, 'VALUE', 'CHAP'],
  [0, 0x72, 'VALUE', 'ANALOGUE'],
  [0, 0x73, 'VALUE', 'ISDN'],
  [0, 0x74, 'VALUE', '43200'],
  [0, 0x75, 'VALUE', '57600'],
  [0, 0x76, 'VALUE', 'MSISDN_NO'],
  [0, 0x77, 'VALUE', 'IPV4'],
  [0, 0x78, 'VALUE', 'MS_CHAP'],
];

// ---------------------------------------------------------------- derived lookups

export interface TokenLanguage {
  name: string;
  publicId: number;
  /** tag name → token, per page. */
  tagToken(name: string, page: number): number | undefined;
  tagName(token: number, page: number): string | undefined;
  /** attribute (and whole value, '' for the bare start) → token, per page. */
  attrStart(attr: string, value: string, page: number): number | undefined;
  attrStartRow(token: number, page: number): { attr: string; value: string } | undefined;
  valueToken(value: string, page: number): number | undefined;
  valueOf(token: number, page: number): string | undefined;
  /** Pages, lowest first, on which an attribute start (or value) exists. */
  readonly pages: readonly number[];
}

function language(
  name: string,
  publicId: number,
  tags: readonly (readonly [number, number, string])[],
  starts: readonly ProvAttrRow[],
  values: readonly ProvValueRow[],
): TokenLanguage {
  const k = (page: number, s: string) => `${page}\u0000${s}`;
  const tagTok = new Map(tags.map(([p, t, n]) => [k(p, n), t]));
  const tagNm = new Map(tags.map(([p, t, n]) => [k(p, String(t)), n]));
  const startTok = new Map(starts.map(([p, t, a, v]) => [k(p, `${a}=${v}`), t]));
  const startRow = new Map(starts.map(([p, t, a, v]) => [k(p, String(t)), { attr: a, value: v }]));
  const valTok = new Map(values.map(([p, t, v]) => [k(p, v), t]));
  const valOf = new Map(values.map(([p, t, v]) => [k(p, String(t)), v]));
  const pages = [...new Set([...starts.map((r) => r[0]), ...values.map((r) => r[0])])].sort((a, b) => a - b);
  return {
    name,
    publicId,
    tagToken: (n, p) => tagTok.get(k(p, n)),
    tagName: (t, p) => tagNm.get(k(p, String(t))),
    attrStart: (a, v, p) => startTok.get(k(p, `${a}=${v}`)),
    attrStartRow: (t, p) => startRow.get(k(p, String(t))),
    valueToken: (v, p) => valTok.get(k(p, v)),
    valueOf: (t, p) => valOf.get(k(p, String(t))),
    pages,
  };
}

export const PROV_LANGUAGE = language('PROV', PROV_PUBLIC_ID, PROV_TAGS, PROV_ATTR_STARTS, PROV_VALUES);
export const OTA_LANGUAGE = language('OTA', OTA_PUBLIC_ID, OTA_TAGS, OTA_ATTR_STARTS, []);

/** Characteristic types the PROV tables know (any page). */
export const PROV_CHARACTERISTICS: ReadonlySet<string> = new Set(
  PROV_ATTR_STARTS.filter(([, , a, v]) => a === 'type' && v !== '').map(([, , , v]) => v),
);
/** Parm names the PROV tables know (any page). */
export const PROV_PARMS: ReadonlySet<string> = new Set(
  PROV_ATTR_STARTS.filter(([, , a, v]) => a === 'name' && v !== '').map(([, , , v]) => v),
);
export const OTA_TYPES: ReadonlySet<string> = new Set(OTA_ATTR_STARTS.filter(([, , a]) => a === 'TYPE').map(([, , , v]) => v));
export const OTA_PARMS: ReadonlySet<string> = new Set(
  OTA_ATTR_STARTS.filter(([, , a, v]) => a === 'NAME' && v !== '').map(([, , , v]) => v),
);
