/**
 * WML token tables (WAP-191 §14.3 for WML 1.1–1.3; WML 1.0 of 30-Apr-98 §14.3 apart, its tokens differ).
 * Checked against libwbxml's tables and Wireshark's WML dissector tables (tshark shows our decks by name).
 * One table serves WML 1.1, 1.2 and 1.3 (every later token is an addition; the public identifier tells the
 * handset the version). Data only: the engine (engine.ts) knows no language.
 */
import { type AttrStartRow, type AttrValueRow, defineLanguage, type Language, type TagRow } from './language.ts';

// WAP-191 §14.3.2 Tag tokens.
const WML_TAGS: readonly TagRow[] = [
  [0x1b, 'pre'], // WML 1.2
  [0x1c, 'a'],
  [0x1d, 'td'],
  [0x1e, 'tr'],
  [0x1f, 'table'],
  [0x20, 'p'],
  [0x21, 'postfield'],
  [0x22, 'anchor'],
  [0x23, 'access'],
  [0x24, 'b'],
  [0x25, 'big'],
  [0x26, 'br'],
  [0x27, 'card'],
  [0x28, 'do'],
  [0x29, 'em'],
  [0x2a, 'fieldset'],
  [0x2b, 'go'],
  [0x2c, 'head'],
  [0x2d, 'i'],
  [0x2e, 'img'],
  [0x2f, 'input'],
  [0x30, 'meta'],
  [0x31, 'noop'],
  [0x32, 'prev'],
  [0x33, 'onevent'],
  [0x34, 'optgroup'],
  [0x35, 'option'],
  [0x36, 'refresh'],
  [0x37, 'select'],
  [0x38, 'small'],
  [0x39, 'strong'],
  [0x3b, 'template'],
  [0x3c, 'timer'],
  [0x3d, 'u'],
  [0x3e, 'setvar'],
  [0x3f, 'wml'],
];

// WAP-191 §14.3.3 Attribute start tokens.
const WML_ATTR_STARTS: readonly AttrStartRow[] = [
  [0x05, 'accept-charset', ''],
  [0x06, 'align', 'bottom'],
  [0x07, 'align', 'center'],
  [0x08, 'align', 'left'],
  [0x09, 'align', 'middle'],
  [0x0a, 'align', 'right'],
  [0x0b, 'align', 'top'],
  [0x0c, 'alt', ''],
  [0x0d, 'content', ''],
  [0x0f, 'domain', ''],
  [0x10, 'emptyok', 'false'],
  [0x11, 'emptyok', 'true'],
  [0x12, 'format', ''],
  [0x13, 'height', ''],
  [0x14, 'hspace', ''],
  [0x15, 'ivalue', ''],
  [0x16, 'iname', ''],
  [0x18, 'label', ''],
  [0x19, 'localsrc', ''],
  [0x1a, 'maxlength', ''],
  [0x1b, 'method', 'get'],
  [0x1c, 'method', 'post'],
  [0x1d, 'mode', 'nowrap'],
  [0x1e, 'mode', 'wrap'],
  [0x1f, 'multiple', 'false'],
  [0x20, 'multiple', 'true'],
  [0x21, 'name', ''],
  [0x22, 'newcontext', 'false'],
  [0x23, 'newcontext', 'true'],
  [0x24, 'onpick', ''],
  [0x25, 'onenterbackward', ''],
  [0x26, 'onenterforward', ''],
  [0x27, 'ontimer', ''],
  [0x28, 'optional', 'false'],
  [0x29, 'optional', 'true'],
  [0x2a, 'path', ''],
  [0x2e, 'scheme', ''],
  [0x2f, 'sendreferer', 'false'],
  [0x30, 'sendreferer', 'true'],
  [0x31, 'size', ''],
  [0x32, 'src', ''],
  [0x33, 'ordered', 'true'],
  [0x34, 'ordered', 'false'],
  [0x35, 'tabindex', ''],
  [0x36, 'title', ''],
  [0x37, 'type', ''],
  [0x38, 'type', 'accept'],
  [0x39, 'type', 'delete'],
  [0x3a, 'type', 'help'],
  [0x3b, 'type', 'password'],
  [0x3c, 'type', 'onpick'],
  [0x3d, 'type', 'onenterbackward'],
  [0x3e, 'type', 'onenterforward'],
  [0x3f, 'type', 'ontimer'],
  [0x45, 'type', 'options'],
  [0x46, 'type', 'prev'],
  [0x47, 'type', 'reset'],
  [0x48, 'type', 'text'],
  [0x49, 'type', 'vnd.'],
  [0x4a, 'href', ''],
  [0x4b, 'href', 'http://'],
  [0x4c, 'href', 'https://'],
  [0x4d, 'value', ''],
  [0x4e, 'vspace', ''],
  [0x4f, 'width', ''],
  [0x50, 'xml:lang', ''],
  [0x52, 'align', ''],
  [0x53, 'columns', ''],
  [0x54, 'class', ''],
  [0x55, 'id', ''],
  [0x56, 'forua', 'false'],
  [0x57, 'forua', 'true'],
  [0x58, 'src', 'http://'],
  [0x59, 'src', 'https://'],
  [0x5a, 'http-equiv', ''],
  [0x5b, 'http-equiv', 'Content-Type'],
  [0x5c, 'content', 'application/vnd.wap.wmlc;charset='],
  [0x5d, 'http-equiv', 'Expires'],
  [0x5e, 'accesskey', ''], // WML 1.2
  [0x5f, 'enctype', ''], // WML 1.2
  [0x60, 'enctype', 'application/x-www-form-urlencoded'],
  [0x61, 'enctype', 'multipart/form-data'],
  [0x62, 'xml:space', 'preserve'], // WML 1.3
  [0x63, 'xml:space', 'default'],
  [0x64, 'cache-control', 'no-cache'],
];

