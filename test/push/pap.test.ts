import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parsePushAddress } from '../../src/push/address.ts';
import { PapCode, PapError } from '../../src/push/pap-codes.ts';
import { parsePapBody } from '../../src/push/pap-multipart.ts';
import { parsePapControl } from '../../src/push/pap-parse.ts';
import { pushResponseXml, resultNotificationXml, statusQueryResponseXml } from '../../src/push/pap-xml.ts';
import { normaliseApplicationId, pushHeaders } from '../../src/push/push-pdu.ts';

const code = (f: () => unknown): number => {
  try {
    f();
  } catch (e) {
    if (e instanceof PapError) return e.code;
    throw e;
  }
  return 0;
};

describe('PAP addresses (WAP-249 §7.1)', () => {
  it('PLMN, IPv4, IPv6, USER, user-defined', () => {
    expect(parsePushAddress('WAPPUSH=+1-555-1234/TYPE=PLMN@ppg.carrier.com')).toMatchObject({ type: 'PLMN', value: '+15551234', ppg: 'ppg.carrier.com' });
    expect(parsePushAddress('WAPPUSH=1.2.3.4/TYPE=IPv4@ppg')).toMatchObject({ type: 'IPv4', value: '1.2.3.4' });
    expect(parsePushAddress('WAPPUSH=fe80:0:0:0:0:0:0:1/TYPE=IPv6@ppg')).toMatchObject({ type: 'IPv6', value: 'fe80:0:0:0:0:0:0:1' });
    expect(parsePushAddress('WAPPUSH=alice%40example.com/TYPE=USER@ppg')).toMatchObject({ type: 'USER', value: 'alice@example.com' });
    expect(parsePushAddress('WAPPUSH=abc123/TYPE=X_IMSI@ppg')).toMatchObject({ type: 'user-defined', typeName: 'X_IMSI', value: 'abc123' });
  });

  it('wrong syntax → 2002 Address error', () => {
    for (const bad of [
      '+15551234',
      'WAPPUSH=+15551234/TYPE=PLMN',
      'WAPPUSH=+1555abc/TYPE=PLMN@ppg',
      'WAPPUSH=1.2.3/TYPE=IPv4@ppg',
      'WAPPUSH=300.1.1.1/TYPE=IPv4@ppg',
      'WAPPUSH=zz::1/TYPE=IPv6@ppg',
      'WAPPUSH=a b/TYPE=USER@ppg',
      'WAPPUSH=1/TYPE=9x@ppg',
      'WAPPUSH=+123456789012345678901/TYPE=PLMN@ppg',
    ]) {
      expect(code(() => parsePushAddress(bad)), bad).toBe(PapCode.ADDRESS_ERROR);
    }
  });
});

const PAP1 = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">';
const PAP2 = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';

