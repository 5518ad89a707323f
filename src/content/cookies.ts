/**
 * A cookie jar per WSP session (tough-cookie, RFC 6265): what a server sets is kept at the gateway and sent
 * back only to the hosts and paths it belongs to (domain, path, expiry, Secure honoured; HttpOnly cookies go to
 * HTTP servers but never to the handset), unlike Kannel, which sends every cookie of a session to every host.
 * Connectionless requests have no session, so no jar. A jar ends with its session (sessionEnded). Bounded:
 * cookies per jar, Set-Cookie length, jars (the session table's own bound, plus a cap here).
 */
import { CookieJar } from 'tough-cookie';

export interface CookieJarsOptions {
  /** Cookies kept per session; the least recently created go first. */
  perSession: number;
  /** Jars kept at most (sessions beyond that lose their oldest jar). */
  maxJars?: number;
  now?: () => number;
}

/** RFC 6265 §6.1: user agents should support cookies of at least 4096 octets; longer ones are ignored here. */
const MAX_SET_COOKIE = 4096;

export class CookieJars {
  private readonly jars = new Map<number, CookieJar>();
  private readonly now: () => number;

  constructor(private readonly opts: CookieJarsOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.jars.size;
  }

  /** The Cookie header value for a request of this session to `url`, if the jar has any for it. */
  cookieHeader(session: number, url: string): string | undefined {
    const jar = this.jars.get(session);
    if (!jar) return undefined;
    try {
      const s = jar.getCookieStringSync(url);
      return s === '' ? undefined : s;
    } catch {
      return undefined;
    }
  }

  /** Keeps the Set-Cookie values a response to `url` carried (bad or foreign ones are dropped, as RFC 6265 says). */
  store(session: number, url: string, setCookies: readonly string[]): void {
    if (setCookies.length === 0) return;
    let jar = this.jars.get(session);
    if (!jar) {
      const max = this.opts.maxJars ?? 100_000;
      if (this.jars.size >= max) {
        const oldest = this.jars.keys().next().value;
        if (oldest !== undefined) this.jars.delete(oldest);
      }
      // rejectPublicSuffixes: a server may not set a cookie for all of ".com".
      jar = new CookieJar(undefined, { rejectPublicSuffixes: true, allowSpecialUseDomain: true });
      this.jars.set(session, jar);
    }
    for (const sc of setCookies) {
      if (sc.length > MAX_SET_COOKIE) continue;
      try {
        jar.setCookieSync(sc, url, { ignoreError: true, now: new Date(this.now()) });
      } catch {
        /* a cookie the URL may not set: ignored (RFC 6265 §5.3) */
      }
    }
    this.trim(jar);
  }

  private trim(jar: CookieJar): void {
    const all = jar.serializeSync()?.cookies ?? [];
    const over = all.length - this.opts.perSession;
    if (over <= 0) return;
    const oldest = [...all].sort((a, b) => String(a.creation ?? '').localeCompare(String(b.creation ?? ''))).slice(0, over);
    const store = jar.store;
    for (const c of oldest) {
      if (typeof c.domain === 'string' && typeof c.path === 'string' && typeof c.key === 'string') void store.removeCookie(c.domain, c.path, c.key);
    }
  }

  /** The session ended (disconnect, idle, replaced, evicted): its cookies go with it. */
  sessionEnded(session: number): void {
    this.jars.delete(session);
  }

  clear(): void {
    this.jars.clear();
  }
}
