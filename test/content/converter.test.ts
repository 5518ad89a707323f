import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentConverter, type HeaderPair } from '../../src/content/converter.ts';
import { chooseOutputCharset } from '../../src/content/charset.ts';
import { errorDeck } from '../../src/content/error-deck.ts';
import { compileWml } from '../../src/content/wml/compile.ts';
import { tokenStream } from './wbxml-tokens.ts';

const HELLO = readFileSync('/usr/lib/kannel/test/hello.wml');
const target = (headers: HeaderPair[] = [], maxBytes = 1400) => ({ headers, maxBytes, url: 'http://example.com/deck.wml' });
const reply = (contentType: string, body: Buffer | string, status = 200) => ({
  status,
  contentType,
  headers: [['Content-Length', '99']] as HeaderPair[],
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
});

describe('Accept augmentation', () => {
  const c = new ContentConverter({}, { compileWmlScript: () => Buffer.alloc(1) });
  it('a handset accepting wmlc / wmlscriptc gets the text forms added upstream', () => {
    const out = c.requestHeaders([
      ['Accept', 'application/vnd.wap.wmlc'],
      ['Accept', 'application/vnd.wap.wmlscriptc'],
      ['Accept', 'image/vnd.wap.wbmp'],
    ]);
    expect(out.filter(([n]) => n === 'Accept').map(([, v]) => v)).toEqual([
      'application/vnd.wap.wmlc',
      'application/vnd.wap.wmlscriptc',
      'image/vnd.wap.wbmp',
      'text/vnd.wap.wml',
      'text/vnd.wap.wmlscript',
    ]);
  });
  it('nothing added when already there, or when switched off', () => {
    const h: HeaderPair[] = [['Accept', 'application/vnd.wap.wmlc, text/vnd.wap.wml;q=0.5']];
    expect(c.requestHeaders(h)).toBe(h);
    const off = new ContentConverter({ accept: false });
    const h2: HeaderPair[] = [['Accept', 'application/vnd.wap.wmlc']];
    expect(off.requestHeaders(h2)).toBe(h2);
  });
  it('Accept-Charset without UTF-8 gets it at a low q (we convert from it)', () => {
    expect(c.requestHeaders([['Accept-Charset', 'iso-8859-1']])).toContainEqual(['Accept-Charset', 'utf-8;q=0.1']);
    const h: HeaderPair[] = [['Accept-Charset', 'utf-8, iso-8859-1']];
    expect(c.requestHeaders(h)).toBe(h);
  });
});

describe('output charset (Accept-Charset)', () => {
  it('UTF-8 when acceptable, else the best one we can write, else ISO-8859-1 by RFC 2616 §14.2', () => {
    expect(chooseOutputCharset([])).toBe('utf-8');
    expect(chooseOutputCharset(['iso-8859-1, utf-8;q=0.5'])).toBe('utf-8');
    expect(chooseOutputCharset(['iso-8859-1'])).toBe('iso-8859-1');
    expect(chooseOutputCharset(['windows-1251;q=0.9, iso-8859-5;q=0.3'])).toBe('windows-1251');
    expect(chooseOutputCharset(['utf-8;q=0, *;q=0.5'])).not.toBe('utf-8');
    expect(chooseOutputCharset(['x-unknown'])).toBe('iso-8859-1');
    // WBXML strings end in one NUL octet: no UTF-16 for compiled content (text may still be converted to it)
    expect(chooseOutputCharset(['utf-16, iso-8859-1;q=0.5'], undefined, true)).toBe('iso-8859-1');
    expect(chooseOutputCharset(['utf-16, iso-8859-1;q=0.5'])).toBe('utf-16');
  });
});

