import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WapDecodeError } from '../../src/wire/errors.ts';
import { Writer } from '../../src/wire/writer.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { encodeHeaders } from '../../src/wsp/headers/index.ts';
import { udpDatagramsOf } from '../../src/trace/pcap-read.ts';
import {
  compilePushContent,
  decodeDate,
  decompileWbxml,
  encodeDate,
  parseXml,
  WbxmlError,
  WbxmlErrorCode,
  type XmlElement,
} from '../../src/wbxml/index.ts';
import { fieldValues, SHARED_DIR, sharedAvailable, tempDir, toolAvailable, tshark } from '../support/tools.ts';
import { hex } from './annotated.ts';

const KANNEL_TEST = '/usr/lib/kannel/test';

const SI_DOC = `<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si>
    <indication href="http://www.gni.ch"
        si-id="1@gni.ch"
        action="signal-high"
        created="1999-06-25T15:23:15Z"
        si-expires="2005-06-30T00:00:00Z">
            You have 4 new emails
    </indication>
</si>`;

// WAP-167 §8.3 tokens, written out by hand (Kannel's test_si produces the same body as WBXML 1.2).
const SI_WBXML = `
  03 | WBXML 1.3
  05 | public id: SI 1.0
  6A | charset UTF-8
  00 | string table length
  45 | <si> with content
  C6 | <indication> with attributes and content
  0D 'gni.ch' | href="http://www." + ...
  03 'gni.ch' 00 | STR_I
  11 03 '1@gni.ch' 00 | si-id
  08 | action="signal-high"
  0A C3 07 19 99 06 25 15 23 15 | created, OPAQUE date
  10 C3 04 20 05 06 30 | si-expires, trailing zero octets dropped (WAP-167 §8.2.2)
  01 | end of attributes
  03 'You have 4 new emails' 00 | text, white space collapsed
  01 01 | </indication></si>`.replace("0D 'gni.ch' |", '0D |');

const SL_DOC = `<?xml version="1.0"?>
<!DOCTYPE sl PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" "http://www.wapforum.org/DTD/sl.dtd">
<sl href="https://www.example.org/mail/inbox.wml" action="execute-low"/>`;

const SL_WBXML = `03 06 6A 00 | WBXML 1.3, SL 1.0, UTF-8, no string table
  85 | <sl> with attributes
  0C 03 'example' 00 | href="https://www." + "example"
  88 | ".org/"
  03 'mail/inbox.wml' 00
  05 | action="execute-low"
  01 | end of attributes`;

const CO_DOC = `<?xml version="1.0"?>
<!DOCTYPE co PUBLIC "-//WAPFORUM//DTD CO 1.0//EN" "http://www.wapforum.org/DTD/co_1.0.dtd">
<co>
  <invalidate-object uri="http://www.example.com/a.wml"/>
  <invalidate-service uri="http://example.net/"/>
</co>`;

const CO_WBXML = `03 07 6A 00 | WBXML 1.3, CO 1.0
  45 | <co> with content
  86 07 03 'example' 00 85 03 'a.wml' 00 01 | <invalidate-object uri="http://www." example .com/ a.wml/>
  87 06 03 'example' 00 87 01 | <invalidate-service uri="http://" example .net/ />
  01`;

