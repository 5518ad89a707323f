/**
 * WSP assignment tables (WAP-230 Appendix A, Tables 38–42, and the WINA registrations up to encoding
 * version 1.5). Each table is written once as (code, name[, version]); the reverse maps are derived.
 *
 * Versions are WSP encoding versions as major*16+minor (0x11 = 1.1 … 0x15 = 1.5): a code is emitted only to a
 * peer that negotiated at least that version (WAP-230 §8.4.2.70 Encoding-Version).
 */

export const ENCODING_VERSION_LATEST = 0x15;

interface Entry {
  code: number;
  name: string;
  version: number;
}

function table(rows: readonly (readonly [number, string, number?])[], defaultVersion = 0x11) {
  const entries: Entry[] = rows.map(([code, name, version]) => ({ code, name, version: version ?? defaultVersion }));
  const byCode = new Map<number, Entry>();
  for (const e of entries) {
    if (!byCode.has(e.code)) byCode.set(e.code, e);
  }
  const allByName = new Map<string, Entry[]>();
  for (const e of entries) {
    const k = e.name.toLowerCase();
    allByName.set(k, [...(allByName.get(k) ?? []), e]);
  }
  return {
    entries,
    name: (code: number): string | undefined => byCode.get(code)?.name,
    entry: (code: number): Entry | undefined => byCode.get(code),
    /** The code to send for a name to a peer at `version`: the first assignment (understood by most peers). */
    code: (name: string, version = ENCODING_VERSION_LATEST): number | undefined => {
      const list = allByName.get(name.toLowerCase());
      if (!list) return undefined;
      for (const e of list) if (e.version <= version) return e.code;
      return undefined;
    },
    /** Every code assigned to a name at or below `version`, oldest first. */
    codes: (name: string, version = ENCODING_VERSION_LATEST): number[] =>
      (allByName.get(name.toLowerCase()) ?? []).filter((e) => e.version <= version).map((e) => e.code),
  };
}

// WAP-230 Table 39, Header Field Name Assignments (page 1), with the 1.2–1.4 additions.
export const FIELD_NAMES = table([
  [0x00, 'Accept'],
  [0x01, 'Accept-Charset'],
  [0x02, 'Accept-Encoding'],
  [0x03, 'Accept-Language'],
  [0x04, 'Accept-Ranges'],
  [0x05, 'Age'],
  [0x06, 'Allow'],
  [0x07, 'Authorization'],
  [0x08, 'Cache-Control'],
  [0x09, 'Connection'],
  [0x0a, 'Content-Base'],
  [0x0b, 'Content-Encoding'],
  [0x0c, 'Content-Language'],
  [0x0d, 'Content-Length'],
  [0x0e, 'Content-Location'],
  [0x0f, 'Content-MD5'],
  [0x10, 'Content-Range'],
  [0x11, 'Content-Type'],
  [0x12, 'Date'],
  [0x13, 'ETag'],
  [0x14, 'Expires'],
  [0x15, 'From'],
  [0x16, 'Host'],
  [0x17, 'If-Modified-Since'],
  [0x18, 'If-Match'],
  [0x19, 'If-None-Match'],
  [0x1a, 'If-Range'],
  [0x1b, 'If-Unmodified-Since'],
  [0x1c, 'Location'],
  [0x1d, 'Last-Modified'],
  [0x1e, 'Max-Forwards'],
  [0x1f, 'Pragma'],
  [0x20, 'Proxy-Authenticate'],
  [0x21, 'Proxy-Authorization'],
  [0x22, 'Public'],
  [0x23, 'Range'],
  [0x24, 'Referer'],
  [0x25, 'Retry-After'],
  [0x26, 'Server'],
  [0x27, 'Transfer-Encoding'],
  [0x28, 'Upgrade'],
  [0x29, 'User-Agent'],
  [0x2a, 'Vary'],
  [0x2b, 'Via'],
  [0x2c, 'Warning'],
  [0x2d, 'WWW-Authenticate'],
  [0x2e, 'Content-Disposition'],
  [0x2f, 'X-Wap-Application-Id', 0x12],
  [0x30, 'X-Wap-Content-URI', 0x12],
  [0x31, 'X-Wap-Initiator-URI', 0x12],
  [0x32, 'Accept-Application', 0x12],
  [0x33, 'Bearer-Indication', 0x12],
  [0x34, 'Push-Flag', 0x12],
  [0x35, 'Profile', 0x12],
  [0x36, 'Profile-Diff', 0x12],
  [0x37, 'Profile-Warning', 0x12],
  [0x38, 'Expect', 0x13],
  [0x39, 'TE', 0x13],
  [0x3a, 'Trailer', 0x13],
  [0x3b, 'Accept-Charset', 0x13],
  [0x3c, 'Accept-Encoding', 0x13],
  [0x3d, 'Cache-Control', 0x13],
  [0x3e, 'Content-Range', 0x13],
  [0x3f, 'X-Wap-Tod', 0x13],
  [0x40, 'Content-ID', 0x13],
  [0x41, 'Set-Cookie', 0x13],
  [0x42, 'Cookie', 0x13],
  [0x43, 'Encoding-Version', 0x13],
  [0x44, 'Profile-Warning', 0x14],
  [0x45, 'Content-Disposition', 0x14],
  [0x46, 'X-Wap-Security', 0x14],
  [0x47, 'Cache-Control', 0x14],
]);

