import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentError, ContentErrorCode } from '../../src/content/errors.ts';
import { compileWml } from '../../src/content/wml/compile.ts';
import { compilePushContent } from '../../src/push/content.ts';
import { PapError } from '../../src/push/pap-codes.ts';
import { decodeWbxml } from '../../src/wbxml/decode.ts';
import { tokenStream } from './wbxml-tokens.ts';
import { hex } from '../wbxml/annotated.ts';

const wml = (body: string, version = '1.3') =>
  Buffer.from(`<?xml version="1.0"?>
<!DOCTYPE wml PUBLIC "-//WAPFORUM//DTD WML ${version}//EN" "http://www.wapforum.org/DTD/wml13.dtd">
<wml>${body}</wml>`);

function fails(src: Buffer, code: string, opts: Parameters<typeof compileWml>[1] = {}): ContentError {
  try {
    compileWml(src, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ContentError);
    expect((e as ContentError).code).toBe(code);
    return e as ContentError;
  }
  throw new Error('compiled');
}

describe('WML → WBXML', () => {
  it("Kannel's hello.wml, byte for byte (WAP-191 §14.3, WAP-192 §5)", () => {
    const out = compileWml(readFileSync('/usr/lib/kannel/test/hello.wml'), { wbxmlVersion: 0x01 });
    expect(out.body.toString('hex')).toBe(
      hex(`
        01 04 6A 00        | WBXML 1.1, public id WML 1.1, UTF-8 (106), empty string table
        7F                 | <wml> with content
        E7                 | <card> with attributes and content
        55 03 'main' 00    | id= STR_I
        36 03 'Hello, world' 00 | title= STR_I
        23                 | newcontext="true" (one token)
        01                 | END of attributes
        60                 | <p> with content
        03 'Hello, world.' 00
        01 01 01           | </p> </card> </wml>`),
    );
  });

  it('public identifier from the DOCTYPE; WML 1.1 without one; WBXML version and charset as asked', () => {
    expect(compileWml(wml('<card/>', '1.2')).body.subarray(0, 3).toString('hex')).toBe('03096a');
    expect(compileWml(wml('<card/>', '1.3')).body[1]).toBe(0x0a);
    expect(compileWml(Buffer.from('<wml><card/></wml>')).body[1]).toBe(0x04);
    expect(compileWml(wml('<card/>'), { wbxmlVersion: 0x02, outputCharset: 'iso-8859-1' }).body.subarray(0, 3).toString('hex')).toBe('020a04');
    // WBXML 1.0 has no charset field (WAP-192 §5.6)
    expect(compileWml(wml('<card/>'), { wbxmlVersion: 0x00 }).body.subarray(0, 3).toString('hex')).toBe('000a00');
  });

  it('WML 1.0 decks use the WML 1.0 tokens', () => {
    const src = Buffer.from('<!DOCTYPE wml PUBLIC "-//WAPFORUM//DTD WML 1.0//EN" "http://www.wapforum.org/DTD/wml.xml"><wml><card><a url="x">y</a></card></wml>');
    const out = compileWml(src);
    expect(out.body[1]).toBe(0x02);
    // <a> is 0x22 in WML 1.0 (0x1C from 1.1), url= is 0x4A (href= from 1.1)
    expect(out.body.includes(Buffer.from([0xe2, 0x4a]))).toBe(true);
  });

  it('href prefixes and value tokens: http://www. … .com/ split into tokens', () => {
    const t = tokenStream(compileWml(wml('<card><p><a href="http://www.example.com/a">x</a><img src="https://x.org/i" alt="i"/></p></card>')).body);
    const body = compileWml(wml('<card><p><a href="http://www.example.com/a">x</a></p></card>')).body;
    // href="http://" (0x4B), 'www.' (0xA1), 'example', '.com/' (0x85), 'a'
    expect(body.toString('hex')).toContain(`4ba103${Buffer.from('example').toString('hex')}008503${Buffer.from('a').toString('hex')}00`);
    expect(t.tokens).toContain('@src');
  });

  it('variables as EXT tokens (WAP-191 §14.1), $$ as $, conversions and the %HREF default', () => {
    const t = tokenStream(compileWml(wml('<card><p>$a $(b) $(c:e) $(d:escape) $(e:u) $(f:unesc) $(g:n) $(h:noesc) $$ $$(x)<a href="/s?q=$(q)">$(q)</a></p></card>')).body);
    expect(t.tokens.filter((x) => x.startsWith('EXT'))).toEqual(['EXT2(a)', 'EXT2(b)', 'EXT0(c)', 'EXT0(d)', 'EXT1(e)', 'EXT1(f)', 'EXT2(g)', 'EXT2(h)', 'EXT0(q)', 'EXT2(q)']);
    expect(t.tokens).toContain('" $ $(x)"');
  });

  it('repeated strings and variable names go to the string table (EXT_T, STR_T)', () => {
    const out = compileWml(wml('<card><p>$(name) $(name) $(name) repeated text</p><p>repeated text</p><p>repeated text</p></card>'));
    const tblLen = out.body[3]!;
    const table = out.body.subarray(4, 4 + tblLen).toString('utf8');
    expect(table).toContain('name\0');
    expect(table).toContain('repeated text\0');
    expect(out.body.includes(Buffer.from([0x82, 0x00]))).toBe(true); // EXT_T_2 at offset 0
  });

  it('entities, character references, CDATA; comments dropped; white space collapsed, pre kept', () => {
    const t = tokenStream(
      compileWml(wml('<!-- c --><card><p>  a &amp; b&#233;&#x263A;&nbsp;<![CDATA[<x>]]>\n  c  </p><pre>  k\n  k </pre></card>')).body,
    );
    expect(t.tokens).toContain('"a & bé☺\u00a0<x> c"');
    expect(t.tokens).toContain('"  k\n  k "');
  });

  it('characters the output charset lacks become ENTITY tokens (WAP-192 §5.8.4.3)', () => {
    const out = compileWml(wml('<card><p>é€</p></card>'), { outputCharset: 'iso-8859-1' });
    // 'é' in Latin-1, then ENTITY 8364 (uintvar 0xC1 0x2C)
    expect(out.body.toString('hex')).toContain('03e900' + '02c12c');
  });

  it('Latin-1 sources by XML declaration or HTTP charset', () => {
    const src = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><wml><card title="'), Buffer.from([0xe9]), Buffer.from('"/></wml>')]);
    expect(tokenStream(compileWml(src).body).tokens).toContain('"é"');
    const bare = Buffer.concat([Buffer.from('<wml><card title="'), Buffer.from([0xe9]), Buffer.from('"/></wml>')]);
    expect(tokenStream(compileWml(bare, { charset: 'iso-8859-1' }).body).tokens).toContain('"é"');
  });

  it('not well-formed: typed errors with line and column', () => {
    const e = fails(Buffer.from('<wml>\n<card>\n<p>x</card></wml>'), ContentErrorCode.NOT_WELL_FORMED);
    expect([e.line, e.column]).toEqual([3, 5]); // at "</card>"
    fails(Buffer.from('<wml><card a="1" a="2"/></wml>'), ContentErrorCode.NOT_WELL_FORMED);
    fails(Buffer.from('<wml><card>&bogus;</card></wml>'), ContentErrorCode.NOT_WELL_FORMED);
    fails(Buffer.from('<wml><card>&#0;</card></wml>'), ContentErrorCode.NOT_WELL_FORMED);
    fails(Buffer.from('<wml>'), ContentErrorCode.NOT_WELL_FORMED);
    fails(Buffer.from('<!DOCTYPE wml [<!ENTITY x "y">]><wml/>'), ContentErrorCode.REFUSED);
    fails(Buffer.from('<html/>'), ContentErrorCode.INVALID);
  });

  it('strict mode: the WML 1.3 DTD (children, attributes, required, enumerations, variables)', () => {
    const opts = { strict: true };
    expect(fails(readFileSync('/usr/lib/kannel/test/testcase.wml'), ContentErrorCode.INVALID, opts).message).toMatch(/<setvar> is not allowed in <card> \(line 15, column 9\)/);
    fails(wml('<card><p><blink>x</blink></p></card>'), ContentErrorCode.INVALID, opts);
    fails(wml('<card><p><go/></p></card>'), ContentErrorCode.INVALID, opts);
    fails(wml('<card><do><go/></do></card>'), ContentErrorCode.INVALID, opts);
    fails(wml('<card newcontext="yes"/>'), ContentErrorCode.INVALID, opts);
    fails(wml('<card><p>$(x:bogus)</p></card>'), ContentErrorCode.INVALID, opts);
    fails(Buffer.from('<wml><card/></wml>'), ContentErrorCode.INVALID, opts);
    // lenient: unknown elements and attributes as LITERAL, a stray '$' as text
    const t = tokenStream(compileWml(wml('<card><p><blink foo="1">x $(y:bogus)</blink></p></card>')).body);
    expect(t.tokens).toContain('<LITERAL(blink) A C');
    expect(t.tokens).toContain('@LITERAL(foo)');
  });

  it('bounds: source size, depth, elements, compiled size', () => {
    fails(wml('<card/>'), ContentErrorCode.LIMIT, { maxSourceBytes: 50 });
    fails(wml(`<card><p>${'<b>'.repeat(80)}x${'</b>'.repeat(80)}</p></card>`), ContentErrorCode.LIMIT);
    fails(wml(`<card><p>${'<br/>'.repeat(200)}</p></card>`), ContentErrorCode.LIMIT, { maxElements: 100 });
    fails(wml(`<card><p>${'x'.repeat(500)}</p></card>`), ContentErrorCode.TOO_LARGE, { maxOutputBytes: 200 });
    fails(wml(`<card><p>${'<b>x</b>'.repeat(2000)}</p></card>`), ContentErrorCode.TIMEOUT, { maxMillis: 0 });
  });
});

