/**
 * /cgi-bin/sendsms request → a message to queue, or Kannel's answer for what is wrong with it (pure).
 *
 * Parameters (Kannel user guide, "SMS Push (send-sms) CGI Variables"): username/user, password/pass (checked by
 * the listener), from, to (several separated by spaces), text, udh, coding, charset, smsc, validity, deferred,
 * dlr-mask, dlr-url, binfo, priority, meta-data, mclass, mwi, account. A POST carries the text as its body and
 * the rest as X-Kannel-* headers (Table 7-11), or as a form-encoded body.
 *
 * Numbers such as coding or priority are read as C's atoi reads them (leading digits; junk after them and a
 * non-number read as 0), because that is what Kannel's smsbox does and MMSCs built for it rely on it. Answer
 * texts are Kannel's, compared against Kannel 1.4.5's smsbox by test/interop/sendsms-kannel.test.ts.
 */
import iconv from 'iconv-lite';
import { decodeUserDataHeader, findPorts, type UdhElement } from '../bearer/sms/udh.ts';
import { encodeGsm7 } from './gsm7.ts';
import type { SmsboxAnswer, SmsboxRequest } from './listener.ts';
import { plainCount, wdpCount } from './segment.ts';

/** What one accepted request asks for; one job per recipient is queued from it. */
export interface SendsmsMessage {
  user: string;
  from: string;
  to: string[];
  /** 'wdp': text is a WDP datagram for ports.dst (WAP Push when 2948); 'sms': a plain short message. */
  kind: 'wdp' | 'sms';
  ports?: { dst: number; src: number };
  /** The WDP datagram (kind 'wdp') or the encoded user data without header (kind 'sms'). */
  data: Buffer;
  /** The request's UDH elements (kind 'sms'). */
  udh: UdhElement[];
  /** The UDH octets as given (CDR, %u). */
  udhRaw?: Buffer;
  coding: 0 | 1 | 2;
  /** SMPP data_coding (SMPP 3.4 §5.2.19, GSM 03.38 DCS when mclass/mwi set). */
  dataCoding: number;
  /** Short messages needed if it goes by SMS. */
  parts: number;
  dlrMask: number;
  dlrUrl?: string;
  /** Minutes. */
  validity?: number;
  deferred?: number;
  priority?: number;
  binfo?: string;
  account?: string;
  metaData?: string;
  smsc?: string;
  /** The text as the request gave it (octets), for %a/%b. */
  text: Buffer;
}

export interface SendsmsLimits {
  maxMessages: number;
  globalSender: string;
  defaultSender?: string;
  defaultDlrUrl?: string;
}

export const ANSWER = {
  accepted: '0: Accepted for delivery',
  missingTo: 'Missing receiver number, rejected',
  missingToPost: 'Missing receiver(s) number(s), rejected',
  emptyTo: 'Empty receiver number not allowed, rejected',
  deniedTo: 'Number(s) has/have been denied by white- and/or black-lists.',
  udh: 'UDH field misformed, rejected',
  coding: 'Coding field misformed, rejected',
  mclass: 'MClass field misformed, rejected',
  mwi: 'MWI field misformed, rejected',
  priority: 'Priority field misformed, rejected',
  dlrMask: 'DLR-Mask field misformed, rejected',
  validity: 'Validity field misformed, rejected',
  deferred: 'Deferred field misformed, rejected',
  charset: 'Charset or body misformed, rejected',
  contentType: 'Invalid content-type',
  unsupported: 'Unsupported content-type, rejected',
  busy: 'Temporal failure, try again later.',
} as const;

const bad = (body: string, status = 400): SmsboxAnswer => ({ status, body });

