/**
 * Typed value codecs for the well-known header fields (WAP-230 §8.4.2.x, one per field grammar). Each codec
 * turns exactly one encoded value into HTTP text and back. A decoder that meets something off its grammar
 * throws (the caller then keeps the raw octets); an encoder given text it cannot type throws WapEncodeError
 * (the caller then sends the value as a Text-string).
 */
import {
  readDateValue,
  readQuotedString,
  readShortInteger,
  readTextString,
  readVersionValue,
  versionToString,
  writeDateValue,
  writeIntegerValue,
  writeQuotedString,
  writeShortInteger,
  writeTextString,
  writeTokenText,
} from '../../wire/primitives.ts';
import type { Reader } from '../../wire/reader.ts';
import {
  formatContentType,
  formatParameter,
  parseContentType,
  parseParameterList,
  readContentType,
  readParameters,
  readTextValue,
  splitOutsideQuotes,
  unquote,
  writeContentType,
  writeParameters,
  writeTextValue,
} from '../content-type.ts';
import {
  ANY,
  APPLICATION_IDS,
  CONTENT_ENCODINGS,
  DISPOSITIONS,
  METHODS,
  TE_VALUES,
} from '../well-known.ts';
import {
  formatDate,
  isLength,
  isShort,
  parseDate,
  parseUint,
  readFramed,
  readInt,
  readOptionalQ,
  readTokenOrText,
  splitQ,
  withQ,
  writeFramed,
  writeOptionalQ,
  writeTokenOrText,
  type Writer,
  type Ctx,
  type ValueCodec,
  needs,
  isText,
  fail,
} from './value-helpers.ts';

import {
  text,
  integer,
  date,
  fieldName,
  accept,
  acceptCharset,
  acceptEncoding,
  acceptLanguage,
  contentLanguage,
  credentials,
  challenge,
  cacheControl,
  tokens,
  setCookie,
  cookie,
  writeVersion,
} from './codecs-negotiation.ts';

export type { Ctx, ValueCodec } from './value-helpers.ts';

// ---- §8.4.2.23 Content-MD5: Value-length Digest (base64 on the HTTP side)
const contentMd5: ValueCodec = {
  decode: (r) => readFramed(r, 'Content-MD5', (v) => v.rest().toString('base64')),
  encode(w, value) {
    const b = Buffer.from(value.trim(), 'base64');
    if (b.length !== 16 || b.toString('base64') !== value.trim()) fail('Content-MD5 digest');
    writeFramed(w, (i) => i.bytes(b));
  },
};

// ---- §8.4.2.23 Content-Range: Value-length First-byte-pos Entity-length (1.3: Unknown-length 128)
const contentRange: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Content-range', (v) => {
      const first = v.uintvar();
      if (v.peek() === 0x80) {
        v.u8();
        return `bytes ${first}-*/*`;
      }
      const len = v.uintvar();
      return `bytes ${first}-${Math.max(first, len - 1)}/${len}`;
    }),
  encode(w, value, c) {
    const m = /^\s*bytes\s+(\d+)-(\d+|\*)\/(\d+|\*)\s*$/.exec(value);
    if (!m) fail('Content-Range');
    if (m[3] === '*') needs(c, [0x3e], 'unknown entity length');
    writeFramed(w, (i) => {
      i.uintvar(Number(m[1]));
      if (m[3] === '*') i.u8(0x80); // WAP-230 §8.4.2.23 (1.3): Unknown-length
      else i.uintvar(Number(m[3]));
    });
  },
};

// ---- §8.4.2.46 Range: Value-length (Byte-range 128 First [Last] | Suffix-byte-range 129 Suffix-length)
const range: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Range', (v) => {
      const kind = readShortInteger(v);
      if (kind === 0) {
        const first = v.uintvar();
        return v.atEnd() ? `bytes=${first}-` : `bytes=${first}-${v.uintvar()}`;
      }
      if (kind === 1) return `bytes=-${v.uintvar()}`;
      return fail('range kind');
    }),
  encode(w, value) {
    const m = /^\s*bytes\s*=\s*(\d*)-(\d*)\s*$/.exec(value);
    if (!m || (m[1] === '' && m[2] === '')) fail('Range');
    writeFramed(w, (i) => {
      if (m[1] === '') {
        writeShortInteger(i, 1);
        i.uintvar(Number(m[2]));
      } else {
        writeShortInteger(i, 0);
        i.uintvar(Number(m[1]));
        if (m[2] !== '') i.uintvar(Number(m[2]));
      }
    });
  },
};

