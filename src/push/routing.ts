/**
 * Which bearer carries a push (WAP-249 §6.3 bearer selection, WAP-247 §9.2.3 quality-of-service): the checks
 * made before a push is accepted (so nothing impossible is queued), and the route of each delivery attempt.
 */
import type { PushAddress } from './address.ts';
import type { PpgDeps } from './engine.ts';
import type { PpgOptions } from './options.ts';
import { PapCode, PapError } from './pap-codes.ts';
import type { PushMessage, QualityOfService } from './pap-parse.ts';
import type { PushRecord, Target } from './store.ts';

/** QoS bearer names that mean an IP bearer (PAP leaves the names to the PPG; these are the common ones). */
const IP_BEARERS = new Set(['ANY', 'IP', 'IPV4', 'IPV6', 'GPRS', 'UMTS', 'LTE', 'PACKET_DATA', 'CSD', 'WLAN']);

export type Route = { bearer: 'ip'; ip: string; msisdn?: string } | { bearer: 'sms'; msisdn: string } | { wait: string };

type RoutingDeps = Pick<PpgDeps, 'transport' | 'wtp' | 'sms' | 'resolveMsisdn' | 'resolveUser'>;

/** The metrics label a push is counted under when accepted. */
export function bearerLabel(q: QualityOfService): string {
  if (q.bearerRequired && q.bearer?.toUpperCase() === 'SMS') return 'sms';
  return q.deliveryMethod === 'confirmed' ? 'ip-co' : 'ip-cl';
}

/** Throws the PapError to answer when the PPG cannot honour the push's QoS or reach one of its addresses. */
export function checkSubmission(msg: PushMessage, opts: PpgOptions, deps: RoutingDeps): void {
  const q = msg.qos;
  // WAP-247 §9.2.3: network-required / bearer-required name what the PPG must use or refuse.
  if (q.networkRequired && q.network) {
    const nets = (opts.networks ?? []).map((n) => n.toUpperCase());
    if (!nets.includes(q.network.toUpperCase())) {
      throw new PapError(PapCode.REQUIRED_NETWORK_NOT_AVAILABLE, `network ${q.network} is not reachable from this PPG`);
    }
  }
  const forced = q.bearerRequired ? q.bearer?.toUpperCase() : undefined;
  if (forced === 'SMS' && !deps.sms) throw new PapError(PapCode.REQUIRED_BEARER_NOT_AVAILABLE, 'no SMSC is configured for the SMS bearer');
  if (forced && forced !== 'SMS' && !IP_BEARERS.has(forced)) {
    throw new PapError(PapCode.REQUIRED_BEARER_NOT_AVAILABLE, `bearer ${q.bearer} is not supported`);
  }
  if (q.deliveryMethod === 'confirmed') {
    if (forced === 'SMS') throw new PapError(PapCode.SPECIFIED_DELIVERY_METHOD_NOT_POSSIBLE, 'confirmed push is not possible over the SMS bearer');
    if (!deps.wtp) throw new PapError(PapCode.SPECIFIED_DELIVERY_METHOD_NOT_POSSIBLE, 'confirmed push is not available (no WTP initiator)');
  }
  for (const a of msg.addresses) checkAddress(a, msg, deps, forced);
}

function checkAddress(a: PushAddress, msg: PushMessage, deps: RoutingDeps, forced: string | undefined): void {
  if ((a.type === 'IPv4' || a.type === 'IPv6') && forced === 'SMS') {
    throw new PapError(PapCode.REQUIRED_BEARER_NOT_AVAILABLE, `address ${a.raw} cannot be reached over SMS`);
  }
  if ((a.type === 'USER' || a.type === 'user-defined') && !deps.resolveUser?.(a)) {
    throw new PapError(PapCode.ADDRESS_NOT_FOUND, `address ${a.raw} not found`);
  }
  // Confirmed push needs the handset's IP address; a PLMN address without a subscriber lookup has none.
  if (a.type === 'PLMN' && !deps.resolveMsisdn && msg.qos.deliveryMethod === 'confirmed') {
    throw new PapError(PapCode.SPECIFIED_DELIVERY_METHOD_NOT_POSSIBLE, `no IP address can be known for ${a.raw}`);
  }
}

/**
 * The route of one delivery attempt, or why it must wait: the PI's required bearer first; else IP when the
 * handset has a known address (cheaper, and the only way to confirm), else SMS.
 */
export function chooseRoute(rec: PushRecord, t: Target, deps: RoutingDeps): Route {
  const a = t.address;
  const forced = rec.qos.bearerRequired ? rec.qos.bearer?.toUpperCase() : undefined;
  const confirmed = rec.qos.deliveryMethod === 'confirmed';
  const ipUsable = confirmed ? !!deps.wtp : !!deps.transport;
  if (a.type === 'IPv4' || a.type === 'IPv6') return ipUsable ? { bearer: 'ip', ip: a.value } : { wait: 'no IP transport' };
  let msisdn: string | undefined;
  let ip: string | undefined;
  if (a.type === 'PLMN') msisdn = a.value;
  else {
    const r = deps.resolveUser?.(a);
    msisdn = r?.msisdn;
    ip = r?.ip;
  }
  if (!ip && msisdn) ip = deps.resolveMsisdn?.(msisdn) ?? deps.resolveMsisdn?.(msisdn.replace(/^\+/, ''));
  if (forced === 'SMS') return msisdn && deps.sms ? { bearer: 'sms', msisdn } : { wait: 'no SMSC' };
  if (ip && ipUsable) return { bearer: 'ip', ip, ...(msisdn ? { msisdn } : {}) };
  if (confirmed || (forced && forced !== 'ANY')) return { wait: ip ? 'no IP transport' : `no IP address known for ${a.raw}` };
  if (msisdn && deps.sms) return { bearer: 'sms', msisdn };
  return { wait: ip ? 'no IP transport' : `no route to ${a.raw} (no IP known, no SMSC)` };
}
