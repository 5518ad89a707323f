/**
 * Who is behind an address: dynamic bindings learned from RADIUS accounting (address or IPv6 prefix →
 * subscriber), kept in lru-cache with a TTL and a maximum size, and a static CIDR table for labs and fixed
 * devices. An index MSISDN → address answers the PPG (`ipForMsisdn`). Invariants:
 * - one address (or prefix) has at most one subscriber; binding it to another replaces the old one entirely
 *   (nothing of the previous subscriber survives: an IP reassigned never keeps the old MSISDN);
 * - a removal names the session it ends, so a late Stop of a previous holder cannot remove the new one;
 * - dynamic bindings win over the static table.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Subscriber } from '../gateway/hooks.ts';
import { CidrTable, formatCidr, formatIp, networkOf, parseCidr, parseIp, type Cidr } from '../net/ip.ts';
import { boundedLru } from './bounded-lru.ts';
import { SUBSCRIBER_MAP_DEFAULTS, type StaticSubscriber, type SubscriberMapOptions } from './options.ts';

/** 3GPP vendor-specific attributes (TS 29.061 §16.4.7, vendor 10415) worth keeping with a binding. */
export interface ThreeGppInfo {
  chargingId?: number;
  pdpType?: number;
  chargingGatewayAddress?: string;
  negotiatedQos?: string;
  sgsnAddress?: string;
  ggsnAddress?: string;
  imsiMccMnc?: string;
  ggsnMccMnc?: string;
  nsapi?: string;
  selectionMode?: string;
  chargingCharacteristics?: string;
  sgsnMccMnc?: string;
  imeisv?: string;
  ratType?: number;
  /** Hex of the User-Location-Info octets. */
  userLocationInfo?: string;
  /** Hex of the MS-TimeZone octets. */
  msTimeZone?: string;
}

export interface SubscriberRecord extends Subscriber {
  source: 'radius' | 'static';
  /** Acct-Session-Id of the accounting session that created the binding. */
  sessionId?: string;
  /** The NAS that reported it (NAS-IP-Address, else NAS-Identifier, else the datagram's source). */
  nas?: string;
  /** Called-Station-Id (the APN on a GGSN). */
  apn?: string;
  userName?: string;
  threeGpp?: ThreeGppInfo;
  /** ms: when this subscriber first got this address; when last refreshed. */
  since: number;
  updated: number;
}

export type BindResult = 'new' | 'refreshed' | 'replaced';
export type UnbindResult = 'removed' | 'absent' | 'mismatch';

export interface SubscriberMapCounters {
  binds: number;
  refreshes: number;
  /** An address bound to a different subscriber than before. */
  replacements: number;
  unbinds: number;
  /** Stops that named another session than the current holder's (ignored). */
  unbindMismatches: number;
  /** Bindings dropped by the LRU bound or by TTL. */
  evictions: number;
  lookups: number;
  hits: number;
}

/**
 * A change made to the map, emitted after it is applied (SubscriberMap.onChange): what a copy elsewhere (a
 * gateway worker's, src/app/workers.ts; another node's, over Redis) must apply to stay the same. A bind is
 * emitted whatever its result; an unbind only when it removed something.
 */
export type SubscriberChange =
  | { op: 'bind'; address: string; rec: SubscriberBindInput; result: BindResult }
  | { op: 'unbind'; address: string; match?: { sessionId?: string; msisdn?: string } }
  | { op: 'unbindNas'; nas: string; removed: number }
  | { op: 'clear' }
  | { op: 'reloadStatic' }
  | { op: 'setStatic'; entries: readonly StaticSubscriber[]; file?: string | null };

/** What bind() takes: a record without the fields the map sets itself. */
export type SubscriberBindInput = Omit<SubscriberRecord, 'source' | 'since' | 'updated'>;

