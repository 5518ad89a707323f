/**
 * Wireshark as the oracle for the header codecs: every typed header we encode is wrapped in a connectionless
 * WSP Reply (TID, 0x04, status 200, headers length, Content-Type, the header), dissected by tshark, and the
 * field code and value tshark reports are compared with what we meant. tshark must report no problem.
 */
import { describe, expect, it } from 'vitest';
import { Writer } from '../../src/wire/writer.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { writeContentType, parseContentType } from '../../src/wsp/content-type.ts';
import { encodeHeaders } from '../../src/wsp/headers/index.ts';
import { fieldValues, toolAvailable, tshark } from '../support/tools.ts';

type Case = [name: string, value: string, code: number | undefined, fields: Record<string, string>];

// Expected values are tshark 4.0's renderings of what each header means.
const CASES: Case[] = [
  ['Accept', 'text/html;q=0.5', 0x00, { 'wsp.header.accept': 'text/html', 'wsp.parameter.q': '0.50' }],
  ['Accept', 'application/vnd.wap.mms-message', 0x00, { 'wsp.header.accept': 'application/vnd.wap.mms-message' }],
  ['Accept-Charset', 'iso-10646-ucs-2;q=0.6', 0x01, { 'wsp.header.accept_charset': 'ISO-10646-UCS-2', 'wsp.parameter.q': '0.60' }],
  ['Accept-Charset', 'utf-8', 0x01, { 'wsp.header.accept_charset': 'UTF-8' }],
  ['Accept-Encoding', 'deflate;q=0.3', 0x02, { 'wsp.header.accept_encoding': 'deflate', 'wsp.parameter.q': '0.30' }],
  ['Accept-Language', 'de;q=0.7', 0x03, { 'wsp.header.accept_language': 'German (de)', 'wsp.parameter.q': '0.70' }],
  ['Accept-Ranges', 'bytes', 0x04, { 'wsp.header.accept_ranges': 'bytes' }],
  ['Age', '3600', 0x05, { 'wsp.header.age': '3600 seconds' }],
  ['Allow', 'POST', 0x06, { 'wsp.header.allow': 'Post' }],
  ['Authorization', 'Basic dXNlcjpwYXNz', 0x07, { 'wsp.header.authorization.scheme': 'basic', 'wsp.header.authorization.user_id': 'user', 'wsp.header.authorization.password': 'pass' }],
  ['Cache-Control', 'max-age=60', 0x08, { 'wsp.header.cache_control': 'max-age' }],
  ['Cache-Control', 'no-store', 0x08, { 'wsp.header.cache_control': 'no-store' }],
  ['Cache-Control', 's-maxage=30', 0x3d, { 'wsp.header.cache_control': 's-max-age' }],
  ['Connection', 'close', 0x09, { 'wsp.header.connection': 'close' }],
  ['Content-Base', 'http://b/', 0x0a, { 'wsp.header.content_base': 'http://b/' }],
  ['Content-Encoding', 'gzip', 0x0b, { 'wsp.header.content_encoding': 'gzip' }],
  ['Content-Language', 'en', 0x0c, { 'wsp.header.content_language': 'English (en)' }],
  ['Content-Length', '12345', 0x0d, { 'wsp.header.content_length': '12345' }],
  ['Content-Location', 'http://x/y', 0x0e, { 'wsp.header.content_location': 'http://x/y' }],
  ['Content-MD5', 'AAECAwQFBgcICQoLDA0ODw==', 0x0f, { 'wsp.header.content_md5': '00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f' }],
  ['Content-Range', 'bytes 100-1999/2000', 0x10, { 'wsp.header.content_range.first_byte_pos': '100', 'wsp.header.content_range.entity_length': '2000' }],
  ['Content-Range', 'bytes 5-*/*', 0x3e, { 'wsp.header.content_range.first_byte_pos': '5' }],
  [
    'Content-Type',
    'application/vnd.wap.multipart.related; type=application/smil; start=<0>',
    0x11,
    { 'wsp.header.content_type': 'application/vnd.wap.multipart.related', 'wsp.parameter.upart.type': 'application/smil', 'wsp.parameter.start': '<0>' },
  ],
  // Typed parameters (WAP-230 Table 38 incl. 1.4). tshark 4.0 leaves creation-date and max-age "undecoded"
  // (an expert warning), so those two are checked by our vectors only.
  ['Content-Type', 'text/vnd.wap.wml; level=1.3; name=a.wml', 0x11, { 'wsp.parameter.level': '1.3', 'wsp.parameter.name': 'a.wml' }],
  ['Content-Type', 'image/jpeg; size=4096; filename=x.jpg', 0x11, { 'wsp.parameter.size': '4096', 'wsp.parameter.filename': 'x.jpg' }],
  ['Content-Type', 'application/vnd.wap.connectivity-wbxml; sec=1; mac=0123456789ABCDEF', 0x11, { 'wsp.header.content_type': 'application/vnd.wap.connectivity-wbxml', 'wsp.parameter.sec': '0x01', 'wsp.parameter.mac': '0123456789ABCDEF' }],
  ['Content-Type', 'text/plain; charset=big5; x-foo=bar', 0x11, { 'wsp.parameter.charset': 'Big5', 'wsp.untype.text': 'bar' }],
  ['Content-Type', 'application/vnd.wap.multipart.related; type=application/smil; start=<s>; start-info=x', 0x11, { 'wsp.parameter.start': '<s>', 'wsp.parameter.start_info': 'x' }],
  ['Content-Type', 'text/plain; comment=hi; domain=d; path=/p', 0x11, { 'wsp.parameter.comment': 'hi', 'wsp.parameter.domain': 'd', 'wsp.parameter.path': '/p' }],
  ['Date', 'Sat, 28 Nov 2026 18:00:00 GMT', 0x12, { 'wsp.header.date': 'Nov 28, 2026 18:00:00 UTC' }],
  ['ETag', '"abc"', 0x13, { 'wsp.header.etag': '"abc"' }],
  ['Expires', 'Sat, 28 Nov 2026 19:00:00 GMT', 0x14, { 'wsp.header.expires': 'Nov 28, 2026 19:00:00 UTC' }],
  ['From', 'a@b.c', 0x15, { 'wsp.header.from': 'a@b.c' }],
  ['Host', 'example.com', 0x16, { 'wsp.header.host': 'example.com' }],
  ['If-Modified-Since', 'Sat, 28 Nov 2026 17:00:00 GMT', 0x17, { 'wsp.header.if_modified_since': 'Nov 28, 2026 17:00:00 UTC' }],
  ['If-None-Match', '"xyz"', 0x19, { 'wsp.header.if_none_match': '"xyz"' }],
  ['If-Range', 'Sat, 28 Nov 2026 16:00:00 GMT', 0x1a, { 'wsp.header.if_range': 'Nov 28, 2026 16:00:00 UTC' }],
  ['Location', 'http://x/z', 0x1c, { 'wsp.header.location': 'http://x/z' }],
  ['Last-Modified', 'Sat, 28 Nov 2026 16:00:00 GMT', 0x1d, { 'wsp.header.last_modified': 'Nov 28, 2026 16:00:00 UTC' }],
  ['Max-Forwards', '3', 0x1e, { 'wsp.header.max_forwards': '3' }],
  ['Pragma', 'no-cache', 0x1f, { 'wsp.header.pragma': 'no-cache' }],
  ['Proxy-Authenticate', 'Digest realm="x", nonce=abc', 0x20, { 'wsp.header.proxy_authenticate.scheme': 'Digest', 'wsp.header.proxy_authenticate.realm': 'x', 'wsp.untype.text': 'abc' }],
  ['Proxy-Authorization', 'Digest username=bob', 0x21, { 'wsp.header.proxy_authorization.scheme': 'Digest', 'wsp.untype.text': 'bob' }],
  ['Public', 'GET', 0x22, { 'wsp.header.public': 'Get' }],
  ['Range', 'bytes=0-99', 0x23, { 'wsp.header.range': 'byte-range', 'wsp.header.range.first_byte_pos': '0', 'wsp.header.range.last_byte_pos': '99' }],
  // tshark 4.0 misreads the Suffix-length uintvar (shows 228 for 100): only the kind is compared.
  ['Range', 'bytes=-100', 0x23, { 'wsp.header.range': 'suffix-byte-range' }],
  ['Referer', 'http://r/', 0x24, { 'wsp.header.referer': 'http://r/' }],
  ['Server', 'wapgate', 0x26, { 'wsp.header.server': 'wapgate' }],
  ['Transfer-Encoding', 'chunked', 0x27, { 'wsp.header.transfer_encoding': 'chunked' }],
  ['Upgrade', 'HTTP/2.0', 0x28, { 'wsp.header.upgrade': 'HTTP/2.0' }],
  ['User-Agent', 'Nokia3510i/1.0 (05.30)', 0x29, { 'wsp.header.user_agent': 'Nokia3510i/1.0 (05.30)' }],
  ['Vary', 'Accept', 0x2a, { 'wsp.header.vary': 'Accept' }],
  ['Via', '1.1 gw', 0x2b, { 'wsp.header.via': '1.1 gw' }],
  ['Warning', '110 gw "stale"', 0x2c, { 'wsp.header.warning.code': '0x0a', 'wsp.header.warning.agent': 'gw', 'wsp.header.warning.text': 'stale' }],
  ['Warning', '214', 0x2c, { 'wsp.header.warning': '214 Transformation applied' }],
  ['WWW-Authenticate', 'Basic realm="wap"', 0x2d, { 'wsp.header.www_authenticate.scheme': 'basic', 'wsp.header.www_authenticate.realm': 'wap' }],
  ['Content-Disposition', 'attachment; filename=a.jpg', 0x2e, { 'wsp.header.content_disposition': 'attachment', 'wsp.parameter.filename': 'a.jpg' }],
  ['Content-Disposition', 'inline; name=x', 0x45, { 'wsp.header.content_disposition': 'inline', 'wsp.parameter.name': 'x' }],
  ['X-Wap-Application-Id', 'x-wap-application:mms.ua', 0x2f, { 'wsp.header.x_wap_application_id': 'x-wap-application:mms.ua' }],
  ['X-Wap-Application-Id', 'x-wap-application:push.sia', 0x2f, { 'wsp.header.x_wap_application_id': 'x-wap-application:push.sia' }],
  ['X-Wap-Application-Id', 'urn:x-foo', 0x2f, { 'wsp.header.x_wap_application_id': 'urn:x-foo' }],
  ['X-Wap-Content-URI', 'http://c/', 0x30, { 'wsp.header.content_uri': 'http://c/' }],
  ['X-Wap-Initiator-URI', 'http://i/', 0x31, { 'wsp.header.initiator_uri': 'http://i/' }],
  ['Accept-Application', 'x-wap-application:wml.ua', 0x32, { 'wsp.header.accept_application': 'x-wap-application:wml.ua' }],
  ['Bearer-Indication', '11', 0x33, { 'wsp.header.bearer_indication': 'GSM GPRS' }],
  ['Push-Flag', '3', 0x34, { 'wsp.header.push_flag.authenticated': '1', 'wsp.header.push_flag.trusted': '1', 'wsp.header.push_flag.last': '0' }],
  ['Profile', 'http://p/x.xml', 0x35, { 'wsp.header.profile': 'http://p/x.xml' }],
  ['Profile-Diff', 'AwFqAAU=', 0x36, { 'wbxml.version': '0x03', 'wbxml.charset': '106' }],
  ['Profile-Warning', '100', 0x37, { 'wsp.header.profile_warning': '100 OK' }],
  ['TE', 'trailers', 0x39, { 'wsp.header.encoding_version': 'trailers' }],
  ['TE', 'x-foo', 0x39, { 'wsp.header.te': 'x-foo' }],
  ['Trailer', 'Date', 0x3a, { 'wsp.header.trailer': 'Date' }],
  ['X-Wap-Tod', 'Sat, 28 Nov 2026 16:00:00 GMT', 0x3f, { 'wsp.header.x_wap_tod': 'Nov 28, 2026 16:00:00.000000000 UTC' }],
  ['Content-ID', '<part1>', 0x40, { 'wsp.header.content_id': '"<part1>"' }],
  ['Encoding-Version', '1.3', 0x43, { 'wsp.header.encoding_version': '1.3' }],
  ['Encoding-Version', '2 1.4', 0x43, { 'wsp.header.encoding_version': 'code-page=2' }],
  ['X-Wap-Security', 'close-subordinate', 0x46, { 'wsp.header.x_wap_security': 'close-subordinate' }],
  ['X-Custom', 'hello', undefined, { 'wsp.header.name_string': 'X-Custom', 'wsp.header_text_value': 'hello' }],
  // tshark 4.0 shows these only as "undecoded value": the code and the absence of problems are what it confirms.
  ['Retry-After', '120', 0x25, {}],
  ['Set-Cookie', 'sid=123; path=/', 0x41, {}],
  ['Cookie', '$Version=1; sid=123', 0x42, {}],
  ['Expect', '100-continue', 0x38, {}],
];

