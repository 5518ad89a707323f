/**
 * IP addresses and CIDR prefixes for every layer that meets them (identity, PPG and sendsms access lists, packet
 * traces, WSP addresses): parse IPv4 / IPv6 text (IPv4-mapped IPv6 such as
 * `::ffff:10.0.0.1`, as a dual-stack dgram socket reports it, is folded to plain IPv4), and match addresses
 * against CIDR lists by longest prefix. Addresses are held as bigint so both families share one code path.
 * Never throws on bad text: parsers return undefined, and callers decide (config errors are reported by
 * `parseCidr`'s caller with the offending text).
 */
import { isIPv4 } from 'node:net';

export type Family = 4 | 6;

export interface ParsedIp {
  readonly family: Family;
  /** The address as an unsigned integer (32 or 128 bits). */
  readonly value: bigint;
}

export interface Cidr extends ParsedIp {
  /** Prefix length in bits (0..32 or 0..128). */
  bits: number;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

function parseV4(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined;
  let v = 0n;
  for (const part of text.split('.')) v = (v << 8n) | BigInt(Number(part));
  return v;
}

/**
 * RFC 4291 §2.2 text: eight groups of 1–4 hex digits, one `::` standing for one or more zero groups, the last two
 * groups optionally a dotted quad. Parsed by hand, not gated by node:net's isIPv6: its regular expression costs
 * every isolate (the main thread and each gateway worker) ~15 ms to compile at the first call and ~140 KB of code.
 */
function parseV6(text: string): bigint | undefined {
  // Zone ids (fe80::1%eth0) carry no identity; drop them.
  const bare = text.split('%')[0] ?? '';
  if (!bare.includes(':')) return undefined;
  let head = bare;
  const lastColon = bare.lastIndexOf(':');
  if (bare.includes('.', lastColon)) {
    // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
    const tail = parseV4(bare.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    head = `${bare.slice(0, lastColon + 1)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** Whether `text` is IPv6 address text (IPv4-mapped included): a socket or a bind address of family 6. */
export function isIpv6Text(text: string): boolean {
  return typeof text === 'string' && text.length <= 64 && parseV6(text) !== undefined;
}

/**
 * The addresses parsed lately, by text, and their canonical text: every request asks the identity hooks about its
 * client's address several times (client policy, dynamic and static subscriber maps, enrichment), and a gateway's
 * clients are the same few thousand addresses over and over. Parsed values are frozen and shared; the memo is
 * cleared when full, so arbitrary (spoofed) addresses cost at most MEMO_MAX entries.
 */
const MEMO_MAX = 4096;
const parsedMemo = new Map<string, ParsedIp | null>();
const formattedMemo = new WeakMap<ParsedIp, string>();

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): ParsedIp | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const known = parsedMemo.get(text);
  if (known !== undefined) return known ?? undefined;
  const ip = parseIpText(text);
  if (parsedMemo.size >= MEMO_MAX) parsedMemo.clear();
  parsedMemo.set(text, ip ? Object.freeze(ip) : null);
  return ip;
}

function parseIpText(text: string): ParsedIp | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseV6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/**
 * The address's octets in network order: 4 for IPv4 (IPv4-mapped IPv6 included, as parseIp folds it), 16 for
 * IPv6 — e.g. a WSP Address's Address field (WAP-230 §8.2.5.3). undefined for text that is not an address.
 */
export function ipBytes(text: string): { family: Family; bytes: Buffer } | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  const n = ip.family === 4 ? 4 : 16;
  const bytes = Buffer.alloc(n);
  let v = ip.value;
  for (let k = n - 1; k >= 0; k--) {
    bytes[k] = Number(v & 0xffn);
    v >>= 8n;
  }
  return { family: ip.family, bytes };
}

/** Canonical text of an address: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIp(ip: ParsedIp): string {
  let text = formattedMemo.get(ip);
  if (text === undefined) {
    text = formatParsed(ip);
    // Only the shared values parseIp made are remembered (a caller's own object could be any address).
    if (Object.isFrozen(ip)) formattedMemo.set(ip, text);
  }
  return text;
}

function formatParsed(ip: ParsedIp): string {
  if (ip.family === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String(Number((v >> s) & 0xffn))).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address given as text; undefined when it is not an address. */
export function normalizeIp(text: string): string | undefined {
  const p = parseIp(text);
  return p ? formatIp(p) : undefined;
}

function width(family: Family): number {
  return family === 4 ? 32 : 128;
}

function mask(family: Family, bits: number): bigint {
  const w = BigInt(width(family));
  if (bits <= 0) return 0n;
  return ((1n << w) - 1n) ^ ((1n << (w - BigInt(bits))) - 1n);
}

/** The network part of an address (host bits cleared). */
export function networkOf(ip: ParsedIp, bits: number): bigint {
  return ip.value & mask(ip.family, bits);
}

/** Parses `a.b.c.d/n`, `x::/n` or a bare address (a host route: /32 or /128). Host bits are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text.trim() : text.slice(0, slash).trim());
  if (!addr) return undefined;
  let bits = width(addr.family);
  if (slash >= 0) {
    const b = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(b)) return undefined;
    bits = Number(b);
    // An IPv4-mapped prefix (::ffff:10.0.0.0/104) counts its bits over 128.
    const wasMapped = !isIPv4(text.slice(0, slash).trim());
    if (addr.family === 4 && wasMapped) bits -= 96;
    if (bits < 0 || bits > width(addr.family)) return undefined;
  }
  return { family: addr.family, bits, value: networkOf(addr, bits) };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c)}/${c.bits}`;
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  return c.family === ip.family && networkOf(ip, c.bits) === c.value;
}

/**
 * A set of CIDR prefixes, each with a value, answering longest-prefix match. One Map per (family, prefix
 * length) in use, so a lookup costs at most one hash probe per distinct prefix length.
 */
export class CidrTable<V> {
  private readonly byLen = new Map<string, Map<bigint, V>>();
  private lens: Array<{ family: Family; bits: number }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(c: Cidr, value: V): void {
    const key = `${c.family}/${c.bits}`;
    let m = this.byLen.get(key);
    if (!m) {
      m = new Map();
      this.byLen.set(key, m);
      this.lens.push({ family: c.family, bits: c.bits });
      this.lens.sort((a, b) => b.bits - a.bits);
    }
    if (!m.has(c.value)) this.count++;
    m.set(c.value, value);
  }

  delete(c: Cidr): boolean {
    const m = this.byLen.get(`${c.family}/${c.bits}`);
    if (!m || !m.delete(c.value)) return false;
    this.count--;
    return true;
  }

  get(c: Cidr): V | undefined {
    return this.byLen.get(`${c.family}/${c.bits}`)?.get(c.value);
  }

  /** The value of the longest prefix containing ip, with that prefix. */
  match(ip: ParsedIp): { cidr: Cidr; value: V } | undefined {
    for (const { family, bits } of this.lens) {
      if (family !== ip.family) continue;
      const net = networkOf(ip, bits);
      const m = this.byLen.get(`${family}/${bits}`);
      const v = m?.get(net);
      if (v !== undefined || m?.has(net)) return { cidr: { family, bits, value: net }, value: v as V };
    }
    return undefined;
  }

  clear(): void {
    this.byLen.clear();
    this.lens = [];
    this.count = 0;
  }

  *entries(): IterableIterator<[Cidr, V]> {
    for (const { family, bits } of this.lens) {
      for (const [value, v] of this.byLen.get(`${family}/${bits}`) ?? []) yield [{ family, bits, value }, v];
    }
  }
}

/** A list of CIDR texts → a membership test. Throws a plain Error naming the bad entry (configuration time). */
export function cidrSet(list: readonly string[], what = 'CIDR list'): CidrTable<true> {
  const t = new CidrTable<true>();
  for (const text of list) {
    const c = parseCidr(text);
    if (!c) throw new Error(`${what}: ${JSON.stringify(text)} is not an IPv4/IPv6 address or CIDR prefix`);
    t.set(c, true);
  }
  return t;
}
