/**
 * PAP answers the PPG writes (WAP-247 §9.2–9.8): push-response, cancel-response, statusquery-response,
 * ccq-response, badmessage-response and resultnotification-message. Values are XML-escaped; the DOCTYPE
 * follows the PAP version the PI used.
 */
import { papCodeDescription } from './pap-codes.ts';
import type { PapVersion, QualityOfService } from './pap-parse.ts';

/** WAP-247 §9.13 message-state values. */
export type MessageState = 'pending' | 'delivered' | 'undeliverable' | 'expired' | 'aborted' | 'timeout' | 'cancelled' | 'unknown';

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** WAP-247 §9.2.2 date-time: "YYYY-MM-DDThh:mm:ssZ". */
export function papTime(d: Date): string {
  return d.toISOString().slice(0, 19) + 'Z';
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

function envelope(version: PapVersion, body: string): string {
  const doctype =
    version === '1.0'
      ? '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">'
      : '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';
  const root = version === '1.0' ? '<pap>' : '<pap product-name="wapgate">';
  return `<?xml version="1.0"?>\n${doctype}\n${root}${body}</pap>\n`;
}

function result(tag: string, code: number, desc?: string, extra: Record<string, string | undefined> = {}): string {
  return `<${tag}${attrs({ ...extra, code, desc: desc ?? papCodeDescription(code) })}/>`;
}

function addressEls(addresses: readonly string[] | undefined): string {
  return (addresses ?? []).map((a) => `<address${attrs({ 'address-value': a })}/>`).join('');
}

export interface Sender {
  senderAddress: string;
  senderName: string;
}

export function pushResponseXml(o: Sender & { version: PapVersion; pushId: string; replyTime: Date; code: number; desc?: string }): string {
  const head = attrs({ 'push-id': o.pushId, 'sender-address': o.senderAddress, 'sender-name': o.senderName, 'reply-time': papTime(o.replyTime) });
  return envelope(o.version, `<push-response${head}>${result('response-result', o.code, o.desc)}</push-response>`);
}

export interface CancelResult {
  code: number;
  desc?: string;
  addresses?: string[];
}

export function cancelResponseXml(o: { version: PapVersion; pushId: string; results: CancelResult[] }): string {
  const body = o.results
    .map((r) => `<cancel-result${attrs({ code: r.code, desc: r.desc ?? papCodeDescription(r.code) })}>${addressEls(r.addresses)}</cancel-result>`)
    .join('');
  return envelope(o.version, `<cancel-response${attrs({ 'push-id': o.pushId })}>${body}</cancel-response>`);
}

export interface StatusResult {
  state: MessageState;
  code: number;
  desc?: string;
  eventTime?: Date;
  addresses?: string[];
  qos?: QualityOfService;
}

function qosEl(q: QualityOfService | undefined): string {
  if (!q) return '';
  return `<quality-of-service${attrs({
    priority: q.priority,
    'delivery-method': q.deliveryMethod,
    'network-required': String(q.networkRequired),
    network: q.network,
    'bearer-required': String(q.bearerRequired),
    bearer: q.bearer,
  })}/>`;
}

export function statusQueryResponseXml(o: { version: PapVersion; pushId: string; results: StatusResult[] }): string {
  const body = o.results
    .map(
      (r) =>
        `<statusquery-result${attrs({
          'event-time': r.eventTime ? papTime(r.eventTime) : undefined,
          'message-state': r.state,
          code: r.code,
          desc: r.desc ?? papCodeDescription(r.code),
        })}>${addressEls(r.addresses)}${qosEl(r.qos)}</statusquery-result>`,
    )
    .join('');
  return envelope(o.version, `<statusquery-response${attrs({ 'push-id': o.pushId })}>${body}</statusquery-response>`);
}

export function ccqResponseXml(o: { version: PapVersion; queryId: string; code: number; desc?: string; address?: string }): string {
  const status = `<ccq-response${attrs({ 'query-id': o.queryId, code: o.code, desc: o.desc ?? papCodeDescription(o.code) })}>${addressEls(o.address ? [o.address] : [])}</ccq-response>`;
  return envelope(o.version, status);
}

export function badMessageResponseXml(o: { version?: PapVersion; code: number; desc?: string; fragment?: string }): string {
  return envelope(
    o.version ?? '2.0',
    `<badmessage-response${attrs({ code: o.code, desc: o.desc ?? papCodeDescription(o.code), 'bad-message-fragment': o.fragment?.slice(0, 500) })}/>`,
  );
}

export function resultNotificationXml(
  o: Sender & {
    version: PapVersion;
    pushId: string;
    receivedTime: Date;
    eventTime: Date;
    state: MessageState;
    code: number;
    desc?: string;
    address: string;
    qos?: QualityOfService;
  },
): string {
  const head = attrs({
    'push-id': o.pushId,
    'sender-address': o.senderAddress,
    'sender-name': o.senderName,
    'received-time': papTime(o.receivedTime),
    'event-time': papTime(o.eventTime),
    'message-state': o.state,
    code: o.code,
    desc: o.desc ?? papCodeDescription(o.code),
  });
  return envelope(o.version, `<resultnotification-message${head}>${addressEls([o.address])}${qosEl(o.qos)}</resultnotification-message>`);
}