function reply(headerBlock: Buffer): Buffer {
  const ct = new Writer(8);
  writeContentType(ct, parseContentType('text/plain; charset=utf-8'));
  const c = ct.finish();
  // WAP-230 §8.2.1 connectionless: TID, then Reply (0x04) Status HeadersLen ContentType Headers Data
  return new Writer(64).u8(0x01).u8(0x04).u8(0x20).uintvar(c.length + headerBlock.length).bytes(c).bytes(headerBlock).bytes(Buffer.from('ok')).finish();
}

describe.skipIf(!toolAvailable('tshark'))('WSP headers dissected by tshark', () => {
  const pdus = CASES.map(([name, value]) => reply(encodeHeaders([{ name, value }])));
  const res = tshark(exportedPduPcap(pdus, 'wsp-cl'));

  it('reports no malformed packet or expert warning', () => {
    expect(res.problems, res.text).toEqual([]);
    expect(res.packets).toHaveLength(CASES.length);
  });

  CASES.forEach(([name, value, code, fields], i) => {
    it(`${name}: ${value}`, () => {
      const pkt = res.packets[i]!;
      const headers = (pkt._source.layers.wsp as Record<string, unknown>)['wsp.headers'] as Record<string, unknown>;
      expect(headers).toBeDefined();
      if (code !== undefined) expect(fieldValues(headers, 'wsp.header.name_value')).toEqual([String(code)]);
      for (const [field, expected] of Object.entries(fields)) expect(fieldValues(headers, field), field).toContain(expected);
      // the Content-Type before the headers
      expect(fieldValues(pkt._source.layers.wsp as Record<string, unknown>, 'wsp.header.content_type')).toContain('text/plain');
    });
  });
});