describe('WBXML push content vectors', () => {
  const cases: [string, string, string, string][] = [
    ['SI (Kannel si.txt)', 'text/vnd.wap.si', SI_DOC, SI_WBXML],
    ['SL with https://www. and .org/', 'text/vnd.wap.sl', SL_DOC, SL_WBXML],
    ['CO with both operations', 'text/vnd.wap.co', CO_DOC, CO_WBXML],
  ];
  for (const [name, type, doc, wbxml] of cases) {
    it(name, () => {
      const out = compilePushContent(type, Buffer.from(doc));
      expect(out.contentType).toBe(type.replace('text/', 'application/') + 'c');
      expect(out.body.toString('hex')).toBe(hex(wbxml));
      const back = decompileWbxml(out.body);
      expect(back.publicId).toBe(Number.parseInt(hex(wbxml).slice(2, 4), 16));
      expect(normalise(parseXml(back.xml))).toEqual(normalise(parseXml(doc)));
    });
  }

  it('passes other content through unchanged', () => {
    const body = Buffer.from([0x8c, 0x82]);
    expect(compilePushContent('application/vnd.wap.mms-message', body)).toEqual({ contentType: 'application/vnd.wap.mms-message', body });
    expect(compilePushContent('application/vnd.wap.sic', body).body).toBe(body);
  });

  it('reads the charset from the content type or the XML declaration', () => {
    const doc = '<?xml version="1.0" encoding="ISO-8859-1"?><si><indication href="http://a/">Gr\xfc\xdfe</indication></si>';
    const out = compilePushContent('text/vnd.wap.si', Buffer.from(doc, 'latin1'));
    expect(out.body.includes(Buffer.from('Grüße', 'utf8'))).toBe(true);
    const out2 = compilePushContent('text/vnd.wap.si; charset=iso-8859-1', Buffer.from(doc.replace(' encoding="ISO-8859-1"', ''), 'latin1'));
    expect(out2.body).toEqual(out.body);
  });

  it('resolves character references', () => {
    const doc = '<si><indication href="http://a/?x=1&amp;y=2">caf&#233; &#x263A; &lt;ok&gt; &amp;#38;</indication></si>';
    const out = compilePushContent('text/vnd.wap.si', Buffer.from(doc));
    expect(out.body.includes(Buffer.from('http://a/?x=1&y=2'.slice(7), 'utf8'))).toBe(true);
    expect(out.body.includes(Buffer.from('café ☺ <ok> &#38;', 'utf8'))).toBe(true);
  });

  it('encodes SI dates as OPAQUE BCD without trailing zero octets (WAP-167 §8.2.2)', () => {
    expect(encodeDate('1999-06-25T15:23:15Z').toString('hex')).toBe('19990625152315');
    expect(encodeDate('2002-04-16T06:40:00Z').toString('hex')).toBe('200204160640');
    expect(encodeDate('2005-06-30T00:00:00Z').toString('hex')).toBe('20050630');
    expect(decodeDate(Buffer.from('20050630', 'hex'))).toBe('2005-06-30T00:00:00Z');
    expect(decodeDate(Buffer.from('1aff', 'hex'))).toBe('1aff');
  });
});

describe('bad push documents', () => {
  const bad: [string, string, string][] = [
    ['not well-formed', '<si><indication href="http://a/">x</si>', WbxmlErrorCode.XML],
    ['two roots', '<si/><si/>', WbxmlErrorCode.XML],
    ['entity declarations', '<!DOCTYPE si [<!ENTITY a "aaaa">]><si><indication>&a;</indication></si>', WbxmlErrorCode.XML],
    ['wrong root for the type', '<sl href="http://a/"/>', WbxmlErrorCode.DOCUMENT],
    ['unknown element', '<si><indication href="http://a/"><b>x</b></indication></si>', WbxmlErrorCode.DOCUMENT],
    ['unknown attribute', '<si><indication hreff="http://a/">x</indication></si>', WbxmlErrorCode.DOCUMENT],
    ['bad action', '<si><indication href="http://a/" action="signal-loud">x</indication></si>', WbxmlErrorCode.DOCUMENT],
    ['bad date', '<si><indication href="http://a/" created="yesterday">x</indication></si>', WbxmlErrorCode.DOCUMENT],
    ['text where none belongs', '<si>hello</si>', WbxmlErrorCode.DOCUMENT],
    ['unsupported charset', '<?xml version="1.0" encoding="KOI8-R"?><si/>', WbxmlErrorCode.CHARSET],
  ];
  for (const [name, doc, code] of bad) {
    it(name, () => {
      let err: unknown;
      try {
        compilePushContent('text/vnd.wap.si', Buffer.from(doc));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WbxmlError);
      expect((err as WbxmlError).code).toBe(code);
    });
  }

  it('refuses oversize documents', () => {
    const doc = `<si><indication href="http://a/">${'x'.repeat(2000)}</indication></si>`;
    expect(() => compilePushContent('text/vnd.wap.si', Buffer.from(doc), { maxBytes: 1000 })).toThrow(WbxmlError);
  });
});

