/**
 * `push:` — the Push Proxy Gateway: the PAP listener for push initiators, who may use it, the pending-push
 * queue, and the SMS bearer over SMPP. Owned by the PPG area; extend here.
 */
import * as z from 'zod';
import { PPG_DEFAULTS as PPG } from '../../push/options.ts';
import { cidr, duration, group, ipAddress, key, port } from '../meta.ts';

const credential = z.strictObject({
  username: key(z.string().min(1), { description: 'PAP Basic-auth user name.' }),
  password: key(z.string().min(1), { description: 'PAP Basic-auth password.', secret: true }),
});

export const pushSection = group({
  enabled: key(z.boolean().default(PPG.enabled), { description: 'Run the PPG (PAP listener and push delivery).' }),
  papBind: key(ipAddress().default(PPG.papBind), { description: 'Address the PAP HTTP listener binds.' }),
  papPort: key(port().default(PPG.papPort), { description: 'TCP port of the PAP listener.', flag: 'pap-port' }),
  papPath: key(z.string().startsWith('/').default(PPG.papPath), { description: 'URL path of the PAP endpoint.' }),
  trustedIps: key(z.array(cidr()).default([...PPG.trustedIps]), {
    description: 'Push initiators allowed to submit (addresses or CIDR blocks). Loopback only by default.',
    reloadable: true,
  }),
  credentials: key(z.array(credential).default([]), {
    description:
      'HTTP Basic credentials push initiators must present (list of {username, password}); empty = IP check only.',
    reloadable: true,
  }),
  maxContentSize: key(z.number().int().min(1).default(PPG.maxContentSize), { description: 'Largest push content in octets.' }),
  pushPort: key(port().default(PPG.pushPort), { description: "Handset UDP port for connectionless push (WDP 'WAP Push')." }),
  confirmedPushPort: key(port().default(PPG.confirmedPushPort), {
    description:
      "Not used by serve (kept so existing files load): a confirmed push goes in the handset's WSP session, from the gateway's 9201 to the session's address and port (WAP-230 §8.2.4, as Kannel).",
  }),
  sessionRequest: group({
    enabled: key(z.boolean().default(PPG.sessionRequest.enabled), {
      description:
        "A confirmed push to a handset with no WSP session first sends it a Session Initiation Request (WAP-235 §7.3, to its pushPort), as Kannel's PPG does; off: the push waits for the handset's own session until deliver-before.",
    }),
    wait: key(duration().default(PPG.sessionRequest.wait), { description: 'How long one delivery attempt waits for the Connect a Session Initiation Request asks for (ms or 30s); then the push is retried after queue.retryInterval.' }),
    contactAddress: key(ipAddress().optional(), {
      description: "The address handsets reach the gateway's 9201 at, named in the Session Initiation Request; needed when gateway.bind is a wildcard (0.0.0.0 or ::).",
    }),
  }),
  queue: group({
    max: key(z.number().int().min(1).default(PPG.queue.max), {
      description: 'Most pending pushes held; beyond it new pushes are refused with PAP 4000-class codes.',
    }),
    expiry: key(duration().default(PPG.queue.expiry), {
      description: 'Default lifetime of a pending push when the PI gives no deliver-before-timestamp (ms or 24h).',
    }),
    retryInterval: key(duration().default(PPG.queue.retryInterval), {
      description: 'Wait between delivery attempts of a pending push (ms or 30s).',
    }),
    concurrency: key(z.number().int().min(1).default(PPG.queue.concurrency), {
      description: 'How many pushes are delivered at once; the rest wait in the queue.',
    }),
    keepFinished: key(duration().default(PPG.queue.keepFinished), {
      description: 'How long a finished push stays answerable to statusquery (ms or 1h).',
    }),
    stateFile: key(z.string().optional(), {
      description: 'Pending-push JSON file of a wapgate before the durable store (store:): read once at start into the store, then renamed *.imported.',
    }),
  }),
  smpp: group({
    enabled: key(z.boolean().default(false), { description: 'Deliver pushes over SMS through an SMSC (SMPP 3.4).' }),
    host: key(z.string().min(1).default('127.0.0.1'), { description: 'SMSC host.' }),
    port: key(port().default(PPG.smpp.port), { description: 'SMSC SMPP port.' }),
    systemId: key(z.string().max(15).default('wapgate'), { description: 'SMPP bind system_id.' }),
    password: key(z.string().max(8).default(''), { description: 'SMPP bind password.', secret: true }),
    systemType: key(z.string().max(12).default(''), { description: 'SMPP bind system_type.' }),
    sourceAddr: key(z.string().max(20).default(''), { description: 'Source address (originator) of push SMS.' }),
    throttle: key(z.number().min(0).default(PPG.smpp.throttle), { description: 'Most submit_sm per second (0 = unlimited).' }),
    reconnectDelay: key(duration().default(PPG.smpp.reconnectDelay), {
      description: 'Wait before re-binding after the SMSC connection drops (ms or 5s).',
    }),
    responseTimeout: key(duration().default(PPG.smpp.responseTimeout), {
      description: 'How long to wait for a bind_resp, submit_sm_resp or enquire_link_resp before giving up (ms or 10s).',
    }),
    enquireLinkPeriod: key(duration().default(PPG.smpp.enquireLinkPeriod), {
      description: 'Period of the enquire_link keep-alive (ms or 30s; 0 = none).',
    }),
    deliveryReceipts: key(z.boolean().default(PPG.smpp.deliveryReceipts), {
      description: 'Ask the SMSC for delivery receipts (registered_delivery 1) and report them as PAP results.',
    }),
  }),
  // Kannel's ppg-ssl-port: PAP over HTTPS on its own port, optionally with client certificates (mutual TLS).
  tls: z
    .strictObject({
      port: key(port().optional(), { description: "TCP port of the PAP-over-TLS listener (Kannel's ppg-ssl-port); unset = off." }),
      bind: key(ipAddress().optional(), { description: 'Address the PAP-over-TLS listener binds (default push.papBind).' }),
      cert: key(z.string().min(1).optional(), { description: 'PEM certificate (chain) file of the PAP-over-TLS listener.' }),
      key: key(z.string().min(1).optional(), { description: 'PEM private key file of the PAP-over-TLS listener.' }),
      clientCa: key(z.string().min(1).optional(), {
        description: 'PEM file of CAs whose client certificates push initiators must present (mutual TLS); unset = none asked.',
      }),
    })
    .superRefine((t, ctx) => {
      if (t.port === undefined) return;
      for (const k of ['cert', 'key'] as const) {
        if (!t[k]) ctx.addIssue({ code: 'custom', path: [k], input: undefined, message: `push.tls.port is set: push.tls.${k} (a PEM file) is required` });
      }
    })
    .prefault({} as never),
  senderName: key(z.string().min(1).default(PPG.senderName), {
    description: 'Name the PPG gives as sender-name in its PAP answers and result notifications.',
  }),
  notifyTimeout: key(duration().default(PPG.notifyTimeout), {
    description: 'Longest a result-notification POST to the push initiator may take (ms or 10s).',
  }),
  networks: key(z.array(z.string().min(1)).default([...PPG.networks]), {
    description:
      'Networks the PPG can reach (WAP-247 network names, any case); a push whose network-required names another is refused with PAP 3009.',
  }),
});