describe('PPG: WML pushes are compiled like SI/SL/CO', () => {
  it('text/vnd.wap.wml → application/vnd.wap.wmlc (WBXML 1.3)', async () => {
    const out = await compilePushContent('text/vnd.wap.wml; charset=utf-8', readFileSync('/usr/lib/kannel/test/hello.wml'));
    expect(out.contentType).toBe('application/vnd.wap.wmlc');
    expect(out.body.subarray(0, 3).toString('hex')).toBe('03046a');
  });

  it('a broken deck is the PI’s error: PAP 2000', async () => {
    const e = await compilePushContent('text/vnd.wap.wml', Buffer.from('<wml><card>')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PapError);
    expect((e as PapError).code).toBe(2000);
  });
});

describe('round trip through our decoder (src/wbxml/decode.ts knows WML)', () => {
  const decks = [
    '/usr/lib/kannel/test/hello.wml',
    '/usr/lib/kannel/test/testcase.wml',
    ...['all-elements', 'entities', 'latin1', 'utf8', 'variables'].map((d) => `${import.meta.dirname}/decks/${d}.wml`),
  ];
  for (const deck of decks) {
    it(`${deck.split('/').pop()}: compile → decode → compile gives the same octets`, () => {
      const first = compileWml(readFileSync(deck)).body;
      const xml = decodeWbxml(first).xml;
      expect(xml).not.toMatch(/tag-0x|attr-0x/);
      expect(compileWml(Buffer.from(xml)).body.toString('hex')).toBe(first.toString('hex'));
    });
  }
});
