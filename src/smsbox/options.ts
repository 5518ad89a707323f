/**
 * smsbox options and their defaults, in the shape of the `sendsms:` config section
 * (src/config/sections/sendsms.ts), so the composition root passes the parsed section straight through.
 */

export interface SendsmsUser {
  username: string;
  password: string;
  /** CIDR blocks this user may send from; empty = any address the listener admits. */
  allowIps: string[];
  denyIps: string[];
  defaultSender?: string;
  maxMessages?: number;
  dlrUrl?: string;
}

export interface SmsboxOptions {
  /** undefined = the listener is off. */
  port?: number;
  bind: string;
  /** The one account given by --sendsms-user / --sendsms-password. */
  user?: string;
  password?: string;
  users: SendsmsUser[];
  trustedIps: string[];
  globalSender: string;
  maxMessages: number;
  maxRequestSize: number;
  queue: { max: number; concurrency: number; retryInterval: number; expiry: number };
  dlr: { timeout: number; concurrency: number; maxPending: number; maxCorrelations: number };
}

export const SMSBOX_DEFAULTS = {
  bind: '127.0.0.1',
  trustedIps: ['127.0.0.0/8', '::1/128'],
  globalSender: '',
  maxMessages: 10,
  maxRequestSize: 64 * 1024,
  queue: { max: 10_000, concurrency: 8, retryInterval: 10_000, expiry: 3_600_000 },
  dlr: { timeout: 10_000, concurrency: 8, maxPending: 10_000, maxCorrelations: 100_000 },
} as const;

/** Every account: sendsms.users plus the one of sendsms.user/password (which may come from any address admitted). */
export function allUsers(o: Pick<SmsboxOptions, 'user' | 'password' | 'users'>): SendsmsUser[] {
  const out = o.users.map((u) => ({ ...u }));
  if (o.user !== undefined && o.password !== undefined && !out.some((u) => u.username === o.user)) {
    out.push({ username: o.user, password: o.password, allowIps: [], denyIps: [] });
  }
  return out;
}

export function resolveSmsboxOptions(input: Partial<SmsboxOptions> = {}): SmsboxOptions {
  return {
    ...(input.port !== undefined ? { port: input.port } : {}),
    bind: input.bind ?? SMSBOX_DEFAULTS.bind,
    ...(input.user !== undefined ? { user: input.user } : {}),
    ...(input.password !== undefined ? { password: input.password } : {}),
    users: (input.users ?? []).map((u) => ({ ...u, allowIps: [...(u.allowIps ?? [])], denyIps: [...(u.denyIps ?? [])] })),
    trustedIps: [...(input.trustedIps ?? SMSBOX_DEFAULTS.trustedIps)],
    globalSender: input.globalSender ?? SMSBOX_DEFAULTS.globalSender,
    maxMessages: input.maxMessages ?? SMSBOX_DEFAULTS.maxMessages,
    maxRequestSize: input.maxRequestSize ?? SMSBOX_DEFAULTS.maxRequestSize,
    queue: { ...SMSBOX_DEFAULTS.queue, ...input.queue },
    dlr: { ...SMSBOX_DEFAULTS.dlr, ...input.dlr },
  };
}
