/**
 * The sendsms HTTP listener (Kannel's smsbox `sendsms-port`): one node:http server on which routes are mounted
 * by path — /cgi-bin/sendsms (this room), /cgi-bin/sendota (src/smsbox/sendota.ts, the provisioning room) — so
 * a route knows nothing of sockets, and the listener nothing of what a route does.
 *
 * Access control, as for PAP (src/push/ppg.ts): the client address must be in sendsms.trustedIps; a route
 * mounted with auth 'user' also needs a sendsms user (Kannel's sendsms-user group) given as CGI arguments
 * `username`/`user` and `password`/`pass` (query string or a form-encoded POST body) or as X-Kannel-Username /
 * X-Kannel-Password headers, coming from an address its allowIps admit and its denyIps do not. A failure is
 * Kannel's answer: 403 "Authorization failed for sendsms".
 *
 *   const box = createSmsboxListener(options, { log });
 *   box.mount('/cgi-bin/sendota', (req) => sendota(req, deps));   // req.user is the authenticated account
 *   await box.listen(13013, '127.0.0.1'); ... await box.close();
 */
import { readBody } from '../net/read-body.ts';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { cidrSet, parseIp, type CidrTable } from '../net/ip.ts';
import { allUsers, type SendsmsUser, type SmsboxOptions } from './options.ts';

/** A request as a route sees it: already bounded, authenticated when the route asked for it. */
export interface SmsboxRequest {
  method: string;
  path: string;
  /**
   * CGI arguments (first value of each name): the query string, and for a POST with
   * application/x-www-form-urlencoded body, the body's fields too (the query string wins on a clash).
   * Values are octet strings (latin1, one char per octet after %XX and '+' decoding), because `text` and
   * `udh` may be binary; a route decodes text by the request's charset/coding.
   */
  args: ReadonlyMap<string, string>;
  /** Every value of each argument, for names that may repeat. */
  all: ReadonlyMap<string, readonly string[]>;
  headers: IncomingHttpHeaders;
  /** The raw body (empty for GET); at most sendsms.maxRequestSize octets. */
  body: Buffer;
  /** Client address (IPv4-mapped IPv6 folded to IPv4). */
  ip: string;
  /** The authenticated sendsms user (routes mounted with auth 'user'). */
  user?: SendsmsUser;
}

export interface SmsboxAnswer {
  status: number;
  body: string | Buffer;
  /** Default text/html, as Kannel's smsbox answers. */
  contentType?: string;
  headers?: Record<string, string>;
}

export type SmsboxRoute = (req: SmsboxRequest) => SmsboxAnswer | Promise<SmsboxAnswer>;

export interface MountOptions {
  /** 'user' (default): a sendsms user must be given; 'none': only the trusted-address check. */
  auth?: 'user' | 'none';
  /** Methods accepted (default GET and POST); others get 405. */
  methods?: readonly string[];
}

export interface SmsboxListenerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface SmsboxListenerDeps {
  log?: SmsboxListenerLog;
  /** Counted per refused request (source 'sendsms'), e.g. metrics.rejectedInputs. */
  rejected?: (reason: string) => void;
  /** One line per request (access log), after the answer is sent. */
  access?: (line: { ip: string; method: string; path: string; status: number; user?: string; ms: number }) => void;
}

export interface SmsboxListener {
  /** Adds a route; a second mount of the same path replaces the first. */
  mount(path: string, route: SmsboxRoute, opts?: MountOptions): void;
  /** node:http handler (for tests or another server). */
  handler(req: IncomingMessage, res: ServerResponse): void;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
  /** SIGHUP: replaces who may use the listener (validated first; a bad list leaves the running one). */
  setAccess(access: Pick<SmsboxOptions, 'trustedIps' | 'users' | 'user' | 'password'>): void;
  /** The user a name/password pair names, when it may send from ip (for routes that authenticate themselves). */
  authenticate(username: string | undefined, password: string | undefined, ip: string): SendsmsUser | undefined;
}

/** Kannel smsbox's answer texts that the listener gives itself. */
export const AUTH_FAILED = 'Authorization failed for sendsms';

interface Account {
  user: SendsmsUser;
  /** The password as an octet string (UTF-8 octets, latin1), as CGI arguments arrive. */
  password: string;
  allow?: CidrTable<true>;
  deny?: CidrTable<true>;
}

function compileAccess(a: Pick<SmsboxOptions, 'trustedIps' | 'users' | 'user' | 'password'>): { trusted: CidrTable<true>; accounts: Map<string, Account> } {
  const trusted = cidrSet(a.trustedIps, 'sendsms.trustedIps');
  const accounts = new Map<string, Account>();
  for (const user of allUsers(a)) {
    accounts.set(octets(user.username), {
      user,
      password: octets(user.password),
      ...(user.allowIps.length ? { allow: cidrSet(user.allowIps, `sendsms.users[${user.username}].allowIps`) } : {}),
      ...(user.denyIps.length ? { deny: cidrSet(user.denyIps, `sendsms.users[${user.username}].denyIps`) } : {}),
    });
  }
  return { trusted, accounts };
}

