/**
 * WBXML 1.3 global tokens (WAP-192 §7) and the token tables of the push content types: SI (WAP-167 §8.3),
 * SL (WAP-168 §9.3) and CO (WAP-175 §8.3). Written once; reverse maps derived.
 */

import { defineLanguage, type Language } from './language.ts';

// WAP-192 §7.1 Global tokens (the same on every code page).
export const GLOBAL = {
  SWITCH_PAGE: 0x00,
  END: 0x01,
  ENTITY: 0x02,
  STR_I: 0x03,
  LITERAL: 0x04,
  EXT_I_0: 0x40,
  EXT_I_1: 0x41,
  EXT_I_2: 0x42,
  PI: 0x43,
  LITERAL_C: 0x44,
  EXT_T_0: 0x80,
  EXT_T_1: 0x81,
  EXT_T_2: 0x82,
  STR_T: 0x83,
  LITERAL_A: 0x84,
  EXT_0: 0xc0,
  EXT_1: 0xc1,
  EXT_2: 0xc2,
  OPAQUE: 0xc3,
  LITERAL_AC: 0xc4,
} as const;

/** Tag token bits (WAP-192 §5.8.2). */
export const TAG_HAS_ATTRIBUTES = 0x80;
export const TAG_HAS_CONTENT = 0x40;

/** WBXML version octet for 1.3 (major-1 in the high nibble). */
export const WBXML_VERSION_1_3 = 0x03;
/** IANA MIBenum of UTF-8, the charset we write. */
export const CHARSET_UTF8 = 106;

export interface AttrStart {
  code: number;
  name: string;
  /** Value prefix the token stands for ('' for a bare attribute name). */
  prefix: string;
}

export interface DocType {
  /** Root element. */
  root: string;
  /** WBXML well-known public identifier (WAP-192 §7.2.1 / WINA). */
  publicId: number;
  fpi: string;
  dtd: string;
  /** Textual and binary media types (WAP-230 Table 40 0x2D..0x32). */
  textType: string;
  binaryType: string;
  tags: ReadonlyMap<string, number>;
  tagNames: ReadonlyMap<number, string>;
  attrStarts: readonly AttrStart[];
  attrStartByCode: ReadonlyMap<number, AttrStart>;
  attrValues: ReadonlyMap<number, string>;
  /** Attributes whose values are %Datetime (WAP-167 §8.2.2): sent as OPAQUE. */
  dateAttrs: ReadonlySet<string>;
  /** Elements whose content is text (others take element content only). */
  textElements: ReadonlySet<string>;
  /** The same tables as the engine's Language (engine.ts encodes with it). */
  language: Language;
}

// WAP-167 §8.3.3, WAP-168 §9.3.3, WAP-175 §8.3.3: the same attribute value tokens.
const URL_VALUES: readonly [number, string][] = [
  [0x85, '.com/'],
  [0x86, '.edu/'],
  [0x87, '.net/'],
  [0x88, '.org/'],
];

function docType(d: {
  root: string;
  publicId: number;
  fpi: string;
  dtd: string;
  textType: string;
  binaryType: string;
  tags: readonly [number, string][];
  attrStarts: readonly [number, string, string][];
  dateAttrs?: string[];
  textElements?: string[];
}): DocType {
  const attrStarts = d.attrStarts.map(([code, name, prefix]) => ({ code, name, prefix }));
  const language = defineLanguage({
    name: d.fpi,
    root: d.root,
    publicId: d.publicId,
    fpi: d.fpi,
    dtd: d.dtd,
    tags: d.tags,
    attrStarts: d.attrStarts,
    attrValues: URL_VALUES,
  });
  return {
    language,
    root: d.root,
    publicId: d.publicId,
    fpi: d.fpi,
    dtd: d.dtd,
    textType: d.textType,
    binaryType: d.binaryType,
    tags: new Map(d.tags.map(([c, n]) => [n, c])),
    tagNames: new Map(d.tags),
    attrStarts,
    attrStartByCode: new Map(attrStarts.map((a) => [a.code, a])),
    attrValues: new Map(URL_VALUES),
    dateAttrs: new Set(d.dateAttrs ?? []),
    textElements: new Set(d.textElements ?? []),
  };
}

// WAP-167 §8.3: Service Indication 1.0, public identifier 0x05.
export const SI = docType({
  root: 'si',
  publicId: 0x05,
  fpi: '-//WAPFORUM//DTD SI 1.0//EN',
  dtd: 'http://www.wapforum.org/DTD/si.dtd',
  textType: 'text/vnd.wap.si',
  binaryType: 'application/vnd.wap.sic',
  tags: [
    [0x05, 'si'],
    [0x06, 'indication'],
    [0x07, 'info'],
    [0x08, 'item'],
  ],
  attrStarts: [
    [0x05, 'action', 'signal-none'],
    [0x06, 'action', 'signal-low'],
    [0x07, 'action', 'signal-medium'],
    [0x08, 'action', 'signal-high'],
    [0x09, 'action', 'delete'],
    [0x0a, 'created', ''],
    [0x0b, 'href', ''],
    [0x0c, 'href', 'http://'],
    [0x0d, 'href', 'http://www.'],
    [0x0e, 'href', 'https://'],
    [0x0f, 'href', 'https://www.'],
    [0x10, 'si-expires', ''],
    [0x11, 'si-id', ''],
    [0x12, 'class', ''],
  ],
  dateAttrs: ['created', 'si-expires'],
  textElements: ['indication', 'item'],
});

// WAP-168 §9.3: Service Loading 1.0, public identifier 0x06.
export const SL = docType({
  root: 'sl',
  publicId: 0x06,
  fpi: '-//WAPFORUM//DTD SL 1.0//EN',
  dtd: 'http://www.wapforum.org/DTD/sl.dtd',
  textType: 'text/vnd.wap.sl',
  binaryType: 'application/vnd.wap.slc',
  tags: [[0x05, 'sl']],
  attrStarts: [
    [0x05, 'action', 'execute-low'],
    [0x06, 'action', 'execute-high'],
    [0x07, 'action', 'cache'],
    [0x08, 'href', ''],
    [0x09, 'href', 'http://'],
    [0x0a, 'href', 'http://www.'],
    [0x0b, 'href', 'https://'],
    [0x0c, 'href', 'https://www.'],
  ],
});

// WAP-175 §8.3: Cache Operation 1.0, public identifier 0x07.
export const CO = docType({
  root: 'co',
  publicId: 0x07,
  fpi: '-//WAPFORUM//DTD CO 1.0//EN',
  dtd: 'http://www.wapforum.org/DTD/co_1.0.dtd',
  textType: 'text/vnd.wap.co',
  binaryType: 'application/vnd.wap.coc',
  tags: [
    [0x05, 'co'],
    [0x06, 'invalidate-object'],
    [0x07, 'invalidate-service'],
  ],
  attrStarts: [
    [0x05, 'uri', ''],
    [0x06, 'uri', 'http://'],
    [0x07, 'uri', 'http://www.'],
    [0x08, 'uri', 'https://'],
    [0x09, 'uri', 'https://www.'],
  ],
});

export const DOC_TYPES: readonly DocType[] = [SI, SL, CO];

export function docTypeByPublicId(id: number): DocType | undefined {
  return DOC_TYPES.find((d) => d.publicId === id);
}

export function docTypeByFpi(fpi: string): DocType | undefined {
  return DOC_TYPES.find((d) => d.fpi === fpi);
}

export function docTypeByTextType(type: string): DocType | undefined {
  const t = type.toLowerCase();
  return DOC_TYPES.find((d) => d.textType === t);
}