/** C atoi: optional sign and leading digits; anything else reads as 0. */
export function atoi(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** A parameter from the query/form (GET) or its X-Kannel-* header (POST). */
function param(req: SmsboxRequest, name: string, header: string): string | undefined {
  const a = req.args.get(name);
  if (a !== undefined) return a;
  const h = req.headers[`x-kannel-${header}`];
  return Array.isArray(h) ? h[0] : h;
}

/** E.164-ish receiver: optional '+', digits (a '-' separator is dropped as Kannel's sendsms-chars allow). */
const NUMBER = /^\+?\d{1,20}$/;

/** The request's media type (lower case, no parameters). */
const mediaType = (req: SmsboxRequest): string => String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * Kannel's first checks, before the credentials: a POST must carry the text as its body (a form-encoded POST is
 * refused with 400 "Invalid content-type"; Kannel's XML POST is not offered: 415). Then the credentials: CGI
 * arguments for GET, X-Kannel-Username / X-Kannel-Password headers for POST (as Kannel reads them).
 */
export function sendsmsCredentials(req: SmsboxRequest): { username?: string; password?: string } | SmsboxAnswer {
  if (req.method === 'POST') {
    const t = mediaType(req);
    if (t === 'application/x-www-form-urlencoded') return bad(ANSWER.contentType);
    if (t === 'text/xml') return { status: 415, body: ANSWER.unsupported };
    const h = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    return { ...opt('username', h('x-kannel-username')), ...opt('password', h('x-kannel-password')) };
  }
  return { ...opt('username', req.args.get('username') ?? req.args.get('user')), ...opt('password', req.args.get('password') ?? req.args.get('pass')) };
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: string };
}