describe('PAP control entity (WAP-247 §9)', () => {
  it('push-message with timestamps, QoS, several addresses, notify URL', () => {
    const m = parsePapControl(`${PAP2}<pap><push-message push-id="a&amp;b@pi" deliver-before-timestamp="2030-01-01T00:00:00Z"
      deliver-after-timestamp="2029-12-31T00:00:00Z" ppg-notify-requested-to="http://127.0.0.1:9/notify" source-reference="mmsc">
      <address address-value="WAPPUSH=+15551234/TYPE=PLMN@ppg"/><address address-value="WAPPUSH=10.0.0.1/TYPE=IPv4@ppg"/>
      <quality-of-service priority="high" delivery-method="confirmed" network-required="true" network="GSM" bearer-required="true" bearer="SMS"/>
      </push-message></pap>`);
    expect(m).toMatchObject({
      kind: 'push-message',
      version: '2.0',
      pushId: 'a&b@pi',
      notifyTo: 'http://127.0.0.1:9/notify',
      sourceReference: 'mmsc',
      qos: { priority: 'high', deliveryMethod: 'confirmed', networkRequired: true, network: 'GSM', bearerRequired: true, bearer: 'SMS' },
    });
    expect(m.kind === 'push-message' && m.addresses.map((a) => a.type)).toEqual(['PLMN', 'IPv4']);
    expect(m.kind === 'push-message' && m.deliverBefore?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it("Kannel's own control document (PAP 1.0)", () => {
    const m = parsePapControl(`${PAP1}<pap><push-message push-id="9fjeo39jf084@pi.com" progress-notes-requested="false">
      <address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg.peer.test"/>
      <quality-of-service priority="low" delivery-method="unconfirmed" bearer-required="false" network-required="false"/></push-message></pap>`);
    expect(m).toMatchObject({ kind: 'push-message', version: '1.0', qos: { priority: 'low', deliveryMethod: 'unconfirmed' } });
  });

  it('cancel, statusquery, ccq', () => {
    expect(parsePapControl(`${PAP2}<pap><cancel-message push-id="x"/></pap>`)).toMatchObject({ kind: 'cancel-message', pushId: 'x' });
    expect(parsePapControl(`${PAP2}<pap><statusquery-message push-id="x"><address address-value="WAPPUSH=1.2.3.4/TYPE=IPv4@p"/></statusquery-message></pap>`)).toMatchObject({
      kind: 'statusquery-message',
      addresses: [{ value: '1.2.3.4' }],
    });
    expect(parsePapControl(`${PAP2}<pap><ccq-message query-id="q"><address address-value="WAPPUSH=1.2.3.4/TYPE=IPv4@p"/></ccq-message></pap>`)).toMatchObject({ kind: 'ccq-message', queryId: 'q' });
  });

  it('error codes for malformed or unsupported requests', () => {
    const cases: [string, number][] = [
      ['<pap><push-message push-id="x">', PapCode.BAD_REQUEST],
      ['not xml at all', PapCode.BAD_REQUEST],
      ['<foo/>', PapCode.BAD_REQUEST],
      ['<pap><push-message><address address-value="WAPPUSH=1.2.3.4/TYPE=IPv4@p"/></push-message></pap>', PapCode.BAD_REQUEST],
      ['<pap><push-message push-id="x"/></pap>', PapCode.ADDRESS_ERROR],
      ['<pap><push-message push-id="x"><address address-value="1.2.3.4"/></push-message></pap>', PapCode.ADDRESS_ERROR],
      ['<pap><push-message push-id="x" deliver-before-timestamp="tomorrow"><address address-value="WAPPUSH=1.2.3.4/TYPE=IPv4@p"/></push-message></pap>', PapCode.BAD_REQUEST],
      ['<pap><push-message push-id="x"><address address-value="WAPPUSH=1.2.3.4/TYPE=IPv4@p"/><quality-of-service priority="urgent"/></push-message></pap>', PapCode.BAD_REQUEST],
      ['<pap><teleport-message/></pap>', PapCode.NOT_IMPLEMENTED],
      ['<pap><push-response push-id="x"/></pap>', PapCode.BAD_REQUEST],
      ['<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 3.0//EN" "http://www.wapforum.org/DTD/pap_3.0.dtd"><pap><cancel-message push-id="x"/></pap>', PapCode.VERSION_NOT_SUPPORTED],
    ];
    for (const [xml, c] of cases) expect(code(() => parsePapControl(xml)), xml).toBe(c);
  });

  it('no DTD entity expansion from untrusted input', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE pap [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><pap><cancel-message push-id="&b;"/></pap>';
    const m = parsePapControl(bomb);
    expect(m.kind === 'cancel-message' && m.pushId).toBe('&b;');
  });
});

describe('PAP multipart/related body (WAP-247 §8)', () => {
  const body = (parts: string[], b = 'XyZ') => Buffer.from(`preamble\r\n--${b}\r\n${parts.join(`\r\n--${b}\r\n`)}\r\n--${b}--\r\n`);
  it('control, content (base64 transfer encoding undone), capabilities', () => {
    const r = parsePapBody(
      'multipart/related; boundary="XyZ"; type="application/xml"',
      body(['Content-Type: application/xml\r\n\r\n<pap/>', 'Content-Type: application/vnd.wap.mms-message\r\nX-Wap-Application-Id: x-wap-application:mms.ua\r\nContent-Transfer-Encoding: base64\r\n\r\njAKYMQ==', 'Content-Type: application/xml\r\n\r\n<rdf/>']),
      1000,
    );
    expect(r.control).toBe('<pap/>');
    expect(r.content?.body.toString('hex')).toBe('8c029831');
    expect(r.content?.contentType).toBe('application/vnd.wap.mms-message');
    expect(r.content?.headers).toContainEqual(['x-wap-application-id', 'x-wap-application:mms.ua']);
    expect(r.capabilities).toBe('<rdf/>');
  });
  it("a CRLF before the first delimiter, as Kannel's test_ppg sends it", () => {
    const r = parsePapBody('multipart/related; boundary=XyZ', Buffer.from('\r\n--XyZ\r\nContent-Type: application/xml\r\n\r\n<pap/>\r\n--XyZ--'), 10);
    expect(r.control).toBe('<pap/>');
  });

  it('missing control entity, bad framing, oversize content → 2000', () => {
    expect(code(() => parsePapBody('text/plain', Buffer.from('x'), 10))).toBe(PapCode.BAD_REQUEST);
    expect(code(() => parsePapBody('multipart/related', Buffer.from('x'), 10))).toBe(PapCode.BAD_REQUEST);
    expect(code(() => parsePapBody('multipart/related; boundary=XyZ', body(['Content-Type: text/vnd.wap.si\r\n\r\n<si/>']), 10))).toBe(PapCode.BAD_REQUEST);
    expect(code(() => parsePapBody('multipart/related; boundary=XyZ', Buffer.from('--XyZ\r\nContent-Type: application/xml\r\n\r\n<pap/>'), 10))).toBe(PapCode.BAD_REQUEST);
    const big = parsePapBody('multipart/related; boundary=XyZ', body(['Content-Type: application/xml\r\n\r\n<pap/>', 'Content-Type: text/plain\r\n\r\n' + 'x'.repeat(100)]), 50);
    expect(big.content).toMatchObject({ tooLarge: 100, body: Buffer.alloc(0) });
  });
});

describe('PAP answers', () => {
  const p = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
  it('push-response, statusquery-response and resultnotification-message are well-formed with escaped values', () => {
    const x = p.parse(pushResponseXml({ version: '2.0', pushId: 'a"<&>', senderAddress: '/wappush', senderName: 'w', replyTime: new Date(0), code: 1001 }));
    expect(x.pap['push-response']).toMatchObject({ 'push-id': 'a"<&>', 'reply-time': '1970-01-01T00:00:00Z', 'response-result': { code: '1001' } });
    const s = p.parse(statusQueryResponseXml({ version: '1.0', pushId: 'x', results: [{ state: 'pending', code: 1001, addresses: ['WAPPUSH=1.2.3.4/TYPE=IPv4@p'] }] }));
    expect(s.pap['statusquery-response']['statusquery-result']).toMatchObject({ 'message-state': 'pending', address: { 'address-value': 'WAPPUSH=1.2.3.4/TYPE=IPv4@p' } });
    const n = p.parse(
      resultNotificationXml({ version: '2.0', pushId: 'x', senderAddress: '/w', senderName: 'n', receivedTime: new Date(0), eventTime: new Date(1000), state: 'delivered', code: 1000, address: 'WAPPUSH=1.2.3.4/TYPE=IPv4@p' }),
    );
    expect(n.pap['resultnotification-message']).toMatchObject({ 'message-state': 'delivered', code: '1000', 'event-time': '1970-01-01T00:00:01Z' });
  });
});

describe('push headers (WAP-249 §6.2)', () => {
  it('application id normalised, MIME transfer headers dropped, Content-Length and Push-Flag added', () => {
    expect(normaliseApplicationId('mms.ua')).toBe('x-wap-application:mms.ua');
    expect(normaliseApplicationId('4')).toBe('4');
    expect(normaliseApplicationId('http://www.wiral.com:wml.ua')).toBe('http://www.wiral.com:wml.ua');
    const h = pushHeaders({
      contentType: 'application/vnd.wap.sic',
      body: Buffer.alloc(5),
      entityHeaders: [['content-type', 'text/vnd.wap.si'], ['x-wap-content-uri', 'http://pi/x'], ['x-wap-application-id', 'wml.ua'], ['content-id', '<a>'], ['x-evil', 'a\r\nb']],
      initiatorUri: 'http://pi.example/',
      pushFlag: 1,
    });
    expect(h).toEqual([
      { name: 'X-Wap-Application-Id', value: 'x-wap-application:wml.ua' },
      { name: 'X-Wap-Content-URI', value: 'http://pi/x' },
      { name: 'X-Wap-Initiator-URI', value: 'http://pi.example/' },
      { name: 'Content-Length', value: '5' },
      { name: 'Push-Flag', value: '1' },
    ]);
  });
});

describe('arbitrary input to the PAP parsers', () => {
  it('only PapError comes out of body and control parsing', async () => {
    const fc = (await import('fast-check')).default;
    const xmlish = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constantFrom('<pap>', '<pap><push-message push-id="x">', '<pap><push-message push-id="x"><address address-value="WAPPUSH=', '</pap>', '<!DOCTYPE pap [', '&#99999999;', '&amp;'),
    );
    fc.assert(
      fc.property(fc.array(xmlish, { maxLength: 8 }), fc.uint8Array({ maxLength: 200 }), (pieces, bytes) => {
        for (const input of [pieces.join(''), Buffer.from(bytes).toString('latin1')]) {
          try {
            parsePapControl(input);
          } catch (e) {
            if (!(e instanceof PapError)) throw e;
          }
          try {
            parsePapBody('multipart/related; boundary=b', Buffer.from(`--b\r\n${input}\r\n--b--`), 100);
          } catch (e) {
            if (!(e instanceof PapError)) throw e;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
