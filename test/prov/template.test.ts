import { describe, expect, it } from 'vitest';
import { decodeProvWbxml, parseTemplate, ProvError, ProvErrorCode, pushesFromTemplate, secFromContentType, verifyProvisioning } from '../../src/prov/index.ts';
import { loadNamedSettings } from '../../src/prov/settings.ts';
import { MMS_YAML } from './fixtures.ts';


describe('settings template', () => {
  it('becomes one OMA document with NAPDEF, proxy, w4 and w2, signed as asked', () => {
    const t = parseTemplate(MMS_YAML);
    const [p] = pushesFromTemplate(t, 'oma', { sec: { sec: 'USERPIN', pin: '1234' } });
    expect(p!.kind).toBe('oma');
    const xml = decodeProvWbxml(p!.body).xml;
    for (const s of [
      '<characteristic type="NAPDEF">',
      '<parm name="NAP-ADDRESS" value="mms.example.com"/>',
      '<parm name="NAP-ADDRTYPE" value="APN"/>',
      '<parm name="AUTHTYPE" value="PAP"/>',
      '<parm name="PXADDR" value="10.0.0.1"/>',
      '<parm name="PORTNBR" value="9201"/>',
      '<parm name="SERVICE" value="CO-WSP"/>',
      '<parm name="APPID" value="w4"/>',
      '<parm name="ADDR" value="http://mmsc.example.com/mms"/>',
      '<parm name="APPID" value="w2"/>',
      '<parm name="URI" value="http://wap.example.com/news"/>',
    ]) expect(xml).toContain(s);
    const { sec, mac } = secFromContentType(p!.contentType);
    expect(verifyProvisioning(p!.body, sec!, mac, { pin: '1234' })).toBe(true);
  });

  it('becomes Nokia OTA settings and bookmarks for older handsets', () => {
    const ps = pushesFromTemplate(parseTemplate(MMS_YAML), 'ota');
    expect(ps.map((p) => p.kind)).toEqual(['ota-settings', 'ota-bookmarks']);
    expect(ps[0]!.contentType).toBe('application/x-wap-prov.browser-settings; charset=utf-8');
    expect(ps[0]!.smsPorts).toEqual({ dst: 49999, src: 49154 });
    const xml = decodeProvWbxml(ps[0]!.body).xml;
    expect(xml).toContain('<PARM NAME="GPRS_ACCESSPOINTNAME" VALUE="mms.example.com"/>');
    expect(xml).toContain('<CHARACTERISTIC TYPE="MMSURL" VALUE="http://mmsc.example.com/mms"/>');
  });

  it('refuses bad templates naming the key', () => {
    const e = (y: string) => {
      try {
        parseTemplate(y);
      } catch (x) {
        return x as ProvError;
      }
      throw new Error('accepted');
    };
    expect(e('apn: x\nproxy: { address: 1.2.3.4, port: 70000 }').element).toBe('proxy.port');
    expect(e('apn: x\nmmsc: not a url').element).toBe('mmsc');
    expect(e('apn: x\nfoo: 1').code).toBe(ProvErrorCode.TEMPLATE);
    expect(e('mmsc: http://m/').element).toBe('apn');
    expect(e('{').code).toBe(ProvErrorCode.TEMPLATE);
    // markup in values stays a value: the document is built as a tree
    const [p] = pushesFromTemplate(parseTemplate('apn: \'"/><characteristic type="X"/>\''), 'oma');
    expect(decodeProvWbxml(p!.body).xml).toContain('value="&quot;/&gt;&lt;characteristic');
  });

  it('named settings load once and fail at load with their id', () => {
    const reg = loadNamedSettings([
      { id: 'mms', template: { apn: 'mms.example.com', mmsc: 'http://m.example.com/' } },
      { id: 'old', format: 'ota', file: 'x.yaml' },
    ], { readFile: () => Buffer.from(MMS_YAML) });
    expect(reg.ids).toEqual(['mms', 'old']);
    expect(reg.get()!.id).toBe('mms');
    expect(reg.get('old')!.build().length).toBe(2);
    expect(() => loadNamedSettings([{ id: 'bad', file: 'x.xml' }], { readFile: () => Buffer.from('<wap-provisioningdoc><characteristic type="NOPE"/></wap-provisioningdoc>') })).toThrow(
      /prov.settings\[bad\].*NOPE/,
    );
  });
});