// WAP-230 Table 40, Content Type Assignments, and the WINA registrations after it.
export const CONTENT_TYPES = table([
  [0x00, '*/*'],
  [0x01, 'text/*'],
  [0x02, 'text/html'],
  [0x03, 'text/plain'],
  [0x04, 'text/x-hdml'],
  [0x05, 'text/x-ttml'],
  [0x06, 'text/x-vCalendar'],
  [0x07, 'text/x-vCard'],
  [0x08, 'text/vnd.wap.wml'],
  [0x09, 'text/vnd.wap.wmlscript'],
  [0x0a, 'text/vnd.wap.wta-event'],
  [0x0b, 'multipart/*'],
  [0x0c, 'multipart/mixed'],
  [0x0d, 'multipart/form-data'],
  [0x0e, 'multipart/byteranges'],
  [0x0f, 'multipart/alternative'],
  [0x10, 'application/*'],
  [0x11, 'application/java-vm'],
  [0x12, 'application/x-www-form-urlencoded'],
  [0x13, 'application/x-hdmlc'],
  [0x14, 'application/vnd.wap.wmlc'],
  [0x15, 'application/vnd.wap.wmlscriptc'],
  [0x16, 'application/vnd.wap.wta-eventc'],
  [0x17, 'application/vnd.wap.uaprof'],
  [0x18, 'application/vnd.wap.wtls-ca-certificate'],
  [0x19, 'application/vnd.wap.wtls-user-certificate'],
  [0x1a, 'application/x-x509-ca-cert'],
  [0x1b, 'application/x-x509-user-cert'],
  [0x1c, 'image/*'],
  [0x1d, 'image/gif'],
  [0x1e, 'image/jpeg'],
  [0x1f, 'image/tiff'],
  [0x20, 'image/png'],
  [0x21, 'image/vnd.wap.wbmp'],
  [0x22, 'application/vnd.wap.multipart.*'],
  [0x23, 'application/vnd.wap.multipart.mixed'],
  [0x24, 'application/vnd.wap.multipart.form-data'],
  [0x25, 'application/vnd.wap.multipart.byteranges'],
  [0x26, 'application/vnd.wap.multipart.alternative'],
  [0x27, 'application/xml'],
  [0x28, 'text/xml'],
  [0x29, 'application/vnd.wap.wbxml'],
  [0x2a, 'application/x-x968-cross-cert'],
  [0x2b, 'application/x-x968-ca-cert'],
  [0x2c, 'application/x-x968-user-cert'],
  [0x2d, 'text/vnd.wap.si', 0x12],
  [0x2e, 'application/vnd.wap.sic', 0x12],
  [0x2f, 'text/vnd.wap.sl', 0x12],
  [0x30, 'application/vnd.wap.slc', 0x12],
  [0x31, 'text/vnd.wap.co', 0x12],
  [0x32, 'application/vnd.wap.coc', 0x12],
  [0x33, 'application/vnd.wap.multipart.related', 0x13],
  [0x34, 'application/vnd.wap.sia', 0x13],
  [0x35, 'text/vnd.wap.connectivity-xml', 0x13],
  [0x36, 'application/vnd.wap.connectivity-wbxml', 0x13],
  [0x37, 'application/pkcs7-mime', 0x14],
  [0x38, 'application/vnd.wap.hashed-certificate', 0x14],
  [0x39, 'application/vnd.wap.signed-certificate', 0x14],
  [0x3a, 'application/vnd.wap.cert-response', 0x14],
  [0x3b, 'application/xhtml+xml', 0x14],
  [0x3c, 'application/wml+xml', 0x14],
  [0x3d, 'text/css', 0x14],
  [0x3e, 'application/vnd.wap.mms-message', 0x14],
  [0x3f, 'application/vnd.wap.rollover-certificate', 0x14],
  [0x40, 'application/vnd.wap.locc+wbxml', 0x15],
  [0x41, 'application/vnd.wap.loc+xml', 0x15],
  [0x42, 'application/vnd.syncml.dm+wbxml', 0x15],
  [0x43, 'application/vnd.syncml.dm+xml', 0x15],
  [0x44, 'application/vnd.syncml.notification', 0x15],
  [0x45, 'application/vnd.wap.xhtml+xml', 0x15],
  [0x46, 'application/vnd.wv.csp.cir', 0x15],
  [0x47, 'application/vnd.oma.dd+xml', 0x15],
  [0x48, 'application/vnd.oma.drm.message', 0x15],
  [0x49, 'application/vnd.oma.drm.content', 0x15],
  [0x4a, 'application/vnd.oma.drm.rights+xml', 0x15],
  [0x4b, 'application/vnd.oma.drm.rights+wbxml', 0x15],
  [0x4c, 'application/vnd.wv.csp+xml', 0x15],
  [0x4d, 'application/vnd.wv.csp+wbxml', 0x15],
  [0x5a, 'application/octet-stream', 0x15], // Kannel sends it, Wireshark reads it
  // Registered by third parties (WINA), sent as Long-integer codes.
  [0x0201, 'application/vnd.uplanet.cacheop-wbxml', 0x12],
  [0x0202, 'application/vnd.uplanet.signal', 0x12],
  [0x0203, 'application/vnd.uplanet.alert-wbxml', 0x12],
  [0x0204, 'application/vnd.uplanet.list-wbxml', 0x12],
  [0x0205, 'application/vnd.uplanet.listcmd-wbxml', 0x12],
  [0x0206, 'application/vnd.uplanet.channel-wbxml', 0x12],
  [0x0207, 'application/vnd.uplanet.provisioning-status-uri', 0x12],
  [0x0208, 'x-wap.multipart/vnd.uplanet.header-set', 0x12],
  [0x0209, 'application/vnd.uplanet.bearer-choice-wbxml', 0x12],
  [0x020a, 'application/vnd.phonecom.mmc-wbxml', 0x12],
  [0x020b, 'application/vnd.nokia.syncset+wbxml', 0x12],
  [0x020c, 'image/x-up-wpng', 0x12],
  [0x0300, 'application/iota.mmc-wbxml', 0x12],
  [0x0301, 'application/iota.mmc-xml', 0x12],
  [0x0302, 'application/vnd.syncml+xml', 0x12],
  [0x0303, 'application/vnd.syncml+wbxml', 0x12],
  [0x0304, 'text/vnd.wap.emn+xml', 0x12],
  [0x0305, 'text/calendar', 0x12],
  [0x0306, 'application/vnd.omads-email+xml', 0x12],
  [0x0307, 'application/vnd.omads-file+xml', 0x12],
  [0x0308, 'application/vnd.omads-folder+xml', 0x12],
  [0x0309, 'text/directory;profile=vCard', 0x12],
  [0x030a, 'application/vnd.wap.emn+wbxml', 0x12],
]);

