import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileProvisioning, decodeProvWbxml, ProvError, ProvErrorCode, readProvXml } from '../../src/prov/index.ts';
import { compileProvTree } from '../../src/prov/compile.ts';
import { WapDecodeError } from '../../src/wire/errors.ts';
import { SHARED_DIR, sharedAvailable } from '../support/tools.ts';
import { MMS_XML } from './fixtures.ts';


// Kannel 1.4.5 test_ota output for MMS_XML (the same octets our compiler writes), annotated.
const MMS_WBXML = [
  '030b6a00', // WBXML 1.3, public id 0x0B (PROV 1.0), UTF-8, no string table
  'c5 46 01', // <wap-provisioningdoc version="1.0">
  'c6 51 01', // <characteristic type="PXLOGICAL">
  '87 15 06 03 31302e302e302e31 00 01', // <parm name="PROXY-ID" value="10.0.0.1"/>
  '87 07 06 03 4d4d532050726f7879 00 01',
  '87 1c 06 03 687474703a2f2f6d6d73632e6578616d706c652e636f6d2f 00 01',
  'c6 52 01', // PXPHYSICAL
  '87 2f 06 03 50524f585931 00 01',
  '87 20 06 03 31302e302e302e31 00 01',
  '87 21 06 85 01', // PXADDRTYPE = IPV4 (value token 0x85)
  '87 22 06 03 4e415031 00 01',
  'c6 53 01', // PORT
  '87 23 06 03 39323031 00 01',
  '87 24 06 cb 01', // SERVICE = CO-WSP (0xCB)
  '01 01 01',
  'c6 55 01', // NAPDEF
  '87 11 06 03 4e415031 00 01',
  '87 10 06 ab 01', // BEARER = GSM-GPRS (0xAB)
  '87 07 06 03 4d4d53 00 01',
  '87 08 06 03 6d6d732e6578616d706c652e636f6d 00 01',
  '87 09 06 89 01', // NAP-ADDRTYPE = APN
  'c6 5a 01', // NAPAUTHINFO
  '87 0c 06 9a 01', // AUTHTYPE = PAP
  '87 0d 06 03 75736572 00 01',
  '87 0e 06 03 70617373 00 01',
  '01 01',
  'c6 00 01 55 01', // SWITCH_PAGE 1, type=APPLICATION
  '87 36 00 00 06 03 7734 00 01', // APPID (page 1), SWITCH_PAGE 0, value "w4"
  '87 00 01 39 00 00 06 03 31302e302e302e31 00 01', // TO-PROXY (page 1)
  '87 00 01 34 00 00 06 03 687474703a2f2f6d6d73632e6578616d706c652e636f6d2f 00 01', // ADDR (page 1)
  '01 01',
].join('').replace(/\s+/g, '');

