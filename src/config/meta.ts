/**
 * What each configuration key means to an operator: description, whether it is a secret (masked by
 * `wapgate config --print`), whether SIGHUP may change it, and its CLI flag when it has a short one. Attached to
 * the zod schema of the key through a registry, so the schema stays the single source of truth for validation,
 * defaults, the environment variable names, the flags and the generated configuration reference.
 *
 * Shared building blocks (ports, durations, sizes, CIDRs, URLs, origins) live here so every section describes
 * "what is allowed" the same way.
 */
import { isIP } from 'node:net';
import * as z from 'zod';

export interface KeyMeta {
  /** One sentence for the reference table; say the unit. */
  description: string;
  /** Masked in `config --print` and in error messages. */
  secret?: boolean;
  /** SIGHUP may change it without a restart (see src/config/reload.ts). */
  reloadable?: boolean;
  /** Short flag name without dashes (e.g. 'cl-port'); otherwise `--<section>-<key-in-kebab-case>`. */
  flag?: string;
  /** A flag that may be given several times, each adding an element (arrays only). */
  repeatable?: boolean;
  /**
   * Giving this key turns its group's `enabled` on (src/config/load.ts). Default: true for keys named port,
   * secret, password or host in a group that has an `enabled` key; false elsewhere.
   */
  enables?: boolean;
}

export const configMeta = z.registry<KeyMeta>();

/** Attaches operator documentation to a key's schema (call it on the outermost schema: after .default()). */
export function key<T extends z.ZodType>(schema: T, meta: KeyMeta): T {
  configMeta.add(schema, meta);
  return schema;
}

/** A section or nested group: strict (unknown keys are an error, so typos are caught) with its defaults filled. */
export function group<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape).prefault({} as never);
}

// ---------- reusable value schemas ----------

export const port = () => z.number().int().min(0).max(65535);

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Milliseconds, given as a number or as a string such as "500ms", "30s", "5m", "2h", "7d". */
export const duration = () =>
  z
    .union([
      z.number().int().min(0),
      z
        .string()
        .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, { message: 'a duration such as 500ms, 30s, 5m, 2h or 7d' })
        .transform((s) => {
          const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(s)!;
          return Math.round(Number(m[1]) * UNITS_MS[m[2]!]!);
        }),
    ]);

const UNITS_B: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};
/** Octets, given as a number or as a string such as "300KB", "1MiB". */
export const size = () =>
  z
    .union([
      z.number().int().min(0),
      z
        .string()
        .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb|kib|mib|gib)$/i, { message: 'a size such as 300KB, 10MB or 1MiB' })
        .transform((s) => {
          const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(s)!;
          return Math.round(Number(m[1]) * UNITS_B[m[2]!.toLowerCase()]!);
        }),
    ]);

export const ipAddress = () =>
  z.string().refine((s) => isIP(s) !== 0, { message: 'an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::1' });

/** An address or CIDR block, IPv4 or IPv6: 10.0.0.0/8, 2001:db8::/32, 127.0.0.1. */
export function isCidr(s: string): boolean {
  const [addr = '', bits, extra] = s.split('/');
  if (extra !== undefined) return false;
  const v = isIP(addr);
  if (v === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (v === 4 ? 32 : 128);
}
export const cidr = () =>
  z.string().refine(isCidr, { message: 'an IP address or CIDR block such as 10.0.0.0/8, 127.0.0.1 or 2001:db8::/32' });

export const httpUrl = () =>
  z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'an absolute http:// or https:// URL' },
  );

/** scheme://host[:port], nothing else: what the upstream allow-list and per-origin settings compare against. */
export const origin = () =>
  z.string().refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s.replace(/\/$/, '');
      } catch {
        return false;
      }
    },
    { message: 'an origin: scheme://host[:port] without path, e.g. http://mmsc.example:8002' },
  );

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