// WAP-230 Table 38, Well-Known Parameter Assignments (1.1–1.4). `kind` names the value grammar.
export type ParamKind =
  | 'q' // Q-value
  | 'charset' // Well-known-charset
  | 'version' // Version-value
  | 'integer' // Integer-value
  | 'text' // Text-string
  | 'text-value' // Text-value (No-value | Token-text | Quoted-string)
  | 'field-name' // Field-name (Token-text | Well-known-field-name)
  | 'short' // Short-integer
  | 'constrained' // Constrained-encoding (a content type)
  | 'delta' // Delta-seconds-value
  | 'no-value' // No-value
  | 'date'; // Date-value

export interface ParamEntry {
  code: number;
  name: string;
  kind: ParamKind;
  version: number;
}

const PARAM_ROWS: readonly (readonly [number, string, ParamKind, number])[] = [
  [0x00, 'q', 'q', 0x11],
  [0x01, 'charset', 'charset', 0x11],
  [0x02, 'level', 'version', 0x11],
  [0x03, 'type', 'integer', 0x11],
  [0x05, 'name', 'text', 0x11],
  [0x06, 'filename', 'text', 0x11],
  [0x07, 'differences', 'field-name', 0x11],
  [0x08, 'padding', 'short', 0x11],
  [0x09, 'type', 'constrained', 0x12],
  [0x0a, 'start', 'text', 0x12],
  [0x0b, 'start-info', 'text', 0x12],
  [0x0c, 'comment', 'text', 0x13],
  [0x0d, 'domain', 'text', 0x13],
  [0x0e, 'max-age', 'delta', 0x13],
  [0x0f, 'path', 'text', 0x13],
  [0x10, 'secure', 'no-value', 0x13],
  [0x11, 'sec', 'short', 0x14],
  [0x12, 'mac', 'text-value', 0x14],
  [0x13, 'creation-date', 'date', 0x14],
  [0x14, 'modification-date', 'date', 0x14],
  [0x15, 'read-date', 'date', 0x14],
  [0x16, 'size', 'integer', 0x14],
  [0x17, 'name', 'text-value', 0x14],
  [0x18, 'filename', 'text-value', 0x14],
  [0x19, 'start', 'text-value', 0x14],
  [0x1a, 'start-info', 'text-value', 0x14],
  [0x1b, 'comment', 'text-value', 0x14],
  [0x1c, 'domain', 'text-value', 0x14],
  [0x1d, 'path', 'text-value', 0x14],
];