export interface SubscriberMap {
  /** Binds an address (`10.1.2.3`, `2001:db8::5`) or prefix (`2001:db8:1::/64`) to a subscriber. */
  bind(address: string, rec: Omit<SubscriberRecord, 'source' | 'since' | 'updated'>): BindResult;
  /**
   * Removes a dynamic binding if it belongs to the named session (by sessionId when both sides have one,
   * else by MSISDN); `match` omitted removes whatever is bound.
   */
  unbind(address: string, match?: { sessionId?: string; msisdn?: string }): UnbindResult;
  /** Removes every binding reported by one NAS (Accounting-On / -Off: the NAS restarted). Returns the count. */
  unbindNas(nas: string): number;
  /** The subscriber behind a client address (dynamic first, then the static table). */
  lookup(ip: string): Subscriber | undefined;
  /** The full record behind a client address. */
  record(ip: string): SubscriberRecord | undefined;
  /** The address a subscriber currently has (IPv4 preferred), for push delivery; undefined when unknown. */
  ipForMsisdn(msisdn: string): string | undefined;
  /**
   * Replaces the static table: `entries` from config, plus the file's entries (re-read now). `file`: a new
   * path, null for none, omitted to keep the current one. Throws naming a bad entry; the old table stays then.
   */
  setStatic(entries: readonly StaticSubscriber[], file?: string | null): void;
  /** Re-reads `staticFile` (if configured) together with the configured entries (SIGHUP). */
  reloadStatic(): void;
  /** Dynamic bindings held. */
  readonly size: number;
  readonly staticSize: number;
  readonly counters: Readonly<SubscriberMapCounters>;
  clear(): void;
  /**
   * Calls `listener` after every change (synchronously, in order); returns the function that stops it. A
   * listener that throws does not undo the change nor stop the other listeners; the first exception is then
   * thrown by the method that made the change.
   */
  onChange(listener: (change: SubscriberChange) => void): () => void;
}

interface Entry extends SubscriberRecord {
  key: string;
}

/** Parses a static table file: `CIDR MSISDN [IMSI]` per line, `#` comments. Throws naming file and line. */
export function parseStaticTable(text: string, name = 'static table'): StaticSubscriber[] {
  const out: StaticSubscriber[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const parts = line.split(/\s+/);
    if (parts.length < 2 || parts.length > 3) {
      throw new Error(`${name}:${i + 1}: expected "CIDR MSISDN [IMSI]", got ${JSON.stringify(raw.slice(0, 120))}`);
    }
    const [cidr, msisdn, imsi] = parts as [string, string, string | undefined];
    out.push(imsi ? { cidr, msisdn, imsi } : { cidr, msisdn });
  });
  return out;
}

/**
 * Reads a static table file: `.yaml` / `.yml` / `.json` hold a list of `{cidr, msisdn, imsi?}` (or an object
 * with such a list under `static`); any other file is the line format of `parseStaticTable`.
 */
