import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WapDecodeError, DecodeErrorCode } from '../../src/wire/errors.ts';
import {
  peekValueKind,
  readDateValue,
  readEncodedStringValue,
  readIntegerValue,
  readLongInteger,
  readQValue,
  readQuotedString,
  readRawValue,
  readShortInteger,
  readTextString,
  readValueLength,
  readVersionValue,
  writeDateValue,
  writeEncodedStringValue,
  writeIntegerValue,
  writeLongInteger,
  writeQValue,
  writeQuotedString,
  writeTextString,
  writeValueLength,
  writeVersionValue,
  decodeCharset,
} from '../../src/wire/primitives.ts';
import { Reader } from '../../src/wire/reader.ts';
import { Writer, uintvarLength } from '../../src/wire/writer.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const enc = (f: (w: Writer) => void) => {
  const w = new Writer(4);
  f(w);
  return w.finish().toString('hex');
};
function expectDecodeError(f: () => unknown, code: string, offset?: number) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WapDecodeError);
    expect((e as WapDecodeError).code).toBe(code);
    if (offset !== undefined) expect((e as WapDecodeError).offset).toBe(offset);
    return;
  }
  throw new Error('expected a WapDecodeError');
}

describe('uintvar (WAP-230 §8.1.2)', () => {
  const vectors: Array<[number, string]> = [
    [0, '00'],
    [0x7f, '7f'],
    [0x80, '8100'],
    [0x3fff, 'ff7f'],
    [0x4000, '818000'],
    [1400, '8a78'],
    [0xffffffff, '8fffffff7f'],
  ];
  for (const [v, h] of vectors) {
    it(`${v} ⇄ ${h}`, () => {
      expect(enc((w) => w.uintvar(v))).toBe(h);
      expect(new Reader(hex(h)).uintvar()).toBe(v);
      expect(uintvarLength(v)).toBe(h.length / 2);
    });
  }
  it('rejects more than 5 octets', () => expectDecodeError(() => new Reader(hex('808080808001')).uintvar(), DecodeErrorCode.UINTVAR, 0));
  it('rejects values above 2^32-1', () => expectDecodeError(() => new Reader(hex('9080808000')).uintvar(), DecodeErrorCode.UINTVAR, 0));
  it('rejects a truncated uintvar', () => expectDecodeError(() => new Reader(hex('8181')).uintvar(), DecodeErrorCode.TRUNCATED, 2));
});

describe('integers (§8.4.2.1, §8.4.2.3)', () => {
  it('Short-integer', () => {
    expect(readShortInteger(new Reader(hex('85')))).toBe(5);
    expectDecodeError(() => readShortInteger(new Reader(hex('05'))), DecodeErrorCode.VALUE, 0);
  });
  it('Long-integer', () => {
    expect(enc((w) => writeLongInteger(w, 0x0102))).toBe('020102');
    expect(enc((w) => writeLongInteger(w, 0))).toBe('0100');
    expect(readLongInteger(new Reader(hex('03010203')))).toBe(0x010203);
    expectDecodeError(() => readLongInteger(new Reader(hex('00'))), DecodeErrorCode.VALUE, 0);
    expectDecodeError(() => readLongInteger(new Reader(hex('1f00'))), DecodeErrorCode.VALUE, 0);
    expectDecodeError(() => readLongInteger(new Reader(hex('0401'))), DecodeErrorCode.TRUNCATED);
    expectDecodeError(() => readLongInteger(new Reader(hex('08ffffffffffffffff'))), DecodeErrorCode.VALUE, 0);
  });
  it('Integer-value picks the short form below 128', () => {
    expect(enc((w) => writeIntegerValue(w, 127))).toBe('ff');
    expect(enc((w) => writeIntegerValue(w, 128))).toBe('0180');
    expect(readIntegerValue(new Reader(hex('ff')))).toBe(127);
    expect(readIntegerValue(new Reader(hex('0180')))).toBe(128);
  });
});

describe('Value-length (§8.4.2.2)', () => {
  it('short and quoted forms', () => {
    expect(enc((w) => writeValueLength(w, 30))).toBe('1e');
    expect(enc((w) => writeValueLength(w, 31))).toBe('1f1f');
    expect(enc((w) => writeValueLength(w, 200))).toBe('1f8148');
  });
  it('checks the framed octets are present', () => {
    expectDecodeError(() => readValueLength(new Reader(hex('05 0102'))), DecodeErrorCode.TRUNCATED, 1);
    expectDecodeError(() => readValueLength(new Reader(hex('1f 8fffffff7f'))), DecodeErrorCode.TRUNCATED);
    expectDecodeError(() => readValueLength(new Reader(hex('20'))), DecodeErrorCode.VALUE, 0);
  });
});

