/**
 * Kannel's /cgi-bin/sendota (smsbox, userguide "Over-The-Air configuration"), mounted on the sendsms listener:
 *
 *   GET  ?username=&password=&to=&from=&otaid=      a named setting from prov.settings (the first without otaid)
 *   GET  ?...&text=<XML>&type=settings|bookmarks|oma-settings&sec=&pin=
 *   POST an XML document; Content-Type text/vnd.wap.connectivity-xml (OMA), application/x-wap-prov.browser-settings
 *        or -bookmarks (Nokia/Ericsson); X-Kannel-To, -From, -Username, -Password, -SEC, -PIN, -SMSC, -OTA-ID
 *
 * Defaults as Kannel's: SEC USERPIN, PIN 1234 (prov.sec / prov.pin). Answers are Kannel 1.4.5's texts — 202 "0: Accepted
 * for delivery",
 * 403 "Authorization failed for sendota", 400 "Wrong sendota args.", 400 "Missing ota-setting or ota-bookmark
 * group.", 415 "Unsupported content-type, rejected", 400 "Erroneous ota source, cannot compile" — with the reason
 * (element, parameter, limit) on the next line. Nothing is queued or sent when the answer is not 202.
 *
 * wapgate extensions: `bearer` (any|sms|ip; X-Wapgate-Bearer) — default any: the IP bearer when the subscriber map
 * knows the handset's address (or `to` is an IP address), else SMS; `imsi` (X-Wapgate-IMSI) for NETWPIN and
 * USERNETWPIN (for NETWPIN the PIN may carry the IMSI, as in Kannel); with USERPINMAC the 202 answer carries the PIN to
 * give the user in X-Wapgate-User-PIN.
 */
import { deliverProvPush, ProvDeliveryError, type ProvBearer, type ProvDeliveryDeps } from '../push/prov-delivery.ts';
import {
  parseSec,
  ProvError,
  ProvErrorCode,
  provKindOfType,
  pushFromXml,
  type PagePolicy,
  type ProvKind,
  type ProvPush,
  type SecInput,
  type SecMethod,
} from '../prov/index.ts';
import { loadNamedSettings, type NamedSettingConfig, type SettingsRegistry } from '../prov/settings.ts';
import type { SmsboxAnswer, SmsboxRequest } from './listener.ts';
import type { SendsmsUser } from './options.ts';

export interface SendotaDeps {
  /** The sendsms users (SmsboxListener.authenticate). */
  authenticate(username: string | undefined, password: string | undefined, ip: string): SendsmsUser | undefined;
  settings: SettingsRegistry;
  delivery: ProvDeliveryDeps;
  defaults: { sec: SecMethod; pin: string; pagePolicy?: PagePolicy; globalSender?: string };
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export const SENDOTA_TEXT = {
  /** Kannel 1.4.5's smsbox answers an accepted sendota as it answers sendsms (its source's "Sent." is older). */
  SENT: '0: Accepted for delivery',
  AUTH: 'Authorization failed for sendota',
  ARGS: 'Wrong sendota args.',
  SENDER: 'Sender missing and no global set, rejected',
  GROUP: 'Missing ota-setting or ota-bookmark group.',
  TYPE: 'Unsupported content-type, rejected',
  COMPILE: 'Erroneous ota source, cannot compile',
  DOCTYPE: 'Erroneous document type, cannot compile',
  FAILED: 'Sending failed.',
} as const;

const answer = (status: number, body: string): SmsboxAnswer => ({ status, body });

/** Kannel's `type` argument of GET sendota. */
const GET_TYPES: Record<string, ProvKind> = { settings: 'ota-settings', bookmarks: 'ota-bookmarks', 'oma-settings': 'oma' };

export async function sendota(req: SmsboxRequest, deps: SendotaDeps): Promise<SmsboxAnswer> {
  const post = req.method === 'POST' && !isForm(req);
  const h = (n: string) => {
    const v = req.headers[n];
    return (Array.isArray(v) ? v[0] : v)?.trim();
  };
  const a = (n: string) => req.args.get(n);
  const pick = (arg: string, header: string) => (post ? h(header) ?? a(arg) : a(arg) ?? h(header));

  const user = deps.authenticate(pick('username', 'x-kannel-username') ?? a('user'), pick('password', 'x-kannel-password') ?? a('pass'), req.ip);
  if (!user) return answer(403, SENDOTA_TEXT.AUTH);
  const to = pick('to', 'x-kannel-to') ?? a('phonenumber');
  if (!to) return answer(400, SENDOTA_TEXT.ARGS);
  const from = pick('from', 'x-kannel-from') || user.defaultSender || deps.defaults.globalSender;
  if (!from) return answer(400, SENDOTA_TEXT.SENDER);
  const otaId = pick('otaid', 'x-kannel-ota-id');
  const bearer = (pick('bearer', 'x-wapgate-bearer') ?? 'any').toLowerCase();
  if (bearer !== 'any' && bearer !== 'sms' && bearer !== 'ip') return answer(400, `${SENDOTA_TEXT.ARGS}\nbearer must be any, sms or ip`);

  let pushes: ProvPush[];
  try {
    const secName = pick('sec', 'x-kannel-sec');
    const pin = pick('pin', 'x-kannel-pin');
    const imsi = pick('imsi', 'x-wapgate-imsi');
    const secFor = (own?: SecInput): SecInput => {
      if (secName === undefined && pin === undefined && own) return own;
      const sec = parseSec(secName ?? own?.sec ?? deps.defaults.sec);
      return { sec, pin: pin ?? own?.pin ?? deps.defaults.pin, ...(imsi ? { imsi } : {}) };
    };
    const opts = deps.defaults.pagePolicy ? { pagePolicy: deps.defaults.pagePolicy } : {};
    const doc = post ? req.body : a('text') !== undefined ? Buffer.from(a('text')!, 'latin1') : undefined;
    if (doc && doc.length > 0) {
      let expect: ProvKind | undefined;
      if (post) {
        const ct = h('content-type') ?? '';
        const k = safeKind(ct);
        if (!k || k.binary) return answer(415, SENDOTA_TEXT.TYPE);
        expect = k.kind;
      } else {
        expect = GET_TYPES[(a('type') ?? 'settings').toLowerCase()];
        if (!expect) return answer(400, `${SENDOTA_TEXT.DOCTYPE}\ntype must be settings, bookmarks or oma-settings`);
      }
      const charset = post ? /charset\s*=\s*"?([^";\s]+)/i.exec(h('content-type') ?? '')?.[1] : 'utf-8';
      pushes = [pushFromXml(doc, { ...opts, expect, sec: secFor(), ...(charset ? { charset } : {}) })];
    } else {
      const setting = deps.settings.get(otaId);
      if (!setting) return answer(400, SENDOTA_TEXT.GROUP);
      pushes = setting.build(setting.format === 'oma' ? secFor(setting.sec) : undefined);
    }
  } catch (e) {
    if (e instanceof ProvError) {
      return answer(e.code === ProvErrorCode.SIZE ? 413 : 400, `${SENDOTA_TEXT.COMPILE}\n${e.message}`);
    }
    throw e;
  }

  const results = [];
  try {
    for (const p of pushes) {
      results.push(await deliverProvPush(p, { to, bearer: bearer as ProvBearer, from }, deps.delivery, { initiator: { ip: req.ip, user: user.username } }));
    }
  } catch (e) {
    if (e instanceof ProvError) return answer(e.httpStatus, `${SENDOTA_TEXT.COMPILE}\n${e.message}`);
    if (e instanceof ProvDeliveryError) return answer(e.httpStatus, `${SENDOTA_TEXT.FAILED}\n${e.message}`);
    deps.log?.warn({ to, err: String(e) }, 'sendota: delivery failed');
    return answer(500, SENDOTA_TEXT.FAILED);
  }
  deps.log?.info(
    { to, otaId: otaId ?? (post ? 'XML' : '<default>'), user: user.username, pushes: results.map((r) => ({ bearer: r.bearer, octets: r.octets, segments: r.segments, pushId: r.pushId })) },
    '/cgi-bin/sendota',
  );
  // USERPINMAC: the PIN the user must type (U followed by the MAC digits) goes back to the operator.
  const userPin = pushes.find((p) => p.signature?.userPin)?.signature?.userPin;
  return { status: 202, body: SENDOTA_TEXT.SENT, ...(userPin ? { headers: { 'x-wapgate-user-pin': userPin } } : {}) };
}