describe('PROV compiler', () => {
  it('compiles the MMS document to the annotated vector (Kannel test_ota octets)', () => {
    const { kind, wbxml } = compileProvisioning(MMS_XML);
    expect(kind).toBe('oma');
    expect(wbxml.toString('hex')).toBe(MMS_WBXML);
  });

  it('decodes the vector back to the same tree and recompiles it byte-exact', () => {
    const d = decodeProvWbxml(Buffer.from(MMS_WBXML, 'hex'));
    expect(d.kind).toBe('oma');
    expect(d.root).toEqual(stripWs(readProvXml(MMS_XML)));
    expect(compileProvTree(d.root).toString('hex')).toBe(MMS_WBXML);
    expect(d.xml).toContain('<parm name="PXADDRTYPE" value="IPV4"/>');
  });

  it.skipIf(!sharedAvailable())('the real OMA push (mmsd_push5) round-trips byte-exact with the compact page policy', () => {
    const wsp = readFileSync(join(SHARED_DIR, 'captures/wap-push/mmsd_push5.wsp'));
    const body = wsp.subarray(0x32);
    const d = decodeProvWbxml(body);
    expect(d.xml).toContain('<parm name="APPID" value="w2"/>');
    expect(d.xml).toContain('<parm name="URI" value="http://userpin1234"/>');
    expect(compileProvTree(d.root, { pagePolicy: 'compact' }).equals(body)).toBe(true);
    // page0 policy (Kannel's) is the same document with different SWITCH_PAGE placement
    expect(decodeProvWbxml(compileProvTree(d.root)).root).toEqual(d.root);
  });

  it('keeps vendor parms of VENDORCONFIG as inline names', () => {
    const x = '<wap-provisioningdoc><characteristic type="VENDORCONFIG"><parm name="NAME" value="x"/><parm name="X-ACME" value="1"/></characteristic></wap-provisioningdoc>';
    const { wbxml } = compileProvisioning(x);
    expect(wbxml.toString('hex')).toContain('8705035' + Buffer.from('X-ACME').toString('hex').slice(1));
    expect(decodeProvWbxml(wbxml).xml).toContain('<parm name="X-ACME" value="1"/>');
  });

  const bad: [string, string, RegExp][] = [
    ['unknown characteristic', '<wap-provisioningdoc><characteristic type="FOO"/></wap-provisioningdoc>', /characteristic\[FOO\].*unknown characteristic type 'FOO'/],
    ['unknown parm', '<wap-provisioningdoc><characteristic type="NAPDEF"><parm name="APN" value="x"/></characteristic></wap-provisioningdoc>', /characteristic\[NAPDEF\]\/parm\[APN\].*unknown parm name 'APN'/],
    ['wrong nesting', '<wap-provisioningdoc><characteristic type="PORT"/></wap-provisioningdoc>', /PORT is not allowed inside wap-provisioningdoc/],
    ['text content', '<wap-provisioningdoc><characteristic type="NAPDEF">hello</characteristic></wap-provisioningdoc>', /text content 'hello'/],
    ['stray attribute', '<wap-provisioningdoc><characteristic type="NAPDEF" foo="1"/></wap-provisioningdoc>', /attribute foo is not allowed/],
    ['empty document', '<wap-provisioningdoc/>', /holds no characteristic/],
    ['unknown element', '<wap-provisioningdoc><characteristic type="NAPDEF"><bar/></characteristic></wap-provisioningdoc>', /unknown element <bar>/],
    ['wrong root', '<si><indication>x</indication></si>', /neither wap-provisioningdoc/],
  ];
  for (const [what, xml, msg] of bad) {
    it(`refuses ${what} with a DOCUMENT error naming the element`, () => {
      const e = catchProv(() => compileProvisioning(xml));
      expect(e.code).toBe(ProvErrorCode.DOCUMENT);
      expect(e.message).toMatch(msg);
      expect(e.httpStatus).toBe(400);
    });
  }

  it('refuses XML that is not well-formed, internal DTD subsets and oversize documents', () => {
    expect(catchProv(() => compileProvisioning('<wap-provisioningdoc><characteristic></wap-provisioningdoc>')).code).toBe(ProvErrorCode.XML);
    const bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]><wap-provisioningdoc>&a;</wap-provisioningdoc>';
    expect(catchProv(() => compileProvisioning(bomb)).code).toBe(ProvErrorCode.XML);
    const big = `<wap-provisioningdoc>${'<!-- x -->'.repeat(7000)}</wap-provisioningdoc>`;
    const e = catchProv(() => compileProvisioning(big));
    expect(e.code).toBe(ProvErrorCode.SIZE);
    expect(e.httpStatus).toBe(413);
  });

  it('compiles Nokia OTA settings (WBXML 1.1, public id 0x01, whole-attribute tokens)', () => {
    const x = `<CHARACTERISTIC-LIST><CHARACTERISTIC TYPE="ADDRESS"><PARM NAME="BEARER" VALUE="GPRS"/><PARM NAME="PROXY" VALUE="10.0.0.1"/><PARM NAME="PORT" VALUE="9201"/></CHARACTERISTIC><CHARACTERISTIC TYPE="URL" VALUE="http://wap.example.com/"/></CHARACTERISTIC-LIST>`;
    const { kind, wbxml } = compileProvisioning(x);
    expect(kind).toBe('ota-settings');
    // Kannel 1.4.5 test_ota writes the same octets
    const hex = (s: string) => s.replace(/\s+/g, '');
    const str = (s: string) => `03${Buffer.from(s).toString('hex')}00`;
    expect(wbxml.toString('hex')).toBe(
      hex(`01016a00 45
        c6 06 01              87 12 49 01
        87 13 11 ${str('10.0.0.1')} 01
        87 14 61 01           01
        86 07 11 ${str('http://wap.example.com/')} 01
        01`),
    );
    expect(decodeProvWbxml(wbxml).root.children).toHaveLength(2);
    expect(catchProv(() => compileProvisioning('<CHARACTERISTIC-LIST><CHARACTERISTIC TYPE="ADDRESS"><PARM NAME="APN" VALUE="x"/></CHARACTERISTIC></CHARACTERISTIC-LIST>')).message).toMatch(/PARM\[APN\].*unknown PARM NAME 'APN'/);
  });

  it('compiles arbitrary text and arbitrary PROV-shaped trees with ProvError only', () => {
    const known = ['NAPDEF', 'PXLOGICAL', 'APPLICATION', 'PORT', 'RESOURCE', 'VENDORCONFIG', 'FOO'];
    const parms = ['NAME', 'APPID', 'ADDR', 'PORTNBR', 'BAR', 'X'];
    const tree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.tuple(fc.constantFrom(...parms), fc.string({ maxLength: 8 })).map(([n, v]) => `<parm name="${n}" value="${v.replace(/[<&"]/g, '')}"/>`),
        fc.tuple(fc.constantFrom(...known), fc.array(tie('node'), { maxLength: 4 })).map(([t, k]) => `<characteristic type="${t}">${k.join('')}</characteristic>`),
      ),
    })).node;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(tree, { maxLength: 4 }).map((k) => `<wap-provisioningdoc>${k.join('')}</wap-provisioningdoc>`)), (x) => {
        try {
          const { wbxml } = compileProvisioning(x);
          expect(decodeProvWbxml(wbxml).root.name).toBe('wap-provisioningdoc');
        } catch (e) {
          expect(e).toBeInstanceOf(ProvError);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('decodes arbitrary octets with WapDecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (a) => {
        const b = Buffer.concat([Buffer.from('030b6a00', 'hex'), Buffer.from(a)]);
        try {
          decodeProvWbxml(b);
        } catch (e) {
          expect(e).toBeInstanceOf(WapDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

function catchProv(fn: () => unknown): ProvError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProvError) return e;
    throw e;
  }
  throw new Error('no ProvError');
}

function stripWs(el: ReturnType<typeof readProvXml>): ReturnType<typeof readProvXml> {
  return { ...el, children: el.children.filter((c) => typeof c !== 'string' || c.trim() !== '').map((c) => (typeof c === 'string' ? c : stripWs(c))) };
}