export function parseSendsms(req: SmsboxRequest, limits: SendsmsLimits): SendsmsMessage | SmsboxAnswer {
  const post = req.method === 'POST';
  let text: Buffer | undefined;
  let charset: string | undefined;
  let postCoding: 0 | 1 | undefined;
  if (post) {
    // Kannel POST: the body is the text; its charset is the Content-Type's.
    const ct = String(req.headers['content-type'] ?? '');
    text = req.body;
    charset = /;\s*charset="?([^";\s]+)"?/i.exec(ct)?.[1];
  } else {
    const t = req.args.get('text');
    text = t === undefined ? undefined : Buffer.from(t, 'latin1');
    charset = req.args.get('charset');
  }
  if (charset === undefined) charset = param(req, 'charset', 'charset');
  const toRaw = param(req, 'to', 'to');
  if (toRaw === undefined) return bad(post ? ANSWER.missingToPost : ANSWER.missingTo);
  const tokens = toRaw.split(' ').filter((t) => t !== '');
  if (tokens.length === 0) return bad(ANSWER.emptyTo);
  if (post) {
    // Kannel: octet-stream is 8-bit text, text/plain 7-bit; any other body type is refused.
    const t = mediaType(req);
    if (t === 'application/octet-stream') postCoding = 1;
    else if (t === 'text/plain') postCoding = 0;
    else return { status: 415, body: ANSWER.unsupported };
  }
  const to: string[] = [];
  for (const t of tokens) {
    const n = t.replace(/-/g, '');
    if (!NUMBER.test(n)) return bad(ANSWER.deniedTo);
    if (!to.includes(n)) to.push(n); // one job per receiver: a number given twice is sent once
  }

  let udh: UdhElement[] = [];
  let udhRaw: Buffer | undefined;
  const udhText = param(req, 'udh', 'udh');
  if (udhText !== undefined && udhText !== '') {
    // POST headers carry the UDH in hex (X-Kannel-UDH: 0605040B8423F0); CGI arguments as octets.
    udhRaw = req.args.has('udh') ? Buffer.from(udhText, 'latin1') : /^([0-9a-f]{2})+$/i.test(udhText) ? Buffer.from(udhText, 'hex') : Buffer.from(udhText, 'latin1');
    // 23.040 §9.2.3.24: UDHL counts the octets after it; every element's length must fit inside.
    if (udhRaw[0]! + 1 !== udhRaw.length) return bad(ANSWER.udh);
    try {
      udh = decodeUserDataHeader(udhRaw).elements;
    } catch {
      return bad(ANSWER.udh);
    }
  }

  const codingArg = atoi(param(req, 'coding', 'coding'));
  if (codingArg !== undefined && codingArg > 2) return bad(ANSWER.coding);
  const mclass = atoi(param(req, 'mclass', 'mclass'));
  if (mclass !== undefined && mclass > 3) return bad(ANSWER.mclass);
  const mwi = atoi(param(req, 'mwi', 'mwi'));
  if (mwi !== undefined && mwi > 7) return bad(ANSWER.mwi);
  const priority = atoi(param(req, 'priority', 'priority'));
  if (priority !== undefined && priority > 3) return bad(ANSWER.priority);
  const dlrMask = atoi(param(req, 'dlr-mask', 'dlr-mask') ?? req.args.get('dlrmask'));
  if (dlrMask !== undefined && (dlrMask < -1 || dlrMask > 127)) return bad(ANSWER.dlrMask);
  const validity = atoi(param(req, 'validity', 'validity'));
  if (validity !== undefined && validity < -1) return bad(ANSWER.validity);
  const deferred = atoi(param(req, 'deferred', 'deferred'));
  if (deferred !== undefined && deferred < -1) return bad(ANSWER.deferred);

  // Kannel: coding defaults to 7-bit, or 8-bit when a UDH is given.
  const coding: 0 | 1 | 2 = codingArg !== undefined && codingArg >= 0 ? (codingArg as 0 | 1 | 2) : postCoding === 1 || udhRaw ? 1 : 0;
  const body = text ?? Buffer.alloc(0);
  let data: Buffer;
  if (coding === 1) data = body;
  else {
    const cs = charset ?? (coding === 2 ? 'UTF-16BE' : 'UTF-8');
    if (!iconv.encodingExists(cs)) return bad(ANSWER.charset);
    const str = iconv.decode(body, cs);
    data = coding === 2 ? iconv.encode(str, 'UTF-16BE') : encodeGsm7(str);
  }

  const ports = findPorts(udh);
  const wdp = !!ports && ports.bits === 16;
  const parts = wdp ? wdpCount(body.length) : plainCount({ coding, data, udh });
  if (parts > limits.maxMessages) {
    // Kannel truncates to max-messages; a cut WAP Push or text is worse than a clear refusal.
    return bad(`Message too long: ${parts} short messages needed, at most ${limits.maxMessages} allowed, rejected`);
  }

  const dlrUrl = param(req, 'dlr-url', 'dlr-url') ?? req.args.get('dlrurl') ?? limits.defaultDlrUrl;
  const from = param(req, 'from', 'from') || limits.defaultSender || limits.globalSender;
  const dcs = dataCodingOf(coding, mclass, mwi);
  const opt = <K extends string, V>(k: K, v: V | undefined | '') => (v === undefined || v === '' ? {} : ({ [k]: v } as { [P in K]: V }));
  return {
    user: req.user?.username ?? '',
    from,
    to,
    kind: wdp ? 'wdp' : 'sms',
    ...(wdp ? { ports: { dst: ports.dst, src: ports.src } } : {}),
    data: wdp ? body : data,
    udh: wdp ? [] : udh,
    ...(udhRaw ? { udhRaw } : {}),
    coding,
    dataCoding: dcs,
    parts,
    dlrMask: dlrMask !== undefined && dlrMask > 0 ? dlrMask : 0,
    ...opt('dlrUrl', dlrUrl),
    ...(validity !== undefined && validity > 0 ? { validity } : {}),
    ...(deferred !== undefined && deferred > 0 ? { deferred } : {}),
    ...(priority !== undefined && priority >= 0 ? { priority } : {}),
    ...opt('binfo', param(req, 'binfo', 'binfo')),
    ...opt('account', param(req, 'account', 'account')),
    ...opt('metaData', param(req, 'meta-data', 'meta-data')),
    ...opt('smsc', param(req, 'smsc', 'smsc')),
    text: body,
  };
}

/** SMPP 3.4 §5.2.19 data_coding / GSM 03.38 §4 DCS: alphabet, and message class or waiting indication. */
function dataCodingOf(coding: 0 | 1 | 2, mclass: number | undefined, mwi: number | undefined): number {
  const alphabet = coding === 0 ? 0x00 : coding === 1 ? 0x04 : 0x08;
  if (mwi !== undefined && mwi >= 0) {
    // GSM 03.38 §4: 1101 store (UCS-2: 1110), bit 3 active, bits 1..0 the indication type.
    return (coding === 2 ? 0xe0 : 0xd0) | (mwi < 4 ? 0x08 : 0) | (mwi & 0x03);
  }
  // GSM 03.38 §4 general data coding: 0001 (class meaningful), alphabet in bits 3..2, class in bits 1..0.
  if (mclass !== undefined && mclass >= 0) return 0x10 | alphabet | mclass;
  return alphabet;
}