function isForm(req: SmsboxRequest): boolean {
  return /^application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));
}

function safeKind(ct: string): ReturnType<typeof provKindOfType> {
  try {
    return provKindOfType(ct);
  } catch {
    return undefined;
  }
}

/** Mounts the handler on the sendsms listener; it authenticates itself, to answer with Kannel's sendota text. */
export function mountSendota(listener: { mount(path: string, route: (req: SmsboxRequest) => Promise<SmsboxAnswer>, opts?: { auth?: 'user' | 'none' }): void }, deps: SendotaDeps, path = '/cgi-bin/sendota'): void {
  listener.mount(path, (req) => sendota(req, deps), { auth: 'none' });
}

/** The prov: section as sendota reads it (src/config/sections/prov.ts). */
export interface ProvConfig {
  sec: SecMethod;
  pin: string;
  pagePolicy: PagePolicy;
  maxSmsSegments: number;
  maxIpOctets: number;
  settings: readonly NamedSettingConfig[];
}

/**
 * sendota's dependencies from the configuration and the running parts (for the composition root): named
 * settings loaded and compiled now (a bad one throws ProvError naming it), OMA pushes through the PPG engine,
 * Nokia/Ericsson OTA through the PPG's SMS sender, the subscriber map for the IP bearer.
 */
export function sendotaDepsFromConfig(
  prov: ProvConfig,
  parts: {
    authenticate: SendotaDeps['authenticate'];
    ppg?: ProvDeliveryDeps['ppg'];
    sms?: ProvDeliveryDeps['sms'];
    resolveMsisdn?: ProvDeliveryDeps['resolveMsisdn'];
    globalSender?: string;
    log?: SendotaDeps['log'];
  },
): SendotaDeps {
  return {
    authenticate: parts.authenticate,
    settings: loadNamedSettings(prov.settings, { pagePolicy: prov.pagePolicy }),
    delivery: {
      ...(parts.ppg ? { ppg: parts.ppg } : {}),
      ...(parts.sms ? { sms: parts.sms } : {}),
      ...(parts.resolveMsisdn ? { resolveMsisdn: parts.resolveMsisdn } : {}),
      limits: { maxSmsSegments: prov.maxSmsSegments, maxIpOctets: prov.maxIpOctets },
    },
    defaults: { sec: prov.sec, pin: prov.pin, pagePolicy: prov.pagePolicy, ...(parts.globalSender ? { globalSender: parts.globalSender } : {}) },
    ...(parts.log ? { log: parts.log } : {}),
  };
}
