/**
 * Delivering a provisioning push. OMA documents go through the PPG (its queue, its bearer choice: IP when the
 * subscriber map knows the handset's address, else SMS over its SMPP link, segmented and concatenated); the
 * Nokia/Ericsson OTA documents need their own WDP ports (49999/49154), so they go straight to the SMS sender the
 * PPG uses. The size is checked against the bearer's limits before anything is queued or sent.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { SmsPushSender } from '../bearer/sms/sender.ts';
import { segmentCount, segmentWdp } from '../bearer/sms/wdp.ts';
import { parsePushAddress } from './address.ts';
import type { PushMessage } from './pap-parse.ts';
import type { PushPduInput } from './push-pdu.ts';
import { encodePushDatagram } from './push-pdu.ts';
import { ProvError, ProvErrorCode } from '../prov/errors.ts';
import { provDatagram, type ProvPush } from '../prov/push.ts';

/** The PPG engine's submission (PpgEngine.submit): throws (or rejects with) PapError when it refuses, queues otherwise. */
export interface PushSubmitter {
  submit(msg: PushMessage, content: PushPduInput, initiator: { ip: string; user?: string }): { code: number; desc: string } | Promise<{ code: number; desc: string }>;
}

export interface ProvLimits {
  /** Most short messages one push may take (WDP over SMS concatenation; 23.040 allows 255). */
  maxSmsSegments: number;
  /** Largest connectionless push datagram over the IP bearer (no SAR in WSP CL: one UDP datagram). */
  maxIpOctets: number;
}

export const PROV_LIMIT_DEFAULTS: ProvLimits = { maxSmsSegments: 10, maxIpOctets: 1400 };

export interface ProvDeliveryDeps {
  ppg?: PushSubmitter;
  sms?: SmsPushSender;
  /** MSISDN → handset IP (the subscriber map), to choose the IP bearer and check it is possible. */
  resolveMsisdn?: (msisdn: string) => string | undefined;
  limits?: Partial<ProvLimits>;
  /** Concatenation reference for direct SMS (OTA settings); default a counter. */
  nextRef?: () => number;
}

export type ProvBearer = 'any' | 'sms' | 'ip';

export interface ProvTarget {
  /** MSISDN (digits, optional +) or the handset's IP address. */
  to: string;
  bearer?: ProvBearer;
  /** Originator of SMS sent directly (OTA settings), as Kannel's sendota `from`; the PPG's pushes use its own. */
  from?: string;
}

export interface ProvDeliveryResult {
  via: 'ppg' | 'sms';
  bearer: 'sms' | 'ip';
  pushId?: string;
  octets: number;
  segments: number;
  messageIds?: string[];
}