// ---- §8.4.2.44 Retry-After: Value-length (Absolute-time 128 Date-value | Relative-time 129 Delta-seconds)
const retryAfter: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Retry-after', (v) => {
      const kind = readShortInteger(v);
      if (kind === 0) return formatDate(readDateValue(v));
      if (kind === 1) return String(readInt(v));
      return fail('retry-after kind');
    }),
  encode(w, value) {
    writeFramed(w, (i) => {
      if (/^\s*\d+\s*$/.test(value)) {
        writeShortInteger(i, 1);
        writeIntegerValue(i, parseUint(value, 'Retry-After'));
      } else {
        writeShortInteger(i, 0);
        writeDateValue(i, parseDate(value));
      }
    });
  },
};

// ---- §8.4.2.51 Warning: Warn-code | Value-length Warn-code Warn-agent Warn-text. Warn-code carries the
// last two digits of the HTTP code (110 → 10, 214 → 14; 199 and 299 both → 99).
function warnCode(v: Reader): number {
  const c = readShortInteger(v);
  if (c === 99) return 199;
  if (c >= 10 && c <= 13) return 100 + c;
  if (c === 14) return 214;
  return fail(`warn-code ${c}`);
}

function warnOctet(http: number): number {
  if (http >= 110 && http <= 113) return http - 100;
  if (http === 214) return 14;
  if (http === 199 || http === 299) return 99;
  return fail(`warn-code ${http}`);
}

const warning: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) return String(warnCode(r));
    return readFramed(r, 'Warning', (v) => {
      const code = warnCode(v);
      const agent = readTextString(v);
      const txt = readTextString(v);
      return `${code} ${agent} "${txt.replace(/["\\]/g, (c) => `\\${c}`)}"`;
    });
  },
  encode(w, value) {
    const m = /^\s*(\d{3})(?:\s+(\S+)\s+"((?:[^"\\]|\\.)*)")?\s*$/.exec(value);
    if (!m) fail('Warning');
    const code = warnOctet(Number(m[1]));
    if (m[2] === undefined) return writeShortInteger(w, code);
    writeFramed(w, (i) => {
      writeShortInteger(i, code);
      writeTextString(i, m[2]!);
      writeTextString(i, m[3]!.replace(/\\(.)/g, '$1'));
    });
  },
};

// ---- §8.4.2.53 Content-Disposition: Value-length Disposition *Parameter
const contentDisposition: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Content-disposition', (v) => {
      const d = readTokenOrText(v, DISPOSITIONS);
      return [d, ...readParameters(v).map(formatParameter)].join('; ');
    }),
  encode(w, value, c) {
    const ct = parseContentType(value);
    if (ct.type === 'inline') needs(c, [0x45], 'inline');
    writeFramed(w, (i) => {
      writeTokenOrText(i, ct.type, DISPOSITIONS, c.version);
      writeParameters(i, ct.params, { encodingVersion: c.version });
    });
  },
};

// ---- §8.4.2.54 X-Wap-Application-Id: Uri-value | App-assigned-code; §8.4.2.55 Accept-Application
function appIdDecode(r: Reader): string {
  if (isText(r)) return readTextString(r);
  const code = readInt(r);
  return APPLICATION_IDS.name(code) ?? String(code);
}

function appIdEncode(w: Writer, value: string): void {
  const v = value.trim();
  const code = /^\d+$/.test(v) ? Number(v) : APPLICATION_IDS.code(v.toLowerCase());
  if (code !== undefined) writeIntegerValue(w, code);
  else writeTextString(w, v);
}

const applicationId: ValueCodec = { decode: appIdDecode, encode: appIdEncode };
const acceptApplication: ValueCodec = {
  list: true,
  decode: (r) => (r.peek() === ANY ? (r.u8(), '*') : appIdDecode(r)),
  encode: (w, v) => (v.trim() === '*' ? void w.u8(ANY) : appIdEncode(w, v)),
};

// ---- §8.4.2.70 X-Wap-Tod: Date-value (lenient: Short-integer, text — real handsets send both)
const tod: ValueCodec = {
  decode(r) {
    if (isShort(r)) return formatDate(new Date(readShortInteger(r) * 1000));
    if (isText(r)) return readTextString(r);
    return formatDate(readDateValue(r));
  },
  encode: (w, v) => writeDateValue(w, parseDate(v)),
};

// ---- §8.4.2.66 Push-Flag (Short-integer bit field), §8.4.2.56 Bearer-Indication (Integer-value)
const shortInt: ValueCodec = {
  decode: (r) => String(readShortInteger(r)),
  encode: (w, v) => writeShortInteger(w, parseUint(v, 'Short-integer')),
};