export function createSmsboxListener(options: SmsboxOptions, deps: SmsboxListenerDeps = {}): SmsboxListener {
  let access = compileAccess(options);
  const routes = new Map<string, { route: SmsboxRoute; auth: 'user' | 'none'; methods: readonly string[] }>();
  const limit = options.maxRequestSize;
  let server: Server | undefined;

  function authenticate(username: string | undefined, password: string | undefined, ip: string): SendsmsUser | undefined {
    if (username === undefined || password === undefined) return undefined;
    const acc = access.accounts.get(username);
    if (!acc || !same(acc.password, password)) return undefined;
    const p = parseIp(ip);
    if (acc.allow && (!p || acc.allow.match(p) === undefined)) return undefined;
    if (acc.deny && p && acc.deny.match(p) !== undefined) return undefined;
    return acc.user;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<{ status: number; user?: string }> {
    const ip = foldIp(req.socket.remoteAddress ?? '');
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > limit) {
      deps.rejected?.('too_large');
      return send(res, { status: 414, body: `Request URI longer than ${limit} octets` });
    }
    const q = rawUrl.indexOf('?');
    const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = q < 0 ? '' : rawUrl.slice(q + 1);
    const p = parseIp(ip);
    if (!p || access.trusted.match(p) === undefined) {
      deps.rejected?.('untrusted_ip');
      req.resume();
      return send(res, { status: 403, body: AUTH_FAILED });
    }
    const mounted = routes.get(pathname);
    if (!mounted) {
      req.resume();
      // Kannel smsbox: any other path is answered 404 "Unknown request."
      return send(res, { status: 404, body: 'Unknown request.' });
    }
    const method = req.method ?? 'GET';
    if (!mounted.methods.includes(method)) {
      req.resume();
      return send(res, { status: 405, body: `Method ${method} not allowed`, headers: { allow: mounted.methods.join(', ') } });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      deps.rejected?.('too_large');
      req.resume();
      return send(res, { status: 413, body: `Request body longer than ${limit} octets`, headers: { connection: 'close' } });
    }
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, limit);
    if (!body) {
      deps.rejected?.('too_large');
      res.on('finish', () => setTimeout(() => req.destroy(), 1000).unref());
      return send(res, { status: 413, body: `Request body longer than ${limit} octets`, headers: { connection: 'close' } });
    }
    const { args, all } = cgiArgs(query, req.headers['content-type'], body);
    let user: SendsmsUser | undefined;
    if (mounted.auth === 'user') {
      const name = args.get('username') ?? args.get('user') ?? header(req.headers, 'x-kannel-username');
      const pass = args.get('password') ?? args.get('pass') ?? header(req.headers, 'x-kannel-password');
      user = authenticate(name, pass, ip);
      if (!user) {
        deps.rejected?.('auth');
        deps.log?.warn({ ip, path: pathname, user: name }, 'sendsms: authorization failed');
        return send(res, { status: 403, body: AUTH_FAILED });
      }
    }
    const answer = await mounted.route({ method, path: pathname, args, all, headers: req.headers, body, ip, ...(user ? { user } : {}) });
    return { ...send(res, answer), ...(user ? { user: user.username } : {}) };
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    handle(req, res)
      .then((r) => {
        deps.access?.({ ip: foldIp(req.socket.remoteAddress ?? ''), method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', status: r.status, ...(r.user ? { user: r.user } : {}), ms: performance.now() - started });
      })
      .catch((e: unknown) => {
        deps.log?.warn({ err: String((e as Error)?.stack ?? e) }, 'sendsms request failed');
        if (!res.headersSent) send(res, { status: 500, body: 'Internal error' });
        else res.destroy();
      });
  };

  return {
    mount(path, route, opts = {}) {
      if (!path.startsWith('/')) throw new Error(`smsbox route path must start with '/': ${path}`);
      routes.set(path, { route, auth: opts.auth ?? 'user', methods: opts.methods ?? ['GET', 'POST'] });
    },
    handler,
    authenticate,
    setAccess(a) {
      access = compileAccess(a);
    },
    listen(port, host = options.bind) {
      return new Promise<AddressInfo>((resolve, reject) => {
        const s = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: Math.max(16 * 1024, Math.min(limit + 4096, 256 * 1024)) }, handler);
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          server = s;
          resolve(s.address() as AddressInfo);
        });
      });
    },
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
      });
    },
  };
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

const octets = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/**
 * application/x-www-form-urlencoded pairs with values kept as octets: '+' is a space, %XX one octet (a '%'
 * not followed by two hex digits stays as it is, as Kannel's octstr_url_decode leaves it).
 */
export function decodeForm(raw: string): [string, string][] {
  const out: [string, string][] = [];
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    out.push(eq < 0 ? [unescapeOctets(part), ''] : [unescapeOctets(part.slice(0, eq)), unescapeOctets(part.slice(eq + 1))]);
  }
  return out;
}

export function unescapeOctets(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '+') out += ' ';
    else if (c === '%' && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += c;
  }
  return out;
}

/** Query string plus, for a form-encoded POST, the body's fields. */
function cgiArgs(query: string, contentType: string | undefined, body: Buffer): { args: Map<string, string>; all: Map<string, string[]> } {
  const all = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    const list = all.get(k);
    if (list) list.push(v);
    else all.set(k, [v]);
  };
  for (const [k, v] of decodeForm(query)) add(k, v);
  if (body.length && /^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) {
    const fromQuery = new Set(all.keys());
    for (const [k, v] of decodeForm(body.toString('latin1'))) if (!fromQuery.has(k)) add(k, v);
  }
  const args = new Map<string, string>();
  for (const [k, v] of all) args.set(k, v[0]!);
  return { args, all };
}

function foldIp(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(res: ServerResponse, a: SmsboxAnswer): { status: number } {
  const body = typeof a.body === 'string' ? Buffer.from(a.body, 'utf8') : a.body;
  res.writeHead(a.status, { 'content-type': a.contentType ?? 'text/html', 'content-length': String(body.length), ...a.headers });
  res.end(body);
  return { status: a.status };
}
