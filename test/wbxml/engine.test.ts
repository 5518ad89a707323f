import { describe, expect, it } from 'vitest';
import { encodeDocument, type WbxmlNode } from '../../src/wbxml/engine.ts';
import { WbxmlError, WbxmlErrorCode } from '../../src/wbxml/errors.ts';
import { defineLanguage } from '../../src/wbxml/language.ts';
import { WML13 } from '../../src/wbxml/tables-wml.ts';

// A made-up two-page language: the engine knows no language but what it is given.
const TOY = defineLanguage({
  name: 'toy',
  root: 'r',
  publicId: 0x7f,
  fpi: '-//TEST//DTD toy//EN',
  dtd: 'toy.dtd',
  tags: [
    [0x05, 'r'],
    [0x06, 'x'],
    [0x05, 'y', 1],
  ],
  attrStarts: [
    [0x05, 'a', ''],
    [0x06, 'a', 'http://'],
    [0x05, 'b', '', 1],
  ],
  attrValues: [
    [0x85, '.com/'],
    [0x86, 'on'],
  ],
});

const el = (tag: string, attrs: WbxmlNode['attrs'] = [], content: WbxmlNode['content'] = []): WbxmlNode => ({ tag, attrs, content });

describe('WBXML engine (WAP-192 §5)', () => {
  it('header, tags with attribute/content bits, prefix and value tokens, code pages both ways', () => {
    const doc = el('r', [], [el('x', [{ name: 'a', value: ['http://w.com/on'] }]), el('y', [{ name: 'b', value: ['on'] }], ['t'])]);
    const out = encodeDocument(doc, TOY, { version: 0x03 });
    expect(out.toString('hex')).toBe(
      [
        '03 7f 6a 00', // 1.3, public id 0x7F, UTF-8, no string table
        '45', // <r> content
        '86 06 03 7700 85 03 6f6e00 01', // <x a="http://" 'w' '.com/' 'on'> (a word token only as a whole value)
        '00 01 c5', // SWITCH_PAGE 1 (tags), <y> attrs+content
        '00 01 05 00 00 86 01', // SWITCH_PAGE 1 (attributes), b=, SWITCH_PAGE 0 for the 'on' value token, END
        '03 7400 01', // 't' </y>
        '01', // </r>
      ]
        .join('')
        .replace(/ /g, ''),
    );
  });

  it('EXT, ENTITY and OPAQUE parts; WBXML 1.0 without a charset', () => {
    const doc = el('r', [], [{ ext: 1, name: 'v' }, { entity: 0x263a }, { opaque: Buffer.from([1, 2]) }]);
    expect(encodeDocument(doc, TOY, { version: 0x00 }).toString('hex')).toBe('007f' + '00' + '45' + '417600' + '02cc3a' + 'c3020102' + '01');
  });

  it('a string table for strings and variable names that repeat, when it saves octets', () => {
    const doc = el('r', [], [el('x', [], ['repeated']), el('x', [], ['repeated']), { ext: 2, name: 'var' }, { ext: 2, name: 'var' }, el('x', [], ['a']), el('x', [], ['a'])]);
    const out = encodeDocument(doc, TOY, { version: 0x03 });
    expect(out.subarray(3, 4 + 13).toString('latin1')).toBe('\x0drepeated\0var\0');
    expect(out.includes(Buffer.from([0x83, 0x00]))).toBe(true); // STR_T 0
    expect(out.includes(Buffer.from([0x82, 0x09]))).toBe(true); // EXT_T_2 9
    expect(out.includes(Buffer.from('03610001', 'hex'))).toBe(true); // 'a' stays inline (no saving)
    expect(encodeDocument(doc, TOY, { version: 0x03, stringTable: false })[3]).toBe(0);
  });

  it('characters the output charset lacks become ENTITY tokens', () => {
    const latin1 = { mib: 4, encode: (s: string) => Buffer.from(s, 'latin1'), canEncode: (cp: number) => cp <= 0xff };
    const out = encodeDocument(el('r', [], ['é€😀']), TOY, { version: 0x03, charset: latin1 });
    expect(out.toString('hex')).toBe('037f0400' + '45' + '03e900' + '02c12c' + '0287ec00' + '01'); // U+1F600 as uintvar 87 EC 00
  });

  it('unknown elements/attributes: refused, or LITERAL through the string table', () => {
    const doc = el('r', [{ name: 'zz', value: ['1'] }], [el('q')]);
    expect(() => encodeDocument(doc, TOY, { version: 3 })).toThrow(WbxmlError);
    const out = encodeDocument(doc, TOY, { version: 3, literals: true });
    // string table "zz\0q\0"; <r> attrs+content; LITERAL 0; '1'; END; LITERAL (no bits) 3; END
    expect(out.toString('hex')).toBe('037f6a05' + '7a7a007100' + 'c5' + '0400' + '033100' + '01' + '0403' + '01');
  });

  it('refuses a result larger than maxBytes', () => {
    const e = (() => {
      try {
        encodeDocument(el('r', [], ['x'.repeat(100)]), TOY, { version: 3, maxBytes: 50 });
      } catch (x) {
        return x as WbxmlError;
      }
    })();
    expect(e?.code).toBe(WbxmlErrorCode.TOO_LARGE);
  });

  it('tables are checked when defined; reverse maps derived', () => {
    expect(() => defineLanguage({ ...TOY, tags: [[0x05, 'a'], [0x05, 'b']] })).toThrow();
    expect(() => defineLanguage({ ...TOY, attrValues: [[0x40, 'x']] })).toThrow();
    expect(WML13.tagByCode.get(0x27)).toBe('card');
    expect(WML13.attrStartsByName.get('href')!.map((a) => a.prefix)).toEqual(['https://', 'http://', '']);
  });
});
