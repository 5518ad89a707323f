/**
 * Value codecs for content negotiation and access control (WAP-230 §8.4.2.5–§8.4.2.15, §8.4.2.52): the
 * Accept family, Content-Language, Credentials, Challenge, Cache-Control, cookies; and the simple grammars.
 */
import {
  readDateValue,
  readShortInteger,
  readTextString,
  readVersionValue,
  versionToString,
  writeDateValue,
  writeIntegerValue,
  writeShortInteger,
  writeTextString,
  writeTokenText,
} from '../../wire/primitives.ts';
import {
  charsetMib,
  charsetName,
  formatContentType,
  formatParameter,
  parseContentType,
  parseParameterList,
  readContentType,
  readParameters,
  splitOutsideQuotes,
  unquote,
  writeContentType,
  writeParameters,
} from '../content-type.ts';
import {
  ANY,
  CACHE_DIRECTIVES,
  CONTENT_ENCODINGS,
  FIELD_NAMES,
  LANGUAGES,
} from '../well-known.ts';
import {
  type CodeTable,
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
  writeInt,
  writeOptionalQ,
  writeTokenOrText,
  type ValueCodec,
  type Writer,
  needs,
  isText,
  fail,
} from './value-helpers.ts';

// ---- simple grammars

export const text: ValueCodec = {
  decode: (r) => readTextString(r),
  encode: (w, v) => writeTextString(w, v),
};

export const integer: ValueCodec = {
  decode: (r) => String(readInt(r)),
  encode: (w, v) => writeInt(w, parseUint(v, 'integer')),
};

export const date: ValueCodec = {
  decode: (r) => formatDate(readDateValue(r)),
  encode: (w, v) => writeDateValue(w, parseDate(v)),
};

export function tokens(t: CodeTable, list = true): ValueCodec {
  return {
    list,
    decode: (r) => readTokenOrText(r, t),
    encode: (w, v, c) => writeTokenOrText(w, v, t, c.version),
  };
}

/** Field-name = Token-text | Well-known-field-name (Vary, Trailer). */
export const fieldName: ValueCodec = {
  list: true,
  decode: (r) => readTokenOrText(r, FIELD_NAMES),
  encode: (w, v, c) => writeTokenOrText(w, v, FIELD_NAMES, c.version),
};

// ---- §8.4.2.7 Accept: Constrained-media | Value-length Media-range [Accept-parameters]
export const accept: ValueCodec = {
  list: true,
  decode: (r) => formatContentType(readContentType(r)),
  encode: (w, v, c) => writeContentType(w, parseContentType(v), { encodingVersion: c.version }),
};

// ---- §8.4.2.8 Accept-Charset
export const acceptCharset: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) {
      const b = readShortInteger(r);
      return b === 0 ? '*' : charsetName(b);
    }
    if (!isLength(r)) return readTextString(r);
    return readFramed(r, 'Accept-charset', (v) => {
      let name: string;
      if (v.peek() === ANY) {
        v.u8();
        name = '*';
      } else if (isShort(v) || isLength(v)) name = charsetName(readInt(v));
      else name = readTextString(v);
      return withQ(name, readOptionalQ(v));
    });
  },
  encode(w, value) {
    const [name, q] = splitQ(value);
    const mib = name === '*' ? 'any' : charsetMib(name);
    if (q === undefined || q === 1) {
      if (mib === 'any') return void w.u8(ANY);
      if (mib !== undefined && mib < 0x80) return writeShortInteger(w, mib);
      if (mib === undefined) return writeTextString(w, name);
    }
    writeFramed(w, (i) => {
      if (mib === 'any') i.u8(ANY);
      else if (mib !== undefined) writeIntegerValue(i, mib);
      else writeTextString(i, name);
      writeOptionalQ(i, q);
    });
  },
};

// ---- §8.4.2.9 Accept-Encoding: Content-encoding-value | Value-length (Content-encoding | Any 131) [Q]
export const acceptEncoding: ValueCodec = {
  list: true,
  decode(r) {
    if (!isLength(r)) return readTokenOrText(r, CONTENT_ENCODINGS);
    return readFramed(r, 'Accept-encoding', (v) => {
      let name: string;
      if (isShort(v)) {
        const code = readShortInteger(v);
        name = code === 3 ? '*' : (CONTENT_ENCODINGS.name(code) ?? fail(`encoding 0x${code.toString(16)}`));
      } else name = readTextString(v);
      return withQ(name, readOptionalQ(v));
    });
  },
  encode(w, value, c) {
    const [name, q] = splitQ(value);
    if ((q === undefined || q === 1) && name !== '*') return writeTokenOrText(w, name, CONTENT_ENCODINGS, c.version);
    writeFramed(w, (i) => {
      if (name === '*') writeShortInteger(i, 3);
      else writeTokenOrText(i, name, CONTENT_ENCODINGS, c.version);
      writeOptionalQ(i, q);
    });
  },
};

