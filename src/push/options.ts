/**
 * PPG options with their defaults, in the shape of the `push:` config section (src/config/sections/push.ts),
 * so the composition root can pass the parsed section straight through. Timer values live here, in one place.
 */
import { SMPP_CLIENT_DEFAULTS as SMPP } from '../bearer/sms/smpp-defaults.ts';

export interface PapCredential {
  username: string;
  password: string;
}

export interface SmppOptions {
  enabled: boolean;
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  /** Originator address of push SMS ('' = let the SMSC fill it in). */
  sourceAddr: string;
  /** Most submit_sm per second (0 = unlimited). */
  throttle: number;
  /** Wait before re-binding after the connection drops (ms). */
  reconnectDelay: number;
  /** How long to wait for a submit_sm_resp / bind_resp (ms). */
  responseTimeout?: number;
  /** enquire_link period (ms; 0 = none). */
  enquireLinkPeriod?: number;
  /** Ask the SMSC for delivery receipts (registered_delivery 1) and map them to PAP results. */
  deliveryReceipts?: boolean;
}

export interface PpgQueueOptions {
  /** Most pending pushes (per address) held; beyond it new pushes get PAP 4001 (service unavailable). */
  max: number;
  /** Lifetime of a pending push when the PI gives no deliver-before-timestamp (ms). */
  expiry: number;
  /** Wait between delivery attempts of a pending push (ms). */
  retryInterval: number;
  /** How many pushes are delivered at once (the rest wait in the queue). */
  concurrency?: number;
  /** How long finished pushes stay answerable to statusquery (ms). */
  keepFinished?: number;
  /** The JSON file an older wapgate saved pending pushes in: imported once into the durable store, renamed *.imported. */
  stateFile?: string;
}

export interface PpgOptions {
  enabled: boolean;
  papBind: string;
  papPort: number;
  papPath: string;
  /** Push initiators allowed to submit: addresses or CIDR blocks. */
  trustedIps: string[];
  /** HTTP Basic credentials (or ?username=&password= as Kannel's PIs send them); empty = IP check only. */
  credentials: PapCredential[];
  /** Largest push content in octets (after any transfer decoding). */
  maxContentSize: number;
  pushPort: number;
  /** Not used by serve: a confirmed push goes in the handset's session (src/push/confirmed.ts). */
  confirmedPushPort: number;
  /** The Session Initiation Request before a confirmed push to a handset with no session (src/push/confirmed.ts). */
  sessionRequest?: { enabled: boolean; wait: number; contactAddress?: string };
  queue: PpgQueueOptions;
  smpp: SmppOptions;
  /** Name this PPG gives in sender-name / ppg-specifier answers. */
  senderName?: string;
  /** How long a result notification POST to the PI may take (ms). */
  notifyTimeout?: number;
  /** Networks / bearers the PPG can reach, for QoS network-required / bearer-required checks. */
  networks?: string[];
  /** PAP over TLS (Kannel's ppg-ssl-port), served by pap-tls.ts beside the plain listener; no port = off. */
  tls?: { port?: number; bind?: string; cert?: string; key?: string; clientCa?: string };
}

/** Every default spelled out (the optional keys too), so the config schema can take its defaults from here. */
export const PPG_DEFAULTS = {
  enabled: true,
  papBind: '127.0.0.1',
  papPort: 8080,
  papPath: '/wappush',
  trustedIps: ['127.0.0.1', '::1'],
  credentials: [] as PapCredential[],
  maxContentSize: 65_536,
  pushPort: 2948,
  confirmedPushPort: 2949,
  sessionRequest: { enabled: true, wait: 30_000 },
  queue: { max: 10_000, expiry: 86_400_000, retryInterval: 30_000, concurrency: 32, keepFinished: 3_600_000 },
  smpp: {
    enabled: false,
    host: '127.0.0.1',
    port: 2775,
    systemId: 'wapgate',
    password: '',
    systemType: SMPP.systemType,
    sourceAddr: SMPP.sourceAddr,
    throttle: SMPP.throttle,
    reconnectDelay: SMPP.reconnectDelay,
    responseTimeout: SMPP.responseTimeout,
    enquireLinkPeriod: SMPP.enquireLinkPeriod,
    deliveryReceipts: true,
  },
  senderName: 'wapgate PPG',
  notifyTimeout: 10_000,
  networks: ['GSM', 'GPRS', 'UMTS', 'LTE', 'IP'],
  tls: {},
} satisfies PpgOptions;

export type PpgOptionsInput = Partial<Omit<PpgOptions, 'queue' | 'smpp'>> & {
  queue?: Partial<PpgQueueOptions>;
  smpp?: Partial<SmppOptions>;
};

export function resolvePpgOptions(o: PpgOptionsInput = {}): PpgOptions {
  return {
    ...PPG_DEFAULTS,
    ...o,
    queue: { ...PPG_DEFAULTS.queue, ...o.queue },
    smpp: { ...PPG_DEFAULTS.smpp, ...o.smpp },
  };
}