describe('replies', () => {
  it('text/vnd.wap.wml → application/vnd.wap.wmlc, Content-Length dropped, WBXML version by encoding version', () => {
    const c = new ContentConverter();
    const out = c.reply(reply('text/vnd.wap.wml', HELLO), { ...target(), encodingVersion: 0x12 });
    expect(out.contentType).toBe('application/vnd.wap.wmlc');
    expect(out.converted).toBe('wmlc');
    expect(out.headers).toEqual([]);
    expect(out.body.subarray(0, 3).toString('hex')).toBe('02046a');
    expect(c.reply(reply('text/vnd.wap.wml', HELLO), { ...target(), encodingVersion: 0x13 }).body[0]).toBe(0x03);
    expect(c.reply(reply('text/vnd.wap.wml', HELLO), target()).body[0]).toBe(0x01);
  });

  it('an empty WML answer (HEAD, 304) gets the compiled type', () => {
    const out = new ContentConverter().reply(reply('text/vnd.wap.wml', Buffer.alloc(0), 304), target());
    expect([out.status, out.contentType, out.body.length]).toEqual([304, 'application/vnd.wap.wmlc', 0]);
  });

  it('a Latin-1-only handset gets ISO-8859-1 strings (MIBenum 4)', () => {
    const out = new ContentConverter().reply(reply('text/vnd.wap.wml', HELLO), target([['Accept-Charset', 'iso-8859-1']]));
    expect(out.body[2]).toBe(4);
  });

  it('a broken deck → a WML error deck naming the problem and its line, with a link back', () => {
    const out = new ContentConverter().reply(reply('text/vnd.wap.wml', '<wml>\n<card>\n<p>oops</card></wml>'), target());
    expect(out.status).toBe(200);
    expect(out.contentType).toBe('application/vnd.wap.wmlc');
    expect(out.converted).toBe('error-deck');
    const text = tokenStream(out.body).tokens.join(' ');
    expect(text).toContain('line 3, column 8');
    expect(text).toContain('"http://example.com/deck.wml"');
    expect(out.error).toMatch(/closes <p>/);
  });

  it('content.errors: status → 502 text', () => {
    const out = new ContentConverter({ errors: 'status' }).reply(reply('text/vnd.wap.wml', '<wml>'), target());
    expect(out.status).toBe(502);
    expect(out.contentType).toBe('text/plain');
  });

  it('a compiled deck larger than the handset takes → error deck', () => {
    const big = `<wml><card><p>${'lots of text '.repeat(400)}</p></card></wml>`;
    const out = new ContentConverter().reply(reply('text/vnd.wap.wml', big), target([], 1000));
    expect(out.converted).toBe('error-deck');
    expect(tokenStream(out.body).tokens.join(' ')).toContain('too large');
    expect(out.body.length).toBeLessThan(1000);
  });

  it('the compile cache: one compile per source and target', () => {
    const c = new ContentConverter();
    const a = c.reply(reply('text/vnd.wap.wml', HELLO), target());
    const b = c.reply(reply('text/vnd.wap.wml', HELLO), target());
    expect(b.body).toBe(a.body);
    expect(c.cacheSize).toBe(1);
    c.reply(reply('text/vnd.wap.wml', HELLO), target([['Accept-Charset', 'iso-8859-1']]));
    expect(c.cacheSize).toBe(2);
  });

  it('a script is compiled once for every target: its bytecode does not depend on the WBXML version or output charset', () => {
    let compiles = 0;
    const c = new ContentConverter({}, { compileWmlScript: () => (compiles++, Buffer.from([0x01, 0x00])) });
    const src = 'extern function f() {}';
    c.reply(reply('text/vnd.wap.wmlscript', src), { ...target(), encodingVersion: 0x11 });
    c.reply(reply('text/vnd.wap.wmlscript', src), { ...target([['Accept-Charset', 'iso-8859-1']]), encodingVersion: 0x13 });
    expect([compiles, c.cacheSize]).toEqual([1, 1]);
  });

  it('a compile that ran out of time is not cached: the next fetch compiles again (the source was not at fault)', () => {
    let slow = true;
    const compile = () => {
      if (slow) throw Object.assign(new Error('compilation took longer than allowed'), { code: 'WMLS_TIMEOUT', line: 1, column: 1 });
      return Buffer.from([0x01, 0x00]);
    };
    const c = new ContentConverter({}, { compileWmlScript: compile });
    expect(c.reply(reply('text/vnd.wap.wmlscript', 'extern function f() {}'), target()).converted).toBe('error-deck');
    slow = false;
    expect(c.reply(reply('text/vnd.wap.wmlscript', 'extern function f() {}'), target()).converted).toBe('wmlscriptc');
    // the WML compiler's deadline likewise (a loaded machine: here a budget of 0 ms, then a normal one)
    const deck = `<wml><card><p>${'<b>x</b> '.repeat(2000)}</p></card></wml>`;
    const w = new ContentConverter({ maxCompileTime: 0 });
    const first = w.reply(reply('text/vnd.wap.wml', deck), target([], 100_000));
    expect([first.converted, first.error]).toEqual(['error-deck', expect.stringMatching(/took longer/)]);
    w.setOptions({ maxCompileTime: 250 });
    expect(w.reply(reply('text/vnd.wap.wml', deck), target([], 100_000)).converted).toBe('wmlc');
  });

  it('WMLScript → wmlscriptc through the injected compiler; its errors → error deck with line and column', () => {
    const compile = (src: string) => {
      if (src.includes('bad')) throw Object.assign(new Error('syntax error'), { code: 'WMLS_SYNTAX', line: 2, column: 5 });
      return Buffer.from([0x01, 0x00]);
    };
    const c = new ContentConverter({}, { compileWmlScript: compile });
    const ok = c.reply(reply('text/vnd.wap.wmlscript', 'extern function f() {}'), target());
    expect([ok.contentType, ok.body.toString('hex')]).toEqual(['application/vnd.wap.wmlscriptc', '0100']);
    const bad = c.reply(reply('text/vnd.wap.wmlscript', 'bad'), target());
    expect(bad.converted).toBe('error-deck');
    expect(tokenStream(bad.body).tokens.join(' ')).toContain('line 2, column 5');
    // without a compiler (or switched off) scripts pass
    expect(new ContentConverter().reply(reply('text/vnd.wap.wmlscript', 'x'), target()).contentType).toBe('text/vnd.wap.wmlscript');
  });

  it('conversion per content type can be switched off', () => {
    const out = new ContentConverter({ wml: false }).reply(reply('text/vnd.wap.wml; charset=utf-8', HELLO), target());
    expect(out.contentType).toBe('text/vnd.wap.wml; charset=utf-8');
  });

  it('charset conversion of text the handset cannot read (text/plain, XHTML-MP with its declaration)', () => {
    const c = new ContentConverter();
    const plain = c.reply(reply('text/plain; charset=utf-8', 'Grüße €'), target([['Accept-Charset', 'iso-8859-1']]));
    expect(plain.contentType).toBe('text/plain; charset=iso-8859-1');
    expect(plain.body).toEqual(Buffer.from('Grüße ?', 'latin1'));
    const xhtml = c.reply(
      reply('application/vnd.wap.xhtml+xml', '<?xml version="1.0" encoding="UTF-8"?><html><body>Grüße €</body></html>'),
      target([['Accept-Charset', 'iso-8859-1']]),
    );
    expect(xhtml.contentType).toBe('application/vnd.wap.xhtml+xml; charset=iso-8859-1');
    expect(xhtml.body.toString('latin1')).toBe('<?xml version="1.0" encoding="iso-8859-1"?><html><body>Grüße &#8364;</body></html>');
    // acceptable as it is, or no charset stated: untouched
    const same = reply('text/plain; charset=utf-8', 'x');
    expect(c.reply(same, target([['Accept-Charset', 'utf-8']]))).toBe(same);
    const unstated = reply('text/plain', 'x');
    expect(c.reply(unstated, target([['Accept-Charset', 'iso-8859-1']]))).toBe(unstated);
  });

  it("iconv's codecs that are not character sets (hex, base64) are refused as charsets", () => {
    const c = new ContentConverter();
    const hex = reply('text/plain; charset=hex', 'Hello');
    expect(c.reply(hex, target([['Accept-Charset', 'iso-8859-1']]))).toBe(hex);
    const deck = c.reply(reply('text/vnd.wap.wml; charset=base64', '<wml><card><p>Hi</p></card></wml>'), target());
    expect([deck.converted, deck.error]).toEqual(['error-deck', expect.stringMatching(/character set the gateway cannot read/)]);
  });

  it('conversion costs little CPU: nothing is converted that cannot fit, characters are judged once each', () => {
    const c = new ContentConverter();
    const page = (n: number) =>
      Buffer.from(`<?xml version="1.0" encoding="windows-1252"?><html><body>${'caf\xe9 \xfc\xe4 na\xefve '.repeat(n)}</body></html>`, 'latin1');
    const sjis = target([['Accept-Charset', 'shift_jis']], 30_000);
    const cpu = (fn: () => unknown): number => {
      const t0 = process.cpuUsage();
      fn();
      const u = process.cpuUsage(t0);
      return (u.user + u.system) / 1000;
    };
    c.reply(reply('application/xhtml+xml; charset=windows-1252', page(10)), sjis); // iconv loads its tables once
    // 168 KB for a handset taking 30 KB: it cannot fit in any charset (≥ 1 octet a character); left as it is
    const big = reply('application/xhtml+xml; charset=windows-1252', page(12_000));
    let out: ReturnType<typeof c.reply> | undefined;
    expect(cpu(() => (out = c.reply(big, sjis)))).toBeLessThan(50);
    expect(out).toBe(big);
    // 14 KB that fits (34 KB converted): converted, é ü ä ï as character references (Shift_JIS lacks them)
    const fits = reply('application/xhtml+xml; charset=windows-1252', page(1000));
    expect(cpu(() => (out = c.reply(fits, target([['Accept-Charset', 'shift_jis']], 60_000))))).toBeLessThan(100);
    expect(out!.converted).toBe('charset');
    expect(out!.body.toString('latin1')).toContain('caf&#233; &#252;&#228; na&#239;ve');
  });
});

describe('error deck', () => {
  it('is valid WML 1.1 (strict) and escapes what it echoes', () => {
    const deck = errorDeck('Oops <&>', 'Price $5 & <b>bold</b> "quoted"', 'http://example.com/a?b=1&c=2');
    const out = compileWml(Buffer.from(deck), { strict: true });
    const text = tokenStream(out.body).tokens.join(' ');
    expect(text).toContain('Price $5 & <b>bold</b> "quoted"');
    expect(text).toContain('"http://example.com/a?b=1&c=2"');
    expect(errorDeck('t', 'm', 'javascript:alert(1)')).not.toContain('javascript');
  });
});