export function readStaticTableFile(file: string): StaticSubscriber[] {
  const text = readFileSync(file, 'utf8');
  if (!/\.(ya?ml|json)$/i.test(file)) return parseStaticTable(text, file);
  let doc: unknown;
  try {
    // yaml is loaded here, when a table file is read, not by every process that has a subscriber map.
    doc = (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { static?: unknown } | null)?.static;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a list of {cidr, msisdn, imsi?}`);
  return list.map((e: unknown, i) => {
    const o = e as Record<string, unknown> | null;
    if (!o || typeof o.cidr !== 'string' || typeof o.msisdn !== 'string' || (o.imsi !== undefined && typeof o.imsi !== 'string')) {
      throw new Error(`${file}: entry ${i + 1}: expected {cidr, msisdn, imsi?} as strings`);
    }
    return o.imsi !== undefined ? { cidr: o.cidr, msisdn: o.msisdn, imsi: o.imsi as string } : { cidr: o.cidr, msisdn: o.msisdn };
  });
}

const PLAIN_ID = /^\+?[0-9A-Za-z._-]{1,64}$/;

function compileStatic(entries: readonly StaticSubscriber[]): CidrTable<StaticSubscriber> {
  const table = new CidrTable<StaticSubscriber>();
  for (const e of entries) {
    const c = parseCidr(e.cidr);
    if (!c) throw new Error(`static subscriber: ${JSON.stringify(e.cidr)} is not an address or CIDR prefix`);
    if (!PLAIN_ID.test(e.msisdn)) throw new Error(`static subscriber ${e.cidr}: bad MSISDN ${JSON.stringify(e.msisdn)}`);
    if (e.imsi !== undefined && !/^[0-9]{5,15}$/.test(e.imsi)) {
      throw new Error(`static subscriber ${e.cidr}: bad IMSI ${JSON.stringify(e.imsi)}`);
    }
    table.set(c, e);
  }
  return table;
}

function subscriberOf(r: { msisdn: string; imsi?: string | undefined }): Subscriber {
  return r.imsi !== undefined ? { msisdn: r.msisdn, imsi: r.imsi } : { msisdn: r.msisdn };
}

function isHost(c: Cidr): boolean {
  return c.bits === (c.family === 4 ? 32 : 128);
}

export function createSubscriberMap(options: Partial<SubscriberMapOptions> = {}): SubscriberMap {
  const opts: SubscriberMapOptions = { ...SUBSCRIBER_MAP_DEFAULTS, ...options };
  const now = opts.now ?? Date.now;
  const counters: SubscriberMapCounters = {
    binds: 0,
    refreshes: 0,
    replacements: 0,
    unbinds: 0,
    unbindMismatches: 0,
    evictions: 0,
    lookups: 0,
    hits: 0,
  };
  /** msisdn → keys of its dynamic bindings (verified against `dynamic` on read). */
  const byMsisdn = boundedLru<string, string[]>(opts.maxEntries);
  /** IPv6 (and IPv4) prefix lengths in use besides host routes, longest first. */
  const prefixLens: Array<{ family: 4 | 6; bits: number }> = [];

  const dropIndex = (e: Entry): void => {
    const keys = byMsisdn.get(e.msisdn);
    if (!keys) return;
    const rest = keys.filter((k) => k !== e.key);
    if (rest.length) byMsisdn.set(e.msisdn, rest);
    else byMsisdn.delete(e.msisdn);
  };

  const dynamic = boundedLru<string, Entry>(opts.maxEntries, {
    ...(opts.ttlMs > 0 ? { ttl: opts.ttlMs, ttlResolution: 0, perf: { now } } : {}),
    dispose: (e, _key, reason) => {
      if (reason === 'evict' || reason === 'expire') counters.evictions++;
      dropIndex(e);
    },
  });

  let staticTable = compileStatic(opts.static);
  if (opts.staticFile) staticTable = compileStatic([...opts.static, ...readStaticFile(opts.staticFile)]);

  function readStaticFile(file: string): StaticSubscriber[] {
    return readStaticTableFile(file);
  }

  function keyOf(address: string): { key: string; cidr: Cidr } | undefined {
    const c = parseCidr(address);
    if (!c) return undefined;
    return { key: isHost(c) ? formatIp(c) : formatCidr(c), cidr: c };
  }

  function findDynamic(ip: string): Entry | undefined {
    const p = parseIp(ip);
    if (!p) return undefined;
    const exact = dynamic.get(formatIp(p));
    if (exact) return exact;
    for (const { family, bits } of prefixLens) {
      if (family !== p.family) continue;
      const hit = dynamic.get(formatCidr({ family, bits, value: networkOf(p, bits) }));
      if (hit) return hit;
    }
    return undefined;
  }

  function findStatic(ip: string): StaticSubscriber | undefined {
    const p = parseIp(ip);
    return p ? staticTable.match(p)?.value : undefined;
  }

  const listeners = new Set<(change: SubscriberChange) => void>();
  const emit = (change: SubscriberChange): void => {
    let failed: { err: unknown } | undefined;
    for (const l of listeners) {
      try {
        l(change);
      } catch (err) {
        failed ??= { err };
      }
    }
    if (failed) throw failed.err;
  };
  const bindEntry = (address: string, rec: SubscriberBindInput): BindResult => {
    const k = keyOf(address);
    if (!k) throw new Error(`bind: ${JSON.stringify(address)} is not an address or prefix`);
    if (!isHost(k.cidr) && !prefixLens.some((l) => l.family === k.cidr.family && l.bits === k.cidr.bits)) {
      prefixLens.push({ family: k.cidr.family, bits: k.cidr.bits });
      prefixLens.sort((a, b) => b.bits - a.bits);
    }
    const t = now();
    const old = dynamic.get(k.key);
    const same = old !== undefined && old.msisdn === rec.msisdn && old.imsi === rec.imsi;
    // A fresh object every time: the previous holder's fields (IMSI, VSAs) never leak into the new binding.
    const entry: Entry = { ...rec, source: 'radius', since: same ? old.since : t, updated: t, key: k.key };
    for (const f of Object.keys(entry) as Array<keyof Entry>) if (entry[f] === undefined) delete entry[f];
    if (old && !same) dynamic.delete(k.key);
    dynamic.set(k.key, entry);
    const keys = byMsisdn.get(rec.msisdn) ?? [];
    if (!keys.includes(k.key)) byMsisdn.set(rec.msisdn, [...keys.slice(-7), k.key]);
    if (same) {
      counters.refreshes++;
      return 'refreshed';
    }
    counters.binds++;
    if (old) counters.replacements++;
    return old ? 'replaced' : 'new';
  };

  const unbindEntry = (address: string, match: { sessionId?: string; msisdn?: string } | undefined): UnbindResult => {
    const k = keyOf(address);
    if (!k) return 'absent';
    const old = dynamic.get(k.key);
    if (!old) return 'absent';
    if (match) {
      const bySession = match.sessionId !== undefined && old.sessionId !== undefined;
      const ok = bySession ? match.sessionId === old.sessionId : match.msisdn === undefined || match.msisdn === old.msisdn;
      if (!ok) {
        counters.unbindMismatches++;
        return 'mismatch';
      }
    }
    dynamic.delete(k.key);
    counters.unbinds++;
    return 'removed';
  };

  return {
    bind(address, rec) {
      const result = bindEntry(address, rec);
      emit({ op: 'bind', address, rec, result });
      return result;
    },

    unbind(address, match) {
      const result = unbindEntry(address, match);
      if (result === 'removed') emit(match ? { op: 'unbind', address, match } : { op: 'unbind', address });
      return result;
    },

    unbindNas(nas) {
      const doomed: string[] = [];
      for (const [key, e] of dynamic.entries()) if (e.nas === nas) doomed.push(key);
      for (const key of doomed) dynamic.delete(key);
      counters.unbinds += doomed.length;
      emit({ op: 'unbindNas', nas, removed: doomed.length });
      return doomed.length;
    },

    lookup(ip) {
      counters.lookups++;
      const d = findDynamic(ip);
      const s = d ?? findStatic(ip);
      if (!s) return undefined;
      counters.hits++;
      return subscriberOf(s);
    },

    record(ip) {
      const d = findDynamic(ip);
      if (d) {
        const { key: _key, ...rest } = d;
        return rest;
      }
      const s = findStatic(ip);
      return s ? { ...subscriberOf(s), source: 'static', since: 0, updated: 0 } : undefined;
    },

    ipForMsisdn(msisdn) {
      // A PAP address (+15551234) and a Calling-Station-Id (15551234) may differ in the leading '+'.
      const forms = [msisdn, msisdn.startsWith('+') ? msisdn.slice(1) : `+${msisdn}`];
      for (const form of forms) {
        const hosts: Cidr[] = [];
        for (const key of byMsisdn.get(form) ?? []) {
          const e = dynamic.get(key);
          if (!e || e.msisdn !== form) continue;
          const c = parseCidr(key);
          if (c && isHost(c)) hosts.push(c);
        }
        for (const [c, e] of staticTable.entries()) if (e.msisdn === form && isHost(c)) hosts.push(c);
        const best = hosts.find((c) => c.family === 4) ?? hosts[0];
        if (best) return formatIp(best);
      }
      return undefined;
    },

    setStatic(entries, file) {
      const path = file === undefined ? opts.staticFile : (file ?? undefined);
      staticTable = compileStatic([...entries, ...(path ? readStaticFile(path) : [])]);
      opts.static = [...entries];
      opts.staticFile = path;
      emit(file === undefined ? { op: 'setStatic', entries: [...entries] } : { op: 'setStatic', entries: [...entries], file });
    },

    reloadStatic() {
      const extra = opts.staticFile ? readStaticFile(opts.staticFile) : [];
      staticTable = compileStatic([...opts.static, ...extra]);
      emit({ op: 'reloadStatic' });
    },

    get size() {
      return dynamic.size;
    },
    get staticSize() {
      return staticTable.size;
    },
    counters,
    clear() {
      dynamic.clear();
      byMsisdn.clear();
      emit({ op: 'clear' });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
