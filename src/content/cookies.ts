/**
 * A cookie jar per WSP session (tough-cookie, RFC 6265): what a server sets is kept at the gateway and sent
 * back only to the hosts and paths it belongs to (domain, path, expiry, Secure honoured; HttpOnly cookies go to
 * HTTP servers but never to the handset), unlike Kannel, which sends every cookie of a session to every host.
 * Connectionless requests have no session, so no jar. A jar ends with its session (sessionEnded). Bounded:
 * cookies per jar, Set-Cookie length, jars (the session table's own bound, plus a cap here), and the octets all
 * jars hold together (maxBytes: the jars of the least recently started sessions are emptied first).
 */
import { createRequire } from 'node:module';
import type { Cookie, CookieJar } from 'tough-cookie';

/** tough-cookie, loaded (synchronously, once) at the first Set-Cookie a server sends: until then no jar exists. */
let toughLib: typeof import('tough-cookie') | undefined;
function tough(): typeof import('tough-cookie') {
  return (toughLib ??= createRequire(import.meta.url)('tough-cookie') as typeof import('tough-cookie'));
}

export interface CookieJarsOptions {
  /** Cookies kept per session; the least recently created go first. */
  perSession: number;
  /** Jars kept at most (sessions beyond that lose their oldest jar). */
  maxJars?: number;
  /** Octets all jars may hold together (names, values, domains, paths); beyond it the oldest jars are emptied. */
  maxBytes?: number;
  now?: () => number;
}

/** RFC 6265 §6.1: user agents should support cookies of at least 4096 octets; longer ones are ignored here. */
const MAX_SET_COOKIE = 4096;

export class CookieJars {
  private readonly jars = new Map<number, SessionJar>();
  private readonly now: () => number;
  /** What the listed jars hold, in octets (kept by store() and sessionEnded()). */
  private bytes = 0;

  constructor(private readonly opts: CookieJarsOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.jars.size;
  }

  /** The Cookie header value for a request of this session to `url`, if the jar has any for it. */
  cookieHeader(session: number, url: string): string | undefined {
    return this.jars.get(session)?.header(url);
  }

  /** Keeps the Set-Cookie values a response to `url` carried (bad or foreign ones are dropped, as RFC 6265 says). */
  store(session: number, url: string, setCookies: readonly string[]): void {
    this.account(this.open(session), url, setCookies);
  }

  /** Stores into a jar (one a request took at its start) and keeps the total under maxBytes. */
  account(jar: SessionJar, url: string, setCookies: readonly string[]): void {
    const before = jar.bytes;
    jar.store(url, setCookies);
    if (jar.ended) return;
    this.bytes += jar.bytes - before;
    const max = this.opts.maxBytes ?? Infinity;
    for (const [id, j] of this.jars) {
      if (this.bytes <= max) break;
      if (j !== jar) this.sessionEnded(id);
    }
  }

  /** Octets all listed jars hold. */
  get totalBytes(): number {
    return this.bytes;
  }

  /**
   * The session's jar for one request, taken when the request starts (the session lives then). A reply that
   * lands after the session ended stores into this ended jar, which is no longer listed: nothing outlives it.
   */
  open(session: number): SessionJar {
    let j = this.jars.get(session);
    if (!j) {
      const max = this.opts.maxJars ?? 100_000;
      if (this.jars.size >= max) {
        const oldest = this.jars.keys().next().value;
        if (oldest !== undefined) this.sessionEnded(oldest);
      }
      j = new SessionJar(this.opts.perSession, this.now);
      this.jars.set(session, j);
    }
    return j;
  }

  /** The session ended (disconnect, idle, replaced, evicted): its cookies go with it. */
  sessionEnded(session: number): void {
    const j = this.jars.get(session);
    if (!j) return;
    this.bytes -= j.bytes;
    j.end();
    this.jars.delete(session);
  }

  clear(): void {
    for (const j of this.jars.values()) j.end();
    this.jars.clear();
    this.bytes = 0;
  }
}

/** One session's cookies; the tough-cookie jar is made at its first Set-Cookie. */
export class SessionJar {
  private jar: CookieJar | undefined;
  private ended_ = false;
  /** Octets the jar holds (names, values, domains, paths), measured after every store. */
  bytes = 0;

  get ended(): boolean {
    return this.ended_;
  }

  constructor(
    private readonly perSession: number,
    private readonly now: () => number,
  ) {}

  end(): void {
    this.ended_ = true;
    this.jar = undefined;
    this.bytes = 0;
  }

  /** The Cookie header value for `url`: cookies that match it and have not expired on our clock. */
  header(url: string): string | undefined {
    const jar = this.jar;
    if (!jar) return undefined;
    let cookies: Cookie[];
    try {
      // expire: false — tough-cookie judges expiry by the wall clock; ours is injected (and Max-Age is absolute, below).
      cookies = jar.getCookiesSync(url, { expire: false });
    } catch {
      return undefined;
    }
    const now = this.now();
    const live: Cookie[] = [];
    for (const c of cookies) {
      const at = c.expiryTime();
      if (at !== undefined && at <= now) {
        if (c.domain && c.path) void jar.store.removeCookie(c.domain, c.path, c.key);
      } else live.push(c);
    }
    return live.length === 0 ? undefined : live.sort(tough().cookieCompare).map((c) => c.cookieString()).join('; ');
  }

  store(url: string, setCookies: readonly string[]): void {
    if (this.ended_ || setCookies.length === 0) return;
    // rejectPublicSuffixes: a server may not set a cookie for all of ".com".
    const { Cookie, CookieJar } = tough();
    const jar = (this.jar ??= new CookieJar(undefined, { rejectPublicSuffixes: true, allowSpecialUseDomain: true }));
    const now = this.now();
    for (const sc of setCookies) {
      if (sc.length > MAX_SET_COOKIE) continue;
      const c = Cookie.parse(sc);
      if (!c) continue;
      // RFC 6265 §5.2.2: Max-Age fixes the expiry-time at reception. tough-cookie counts it from the last access
      // (which every request renews: a cookie in use never expired), so it is kept as the absolute time.
      if (typeof c.maxAge === 'number') {
        c.expires = new Date(c.maxAge <= 0 ? 0 : now + c.maxAge * 1000);
        c.maxAge = null;
      }
      try {
        jar.setCookieSync(c, url, { ignoreError: true, now: new Date(now) });
      } catch {
        /* a cookie the URL may not set: ignored (RFC 6265 §5.3) */
      }
    }
    this.trim(jar);
  }

  private trim(jar: CookieJar): void {
    const all = jar.serializeSync()?.cookies ?? [];
    const size = (c: (typeof all)[number]) => String(c.key ?? '').length + String(c.value ?? '').length + String(c.domain ?? '').length + String(c.path ?? '').length;
    const over = all.length - this.perSession;
    this.bytes = all.reduce((n, c) => n + size(c), 0);
    if (over <= 0) return;
    const oldest = [...all].sort((a, b) => String(a.creation ?? '').localeCompare(String(b.creation ?? ''))).slice(0, over);
    const store = jar.store;
    for (const c of oldest) {
      if (typeof c.domain === 'string' && typeof c.path === 'string' && typeof c.key === 'string') void store.removeCookie(c.domain, c.path, c.key);
      this.bytes -= size(c);
    }
  }
}
