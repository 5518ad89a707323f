/**
 * What the WML 1.3 DTD (WAP-191 §11–12, wml13.dtd) allows: the children and attributes of every element, the
 * required attributes, enumerated values, which attributes take variables (%vdata, %HREF) and which are %HREF
 * (WAP-191 §10.3.1: a variable there is URL-escaped unless it says otherwise). Used by strict mode and by the
 * compiler's whitespace and variable rules. Written as data, one row per element.
 */

/** WAP-191 §11.3.1 core attributes: on every element. */
const CORE = ['id', 'class', 'xml:lang'];

const EMPH = ['em', 'strong', 'b', 'i', 'u', 'big', 'small'];
// %flow; = %inline; | %layout; | img | anchor | a | table (WAP-191 §11.8)
const FLOW = ['#text', ...EMPH, 'br', 'img', 'anchor', 'a', 'table'];
// %fields; = %flow; | input | select | fieldset
const FIELDS = [...FLOW, 'input', 'select', 'fieldset'];
const TASKS = ['go', 'prev', 'noop', 'refresh'];

export interface ElementRule {
  children: ReadonlySet<string>;
  attrs: ReadonlySet<string>;
  required: readonly string[];
  /** Element content only: white space between children is insignificant. */
  elementOnly: boolean;
}

function rule(children: string[], attrs: string[], required: string[] = []): ElementRule {
  return {
    children: new Set(children),
    attrs: new Set([...CORE, ...attrs, ...required]),
    required,
    elementOnly: !children.includes('#text'),
  };
}

export const WML_ELEMENTS: ReadonlyMap<string, ElementRule> = new Map<string, ElementRule>([
  ['wml', rule(['head', 'template', 'card'], [])],
  ['head', rule(['access', 'meta'], [])],
  ['template', rule(['do', 'onevent'], ['onenterforward', 'onenterbackward', 'ontimer'])],
  ['access', rule([], ['domain', 'path'])],
  ['meta', rule([], ['http-equiv', 'name', 'forua', 'scheme'], ['content'])],
  ['card', rule(['onevent', 'timer', 'do', 'p', 'pre'], ['title', 'newcontext', 'ordered', 'onenterforward', 'onenterbackward', 'ontimer'])],
  ['do', rule(TASKS, ['label', 'name', 'optional'], ['type'])],
  ['onevent', rule(TASKS, [], ['type'])],
  ['go', rule(['postfield', 'setvar'], ['sendreferer', 'method', 'enctype', 'cache-control', 'accept-charset'], ['href'])],
  ['prev', rule(['setvar'], [])],
  ['refresh', rule(['setvar'], [])],
  ['noop', rule([], [])],
  ['postfield', rule([], [], ['name', 'value'])],
  ['setvar', rule([], [], ['name', 'value'])],
  ['select', rule(['optgroup', 'option'], ['title', 'name', 'value', 'iname', 'ivalue', 'multiple', 'tabindex'])],
  ['optgroup', rule(['optgroup', 'option'], ['title'])],
  ['option', rule(['#text', 'onevent'], ['value', 'title', 'onpick'])],
  ['input', rule([], ['type', 'value', 'format', 'emptyok', 'size', 'maxlength', 'tabindex', 'title', 'accesskey'], ['name'])],
  ['fieldset', rule([...FIELDS, 'do'], ['title'])],
  ['timer', rule([], ['name'], ['value'])],
  ['img', rule([], ['localsrc', 'vspace', 'hspace', 'align', 'height', 'width'], ['alt', 'src'])],
  ['anchor', rule(['#text', 'br', 'img', 'go', 'prev', 'refresh'], ['title', 'accesskey'])],
  ['a', rule(['#text', 'br', 'img'], ['title', 'accesskey'], ['href'])],
  ['table', rule(['tr'], ['title', 'align'], ['columns'])],
  ['tr', rule(['td'], [])],
  ['td', rule(['#text', ...EMPH, 'br', 'img', 'anchor', 'a'], [])],
  ...EMPH.map((e) => [e, rule(FLOW, [])] as [string, ElementRule]),
  ['p', rule([...FIELDS, 'do'], ['align', 'mode'])],
  ['br', rule([], [])],
  ['pre', rule(['#text', 'a', 'anchor', 'do', 'em', 'strong', 'b', 'i', 'u', 'input', 'select'], ['xml:space'])],
]);

/** The root's parent: one wml element. */
export const WML_ROOT = 'wml';

const BOOL = ['true', 'false'];
/** Enumerated attribute values (WAP-191 §11–12), by attribute, or element/attribute where they differ. */
export const ENUMS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['newcontext', BOOL],
  ['ordered', BOOL],
  ['sendreferer', BOOL],
  ['optional', BOOL],
  ['multiple', BOOL],
  ['emptyok', BOOL],
  ['forua', BOOL],
  ['method', ['get', 'post']],
  ['mode', ['wrap', 'nowrap']],
  ['cache-control', ['no-cache']],
  ['xml:space', ['preserve', 'default']],
  ['onevent/type', ['onpick', 'onenterforward', 'onenterbackward', 'ontimer']],
  ['input/type', ['text', 'password']],
  ['p/align', ['left', 'right', 'center']],
  ['img/align', ['top', 'middle', 'bottom']],
]);

/** %HREF attributes (WAP-191 §10.3.1: default conversion escape). */
export const HREF_ATTRS: ReadonlySet<string> = new Set(['href', 'src', 'onenterforward', 'onenterbackward', 'ontimer', 'onpick']);

/** Attributes whose values are names, numbers or enumerations: '$' there is a character, not a variable. */
const NO_VARIABLES = new Set([
  'id',
  'class',
  'xml:lang',
  'xml:space',
  'newcontext',
  'ordered',
  'sendreferer',
  'optional',
  'multiple',
  'emptyok',
  'forua',
  'method',
  'mode',
  'cache-control',
  'enctype',
  'align',
  'columns',
  'tabindex',
  'iname',
  'accept-charset',
  'http-equiv',
  'scheme',
  'domain',
  'path',
  'content',
  'format',
  'type',
]);

/** Whether variables are substituted in this attribute (%vdata / %HREF). */
export function takesVariables(element: string, attr: string): boolean {
  if (attr === 'name') return element === 'setvar' || element === 'postfield';
  return !NO_VARIABLES.has(attr);
}