describe('WBXML decoder on untrusted octets', () => {
  it('arbitrary bytes → XML or a WapDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (arr) => {
        try {
          decompileWbxml(Buffer.from(arr));
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 10000 },
    );
  });

  it('mutated SI documents → XML or a WapDecodeError', () => {
    const base = compilePushContent('text/vnd.wap.si', Buffer.from(SI_DOC)).body;
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(base.length), (i, v, cut) => {
        const b = Buffer.from(base);
        b[i] = v;
        try {
          decompileWbxml(b.subarray(0, cut));
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('caps nesting depth', () => {
    const deep = Buffer.concat([Buffer.from('03056a00', 'hex'), Buffer.alloc(100, 0x46), Buffer.alloc(100, 0x01)]);
    expect(() => decompileWbxml(deep)).toThrow(WapDecodeError);
  });

  it('string-table references cannot expand a small document without bound', () => {
    // 4 KB string table; 2,000 STR_T references to it (and 2,000 LITERAL tags naming it) in a 12 KB document
    // would make 8 M characters of XML: a LIMIT error instead.
    const entry = Buffer.concat([Buffer.alloc(4096, 0x61), Buffer.from([0])]);
    const refs = (tok: number[]) => Buffer.from(Array.from({ length: 2000 }, () => tok).flat());
    const head = Buffer.concat([Buffer.from([0x03, 0x01, 0x6a, 0xa0, 0x01]), entry]);
    const text = Buffer.concat([head, Buffer.from([0x45]), refs([0x83, 0x00]), Buffer.from([0x01])]);
    const tags = Buffer.concat([head, Buffer.from([0x45]), refs([0x04, 0x00]), Buffer.from([0x01])]);
    for (const doc of [text, tags]) {
      let err: unknown;
      try {
        decompileWbxml(doc);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WapDecodeError);
      expect((err as WapDecodeError).code).toBe('WAP_ERR_LIMIT');
    }
    // within the bound, the same references decode
    expect(decompileWbxml(doc(10)).xml).toContain('a'.repeat(4096));
    function doc(n: number): Buffer {
      return Buffer.concat([head, Buffer.from([0x45]), Buffer.from(Array.from({ length: n }, () => [0x83, 0x00]).flat()), Buffer.from([0x01])]);
    }
  });

  it('uses the string table and LITERAL tags', () => {
    // WBXML 1.3, unknown public id 0x01, UTF-8, string table "foo\0", <foo/> as LITERAL
    const xml = decompileWbxml(Buffer.from('03016a0466 6f6f00 04 00'.replace(/ /g, ''), 'hex')).xml;
    expect(xml).toContain('<foo/>');
  });

  it('generated SI documents survive compile → decompile', () => {
    const textArb = fc.stringMatching(/^[a-zA-Z0-9 .,!?&<>'"-]{1,30}$/).filter((s) => s.trim() !== '');
    const host = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
    const href = fc.tuple(fc.constantFrom('http://', 'http://www.', 'https://', 'https://www.', 'ftp://'), host, fc.constantFrom('.com/', '.net/', '.org/', '.edu/', '/'), host).map((p) => p.join(''));
    const date = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const action = fc.constantFrom('signal-none', 'signal-low', 'signal-medium', 'signal-high', 'delete');
    fc.assert(
      fc.property(href, action, date, textArb, fc.boolean(), (h, a, d, t, withInfo) => {
        const info = withInfo ? `<info><item class="c1">${esc(t)}</item></info>` : '';
        const doc = `<si><indication href="${esc(h)}" action="${a}" created="${d}">${esc(t)}</indication>${info}</si>`;
        const out = compilePushContent('text/vnd.wap.si', Buffer.from(doc));
        expect(normalise(parseXml(decompileWbxml(out.body).xml))).toEqual(normalise(parseXml(doc)));
      }),
      { numRuns: 500 },
    );
  });
});

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** A document tree with text white space collapsed, for comparing documents. */
function normalise(e: XmlElement): unknown {
  return {
    name: e.name,
    attrs: Object.fromEntries(e.attrs),
    children: e.children
      .map((c) => (typeof c === 'string' ? c.replace(/\s+/g, ' ').trim() : normalise(c)))
      .filter((c) => c !== ''),
  };
}

describe.skipIf(!toolAvailable('wbxml2xml'))('wbxml2xml reads what we compile', () => {
  const docs: [string, string][] = [
    ['text/vnd.wap.si', SI_DOC],
    ['text/vnd.wap.sl', SL_DOC],
    ['text/vnd.wap.co', CO_DOC],
    ['text/vnd.wap.si', readFileSync(join(KANNEL_TEST, 'si.txt'), 'latin1')],
    ['text/vnd.wap.sl', readFileSync(join(KANNEL_TEST, 'sl.txt'), 'latin1')],
    [
      'text/vnd.wap.si',
      '<si><indication href="https://www.example.edu/x" si-id="42" action="delete"/><info><item class="a">Ünïcödé €</item></info></si>',
    ],
  ];
  const dir = tempDir('wapgate-wbxml-');
  docs.forEach(([type, doc], i) => {
    it(`${type} #${i}`, () => {
      const out = compilePushContent(type, Buffer.from(doc, 'utf8'));
      const inFile = join(dir, `${i}.wbxml`);
      const outFile = join(dir, `${i}.xml`);
      writeFileSync(inFile, out.body);
      execFileSync('wbxml2xml', ['-o', outFile, inFile], { stdio: 'pipe' });
      const theirs = readFileSync(outFile, 'utf8');
      expect(normalise(parseXml(theirs))).toEqual(normalise(parseXml(doc)));
    });
  });
});

describe.skipIf(!toolAvailable(join(KANNEL_TEST, 'test_si')))("Kannel's own SI/SL compilers agree", () => {
  for (const [tool, file, type] of [
    ['test_si', 'si.txt', 'text/vnd.wap.si'],
    ['test_sl', 'sl.txt', 'text/vnd.wap.sl'],
  ] as const) {
    it(`${tool} ${file}`, () => {
      // The tools log the compiled octets as a hex dump ("data: 02 05 6a ...") after "binary was".
      const run = spawnSync(join(KANNEL_TEST, tool), ['-v', '0', join(KANNEL_TEST, file)], { encoding: 'latin1' });
      const log = `${run.stdout}${run.stderr}`;
      const dump = log.slice(log.indexOf('binary was'));
      const kannel = Buffer.from(
        [...dump.matchAll(/data: ((?:[0-9a-f]{2} )+)/g)].map((m) => m[1]!.replace(/ /g, '')).join(''),
        'hex',
      );
      expect(kannel.length).toBeGreaterThan(4);
      const ours = compilePushContent(type, readFileSync(join(KANNEL_TEST, file))).body;
      // Kannel writes WBXML 1.2 (version octet 0x02); the token stream after it must be identical.
      expect(kannel[0]).toBe(0x02);
      expect(ours.subarray(1).toString('hex')).toBe(kannel.subarray(1).toString('hex'));
    });
  }
});

describe.skipIf(!toolAvailable('tshark'))('tshark dissects our SI, SL and CO inside a WSP Push', () => {
  const docs: [string, string, number][] = [
    ['text/vnd.wap.si', SI_DOC, 0xae],
    ['text/vnd.wap.sl', SL_DOC, 0xb0],
    ['text/vnd.wap.co', CO_DOC, 0xb2],
  ];
  const pdus = docs.map(([type, doc]) => {
    const c = compilePushContent(type, Buffer.from(doc));
    const ct = Buffer.from([0x80 | (c.contentType === 'application/vnd.wap.sic' ? 0x2e : c.contentType === 'application/vnd.wap.slc' ? 0x30 : 0x32)]);
    const hb = encodeHeaders([{ name: 'X-Wap-Application-Id', value: 'x-wap-application:wml.ua' }]);
    // WAP-230 §8.2.4.1 connectionless Push: TID, 0x06, HeadersLen, ContentType, Headers, Data
    return new Writer(128).u8(0x2a).u8(0x06).uintvar(ct.length + hb.length).bytes(ct).bytes(hb).bytes(c.body).finish();
  });
  const res = tshark(exportedPduPcap(pdus, 'wsp-cl'));

  it('no malformed packet or expert warning', () => {
    expect(res.problems, res.text).toEqual([]);
  });

  it('SI: public id, tags, prefix-compressed href, dates', () => {
    const p = res.packets[0]!;
    expect(fieldValues(p, 'wsp.header.content_type')).toContain('application/vnd.wap.sic');
    expect(fieldValues(p, 'wbxml.public_id.known')).toEqual(['0x00000005']);
    const frame = res.text.split(/^Frame \d+:/m).filter((t) => t.trim())[0]!;
    for (const s of ["<si>", "<indication", "href='http://www.'", "'gni.ch'", "action='signal-high'", '%DateTime: 1999-06-25T15:23:15Z', '%DateTime: 2005-06-30T00:00:00Z', "'You have 4 new emails'"]) {
      expect(frame).toContain(s);
    }
  });

  it('SL: public id and value tokens', () => {
    const p = res.packets[1]!;
    expect(fieldValues(p, 'wbxml.public_id.known')).toEqual(['0x00000006']);
    const frame = res.text.split(/^Frame \d+:/m).filter((t) => t.trim())[1]!;
    for (const s of ['<sl', "href='https://www.'", "'example'", "'.org/'", "'mail/inbox.wml'", "action='execute-low'"]) expect(frame).toContain(s);
  });

  it('CO: public id and both operations', () => {
    const p = res.packets[2]!;
    expect(fieldValues(p, 'wbxml.public_id.known')).toEqual(['0x00000007']);
    const frame = res.text.split(/^Frame \d+:/m).filter((t) => t.trim())[2]!;
    for (const s of ['<co>', '<invalidate-object', '<invalidate-service', "uri='http://www.'", "'.com/'", "'.net/'"]) expect(frame).toContain(s);
  });
});

describe.skipIf(!sharedAvailable())('real SI pushes decode', () => {
  it('the Vodafone DE SI push (python-messaging)', () => {
    const pdu = readFileSync(join(SHARED_DIR, 'captures/wap-push/python-messaging_vodafone-de-si_reassembled.wsp'));
    // TID, 0x06, uintvar headers length, headers, body
    let i = 2;
    let len = 0;
    for (;;) {
      const b = pdu[i++]!;
      len = len * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    const body = pdu.subarray(i + len);
    const d = decompileWbxml(body);
    expect(d.publicId).toBe(0x05);
    const doc = parseXml(d.xml);
    expect(doc.name).toBe('si');
    const ind = doc.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === 'indication');
    expect(ind?.attrs.find(([k]) => k === 'href')?.[1]).toMatch(/^https?:\/\//);
  });

  it("Kannel's PPG push (WBXML 1.2 SI it compiled from ../shared/peers/kannel/ppg/si.xml)", () => {
    const pcap = readFileSync(join(SHARED_DIR, 'captures/kannel/kannel-ppg-ip-push.pcap'));
    const push = udpDatagramsOf(pcap).find((d) => d.dstPort === 2948 && d.payload[1] === 0x06);
    expect(push).toBeDefined();
    const pdu = push!.payload;
    let i = 2;
    let len = 0;
    for (;;) {
      const b = pdu[i++]!;
      len = len * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    const d = decompileWbxml(pdu.subarray(i + len));
    expect(d.publicId).toBe(0x05);
    const source = readFileSync(join(SHARED_DIR, 'peers/kannel/ppg/si.xml'));
    expect(normalise(parseXml(d.xml))).toEqual(normalise(parseXml(source.toString('utf8'))));
    // and our compilation of the same source differs from Kannel's only in the WBXML version octet
    expect(compilePushContent('text/vnd.wap.si', source).body.subarray(1)).toEqual(pdu.subarray(i + len + 1));
  });
});
