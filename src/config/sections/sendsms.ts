/**
 * `sendsms:` — the Kannel-compatible HTTP interface for push sources (src/smsbox/): /cgi-bin/sendsms (and the
 * routes other rooms mount on the same listener, e.g. /cgi-bin/sendota). Off until a port is given
 * (`--sendsms-port 13013`, Kannel's usual sendsms-port). Owned by the smsbox area; extend here.
 */
import * as z from 'zod';
import { SMSBOX_DEFAULTS as SB } from '../../smsbox/options.ts';
import { cidr, duration, group, ipAddress, key, port } from '../meta.ts';

// Kannel's sendsms-user group: username, password, user-allow-ip / user-deny-ip, default-sender, max-messages.
const user = z.strictObject({
  username: key(z.string().min(1), { description: 'sendsms user name (the username= CGI argument).' }),
  password: key(z.string().min(1), { description: 'Its password (the password= CGI argument).', secret: true }),
  allowIps: key(z.array(cidr()).default([]), {
    description: "Addresses this user may send from (as Kannel's user-allow-ip); empty = any address sendsms.trustedIps admits.",
  }),
  denyIps: key(z.array(cidr()).default([]), { description: "Addresses this user may not send from (Kannel's user-deny-ip)." }),
  defaultSender: key(z.string().max(20).optional(), { description: 'Sender used when the request gives no from=.' }),
  maxMessages: key(z.number().int().min(1).max(255).optional(), {
    description: 'Most short messages one request may become for this user (default sendsms.maxMessages).',
  }),
  dlrUrl: key(z.string().url().optional(), { description: 'dlr-url used when a request sets dlr-mask without one.' }),
});

export const sendsmsSection = z
  .strictObject({
  port: key(port().optional(), {
    description:
      "TCP port of the sendsms listener (Kannel's sendsms-port, usually 13013); unset = off. Giving it turns the interface on.",
  }),
  bind: key(ipAddress().default(SB.bind), { description: 'Address the sendsms listener binds.' }),
  user: key(z.string().min(1).optional(), { description: 'One sendsms user name (with sendsms.password); more in sendsms.users.' }),
  password: key(z.string().min(1).optional(), { description: 'The password of sendsms.user.', secret: true }),
  users: key(z.array(user).default([]), {
    description:
      "sendsms users as Kannel's sendsms-user groups (list of {username, password, allowIps, denyIps, defaultSender, maxMessages, dlrUrl}).",
    reloadable: true,
  }),
  trustedIps: key(z.array(cidr()).default([...SB.trustedIps]), {
    description: 'Addresses that may use the listener at all (as push.trustedIps for PAP). Loopback only by default.',
    reloadable: true,
  }),
  globalSender: key(z.string().max(20).default(SB.globalSender), {
    description: "Sender when neither the request nor the user gives one (Kannel's global-sender).",
  }),
  maxMessages: key(z.number().int().min(1).max(255).default(SB.maxMessages), {
    description: "Most short messages one request may become (Kannel's max-messages); a longer text gets 400.",
  }),
  maxRequestSize: key(z.number().int().min(256).default(SB.maxRequestSize), {
    description: 'Largest request (query string or POST body) in octets; beyond it 413.',
  }),
  queue: group({
    max: key(z.number().int().min(1).default(SB.queue.max), {
      description: 'Most accepted messages waiting for delivery; beyond it requests get 503 with Retry-After.',
    }),
    concurrency: key(z.number().int().min(1).default(SB.queue.concurrency), { description: 'Messages delivered at once.' }),
    retryInterval: key(duration().default(SB.queue.retryInterval), {
      description: 'Wait between delivery attempts of a queued message (ms or 10s).',
    }),
    expiry: key(duration().default(SB.queue.expiry), {
      description: 'A message not delivered within this time is dropped and reported (dlr-mask 16) (ms or 1h).',
    }),
  }),
  dlr: group({
    timeout: key(duration().default(SB.dlr.timeout), { description: 'Longest a dlr-url call may take (ms or 10s).' }),
    concurrency: key(z.number().int().min(1).default(SB.dlr.concurrency), { description: 'dlr-url calls in flight at once.' }),
    maxPending: key(z.number().int().min(1).default(SB.dlr.maxPending), {
      description: 'Most dlr-url calls waiting; beyond it the oldest is dropped (logged and counted).',
    }),
    maxCorrelations: key(z.number().int().min(1).default(SB.dlr.maxCorrelations), {
      description: 'Most SMSC message ids kept waiting for a delivery receipt.',
    }),
  }),
  })
  .superRefine((c, ctx) => {
    if ((c.user === undefined) !== (c.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.user === undefined ? 'user' : 'password'],
        input: undefined,
        message: 'sendsms.user and sendsms.password must be given together (--sendsms-user U --sendsms-password P)',
      });
    }
    if (c.port !== undefined && c.user === undefined && c.users.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        input: c.port,
        message: 'the sendsms listener needs an account: --sendsms-user U --sendsms-password P, or sendsms.users',
      });
    }
  })
  .prefault({} as never);