/** Why delivery was refused: a status for the front door and the reason. Nothing was queued or sent. */
export class ProvDeliveryError extends Error {
  override readonly name = 'ProvDeliveryError';
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

let refCounter = 0;

export function normaliseMsisdn(to: string): string {
  const t = to.trim().replace(/[\s.-]/g, '');
  if (!/^\+?\d{3,20}$/.test(t)) throw new ProvError(ProvErrorCode.DOCUMENT, `'${to}' is neither a phone number nor an IP address`, 'to');
  return t;
}

export async function deliverProvPush(
  push: ProvPush,
  target: ProvTarget,
  deps: ProvDeliveryDeps,
  meta: { pushId?: string; initiator?: { ip: string; user?: string } } = {},
): Promise<ProvDeliveryResult> {
  const limits = { ...PROV_LIMIT_DEFAULTS, ...deps.limits };
  const bearerWanted = target.bearer ?? 'any';
  const ipTarget = isIP(target.to.trim()) !== 0;
  const msisdn = ipTarget ? undefined : normaliseMsisdn(target.to);
  const knownIp = ipTarget ? target.to.trim() : deps.resolveMsisdn?.(msisdn!) ?? deps.resolveMsisdn?.(msisdn!.replace(/^\+/, ''));

  if (push.kind !== 'oma') {
    // OTA §5.1: browser settings and bookmarks are an SMS service (WDP ports 49999/49154).
    if (bearerWanted === 'ip' || ipTarget) throw new ProvDeliveryError('OTA browser settings and bookmarks travel over SMS only', 400);
    if (!deps.sms) throw new ProvDeliveryError('no SMSC is configured for OTA settings', 503);
    const datagram = provDatagram(push);
    const segments = segmentCount(datagram.length);
    if (segments > limits.maxSmsSegments) {
      throw new ProvError(ProvErrorCode.SIZE, `push of ${datagram.length} octets needs ${segments} SMS (limit ${limits.maxSmsSegments})`);
    }
    const blocks = segmentWdp(datagram, { ref: deps.nextRef?.() ?? ++refCounter, dstPort: push.smsPorts.dst, srcPort: push.smsPorts.src });
    const ids = await deps.sms.submitUserData(msisdn!, blocks, { receipt: false, priority: 1, ...(target.from ? { sourceAddr: target.from } : {}) });
    return { via: 'sms', bearer: 'sms', octets: datagram.length, segments: blocks.length, messageIds: ids };
  }

  if (!deps.ppg) throw new ProvDeliveryError('no PPG is running to deliver the push', 503);
  const content: PushPduInput = { contentType: push.contentType, body: push.body, entityHeaders: [] };
  const datagram = encodePushDatagram(0, content);
  const bySms = bearerWanted === 'sms' || (bearerWanted === 'any' && !knownIp);
  if (bearerWanted === 'ip' && !knownIp) throw new ProvDeliveryError(`no IP address is known for ${target.to} (subscriber map)`, 404);
  if (bySms && ipTarget) throw new ProvDeliveryError(`${target.to} is an IP address; it cannot be reached over SMS`, 400);
  // The PPG's SMS path is the same SMPP link deps.sms is: without it a push for SMS would only wait and expire.
  if (bySms && !deps.sms) {
    throw new ProvDeliveryError(`no SMSC is configured${bearerWanted === 'any' ? ` and no IP address is known for ${target.to}` : ''}`, 503);
  }
  if (bySms) {
    const segments = segmentCount(datagram.length);
    if (segments > limits.maxSmsSegments) {
      throw new ProvError(ProvErrorCode.SIZE, `push of ${datagram.length} octets needs ${segments} SMS (limit ${limits.maxSmsSegments})`);
    }
  } else if (datagram.length > limits.maxIpOctets) {
    throw new ProvError(ProvErrorCode.SIZE, `push of ${datagram.length} octets exceeds the IP bearer's ${limits.maxIpOctets}`);
  }
  const pushId = meta.pushId ?? `prov-${randomUUID()}`;
  const address = ipTarget
    ? parsePushAddress(`WAPPUSH=${target.to.trim()}/TYPE=${isIP(target.to.trim()) === 6 ? 'IPv6' : 'IPv4'}@wapgate`)
    : parsePushAddress(`WAPPUSH=${msisdn}/TYPE=PLMN@wapgate`);
  const msg: PushMessage = {
    kind: 'push-message',
    version: '2.0',
    pushId,
    addresses: [address],
    progressNotes: false,
    qos: {
      priority: 'medium',
      deliveryMethod: 'unconfirmed',
      networkRequired: false,
      bearerRequired: bearerWanted !== 'any',
      ...(bearerWanted === 'sms' ? { bearer: 'SMS' } : bearerWanted === 'ip' ? { bearer: 'IPv4' } : {}),
    },
  };
  try {
    await deps.ppg.submit(msg, content, meta.initiator ?? { ip: '127.0.0.1', user: 'prov' });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') {
      // WAP-247 §9.13: 2000-class is the request's fault, 3000/4000-class the PPG's (busy, no bearer).
      throw new ProvDeliveryError(`PPG refused the push: ${(e as Error).message}`, code < 3000 ? 400 : 503);
    }
    throw e;
  }
  return { via: 'ppg', bearer: bySms ? 'sms' : 'ip', pushId, octets: datagram.length, segments: bySms ? segmentCount(datagram.length) : 1 };
}