export const PARAMS_BY_CODE = new Map<number, ParamEntry>(
  PARAM_ROWS.map(([code, name, kind, version]) => [code, { code, name, kind, version }]),
);

/**
 * The parameter code to send for a name. The 1.1–1.3 codes stay valid in every later version and are what
 * deployed handsets understand, so they are preferred; the 1.4-only names (sec, mac, dates, size) need 1.4.
 * `type` is the Integer-value form (0x03) unless the value is a media type, which the caller decides.
 */
export function paramCode(name: string, version = ENCODING_VERSION_LATEST): ParamEntry | undefined {
  const n = name.toLowerCase();
  for (const e of PARAMS_BY_CODE.values()) if (e.name === n && e.version <= version) return e;
  return undefined;
}

// WAP-230 Table 42 and IANA MIBenum assignments for the charsets handsets and servers use.
export const CHARSETS = table([
  [0x03, 'us-ascii'],
  [0x04, 'iso-8859-1'],
  [0x05, 'iso-8859-2'],
  [0x06, 'iso-8859-3'],
  [0x07, 'iso-8859-4'],
  [0x08, 'iso-8859-5'],
  [0x09, 'iso-8859-6'],
  [0x0a, 'iso-8859-7'],
  [0x0b, 'iso-8859-8'],
  [0x0c, 'iso-8859-9'],
  [0x0d, 'iso-8859-10'],
  [0x11, 'shift_jis'],
  [0x12, 'euc-jp'],
  [0x25, 'iso-2022-kr'],
  [0x26, 'euc-kr'],
  [0x27, 'iso-2022-jp'],
  [0x28, 'iso-2022-jp-2'],
  [0x51, 'iso-8859-6-e'],
  [0x52, 'iso-8859-6-i'],
  [0x54, 'iso-8859-8-e'],
  [0x55, 'iso-8859-8-i'],
  [0x6a, 'utf-8'],
  [0x6d, 'iso-8859-13'],
  [0x6e, 'iso-8859-14'],
  [0x6f, 'iso-8859-15'],
  [0x70, 'iso-8859-16'],
  [0x71, 'gbk'],
  [0x72, 'gb18030'],
  [0x3e8, 'iso-10646-ucs-2'],
  [0x3e9, 'iso-10646-ucs-4'],
  [0x3f4, 'utf-7'],
  [0x3f5, 'utf-16be'],
  [0x3f6, 'utf-16le'],
  [0x3f7, 'utf-16'],
  [0x3f9, 'utf-32'],
  [0x3fa, 'utf-32be'],
  [0x3fb, 'utf-32le'],
  [0x7e9, 'gb2312'],
  [0x7ea, 'big5'],
  [0x824, 'koi8-r'],
  [0x8ca, 'windows-1250'],
  [0x8cb, 'windows-1251'],
  [0x8cc, 'windows-1252'],
  [0x8cd, 'windows-1253'],
  [0x8ce, 'windows-1254'],
  [0x8cf, 'windows-1255'],
  [0x8d0, 'windows-1256'],
  [0x8d1, 'windows-1257'],
  [0x8d2, 'windows-1258'],
]);

