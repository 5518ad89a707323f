/**
 * OTA provisioning checked by tools we did not write: libwbxml's wbxml2xml decodes our PROV WBXML to the same
 * document; Kannel 1.4.5's test_ota compiles the same XML to the same octets; Kannel's test_hmac and openssl
 * compute the same MAC; tshark dissects the WSP Push with SEC and MAC and reassembles its SMS segments; the real
 * OMA provisioning push in ../shared/captures decodes and round-trips.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentWdp } from '../../src/bearer/sms/wdp.ts';
import { encodeSmsDeliver, smsAddress } from '../../src/bearer/sms/tpdu.ts';
import { compileProvisioning, decodeProvWbxml, parseTemplate, provDatagram, pushesFromTemplate, readProvXml, signProvisioning, toXml } from '../../src/prov/index.ts';
import { omaDocument, otaBookmarksDocument, otaSettingsDocument } from '../../src/prov/template.ts';
import type { XmlElement } from '../../src/wbxml/encode.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { MMS_XML, MMS_YAML } from '../prov/fixtures.ts';
import { SHARED_DIR, fieldValues, sharedAvailable, tempDir, toolAvailable, tshark } from '../support/tools.ts';

const TEST_OTA = '/usr/lib/kannel/test/test_ota';
const TEST_HMAC = '/usr/lib/kannel/test/test_hmac';
const DOCTYPE = '<?xml version="1.0"?>\n<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" "http://www.wapforum.org/DTD/prov.dtd">\n';
const template = parseTemplate(MMS_YAML);
const captureBody = () => readFileSync(join(SHARED_DIR, 'captures/wap-push/mmsd_push5.wsp')).subarray(0x32);

const VENDOR = `${DOCTYPE}<wap-provisioningdoc version="1.0">
  <characteristic type="BOOTSTRAP"><parm name="NAME" value="Operator"/><parm name="PROVURL" value="http://prov.example.com/"/></characteristic>
  <characteristic type="VENDORCONFIG"><parm name="NAME" value="acme"/><parm name="X-ACME-MODE" value="fast"/></characteristic>
  <characteristic type="APPLICATION"><parm name="APPID" value="w2"/><parm name="TO-NAPID" value="INTERNET"/>
    <characteristic type="RESOURCE"><parm name="URI" value="http://wap.example.com/"/><parm name="STARTPAGE"/></characteristic>
  </characteristic>
</wap-provisioningdoc>`;

/** The documents every tool check runs over: hand-written, template-made, and the one of the real capture. */
function omaDocs(): [string, string][] {
  const docs: [string, string][] = [
    ['MMS (hand-written)', MMS_XML],
    ['template → OMA', DOCTYPE + toXml(omaDocument(template), 0)],
    ['BOOTSTRAP, VENDORCONFIG, w2', VENDOR],
  ];
  if (sharedAvailable()) docs.push(['mmsd_push5 capture', decodeProvWbxml(captureBody()).xml]);
  return docs;
}

const strip = (el: XmlElement): XmlElement => ({
  ...el,
  children: el.children.filter((c) => typeof c !== 'string' || c.trim() !== '').map((c) => (typeof c === 'string' ? c : strip(c))),
});

describe.skipIf(!toolAvailable('wbxml2xml'))('libwbxml wbxml2xml decodes our PROV WBXML', () => {
  for (const [name, xml] of omaDocs()) {
    it(`${name}: the same document comes back`, () => {
      const dir = tempDir('prov-wbxml-');
      const { wbxml } = compileProvisioning(xml);
      writeFileSync(join(dir, 'in.wbxml'), wbxml);
      execFileSync('wbxml2xml', ['-o', join(dir, 'out.xml'), join(dir, 'in.wbxml')], { stdio: 'pipe' });
      const back = readFileSync(join(dir, 'out.xml'), 'utf8');
      expect(back).toContain('-//WAPFORUM//DTD PROV 1.0//EN');
      expect(strip(readProvXml(back))).toEqual(strip(readProvXml(xml)));
    });
  }
});

describe.skipIf(!toolAvailable(TEST_OTA))("Kannel's test_ota compiles the same XML to the same token stream", () => {
  const nokia: [string, string][] = [
    ['Nokia OTA settings (template)', toXml(otaSettingsDocument(template), 0)],
    ['Nokia OTA bookmarks (template)', toXml(otaBookmarksDocument(template)!, 0)],
  ];
  for (const [name, xml] of [...omaDocs(), ...nokia]) {
    it(`${name}: octet for octet`, () => {
      const dir = tempDir('prov-ota-');
      writeFileSync(join(dir, 'in.xml'), xml);
      const r = spawnSync(TEST_OTA, ['-f', join(dir, 'out.bin'), join(dir, 'in.xml')], { encoding: 'utf8' });
      expect(r.stderr).toMatch(/ota compiler returned 0/);
      const kannel = readFileSync(join(dir, 'out.bin'));
      expect(compileProvisioning(xml).wbxml.toString('hex')).toBe(kannel.toString('hex'));
    });
  }
});