// WAP-191 §14.3.4 Attribute value tokens.
const WML_ATTR_VALUES: readonly AttrValueRow[] = [
  [0x85, '.com/'],
  [0x86, '.edu/'],
  [0x87, '.net/'],
  [0x88, '.org/'],
  [0x89, 'accept'],
  [0x8a, 'bottom'],
  [0x8b, 'clear'],
  [0x8c, 'delete'],
  [0x8d, 'help'],
  [0x8e, 'http://'],
  [0x8f, 'http://www.'],
  [0x90, 'https://'],
  [0x91, 'https://www.'],
  [0x93, 'middle'],
  [0x94, 'nowrap'],
  [0x95, 'onpick'],
  [0x96, 'onenterbackward'],
  [0x97, 'onenterforward'],
  [0x98, 'ontimer'],
  [0x99, 'options'],
  [0x9a, 'password'],
  [0x9b, 'reset'],
  [0x9d, 'text'],
  [0x9e, 'top'],
  [0x9f, 'unknown'],
  [0xa0, 'wrap'],
  [0xa1, 'www.'],
];

// WML 1.0 (WAP 1.0, 30-Apr-98): the same tokens up to 0x49 but for the elements and attributes 1.1 replaced
// (a at 0x22, tab, var, default, idefault, ikey, key, onclick, postdata, public, style), then url… from 0x4A.
const WML10_TAG_CHANGES: readonly TagRow[] = [
  [0x22, 'a'],
  [0x3a, 'tab'],
  [0x3e, 'var'],
];
const WML10_TAGS: readonly TagRow[] = [
  ...WML_TAGS.filter(([c]) => c >= 0x23 && !WML10_TAG_CHANGES.some(([x]) => x === c)),
  ...WML10_TAG_CHANGES,
];

const WML10_ATTR_CHANGES: readonly AttrStartRow[] = [
  [0x0e, 'default', ''],
  [0x15, 'idefault', ''],
  [0x16, 'ikey', ''],
  [0x17, 'key', ''],
  [0x24, 'onclick', ''],
  [0x2b, 'postdata', ''],
  [0x2c, 'public', 'false'],
  [0x2d, 'public', 'true'],
  [0x33, 'style', 'list'],
  [0x34, 'style', 'set'],
  [0x4a, 'url', ''],
  [0x4b, 'url', 'http://'],
  [0x4c, 'url', 'https://'],
  [0x4d, 'user-agent', ''],
  [0x4e, 'value', ''],
  [0x4f, 'vspace', ''],
  [0x50, 'width', ''],
  [0x51, 'xml:lang', ''],
];
const WML10_ATTR_STARTS: readonly AttrStartRow[] = [
  ...WML_ATTR_STARTS.filter(([c]) => c < 0x4a && !WML10_ATTR_CHANGES.some(([x]) => x === c)),
  ...WML10_ATTR_CHANGES,
];

const WML10_ATTR_VALUES: readonly AttrValueRow[] = [
  ...WML_ATTR_VALUES.filter(([c]) => c !== 0x95),
  [0x92, 'list'],
  [0x95, 'onclick'],
  [0x9c, 'set'],
];

// WAP-191 §14.1: EXT_I_0/EXT_T_0 escaped, _1 unescaped, _2 no conversion.
const WML_VARIABLES = ['escape', 'unesc', 'noesc'];

const wml = (v: string, publicId: number, dtd: string): Language =>
  defineLanguage({
    name: `WML ${v}`,
    root: 'wml',
    publicId,
    fpi: `-//WAPFORUM//DTD WML ${v}//EN`,
    dtd,
    tags: WML_TAGS,
    attrStarts: WML_ATTR_STARTS,
    attrValues: WML_ATTR_VALUES,
    variables: WML_VARIABLES,
  });

// WAP-192 §7.2.1 / WINA: well-known public identifiers of the WML versions.
export const WML10 = defineLanguage({
  name: 'WML 1.0',
  root: 'wml',
  publicId: 0x02,
  fpi: '-//WAPFORUM//DTD WML 1.0//EN',
  dtd: 'http://www.wapforum.org/DTD/wml.xml',
  tags: WML10_TAGS,
  attrStarts: WML10_ATTR_STARTS,
  attrValues: WML10_ATTR_VALUES,
  variables: WML_VARIABLES,
});
export const WML11 = wml('1.1', 0x04, 'http://www.wapforum.org/DTD/wml_1.1.xml');
export const WML12 = wml('1.2', 0x09, 'http://www.wapforum.org/DTD/wml12.dtd');
export const WML13 = wml('1.3', 0x0a, 'http://www.wapforum.org/DTD/wml13.dtd');

export const WML_LANGUAGES: readonly Language[] = [WML10, WML11, WML12, WML13];

export function wmlByFpi(fpi: string): Language | undefined {
  const f = fpi.trim().replace(/\s+/g, ' ');
  return WML_LANGUAGES.find((l) => l.fpi === f);
}

export function wmlByPublicId(id: number): Language | undefined {
  return WML_LANGUAGES.find((l) => l.publicId === id);
}