/** Any-charset (WAP-230 §8.4.2.8) and the other "any" octets share the value 128. */
export const ANY = 0x80;

// WAP-230 Table 41, ISO 639 language assignments (the codes WAP-230 lists; Short-integer values).
export const LANGUAGES = table([
  [0x01, 'aa'], [0x02, 'ab'], [0x03, 'af'], [0x04, 'am'], [0x05, 'ar'], [0x06, 'as'], [0x07, 'ay'], [0x08, 'az'],
  [0x09, 'ba'], [0x0a, 'be'], [0x0b, 'bg'], [0x0c, 'bh'], [0x0d, 'bi'], [0x0e, 'bn'], [0x0f, 'bo'], [0x10, 'br'],
  [0x11, 'ca'], [0x12, 'co'], [0x13, 'cs'], [0x14, 'cy'], [0x15, 'da'], [0x16, 'de'], [0x17, 'dz'], [0x18, 'el'],
  [0x19, 'en'], [0x1a, 'eo'], [0x1b, 'es'], [0x1c, 'et'], [0x1d, 'eu'], [0x1e, 'fa'], [0x1f, 'fi'], [0x20, 'fj'],
  [0x21, 'ur'], [0x22, 'fr'], [0x23, 'uz'], [0x24, 'ga'], [0x25, 'gd'], [0x26, 'gl'], [0x27, 'gn'], [0x28, 'gu'],
  [0x29, 'ha'], [0x2a, 'he'], [0x2b, 'hi'], [0x2c, 'hr'], [0x2d, 'hu'], [0x2e, 'hy'], [0x2f, 'vi'], [0x30, 'id'],
  [0x31, 'wo'], [0x32, 'xh'], [0x33, 'is'], [0x34, 'it'], [0x35, 'yo'], [0x36, 'ja'], [0x37, 'jw'], [0x38, 'ka'],
  [0x39, 'kk'], [0x3a, 'za'], [0x3b, 'km'], [0x3c, 'kn'], [0x3d, 'ko'], [0x3e, 'ks'], [0x3f, 'ku'], [0x40, 'ky'],
  [0x41, 'zh'], [0x42, 'ln'], [0x43, 'lo'], [0x44, 'lt'], [0x45, 'lv'], [0x46, 'mg'], [0x47, 'mi'], [0x48, 'mk'],
  [0x49, 'ml'], [0x4a, 'mn'], [0x4b, 'mo'], [0x4c, 'mr'], [0x4d, 'ms'], [0x4e, 'mt'], [0x4f, 'my'], [0x50, 'uk'],
  [0x51, 'ne'], [0x52, 'nl'], [0x53, 'no'], [0x54, 'oc'], [0x55, 'om'], [0x56, 'or'], [0x57, 'pa'], [0x58, 'pl'],
  [0x59, 'ps'], [0x5a, 'pt'], [0x5b, 'qu'], [0x5c, 'zu'], [0x5d, 'rn'], [0x5e, 'ro'], [0x5f, 'ru'], [0x60, 'rw'],
  [0x61, 'sa'], [0x62, 'sd'], [0x63, 'sg'], [0x64, 'sh'], [0x65, 'si'], [0x66, 'sk'], [0x67, 'sl'], [0x68, 'sm'],
  [0x69, 'sn'], [0x6a, 'so'], [0x6b, 'sq'], [0x6c, 'sr'], [0x6d, 'ss'], [0x6e, 'st'], [0x6f, 'su'], [0x70, 'sv'],
  [0x71, 'sw'], [0x72, 'ta'], [0x73, 'te'], [0x74, 'tg'], [0x75, 'th'], [0x76, 'ti'], [0x77, 'tk'], [0x78, 'tl'],
  [0x79, 'tn'], [0x7a, 'to'], [0x7b, 'tr'], [0x7c, 'ts'], [0x7d, 'tt'], [0x7e, 'tw'], [0x7f, 'ug'],
  // Beyond 0x7F the codes need a Long-integer.
  [0x81, 'na'], [0x82, 'fo'], [0x83, 'fy'], [0x84, 'ia'], [0x85, 'vo'], [0x86, 'ie'], [0x87, 'ik'], [0x88, 'yi'],
  [0x89, 'iu'], [0x8a, 'kl'], [0x8b, 'la'], [0x8c, 'rm'],
]);