// ---- §8.4.2.10 Accept-Language; §8.4.2.19 Content-Language
export function languageName(code: number): string {
  return code === 0 ? '*' : (LANGUAGES.name(code) ?? fail(`language 0x${code.toString(16)}`));
}

export const acceptLanguage: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) return languageName(readShortInteger(r));
    if (!isLength(r)) return readTextString(r);
    return readFramed(r, 'Accept-language', (v) => {
      const name = isShort(v) || isLength(v) ? languageName(readInt(v)) : readTextString(v);
      return withQ(name, readOptionalQ(v));
    });
  },
  encode(w, value) {
    const [name, q] = splitQ(value);
    const code = name === '*' ? 0 : LANGUAGES.code(name.toLowerCase());
    if ((q === undefined || q === 1) && (code === undefined || code < 0x80)) {
      if (code === undefined) return writeTextString(w, name);
      return writeShortInteger(w, code);
    }
    writeFramed(w, (i) => {
      if (code === undefined) writeTextString(i, name);
      else writeIntegerValue(i, code);
      writeOptionalQ(i, q);
    });
  },
};

export const contentLanguage: ValueCodec = {
  list: true,
  decode: (r) => (isText(r) ? readTextString(r) : languageName(readInt(r))),
  encode(w, value) {
    const name = value.trim();
    const code = name === '*' ? 0 : LANGUAGES.code(name.toLowerCase());
    if (code === undefined) writeTextString(w, name);
    else writeIntegerValue(w, code);
  },
};

// ---- §8.4.2.5 Credentials (Authorization, Proxy-Authorization)
export const credentials: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Credentials', (v) => {
      if (isShort(v)) {
        if (readShortInteger(v) !== 0) fail('credentials scheme');
        const user = readTextString(v);
        const pass = readTextString(v);
        return `Basic ${Buffer.from(`${user}:${pass}`, 'latin1').toString('base64')}`;
      }
      const scheme = readTextString(v);
      const params = readParameters(v);
      return params.length ? `${scheme} ${params.map(formatParameter).join(', ')}` : scheme;
    }),
  encode(w, value) {
    const m = /^\s*(\S+)\s*(.*)$/s.exec(value);
    if (!m) fail('empty credentials');
    const [, scheme, rest] = m;
    if (scheme!.toLowerCase() === 'basic') {
      const decoded = Buffer.from(rest!.trim(), 'base64').toString('latin1');
      const colon = decoded.indexOf(':');
      if (colon < 0 || Buffer.from(decoded, 'latin1').toString('base64') !== rest!.trim()) fail('Basic cookie');
      return writeFramed(w, (i) => {
        writeShortInteger(i, 0);
        writeTextString(i, decoded.slice(0, colon));
        writeTextString(i, decoded.slice(colon + 1));
      });
    }
    writeFramed(w, (i) => {
      writeTokenText(i, scheme!);
      writeParameters(i, parseParameterList(splitOutsideQuotes(rest!, ',')));
    });
  },
};

// ---- §8.4.2.52 Challenge (WWW-Authenticate, Proxy-Authenticate)
export const challenge: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Challenge', (v) => {
      let scheme: string;
      if (isShort(v)) {
        if (readShortInteger(v) !== 0) fail('challenge scheme');
        scheme = 'Basic';
      } else scheme = readTextString(v);
      const realm = readTextString(v);
      const params = readParameters(v);
      return [`${scheme} realm="${realm}"`, ...params.map(formatParameter)].join(', ');
    }),
  encode(w, value) {
    const m = /^\s*(\S+)\s+(.*)$/s.exec(value);
    if (!m) fail('challenge');
    const params = parseParameterList(splitOutsideQuotes(m[2]!, ','));
    const realm = params.shift();
    if (!realm || realm.name !== 'realm') fail('challenge without realm');
    writeFramed(w, (i) => {
      if (m[1]!.toLowerCase() === 'basic') writeShortInteger(i, 0);
      else writeTokenText(i, m[1]!);
      writeTextString(i, realm.value);
      writeParameters(i, params);
    });
  },
};

