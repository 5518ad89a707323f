/**
 * PAP control entity (WAP-247 §9): XML → typed messages. XML is checked with fast-xml-parser's validator
 * first (broken XML → badmessage-response 2000), then read attribute by attribute; every refusal is a
 * PapError carrying the WAP-247 status code to answer.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parsePushAddress, type PushAddress } from './address.ts';
import { PapCode, PapError } from './pap-codes.ts';
import { MAX_CONTROL_SIZE } from './pap-limits.ts';

export type PapVersion = '1.0' | '2.0';
export type Priority = 'high' | 'medium' | 'low';
export type DeliveryMethod = 'confirmed' | 'preferconfirmed' | 'unconfirmed' | 'notspecified';

/** WAP-247 §9.2.3 quality-of-service. */
export interface QualityOfService {
  priority: Priority;
  deliveryMethod: DeliveryMethod;
  networkRequired: boolean;
  network?: string;
  bearerRequired: boolean;
  bearer?: string;
}

export interface PushMessage {
  kind: 'push-message';
  version: PapVersion;
  pushId: string;
  addresses: PushAddress[];
  deliverBefore?: Date;
  deliverAfter?: Date;
  sourceReference?: string;
  notifyTo?: string;
  progressNotes: boolean;
  qos: QualityOfService;
  /** PAP 2.0 §9.2: replace a previous push. */
  replacePushId?: string;
  replaceMethod?: 'all' | 'pending-only';
}

export interface CancelMessage {
  kind: 'cancel-message';
  version: PapVersion;
  pushId: string;
  /** Only these addresses; all when absent. */
  addresses?: PushAddress[];
}

export interface StatusQueryMessage {
  kind: 'statusquery-message';
  version: PapVersion;
  pushId: string;
  addresses?: PushAddress[];
}

export interface CcqMessage {
  kind: 'ccq-message';
  version: PapVersion;
  queryId: string;
  address?: PushAddress;
}

/** A PI's answer to our resultnotification-message. */
export interface ResultNotificationResponse {
  kind: 'resultnotification-response';
  version: PapVersion;
  pushId: string;
  code: number;
}

export type PapMessage = PushMessage | CancelMessage | StatusQueryMessage | CcqMessage | ResultNotificationResponse;

export { MAX_CONTROL_SIZE };
/** Most addresses in one push-message. */
export const MAX_ADDRESSES = 1000;

type Node = Record<string, unknown>;
const ATTRS = '@';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRS,
  // Entities are decoded below for the five predefined ones and character references only: no DTD entity
  // expansion from untrusted input.
  processEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
  maxNestedTags: 32,
  isArray: (name) => name === 'address' || name === 'push-message' || name === 'cancel-message',
});

function bad(desc: string, fragment?: string): never {
  throw new PapError(PapCode.BAD_REQUEST, desc, fragment);
}

/** Detects the PAP version from the DOCTYPE / product attributes (WAP-247 §9.1). */
export function papVersion(xml: string): PapVersion {
  const m = /pap_(\d+\.\d+)\.dtd|DTD PAP (\d+\.\d+)/i.exec(xml);
  const v = m ? (m[1] ?? m[2]) : undefined;
  if (v === undefined || v === '2.0') return '2.0';
  if (v === '1.0') return '1.0';
  throw new PapError(PapCode.VERSION_NOT_SUPPORTED, `PAP version ${v} is not supported (1.0, 2.0 are)`);
}

export function parsePapControl(xml: string): PapMessage {
  if (xml.length > MAX_CONTROL_SIZE) bad(`control entity larger than ${MAX_CONTROL_SIZE} octets`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const e = valid.err;
    bad(`XML not well formed: ${e.msg} (line ${e.line}, column ${e.col})`, fragmentAt(xml, e.line));
  }
  const version = papVersion(xml);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    bad(`XML not readable: ${(e as Error).message}`);
  }
  if (!('pap' in doc)) bad('root element is not <pap>');
  const pap = asNode(doc['pap']);
  const children = Object.keys(pap).filter((k) => k !== ATTRS && k !== '#text');
  if (children.length !== 1) bad(`<pap> must hold exactly one message, found ${children.length}`);
  const name = children[0]!;
  const raw = pap[name];
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length !== 1) bad(`<pap> must hold exactly one message, found ${items.length} <${name}>`);
  const el = asNode(items[0]);
  switch (name) {
    case 'push-message':
      return parsePushMessage(el, version);
    case 'cancel-message':
      return { kind: 'cancel-message', version, pushId: pushIdOf(el), ...optionalAddresses(el) };
    case 'statusquery-message':
      return { kind: 'statusquery-message', version, pushId: pushIdOf(el), ...optionalAddresses(el) };
    case 'ccq-message': {
      const queryId = attr(el, 'query-id');
      if (!queryId) bad('ccq-message without query-id');
      const addrs = optionalAddresses(el).addresses;
      return { kind: 'ccq-message', version, queryId, ...(addrs?.[0] ? { address: addrs[0] } : {}) };
    }
    case 'resultnotification-response': {
      const rr = asNode(el['response-result']);
      return { kind: 'resultnotification-response', version, pushId: pushIdOf(el), code: Number(attr(rr, 'code') ?? 0) };
    }
    case 'push-response':
    case 'cancel-response':
    case 'statusquery-response':
    case 'ccq-response':
    case 'resultnotification-message':
    case 'badmessage-response':
      throw new PapError(PapCode.BAD_REQUEST, `<${name}> is not a request a PPG accepts`);
    default:
      throw new PapError(PapCode.NOT_IMPLEMENTED, `<${name}> is not a PAP message`);
  }
}

