/**
 * Turning schema issues into operator sentences: every message names the key, the value, where the value came
 * from (file:line, environment variable or flag) and what is allowed.
 */
import type * as z from 'zod';
import { configKeys, type ConfigKey } from './keys.ts';

export interface ConfigProblem {
  /** Dotted key, with [i] for list elements: "push.credentials[0].password". */
  key: string;
  /** The offending value as shown to the operator (secrets masked); undefined when it is missing. */
  value: unknown;
  /** What would be accepted. */
  allowed: string;
  /** "wapgate.yaml:12", "env WAPGATE_GATEWAY_CL_PORT", "flag --cl-port", or "default". */
  source?: string;
  /** The key itself is unknown (a typo, or a key of another version). */
  unknownKey?: true;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], heading = 'invalid configuration') {
    super(`${heading}:\n${problems.map((p) => '  - ' + formatProblem(p)).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const MASK = '********';

export function formatProblem(p: ConfigProblem): string {
  const where = p.source ? ` (${p.source})` : '';
  if (p.unknownKey) return `${p.key}${where}: unknown key; expected ${p.allowed}`;
  const value = p.value === undefined ? 'missing' : `${showValue(p.value)} is not allowed`;
  return `${p.key}${where}: ${value}; expected ${p.allowed}`;
}

export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? s.slice(0, 117) + '...' : s;
}

type Issue = z.core.$ZodIssue;

function pathText(path: PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

function peelSchema(schema: unknown): unknown {
  let cur = schema;
  while ((cur as { def?: { innerType?: unknown } } | undefined)?.def?.innerType)
    cur = (cur as { def: { innerType: unknown } }).def.innerType;
  return cur;
}

function numberRange(schema: unknown): string | undefined {
  const s = peelSchema(schema) as { minValue?: number | null; maxValue?: number | null; isInt?: boolean; def?: { type: string } };
  if (s?.def?.type !== 'number') return undefined;
  const what = s.isInt ? 'an integer' : 'a number';
  const lo = s.minValue ?? undefined;
  const hi = s.maxValue ?? undefined;
  const fin = (x: number | undefined) => x !== undefined && Number.isFinite(x) && Math.abs(x) < Number.MAX_SAFE_INTEGER;
  if (fin(lo) && fin(hi)) return `${what} from ${lo} to ${hi}`;
  if (fin(lo)) return `${what} ≥ ${lo}`;
  if (fin(hi)) return `${what} ≤ ${hi}`;
  return what;
}

const DEFAULT_MESSAGE = /^(Invalid|Too (big|small)|Unrecognized)/;

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** What one zod issue says is allowed. */
export function allowedFor(issue: Issue, keySchema?: unknown): string {
  if (!DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const range = numberRange(keySchema);
      if (range && (issue.expected === 'number' || issue.expected === 'int')) return range;
      if (issue.expected === 'int') return 'an integer';
      if (issue.expected === 'array') return 'a list (YAML sequence; in env/flags: comma-separated or JSON)';
      if (issue.expected === 'object') return 'a mapping of keys to values';
      return article(issue.expected);
    }
    case 'too_small':
    case 'too_big': {
      const range = numberRange(keySchema);
      if (issue.origin === 'number' && range) return range;
      const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const rel = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'string') return `${rel} ${n} character${n === 1 ? '' : 's'}`;
      if (issue.origin === 'array') return `${rel} ${n} entr${n === 1 ? 'y' : 'ies'}`;
      return `a number ${issue.code === 'too_small' ? '≥' : '≤'} ${n}`;
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? `text matching ${String((issue as { pattern?: string }).pattern)}` : issue.format;
    case 'invalid_union': {
      const alts = issue.errors.map((branch) => (branch[0] ? allowedFor(branch[0], schemaOfBranch(keySchema, branch[0])) : ''));
      return [...new Set(alts.filter(Boolean))].join(' or ');
    }
    case 'unrecognized_keys':
      return 'a known key';
    default:
      return issue.message;
  }
}

/** For unions like duration(): the number branch's range. */
function schemaOfBranch(keySchema: unknown, first: Issue): unknown {
  const options = (peelSchema(keySchema) as { def?: { options?: unknown[] } } | undefined)?.def?.options ?? [];
  if (first.code === 'invalid_type' || first.code === 'too_small' || first.code === 'too_big')
    return options.find((o) => (o as { def?: { type: string } }).def?.type === 'number');
  return undefined;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

export function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function keyFor(path: PropertyKey[]): ConfigKey | undefined {
  const names = path.filter((p) => typeof p === 'string').join('.');
  // the longest key that prefixes the issue path (list-of-object keys hold nested fields)
  let best: ConfigKey | undefined;
  for (const k of configKeys()) {
    if (names === k.name || names.startsWith(k.name + '.') || pathText(path).startsWith(k.name + '[')) {
      if (!best || k.name.length > best.name.length) best = k;
    }
  }
  return best;
}

function siblings(path: PropertyKey[]): string[] {
  const prefix = path.join('.');
  const out = new Set<string>();
  for (const k of configKeys()) {
    const n = k.name;
    if (prefix === '' ? true : n.startsWith(prefix + '.')) {
      const rest = prefix === '' ? n : n.slice(prefix.length + 1);
      out.add(rest.split('.')[0]!);
    }
  }
  return [...out];
}

function isSecretPath(path: PropertyKey[]): boolean {
  const k = keyFor(path);
  if (!k) return false;
  if (k.meta.secret) return true;
  const last = path[path.length - 1];
  return typeof last === 'string' && /password|secret/i.test(last);
}

/** Converts a failed safeParse into problems, with sources from `sourceOf(dotted path)`. */
export function problemsFromIssues(issues: readonly Issue[], sourceOf: (path: string) => string | undefined): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const unk of issue.keys) {
        const path = [...issue.path, unk];
        const known = siblings(issue.path);
        const guess = suggest(unk, known);
        const input = (issue.input as Record<string, unknown> | undefined)?.[unk];
        out.push({
          key: pathText(path),
          value: input,
          allowed: `a known key${guess ? ` (did you mean ${pathText([...issue.path, guess])}?)` : ''}; known keys here: ${known.join(', ')}`,
          source: sourceOf(pathText(path)),
          unknownKey: true,
        });
      }
      continue;
    }
    const k = keyFor(issue.path);
    const nested = k && issue.path.length > k.path.length;
    out.push({
      key: pathText(issue.path),
      value: isSecretPath(issue.path) && issue.input !== undefined && issue.input !== '' ? MASK : issue.input,
      allowed: allowedFor(issue, nested ? undefined : k?.schema),
      source: sourceOf(pathText(issue.path)),
    });
  }
  return out;
}