describe('strings (§8.4.2.1)', () => {
  it('Text-string adds the Quote before a high first octet and drops it on decode', () => {
    expect(enc((w) => writeTextString(w, 'abc'))).toBe('61626300');
    expect(enc((w) => writeTextString(w, '\u00e9t\u00e9'))).toBe('7fe974e900');
    expect(readTextString(new Reader(hex('7fe974e900')))).toBe('\u00e9t\u00e9');
    expect(readTextString(new Reader(hex('61626300')))).toBe('abc');
  });
  it('Quoted-string', () => {
    expect(enc((w) => writeQuotedString(w, 'xyz'))).toBe('2278797a00');
    expect(readQuotedString(new Reader(hex('2278797a00')))).toBe('xyz');
    expectDecodeError(() => readQuotedString(new Reader(hex('78797a00'))), DecodeErrorCode.VALUE, 0);
  });
  it('an unterminated string is a typed error', () => {
    expectDecodeError(() => readTextString(new Reader(hex('616263'))), DecodeErrorCode.TRUNCATED, 0);
  });
  it('Encoded-string-value with and without charset', () => {
    const utf8 = Buffer.from('Привет', 'utf8').toString('latin1');
    const h = enc((w) => writeEncodedStringValue(w, { text: utf8, charset: 106 }));
    expect(h.slice(0, 4)).toBe('0fea'); // length 15 (Quote before the high first octet), charset 106 as short integer
    const v = readEncodedStringValue(new Reader(Buffer.from(h, 'hex')));
    expect(v.charset).toBe(106);
    expect(decodeCharset(v.text, v.charset)).toBe('Привет');
    expect(readEncodedStringValue(new Reader(hex('616200')))).toEqual({ text: 'ab' });
  });
});

describe('dates, q-values, versions', () => {
  it('Date-value is seconds since the epoch', () => {
    const d = new Date('2026-11-28T18:00:00Z');
    const h = enc((w) => writeDateValue(w, d));
    expect(readDateValue(new Reader(Buffer.from(h, 'hex'))).toISOString()).toBe(d.toISOString());
  });
  it('Q-value two ranges', () => {
    expect(enc((w) => writeQValue(w, 0.5))).toBe('33'); // 51
    expect(enc((w) => writeQValue(w, 0.333))).toBe('8331'); // 433
    expect(readQValue(new Reader(hex('33')))).toBe(0.5);
    expect(readQValue(new Reader(hex('8331')))).toBeCloseTo(0.333);
    expectDecodeError(() => readQValue(new Reader(hex('00'))), DecodeErrorCode.VALUE, 0);
  });
  it('Version-value', () => {
    expect(enc((w) => writeVersionValue(w, { major: 1, minor: 2 }))).toBe('92');
    expect(enc((w) => writeVersionValue(w, { major: 1 }))).toBe('9f');
    expect(readVersionValue(new Reader(hex('92')))).toEqual({ major: 1, minor: 2 });
    expect(readVersionValue(new Reader(hex('312e3300')))).toEqual({ text: '1.3' });
  });
  it('value kinds and raw values', () => {
    expect(peekValueKind(new Reader(hex('1f')))).toBe('length');
    expect(peekValueKind(new Reader(hex('41')))).toBe('text');
    expect(peekValueKind(new Reader(hex('80')))).toBe('short');
    const r = new Reader(hex('03aabbcc 414200 85'));
    expect(readRawValue(r).toString('hex')).toBe('03aabbcc');
    expect(readRawValue(r).toString('hex')).toBe('414200');
    expect(readRawValue(r).toString('hex')).toBe('85');
    expect(r.atEnd()).toBe(true);
  });
});

describe('hostile bytes', () => {
  const readers = [
    (r: Reader) => r.uintvar(),
    readIntegerValue,
    readValueLength,
    readTextString,
    readEncodedStringValue,
    readQValue,
    readVersionValue,
    readRawValue,
    readDateValue,
  ];
  it('produce only WapDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(readers.length - 1), (bytes, i) => {
        try {
          readers[i]!(new Reader(Buffer.from(bytes)));
        } catch (e) {
          if (!(e instanceof WapDecodeError)) throw e;
        }
      }),
      { numRuns: 20000 },
    );
  });
  it('uintvar and integers round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        const w = new Writer(1);
        w.uintvar(v);
        writeIntegerValue(w, v);
        const r = new Reader(w.finish());
        expect(r.uintvar()).toBe(v);
        expect(readIntegerValue(r)).toBe(v);
        expect(r.atEnd()).toBe(true);
      }),
    );
  });
});