describe.skipIf(!toolAvailable(TEST_HMAC) || !toolAvailable('openssl'))('the MAC is what test_hmac and openssl compute', () => {
  const body = compileProvisioning(MMS_XML).wbxml;
  const dir = tempDir('prov-mac-');
  const file = join(dir, 'doc.wbxml');
  writeFileSync(file, body);
  const openssl = (keyOpt: string) =>
    /=\s*([0-9a-f]{40})/.exec(execFileSync('openssl', ['dgst', '-sha1', '-mac', 'HMAC', '-macopt', keyOpt, file], { encoding: 'utf8' }))![1]!.toUpperCase();

  it("USERPIN: Kannel's test_hmac (key = the PIN) and openssl agree with our MAC", () => {
    const ours = signProvisioning(body, { sec: 'USERPIN', pin: '1234' }).mac;
    const r = spawnSync(TEST_HMAC, ['1234', file], { encoding: 'utf8' });
    // test_hmac dumps the hex MAC as an octet string after "HMAC of file ... is:"; its text column holds it
    const dump = r.stderr.slice(r.stderr.indexOf('HMAC of file'));
    const hex = [...dump.matchAll(/data: (?:[0-9a-f]{2} )+\s+(\S+)/g)].map((m) => m[1]).join('');
    expect(hex.toUpperCase()).toBe(ours);
    expect(openssl('key:1234')).toBe(ours);
  });

  it('NETWPIN and USERNETWPIN: openssl with the IMSI semi-octet key agrees', () => {
    expect(openssl('hexkey:2926102143658709')).toBe(signProvisioning(body, { sec: 'NETWPIN', imsi: '262011234567890' }).mac);
    expect(openssl(`hexkey:2926102143658709${Buffer.from('1234').toString('hex')}`)).toBe(
      signProvisioning(body, { sec: 'USERNETWPIN', imsi: '262011234567890', pin: '1234' }).mac,
    );
  });
});

describe.skipIf(!toolAvailable('tshark'))('tshark dissects the provisioning push', () => {
  const [push] = pushesFromTemplate(template, 'oma', { sec: { sec: 'USERPIN', pin: '1234' } });
  const datagram = provDatagram(push!);

  it('WSP Push with Content-Type connectivity-wbxml, SEC=USERPIN and the MAC; WBXML PROV 1.0', () => {
    const t = tshark(exportedPduPcap([datagram], 'wsp-cl'));
    expect(t.problems).toEqual([]);
    const p = t.packets[0]!;
    expect(fieldValues(p, 'wsp.header.content_type')).toEqual(['application/vnd.wap.connectivity-wbxml']);
    expect(fieldValues(p, 'wsp.parameter.sec')).toEqual(['0x01']);
    expect(fieldValues(p, 'wsp.parameter.mac')).toEqual([push!.signature!.mac]);
    expect(fieldValues(p, 'wbxml.public_id.known')).toEqual(['0x0000000b']);
  });

  it('over SMS: the segments (WDP 2948/2948, concatenated) reassemble in tshark to the same push', () => {
    const blocks = segmentWdp(datagram, { ref: 0x42, dstPort: push!.smsPorts.dst, srcPort: push!.smsPorts.src });
    expect(blocks.length).toBeGreaterThan(1);
    const t = tshark(exportedPduPcap(blocks.map((ud) => encodeSmsDeliver({ originator: smsAddress('+15550000'), userData: ud, udhi: true })), 'gsm_sms'));
    expect(t.problems).toEqual([]);
    const last = t.packets[t.packets.length - 1]!;
    expect(fieldValues(last, 'gsm_sms.destination_port')).toContain('2948');
    expect(fieldValues(last, 'wsp.parameter.mac')).toEqual([push!.signature!.mac]);
    expect(fieldValues(last, 'wbxml.public_id.known')).toEqual(['0x0000000b']);
  });

  it.skipIf(!sharedAvailable())('the real OMA push decodes in tshark and ours, and our rebuild dissects identically', () => {
    const wsp = readFileSync(join(SHARED_DIR, 'captures/wap-push/mmsd_push5.wsp'));
    const rebuilt = provDatagram({ ...pushesFromTemplate(template, 'oma')[0]!, contentType: 'application/vnd.wap.connectivity-wbxml; sec=1; mac=59D36D14E88499A3D56EBA6D4F94A67041BD2A9C', body: captureBody() }, 0xc4);
    expect(rebuilt.equals(wsp)).toBe(true);
    const t = tshark(exportedPduPcap([wsp], 'wsp-cl'));
    expect(fieldValues(t.packets[0]!, 'wsp.parameter.mac')).toEqual(['59D36D14E88499A3D56EBA6D4F94A67041BD2A9C']);
  });
});