// ---- §8.4.2.15 Cache-Control
export const cacheControl: ValueCodec = {
  list: true,
  decode(r) {
    if (isShort(r)) {
      const code = readShortInteger(r);
      return CACHE_DIRECTIVES.name(code) ?? fail(`cache directive 0x${code.toString(16)}`);
    }
    if (!isLength(r)) return readTextString(r);
    return readFramed(r, 'Cache-directive', (v) => {
      if (!isShort(v)) {
        // Cache-extension Parameter
        const p = readParameters(v);
        return p.map(formatParameter).join('; ');
      }
      const code = readShortInteger(v);
      const name = CACHE_DIRECTIVES.name(code) ?? fail(`cache directive 0x${code.toString(16)}`);
      if (name === 'no-cache' || name === 'private') {
        const fields: string[] = [];
        while (!v.atEnd()) fields.push(readTokenOrText(v, FIELD_NAMES));
        return `${name}="${fields.join(', ')}"`;
      }
      return `${name}=${readInt(v)}`;
    });
  },
  encode(w, value, c) {
    const t = value.trim();
    const eq = t.indexOf('=');
    const name = (eq < 0 ? t : t.slice(0, eq)).trim().toLowerCase();
    const code = CACHE_DIRECTIVES.code(name, c.version);
    if (name === 's-maxage') needs(c, [0x3d, 0x47], 's-maxage');
    if (eq < 0) {
      if (code === undefined) return writeTextString(w, t);
      return writeShortInteger(w, code);
    }
    const arg = unquote(t.slice(eq + 1).trim());
    if (code === undefined) return writeFramed(w, (i) => writeParameters(i, parseParameterList([t])));
    writeFramed(w, (i) => {
      writeShortInteger(i, code);
      if (name === 'no-cache' || name === 'private') {
        for (const f of arg.split(',')) writeTokenOrText(i, f.trim(), FIELD_NAMES, c.version);
      } else writeIntegerValue(i, parseUint(arg, name));
    });
  },
};

// ---- §8.4.2.72 Set-Cookie: Value-length Cookie-version Cookie-name Cookie-val *Parameter
export const setCookie: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Set-cookie', (v) => {
      const version = versionToString(readVersionValue(v));
      const name = readTextString(v);
      const val = readTextString(v);
      // cookie-av values (path=/) go unquoted unless they hold a separator
      const params = readParameters(v).map((p) => (/[;",\s]/.test(p.value) || p.value === '' ? formatParameter(p) : `${p.name}=${p.value}`));
      return [`${name}=${val}`, ...(version === '1' ? [] : [`version=${version}`]), ...params].join('; ');
    }),
  encode(w, value, c) {
    const parts = splitOutsideQuotes(value, ';');
    const first = parts.shift()!;
    const eq = first.indexOf('=');
    if (eq < 1) fail('Set-Cookie');
    const params = parseParameterList(parts);
    const vi = params.findIndex((p) => p.name === 'version');
    const version = vi >= 0 ? params.splice(vi, 1)[0]!.value : '1';
    writeFramed(w, (i) => {
      writeVersion(i, version);
      writeTextString(i, first.slice(0, eq).trim());
      writeTextString(i, first.slice(eq + 1).trim());
      writeParameters(i, params, { encodingVersion: c.version });
    });
  },
};

export function writeVersion(w: Writer, version: string): void {
  const m = /^([0-7])(?:\.(\d{1,2}))?$/.exec(version);
  if (m && (m[2] === undefined || Number(m[2]) < 15)) {
    writeShortInteger(w, (Number(m[1]) << 4) | (m[2] === undefined ? 0x0f : Number(m[2])));
  } else writeTextString(w, version);
}

// ---- §8.4.2.73 Cookie: Value-length Cookie-version *(Value-length Cookie-name Cookie-val [Path] [Domain])
export const cookie: ValueCodec = {
  decode: (r) =>
    readFramed(r, 'Cookie', (v) => {
      const version = versionToString(readVersionValue(v));
      const out = [`$Version=${version}`];
      while (!v.atEnd()) {
        readFramed(v, 'Cookie-parameters', (p) => {
          out.push(`${readTextString(p)}=${readTextString(p)}`);
          if (!p.atEnd()) out.push(`$Path=${readTextString(p)}`);
          if (!p.atEnd()) out.push(`$Domain=${readTextString(p)}`);
        });
      }
      return out.join('; ');
    }),
  encode(w, value) {
    const items = splitOutsideQuotes(value, ';').map((s) => s.trim()).filter(Boolean);
    let version = '1';
    if (items[0]?.startsWith('$Version=')) version = unquote(items.shift()!.slice(9));
    const cookies: { name: string; val: string; path?: string; domain?: string }[] = [];
    for (const it of items) {
      const eq = it.indexOf('=');
      if (eq < 1) fail('Cookie');
      const k = it.slice(0, eq).trim();
      const val = unquote(it.slice(eq + 1).trim());
      const last = cookies[cookies.length - 1];
      if (k === '$Path' && last && last.path === undefined) last.path = val;
      else if (k === '$Domain' && last && last.domain === undefined) {
        if (last.path === undefined) fail('Cookie $Domain without $Path');
        last.domain = val;
      } else if (k.startsWith('$')) fail(`Cookie attribute ${k}`);
      else cookies.push({ name: k, val });
    }
    writeFramed(w, (i) => {
      writeVersion(i, version);
      for (const ck of cookies) {
        writeFramed(i, (p) => {
          writeTextString(p, ck.name);
          writeTextString(p, ck.val);
          if (ck.path !== undefined) writeTextString(p, ck.path);
          if (ck.domain !== undefined) writeTextString(p, ck.domain);
        });
      }
    });
  },
};