// ---- §8.4.2.59 Profile-Diff: Value-length (WBXML octets; base64 on the HTTP side)
const profileDiff: ValueCodec = {
  decode: (r) => readFramed(r, 'Profile-diff', (v) => v.rest().toString('base64')),
  encode(w, value) {
    const b = Buffer.from(value.trim(), 'base64');
    if (b.toString('base64') !== value.trim()) fail('Profile-Diff');
    writeFramed(w, (i) => i.bytes(b));
  },
};

// ---- §8.4.2.60 Profile-Warning: Warn-code | Value-length Warn-code Warn-target *Warn-date
const PROFILE_WARN: readonly [number, number][] = [
  [0x10, 100], [0x11, 101], [0x12, 102], [0x20, 200], [0x21, 201], [0x22, 202], [0x23, 203],
];
const WARN_CODES = { name: (c: number) => PROFILE_WARN.find(([k]) => k === c)?.[1], code: (n: number) => PROFILE_WARN.find(([, v]) => v === n)?.[0] };

const profileWarning: ValueCodec = {
  list: true,
  decode(r) {
    const code = (v: Reader) => WARN_CODES.name(readShortInteger(v)) ?? fail('profile warn-code');
    if (isShort(r)) return String(code(r));
    return readFramed(r, 'Profile-warning', (v) => {
      const c = code(v);
      const target = readTextString(v);
      const dates: string[] = [];
      while (!v.atEnd()) dates.push(`"${formatDate(readDateValue(v))}"`);
      return [String(c), target, ...dates].join(' ');
    });
  },
  encode(w, value) {
    const m = /^\s*(\d{3})(?:\s+(\S+)((?:\s+"[^"]*")*))?\s*$/.exec(value);
    const code = m ? WARN_CODES.code(Number(m[1])) : undefined;
    if (!m || code === undefined) fail('Profile-Warning');
    if (m[2] === undefined) return writeShortInteger(w, code);
    writeFramed(w, (i) => {
      writeShortInteger(i, code);
      writeTextString(i, m[2]!);
      for (const d of m[3]!.match(/"[^"]*"/g) ?? []) writeDateValue(i, parseDate(d.slice(1, -1)));
    });
  },
};

// ---- §8.4.2.79 Expect: 100-continue 128 | Value-length Expect-expression (Token-text Text-value *params)
const expect: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) {
      if (readShortInteger(r) !== 0) fail('expect value');
      return '100-continue';
    }
    return readFramed(r, 'Expect', (v) => {
      const name = readTextString(v);
      const val = readTextValue(v);
      return [`${name}=${val}`, ...readParameters(v).map(formatParameter)].join('; ');
    });
  },
  encode(w, value) {
    if (value.trim().toLowerCase() === '100-continue') return writeShortInteger(w, 0);
    const params = parseParameterList(splitOutsideQuotes(value, ';'));
    const first = params.shift();
    if (!first) fail('Expect');
    writeFramed(w, (i) => {
      writeTokenText(i, first.name);
      writeTextValue(i, first.value);
      writeParameters(i, params);
    });
  },
};

// ---- §8.4.2.80 TE: Trailers 129 | Value-length (TE-code | Token-text) [Q-parameter]
const te: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) {
      if (readShortInteger(r) !== 1) fail('TE short value');
      return 'trailers';
    }
    return readFramed(r, 'TE', (v) => {
      const name = readTokenOrText(v, TE_VALUES);
      if (v.atEnd()) return name;
      if (readShortInteger(v) !== 0) fail('TE parameter');
      return withQ(name, readOptionalQ(v));
    });
  },
  encode(w, value, c) {
    const [name, q] = splitQ(value);
    if (name.toLowerCase() === 'trailers' && q === undefined) return writeShortInteger(w, 1);
    writeFramed(w, (i) => {
      writeTokenOrText(i, name, TE_VALUES, c.version);
      if (q !== undefined && q < 1) {
        writeShortInteger(i, 0);
        writeOptionalQ(i, q);
      }
    });
  },
};

// ---- §8.4.2.71 Content-ID: Quoted-string
const contentId: ValueCodec = {
  decode: (r) => (r.peek() === 0x22 ? readQuotedString(r) : readTextString(r)),
  encode(w, value) {
    const v = value.trim();
    writeQuotedString(w, v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v);
  },
};