// WINA push application ids (x-wap-application:*), WAP-230 §8.4.2.54 App-assigned-code.
export const APPLICATION_IDS = table([
  [0x00, 'x-wap-application:*'],
  [0x01, 'x-wap-application:push.sia'],
  [0x02, 'x-wap-application:wml.ua'],
  [0x03, 'x-wap-application:wta.ua'],
  [0x04, 'x-wap-application:mms.ua'],
  [0x05, 'x-wap-application:push.syncml'],
  [0x06, 'x-wap-application:loc.ua'],
  [0x07, 'x-wap-application:syncml.dm'],
  [0x08, 'x-wap-application:drm.ua'],
  [0x09, 'x-wap-application:emn.ua'],
  [0x0a, 'x-wap-application:wv.ua'],
  [0x1a, 'x-wap-application:lwm2m.dm'],
  [0x8000, 'x-wap-microsoft:localcontent.ua'],
  [0x8001, 'x-wap-microsoft:imclient.ua'],
  [0x8002, 'x-wap-docomo:imode.mail.ua'],
  [0x8003, 'x-wap-docomo:imode.mr.ua'],
  [0x8004, 'x-wap-docomo:imode.mf.ua'],
  [0x8005, 'x-motorola:location.ua'],
  [0x8006, 'x-motorola:now.ua'],
  [0x8007, 'x-motorola:otaprov.ua'],
  [0x8008, 'x-motorola:browser.ua'],
  [0x8009, 'x-motorola:splash.ua'],
  [0x800b, 'x-wap-nai:mvsw.command'],
  [0x8010, 'x-wap-openwave:iota.ua'],
  [0x9000, 'x-wap-docomo:imode.mail2.ua'],
  [0x9001, 'x-oma-nec:otaprov.ua'],
  [0x9002, 'x-oma-nokia:call.ua'],
  [0x9003, 'x-oma-coremobility:sqa.ua'],
]);

// WAP-230 Table 34, well-known methods (Allow, Public).
export const METHODS = table([
  [0x40, 'GET'],
  [0x41, 'OPTIONS'],
  [0x42, 'HEAD'],
  [0x43, 'DELETE'],
  [0x44, 'TRACE'],
  [0x60, 'POST'],
  [0x61, 'PUT'],
]);

// WAP-230 §8.4.2.15 Cache-directive codes (Short-integer values).
export const CACHE_DIRECTIVES = table([
  [0x00, 'no-cache'],
  [0x01, 'no-store'],
  [0x02, 'max-age'],
  [0x03, 'max-stale'],
  [0x04, 'min-fresh'],
  [0x05, 'only-if-cached'],
  [0x06, 'public'],
  [0x07, 'private'],
  [0x08, 'no-transform'],
  [0x09, 'must-revalidate'],
  [0x0a, 'proxy-revalidate'],
  [0x0b, 's-maxage', 0x13],
]);

// WAP-230 §8.4.2.18 Content-encoding values (also Accept-Encoding), §8.4.2.46 Transfer-encoding.
export const CONTENT_ENCODINGS = table([
  [0x00, 'gzip'],
  [0x01, 'compress'],
  [0x02, 'deflate'],
]);

// WAP-230 §8.4.2.53 Content-Disposition values (inline is 1.4).
export const DISPOSITIONS = table([
  [0x00, 'form-data'],
  [0x01, 'attachment'],
  [0x02, 'inline', 0x14],
]);

// WAP-230 §8.4.2.86 TE values.
export const TE_VALUES = table([
  [0x01, 'trailers'],
  [0x02, 'chunked'],
  [0x03, 'identity'],
  [0x04, 'gzip'],
  [0x05, 'compress'],
  [0x06, 'deflate'],
]);
