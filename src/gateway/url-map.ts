/**
 * URL maps (Kannel wapbox's map-url / map-url-max / device-home): ordered rules `FROM TO` that rewrite the
 * URL a handset asked for before the upstream allow-list judges it — so an MMSC that names itself by a
 * public host (`http://mmsc.operator/…` in its content locations, or an MMSC URL provisioned into handsets
 * years ago) is reached at its real address, and nothing else is opened.
 *
 *   - `http://mmsc.example/* http://10.0.0.5:8002/*`  prefix: the rest after FROM's prefix is appended to TO's;
 *   - `http://mmsc.example/* http://10.0.0.5:8002/mms` every URL under the prefix goes to the one TO;
 *   - `http://old.example/mms http://10.0.0.5:8002/mms` exact (the query string is part of the match);
 *   - `DEVICE:home http://portal.example/`              device-home: the handset's home URL.
 * The first rule that matches wins (rules are tried in order). A rule may keep the Host the handset asked
 * for (keepHost: an MMSC that builds content locations from Host expects its public name) or send the
 * target's (default). A map never opens the proxy: every TO must be an allowed origin (checkTargets).
 * Pure: no I/O.
 */

export interface UrlMapRule {
  from: string;
  to: string;
  keepHost?: boolean;
}

export interface MappedUrl {
  /** The URL to fetch. */
  url: string;
  /** The URL as requested (absolute when it could be resolved). */
  requested: string;
  /** Host header to send instead of the target's (keepHost rules). */
  host?: string;
  rule: UrlMapRule;
}

export class UrlMapError extends Error {
  override readonly name = 'UrlMapError';
}

interface Compiled {
  rule: UrlMapRule;
  /** Lower-cased scheme and host part of FROM compared case-insensitively; the path exactly. */
  from: string;
  prefix: boolean;
  to: string;
  toPrefix: boolean;
  deviceHome: boolean;
}

const DEVICE_HOME = /^(device:home|device-home)$/i;

/** Scheme and authority are case-insensitive (RFC 3986 §6.2.2.1); the rest is compared as written. */
function normalise(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(.*)$/is.exec(url);
  return m ? m[1]!.toLowerCase() + m[2]! : url;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Parses one `FROM TO` (as given to --map-url); a third word `keep-host` keeps the requested Host. */
export function parseMapRule(text: string): UrlMapRule {
  const words = text.trim().split(/\s+/);
  if (words.length < 2 || words.length > 3 || (words.length === 3 && words[2] !== 'keep-host')) {
    throw new UrlMapError(`map-url ${JSON.stringify(text)}: expected 'FROM TO' or 'FROM TO keep-host'`);
  }
  return { from: words[0]!, to: words[1]!, ...(words[2] ? { keepHost: true } : {}) };
}

function compile(rule: UrlMapRule, i: number): Compiled {
  const where = `URL map rule ${i + 1} (${rule.from} → ${rule.to})`;
  const deviceHome = DEVICE_HOME.test(rule.from);
  const prefix = !deviceHome && rule.from.endsWith('*');
  const toPrefix = rule.to.endsWith('*');
  if (toPrefix && !prefix) throw new UrlMapError(`${where}: TO ends with '*' but FROM does not`);
  const from = prefix ? rule.from.slice(0, -1) : rule.from;
  const to = toPrefix ? rule.to.slice(0, -1) : rule.to;
  if (!deviceHome) {
    let u: URL;
    try {
      u = new URL(from);
    } catch {
      throw new UrlMapError(`${where}: FROM is not an absolute URL (or DEVICE:home)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UrlMapError(`${where}: FROM must be http:// or https://`);
  }
  let t: URL;
  try {
    t = new URL(to);
  } catch {
    throw new UrlMapError(`${where}: TO is not an absolute URL`);
  }
  if (t.protocol !== 'http:' && t.protocol !== 'https:') throw new UrlMapError(`${where}: TO must be http:// or https://`);
  if (/[*\s]/.test(from) || /[*\s]/.test(to)) throw new UrlMapError(`${where}: '*' may only end FROM and TO`);
  return { rule, from: deviceHome ? 'device:home' : normalise(from), prefix, to, toPrefix, deviceHome };
}

/** A map whose targets are checked against the allow-list (throws UrlMapError otherwise). */
export function checkedUrlMap(rules: readonly UrlMapRule[], allowed: Iterable<string> | ((origin: string) => boolean)): UrlMap {
  const map = new UrlMap(rules);
  map.checkTargets(allowed);
  return map;
}

export class UrlMap {
  private readonly rules: Compiled[];

  constructor(rules: readonly UrlMapRule[]) {
    this.rules = rules.map(compile);
  }

  get size(): number {
    return this.rules.length;
  }

  /** The origins the map sends to (each must be on the allow-list). */
  targets(): string[] {
    return [...new Set(this.rules.map((r) => new URL(r.to).origin))];
  }

  /** Throws UrlMapError naming every rule whose TO origin is not allowed. */
  checkTargets(allowed: Iterable<string> | ((origin: string) => boolean)): void {
    const ok = typeof allowed === 'function' ? allowed : ((set) => (o: string) => set.has(o))(new Set(allowed));
    const bad = this.rules.filter((r) => !ok(new URL(r.to).origin));
    if (bad.length) {
      throw new UrlMapError(
        `URL map target(s) not on the upstream allow-list (a map never opens the proxy): ${bad
          .map((r) => `${r.rule.from} → ${r.rule.to} (add ${new URL(r.to).origin} to gateway.allowUpstream)`)
          .join('; ')}`,
      );
    }
  }

  /**
   * The first rule matching the URI as the handset sent it (raw: DEVICE:home, or an absolute URL) or, when it
   * is relative, as resolved against the default upstream (`resolved`).
   */
  map(raw: string, resolved?: string): MappedUrl | undefined {
    if (this.rules.length === 0) return undefined;
    const candidates = resolved && resolved !== raw ? [raw, resolved] : [raw];
    for (const r of this.rules) {
      for (const c of candidates) {
        const hit = this.apply(r, c);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  private apply(r: Compiled, url: string): MappedUrl | undefined {
    let target: string | undefined;
    if (r.deviceHome) {
      if (DEVICE_HOME.test(url.trim())) target = r.to;
    } else {
      const n = normalise(url);
      if (r.prefix) {
        if (n.startsWith(r.from)) target = r.toPrefix ? r.to + url.slice(r.from.length) : r.to;
      } else if (n === r.from) target = r.to;
    }
    if (target === undefined) return undefined;
    const host = r.rule.keepHost && !r.deviceHome ? hostOf(url) : undefined;
    return { url: target, requested: url, ...(host ? { host } : {}), rule: r.rule };
  }
}