function fragmentAt(xml: string, line: number): string {
  return (xml.split('\n')[line - 1] ?? '').slice(0, 200);
}

/** An element as an object (an empty element without attributes parses as ''). */
function asNode(v: unknown): Node {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {};
}

function attr(el: Node, name: string): string | undefined {
  const v = asNode(el[ATTRS])[name];
  return typeof v === 'string' ? decodeEntities(v) : undefined;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

function pushIdOf(el: Node): string {
  const id = attr(el, 'push-id');
  if (!id) bad('push-id is required');
  if (id.length > 512) bad('push-id longer than 512 characters');
  return id;
}

function addressesOf(el: Node): PushAddress[] {
  const list = el['address'];
  if (!Array.isArray(list)) return [];
  if (list.length > MAX_ADDRESSES) bad(`more than ${MAX_ADDRESSES} addresses`);
  return list.map((a) => {
    const v = attr(asNode(a), 'address-value');
    if (v === undefined) throw new PapError(PapCode.ADDRESS_ERROR, 'address without address-value');
    return parsePushAddress(v);
  });
}

function optionalAddresses(el: Node): { addresses?: PushAddress[] } {
  const a = addressesOf(el);
  return a.length ? { addresses: a } : {};
}

/** WAP-247 §9.2.2: timestamps are UTC, "YYYY-MM-DDThh:mm:ssZ". */
function timestamp(el: Node, name: string): Date | undefined {
  const v = attr(el, name);
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v)) bad(`${name} '${v}' is not YYYY-MM-DDThh:mm:ssZ`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== v.slice(0, 19)) bad(`${name} '${v}' is not a date`);
  return d;
}

function boolAttr(el: Node, name: string, dflt: boolean): boolean {
  const v = attr(el, name);
  if (v === undefined) return dflt;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return bad(`${name} must be true or false, not '${v}'`);
}

function enumAttr<T extends string>(el: Node, name: string, values: readonly T[], dflt: T): T {
  const v = attr(el, name);
  if (v === undefined) return dflt;
  if ((values as readonly string[]).includes(v)) return v as T;
  return bad(`${name} must be one of ${values.join(', ')}, not '${v}'`);
}

function parsePushMessage(el: Node, version: PapVersion): PushMessage {
  const pushId = pushIdOf(el);
  const addresses = addressesOf(el);
  if (addresses.length === 0) throw new PapError(PapCode.ADDRESS_ERROR, 'push-message without an address');
  const deliverBefore = timestamp(el, 'deliver-before-timestamp');
  const deliverAfter = timestamp(el, 'deliver-after-timestamp');
  if (deliverBefore && deliverAfter && deliverAfter.getTime() >= deliverBefore.getTime()) {
    bad('deliver-after-timestamp is not before deliver-before-timestamp');
  }
  const q = asNode(el['quality-of-service']);
  // WAP-247 §9.2.3: defaults priority medium, delivery-method notspecified, network/bearer not required.
  const qos: QualityOfService = {
    priority: enumAttr(q, 'priority', ['high', 'medium', 'low'] as const, 'medium'),
    deliveryMethod: enumAttr(q, 'delivery-method', ['confirmed', 'preferconfirmed', 'unconfirmed', 'notspecified'] as const, 'notspecified'),
    networkRequired: boolAttr(q, 'network-required', false),
    bearerRequired: boolAttr(q, 'bearer-required', false),
  };
  const network = attr(q, 'network');
  const bearer = attr(q, 'bearer');
  if (network) qos.network = network;
  if (bearer) qos.bearer = bearer;
  if (qos.networkRequired && !network) bad('network-required without network');
  if (qos.bearerRequired && !bearer) bad('bearer-required without bearer');
  const notifyTo = attr(el, 'ppg-notify-requested-to');
  if (notifyTo !== undefined && !/^https?:\/\/[^\s]+$/i.test(notifyTo)) {
    bad(`ppg-notify-requested-to '${notifyTo}' is not an http(s) URL`);
  }
  const sourceReference = attr(el, 'source-reference');
  const replacePushId = attr(el, 'replace-push-id');
  const replaceMethod = enumAttr(el, 'replace-method', ['all', 'pending-only'] as const, 'all');
  return {
    kind: 'push-message',
    version,
    pushId,
    addresses,
    ...(deliverBefore ? { deliverBefore } : {}),
    ...(deliverAfter ? { deliverAfter } : {}),
    ...(sourceReference ? { sourceReference } : {}),
    ...(notifyTo ? { notifyTo } : {}),
    progressNotes: boolAttr(el, 'progress-notes-requested', false),
    qos,
    ...(replacePushId ? { replacePushId, replaceMethod } : {}),
  };
}