// ---- §8.4.2.70 Encoding-Version: Version-value | Value-length Code-page [Version-value]
const encodingVersion: ValueCodec = {
  decode(r) {
    if (!isLength(r)) return versionToString(readVersionValue(r));
    return readFramed(r, 'Encoding-version', (v) => {
      const page = readShortInteger(v);
      return v.atEnd() ? `${page}` : `${page} ${versionToString(readVersionValue(v))}`;
    });
  },
  encode(w, value) {
    const m = /^\s*(?:(\d+)\s+)?(\S+)\s*$/.exec(value);
    if (!m) fail('Encoding-Version');
    if (m[1] === undefined) return writeVersion(w, m[2]!);
    writeFramed(w, (i) => {
      writeShortInteger(i, parseUint(m[1]!, 'code page'));
      writeVersion(i, m[2]!);
    });
  },
};

// ---- §8.4.2.23 Content-Type as a header (Content-type-value)
const contentType: ValueCodec = {
  decode: (r) => formatContentType(readContentType(r)),
  encode: (w, v, c) => writeContentType(w, parseContentType(v), { encodingVersion: c.version }),
};

// ---- If-Range: Text-string | Date-value
const ifRange: ValueCodec = {
  decode: (r) => (isLength(r) ? formatDate(readDateValue(r)) : readTextString(r)),
  encode(w, v) {
    const t = v.trim();
    if (t.startsWith('"') || t.startsWith('W/')) writeTextString(w, t);
    else writeDateValue(w, parseDate(t));
  },
};

// ---- Pragma: No-cache 128 | Value-length Parameter
const pragma: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) {
      if (readShortInteger(r) !== 0) fail('pragma');
      return 'no-cache';
    }
    return readFramed(r, 'Pragma', (v) => readParameters(v).map(formatParameter).join('; '));
  },
  encode(w, value) {
    if (value.trim().toLowerCase() === 'no-cache') return writeShortInteger(w, 0);
    writeFramed(w, (i) => writeParameters(i, parseParameterList([value])));
  },
};

// ---- Allow / Public: Well-known-method (Short-integer) | Token-text (Public only)
const method: ValueCodec = tokens(METHODS);

/** The codec for each page-1 field code. Absent codes fall back to text / raw. */
export const CODECS = new Map<number, ValueCodec>([
  [0x00, accept],
  [0x01, acceptCharset],
  [0x02, acceptEncoding],
  [0x03, acceptLanguage],
  [0x04, tokens({ name: (c) => ['none', 'bytes'][c], code: (n) => ({ none: 0, bytes: 1 })[n] })],
  [0x05, integer],
  [0x06, method],
  [0x07, credentials],
  [0x08, cacheControl],
  [0x09, tokens({ name: (c) => (c === 0 ? 'close' : undefined), code: (n) => (n === 'close' ? 0 : undefined) })],
  [0x0a, text],
  [0x0b, tokens(CONTENT_ENCODINGS)],
  [0x0c, contentLanguage],
  [0x0d, integer],
  [0x0e, text],
  [0x0f, contentMd5],
  [0x10, contentRange],
  [0x11, contentType],
  [0x12, date],
  [0x13, text],
  [0x14, date],
  [0x15, text],
  [0x16, text],
  [0x17, date],
  [0x18, { ...text, list: true }],
  [0x19, { ...text, list: true }],
  [0x1a, ifRange],
  [0x1b, date],
  [0x1c, text],
  [0x1d, date],
  [0x1e, integer],
  [0x1f, pragma],
  [0x20, challenge],
  [0x21, credentials],
  [0x22, method],
  [0x23, range],
  [0x24, text],
  [0x25, retryAfter],
  [0x26, text],
  [0x27, tokens({ name: (c) => (c === 0 ? 'chunked' : undefined), code: (n) => (n === 'chunked' ? 0 : undefined) })],
  [0x28, { ...text, list: true }],
  [0x29, text],
  [0x2a, fieldName],
  [0x2b, { ...text, list: true }],
  [0x2c, warning],
  [0x2d, challenge],
  [0x2e, contentDisposition],
  [0x2f, applicationId],
  [0x30, text],
  [0x31, text],
  [0x32, acceptApplication],
  [0x33, integer],
  [0x34, shortInt],
  [0x35, text],
  [0x36, profileDiff],
  [0x37, profileWarning],
  [0x38, expect],
  [0x39, te],
  [0x3a, fieldName],
  [0x3b, acceptCharset],
  [0x3c, acceptEncoding],
  [0x3d, cacheControl],
  [0x3e, contentRange],
  [0x3f, tod],
  [0x40, contentId],
  [0x41, setCookie],
  [0x42, cookie],
  [0x43, encodingVersion],
  [0x44, profileWarning],
  [0x45, contentDisposition],
  [0x46, tokens({ name: (c) => (c === 0 ? 'close-subordinate' : undefined), code: (n) => (n === 'close-subordinate' ? 0 : undefined) }, false)],
  [0x47, cacheControl],
]);
