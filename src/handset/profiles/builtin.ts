/**
 * The handset profiles wapgate ships (`wapgate phone profiles`). Each is data with its source:
 * - mms-phone (the default): an MMS 1.2 handset with a WML browser. Its Accept list is the MMS media of the
 *   Microsoft MMS baseline UAProf (MmsCcppAccept, published in "User agent profile for MMS messages", Windows
 *   hardware docs, 2012/2017) plus the WAP browser and push types every WAP 1.x/2.0 handset lists (WML/WMLC,
 *   WMLScript, XHTML-MP, SI/SL/CO), so Kannel's wapbox (406 for a type not accepted) and a content-adapting
 *   MMSC (Mbuni builds the handset's capabilities from Accept when it has no UAProf it can fetch) keep
 *   everything. No x-wap-profile: a UAProf URL the MMSC cannot fetch would stand in for the Accept list.
 * - nokia-3510i: the real Connect in ../shared/captures/wsp/nokia3510i_wsp-connect.bin (meyskens/wap-wps test
 *   data, Nokia 3510i fw 05.30), header for header (a test checks the encoded Connect equals the capture).
 * - kannel-fakewap: what Kannel 1.4.5's test/fakewap sends (../shared/captures/kannel/kannel-fakewap-co.pcap:
 *   Connect 1.0, Client/Server SDU 1048576, Accept "*" "/" "*" (any type), User-Agent fakewap; its CL Gets carry the same Accept).
 * - windows-phone-mms: the Microsoft MMS baseline UAProf document as a whole (MmsCcppAccept,
 *   MmsCcppAcceptCharSet, MmsVersion 1.2, MmsMaxMessageSize 614400); the WSP side (Connect) is ours, sized from
 *   MmsMaxMessageSize, since that device speaks MMS over HTTP.
 */
import type { HandsetProfileInput } from './types.ts';

const MMS_MEDIA = [
  'application/vnd.wap.mms-message',
  'application/vnd.wap.multipart.related',
  'application/vnd.wap.multipart.mixed',
  'application/smil',
  'text/plain',
  'text/x-vcard',
  'text/x-vcalendar',
  'image/jpeg',
  'image/gif',
  'image/png',
  'image/bmp',
  'image/vnd.wap.wbmp',
  'audio/amr',
  'audio/midi',
  'audio/sp-midi',
  'audio/mpeg',
  'video/3gpp',
];

const BROWSER = [
  'application/vnd.wap.wmlc',
  'text/vnd.wap.wml',
  'application/vnd.wap.wmlscriptc',
  'application/vnd.wap.xhtml+xml',
  'application/xhtml+xml',
  'text/html',
  'application/vnd.wap.sic',
  'application/vnd.wap.slc',
  'application/vnd.wap.coc',
  'application/vnd.wap.connectivity-wbxml',
  '*/*',
];

export const DEFAULT_PROFILE = 'mms-phone';

