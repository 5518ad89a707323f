import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compileProvisioning, decodeProvWbxml, ProvError, verifyProvisioning } from '../../src/prov/index.ts';
import { compilePushProv } from '../../src/prov/pap.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { createPpg } from '../../src/push/ppg.ts';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { MMS_XML } from './fixtures.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const PAP = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';

function multipart(control: string, type: string, body: Buffer): { body: Buffer; type: string } {
  const b = 'prov-boundary';
  return {
    body: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${b}\r\nContent-Type: ${type}\r\n\r\n`),
      body,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
    type: `multipart/related; boundary=${b}; type="application/xml"`,
  };
}

describe('PROV content through PAP', () => {
  it('compiles XML, signs it when the PI gives sec and pin, and drops the pin', () => {
    const out = compilePushProv('text/vnd.wap.connectivity-xml; sec=USERPIN; pin=4321', Buffer.from(MMS_XML))!;
    expect(out.contentType).toMatch(/^application\/vnd\.wap\.connectivity-wbxml; sec=1; mac=[0-9A-F]{40}$/);
    expect(verifyProvisioning(out.body, 'USERPIN', out.contentType.split('mac=')[1], { pin: '4321' })).toBe(true);
    expect(compilePushProv('text/vnd.wap.connectivity-xml', Buffer.from(MMS_XML))!.contentType).toBe('application/vnd.wap.connectivity-wbxml');
    expect(compilePushProv('text/vnd.wap.si', Buffer.from('<si/>'))).toBeUndefined();
  });

  it('passes WBXML with SEC/MAC through (SEC as its code) and refuses WBXML that is not PROV', () => {
    const wbxml = compileProvisioning(MMS_XML).wbxml;
    const out = compilePushProv('application/vnd.wap.connectivity-wbxml; SEC=USERPIN; MAC=ABCDEF', wbxml)!;
    expect(out.contentType).toBe('application/vnd.wap.connectivity-wbxml; sec=1; mac=ABCDEF');
    expect(out.body).toBe(wbxml);
    expect(() => compilePushProv('application/vnd.wap.connectivity-wbxml', Buffer.from('030b6a00c5ff', 'hex'))).toThrow(ProvError);
    expect(() => compilePushProv('text/vnd.wap.connectivity-xml', Buffer.from('<wap-provisioningdoc><characteristic type="X"/></wap-provisioningdoc>'))).toThrow(/characteristic\[X\]/);
  });

  it('a PAP push of PROV XML reaches the handset as a signed WSP Push; bad PROV is PAP 2000', async () => {
    const handset = createSocket('udp4');
    await new Promise<void>((r) => handset.bind(0, '127.0.0.1', r));
    cleanup.push(() => handset.close());
    const got = new Promise<Buffer>((r) => handset.once('message', (m) => r(m)));
    const transport = await udpPushTransport('127.0.0.1', 0, undefined);
    cleanup.push(() => transport.close());
    const ppg = createPpg({ pushPort: (handset.address() as AddressInfo).port, trustedIps: ['127.0.0.1'] }, { transport });
    const addr = await ppg.listen(0, '127.0.0.1');
    cleanup.push(() => ppg.close());
    const ctl = (id: string) => `${PAP}<pap><push-message push-id="${id}"><address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg"/><quality-of-service delivery-method="unconfirmed"/></push-message></pap>`;
    const m = multipart(ctl('p1'), 'text/vnd.wap.connectivity-xml; sec=USERPIN; pin=1234', Buffer.from(MMS_XML));
    const r = await fetch(`http://127.0.0.1:${addr.port}${ppg.options.papPath}`, { method: 'POST', headers: { 'content-type': m.type }, body: new Uint8Array(m.body) });
    expect(await r.text()).toMatch(/code="1001"/);
    const { pdu } = decodeConnectionless(await got);
    expect(pdu.type).toBe('Push');
    if (pdu.type !== 'Push' || !pdu.contentType) throw new Error('not a Push with a content type');
    expect(pdu.contentType.type).toBe('application/vnd.wap.connectivity-wbxml');
    const mac = pdu.contentType.params.find((p) => p.name === 'mac')!.value;
    expect(pdu.contentType.params.find((p) => p.name === 'sec')!.value).toBe('1');
    expect(verifyProvisioning(Buffer.from(pdu.data), 'USERPIN', mac, { pin: '1234' })).toBe(true);
    expect(decodeProvWbxml(Buffer.from(pdu.data)).xml).toContain('mms.example.com');

    const bad = multipart(ctl('p2'), 'text/vnd.wap.connectivity-xml', Buffer.from(MMS_XML.replace('"NAPID"', '"NAP-IDX"')));
    const r2 = await fetch(`http://127.0.0.1:${addr.port}${ppg.options.papPath}`, { method: 'POST', headers: { 'content-type': bad.type }, body: new Uint8Array(bad.body) });
    const t2 = await r2.text();
    expect(t2).toMatch(/code="2000"/);
    expect(t2).toMatch(/NAP-IDX/);
  });
});