export const BUILTIN_PROFILES: readonly HandsetProfileInput[] = [
  {
    name: 'mms-phone',
    description: 'An MMS 1.2 handset with a WML/XHTML browser',
    source: 'MMS media: Microsoft MMS baseline UAProf (MmsCcppAccept); browser and push types of WAP 1.x/2.0 handsets',
    userAgent: 'wapgate-phone/1.0 Profile/MIDP-2.0 Configuration/CLDC-1.1',
    accept: [...MMS_MEDIA, ...BROWSER],
    acceptCharset: ['utf-8', 'iso-8859-1;q=0.8', 'us-ascii;q=0.6'],
    acceptLanguage: ['en'],
    connect: {
      version: '1.0',
      capabilities: {
        clientSduSize: 307_200,
        serverSduSize: 307_200,
        clientMessageSize: 307_200,
        serverMessageSize: 307_200,
        methodMor: 4,
        pushMor: 1,
        protocolOptions: { push: true, confirmedPush: true, sessionResume: true, largeDataTransfer: true },
      },
    },
    pushPorts: { cl: 2948, co: 2949 },
    mmsVersion: '1.2',
    mmsMaxMessageSize: 307_200,
  },
  {
    name: 'nokia-3510i',
    description: 'Nokia 3510i (fw 05.30): its real WSP Connect, header for header',
    source: '../shared/captures/wsp/nokia3510i_wsp-connect.bin (meyskens/wap-wps parse_test.go)',
    userAgent: 'Nokia3510i/1.0 (05.30) Profile/MIDP-1.0 Configuration/CLDC-1.0',
    profileUrl: 'http://nds.nokia.com/uaprof/N3510ir100.xml',
    headers: [
      {name: 'Accept', value: 'application/x-wap-prov.browser-settings'},
      {name: 'Accept', value: 'application/x-nokia.settings'},
      {name: 'Accept', value: 'application/vnd.wap.wmlc'},
      {name: 'Accept', value: 'application/vnd.wap.wmlscriptc'},
      {name: 'Accept', value: 'text/x-vcard'},
      {name: 'Accept', value: 'text/x-vcalendar'},
      {name: 'Accept', value: 'application/vnd.wap.wtls-ca-certificate'},
      {name: 'Accept', value: 'application/vnd.wap.sic'},
      {name: 'Accept', value: 'application/x-wap-prov.browser-bookmarks'},
      {name: 'Accept', value: 'text/x-co-desc'},
      {name: 'Accept', value: 'image/gif'},
      {name: 'Accept', value: 'image/jpeg'},
      {name: 'Accept', value: 'image/jpg'},
      {name: 'Accept', value: 'image/bmp'},
      {name: 'Accept', value: 'image/png'},
      {name: 'Accept', value: 'image/vnd.wap.wbmp'},
      {name: 'Accept', value: 'image/vnd.nok-wallpaper'},
      {name: 'Accept', value: 'image/vnd-nok-camera-snap'},
      {name: 'Accept', value: 'image/vnd-nok-camera-snsp'},
      {name: 'Accept', value: 'application/vnd.wap.mms-message', rawHex: '6170706c69636174696f6e2f766e642e7761702e6d6d732d6d65737361676500'},
      {name: 'Accept', value: 'text/vnd.sun.j2me.app-descriptor'},
      {name: 'Accept', value: 'application/vnd.nokia.ringing-tone'},
      {name: 'Accept', value: 'audio/midi'},
      {name: 'Accept', value: 'audio/mid'},
      {name: 'Accept', value: 'audio/x-midi'},
      {name: 'Accept', value: 'audio/x-mid'},
      {name: 'Accept', value: 'audio/sp-midi'},
      {name: 'Accept', value: 'application/java'},
      {name: 'Accept', value: 'image/vnd.nok-oplogo-color'},
      {name: 'Accept', value: 'application/java-archive'},
      {name: 'Accept', value: 'application/x-java-archive'},
      {name: 'Accept-Language', value: 'nl'},
      {name: 'Accept-Charset', value: 'iso-8859-1'},
      {name: 'Accept-Charset', value: 'utf-8;q=0.8'},
      {name: 'Accept-Charset', value: 'iso-10646-ucs-2;q=0.6'},
      {name: 'Profile', value: 'http://nds.nokia.com/uaprof/N3510ir100.xml'},
      {name: 'User-Agent', value: 'Nokia3510i/1.0 (05.30) Profile/MIDP-1.0 Configuration/CLDC-1.0'},
      {name: 'X-WAP.TOD', value: 'Thu, 01 Jan 1970 00:00:00 GMT', rawHex: '0100'},
    ],
    connect: { version: '1.0', capabilities: { clientSduSize: 65535, serverSduSize: 65535, methodMor: 20 } },
    pushPorts: { cl: 2948, co: 2949 },
    mmsVersion: '1.0',
  },
  {
    name: 'kannel-fakewap',
    description: "Kannel 1.4.5's test/fakewap client",
    source: '../shared/captures/kannel/kannel-fakewap-co.pcap and kannel-fakewap-cl.pcap (Connect and Get as fakewap sends them)',
    userAgent: 'fakewap',
    accept: ['*/*'],
    headers: [
      { name: 'Accept', value: '*/*' },
      { name: 'User-Agent', value: 'fakewap' },
    ],
    connect: { version: '1.0', capabilities: { clientSduSize: 1_048_576, serverSduSize: 1_048_576 } },
  },
  {
    name: 'windows-phone-mms',
    description: 'The Microsoft MMS baseline UAProf (Windows 10 Mobile): MMS 1.2, 600 KiB, wide media list',
    source:
      'Microsoft, "User agent profile for MMS messages" (Windows hardware docs, MMS baseline characteristics 5/25/2012): ' +
      'MmsCcppAccept, MmsCcppAcceptCharSet, MmsVersion, MmsMaxMessageSize; the WSP Connect is sized from MmsMaxMessageSize',
    userAgent: 'wapgate-phone/1.0 (windows-phone-mms profile)',
    accept: [
      'image/jpeg', 'image/gif', 'image/bmp', 'image/png', 'image/tiff', 'image/wdp', 'image/vnd.ms-photo',
      'audio/mp3', 'audio/mpeg', 'audio/mpeg3', 'audio/mp4', 'audio/wav', 'audio/x-ms-wav', 'audio/vnd.wave', 'audio/3gpp',
      'audio/3gpp2', 'audio/x-ms-wma', 'audio/aac', 'audio/aacp', 'audio/vnd.dlna.adts', 'audio/x-aac', 'audio/x-m4a',
      'audio/x-mp3', 'audio/x-mpeg', 'audio/x-wav', 'audio/amr', 'audio/x-m4r',
      'video/3gpp', 'video/3gpp2', 'video/mp4', 'video/x-m4v', 'video/x-ms-wmv', 'video/quicktime',
      'text/plain', 'text/vcard', 'text/x-vcard',
      'application/vnd.wap.multipart.mixed', 'application/vnd.wap.multipart.related', 'application/smil',
      'application/vnd.wap.mms-message', 'application/vnd.oma.drm.message',
    ],
    acceptCharset: [
      'utf-8', 'utf-16', 'iso-8859-1', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7',
      'iso-8859-8', 'iso-8859-9', 'iso-8859-10', 'us-ascii', 'iso-10646-ucs-2',
    ],
    acceptLanguage: ['en'],
    connect: {
      version: '1.0',
      encodingVersion: '1.3',
      capabilities: { clientSduSize: 614_400, serverSduSize: 614_400, clientMessageSize: 614_400, serverMessageSize: 614_400, methodMor: 4 },
    },
    pushPorts: { cl: 2948, co: 2949 },
    mmsVersion: '1.2',
    mmsMaxMessageSize: 614_400,
  },
];
