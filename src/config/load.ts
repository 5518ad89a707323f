/**
 * Loading the configuration: YAML file < environment variables (WAPGATE_<SECTION>_<KEY>) < CLI flags, then one
 * validation by the schema. Every problem names the key, the value, where it came from and what is allowed.
 *
 *   const cfg = loadConfig({ argv: process.argv.slice(3), env: process.env });
 *
 * The file comes from `--config FILE` (or `-c`), else `opts.file`, else WAPGATE_CONFIG; no file is fine (all
 * defaults). Flags: each key's flag from the reference (`--cl-port 9200`, `--gateway-http-connect-timeout 5s`),
 * booleans as `--flag`, `--flag=false` or `--no-flag`, lists comma-separated or repeated when the key is
 * repeatable (`--allow-upstream A --allow-upstream B`), tables as JSON; and `--set key.path=value` for any key.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Node } from 'yaml';
import { ConfigError, problemsFromIssues, suggest, type ConfigProblem } from './errors.ts';
import { configKeys, ENV_PREFIX, keyByName, type ConfigKey } from './keys.ts';
import { configSchema, type WapgateConfig } from './schema.ts';

export interface LoadOptions {
  /** YAML file; `--config` in argv wins over it. */
  file?: string;
  /** Environment (process.env); only WAPGATE_* names are read. */
  env?: Record<string, string | undefined>;
  /** Command-line arguments after the command name. */
  argv?: string[];
  /** Flags (without dashes) the caller handles itself; they are skipped (boolean, no value). */
  ignoreFlags?: string[];
}

export interface LoadedConfig {
  config: WapgateConfig;
  /** Where each key that is not a default came from: dotted key → "FILE:LINE" | "env NAME" | "flag --name". */
  sources: Map<string, string>;
  /** The file read, if any. */
  file?: string;
  /** Things worth a log line that are not errors (unknown WAPGATE_* variables). */
  warnings: string[];
}

type Obj = Record<string, unknown>;

export const CONFIG_ENV = 'WAPGATE_CONFIG';

function setPath(target: Obj, path: string[], value: unknown): void {
  let cur = target;
  for (const p of path.slice(0, -1)) {
    const next = cur[p];
    if (!next || typeof next !== 'object' || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Obj;
  }
  cur[path[path.length - 1]!] = value;
}

function getPath(target: unknown, path: string[]): unknown {
  let cur = target;
  for (const p of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[p];
  }
  return cur;
}

// ---------------- text → value (env and flags) ----------------

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** Text from an environment variable or flag, shaped for the key's kind; invalid text stays text for the schema to name. */
export function coerce(k: ConfigKey, text: string): unknown {
  const t = text.trim();
  const num = /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
  switch (k.kind) {
    case 'number':
      return num ?? text;
    case 'boolean':
      return TRUE.has(t.toLowerCase()) ? true : FALSE.has(t.toLowerCase()) ? false : text;
    case 'boolean-or-text':
      return TRUE.has(t.toLowerCase()) ? true : FALSE.has(t.toLowerCase()) ? false : t;
    case 'number-or-text':
      return num ?? t;
    case 'list':
      if (t.startsWith('[')) return parseJson(k, t);
      return t === '' ? [] : t.split(',').map((s) => s.trim()).filter(Boolean);
    case 'table':
      return parseJson(k, t);
    default:
      return text;
  }
}

function parseJson(k: ConfigKey, t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return t; // the schema reports "expected a list" with the text
  }
}

// ---------------- YAML file ----------------

function readYaml(file: string, sources: Map<string, string>): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      [{ key: '--config', value: file, allowed: `a readable YAML file (${(e as NodeJS.ErrnoException).code ?? String(e)})` }],
      'cannot read the configuration file',
    );
  }
  // yaml is loaded when a file is read: a configuration from flags and environment alone never needs it.
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.pos?.[0] !== undefined ? lc.linePos(e.pos[0]) : undefined;
        return {
          key: '(file)',
          value: undefined,
          allowed: `valid YAML: ${e.message.split('\n')[0]}`,
          source: pos ? `${file}:${pos.line}:${pos.col}` : file,
        };
      }),
      'configuration file is not valid YAML',
    );
  }
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      [{ key: '(file)', value, allowed: 'a YAML mapping with sections gateway, push, identity, ...', source: file }],
      'configuration file has the wrong shape',
    );
  }
  const record = (node: Node | null | undefined, path: string) => {
    if (!node) return;
    const at = node.range ? lc.linePos(node.range[0]) : undefined;
    if (path && at && !sources.has(path)) sources.set(path, `${file}:${at.line}`);
    if (isMap(node)) {
      for (const item of node.items) {
        const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
        const kn = item.key as Node | null;
        const kat = kn?.range ? lc.linePos(kn.range[0]) : undefined;
        const sub = path ? `${path}.${k}` : k;
        if (kat) sources.set(sub, `${file}:${kat.line}`);
        if (item.value && (isMap(item.value) || isSeq(item.value))) record(item.value as Node, sub);
      }
    } else if (isSeq(node)) {
      node.items.forEach((it, i) => record(it as Node, `${path}[${i}]`));
    }
  };
  record(doc.contents as Node, '');
  return value as Obj;
}

// ---------------- flags ----------------

function flagTable(): Map<string, ConfigKey> {
  const m = new Map<string, ConfigKey>();
  for (const k of configKeys()) m.set(k.flag, k);
  return m;
}

interface FlagResult {
  file?: string;
  values: { key: ConfigKey; value: unknown; flag: string }[];
}

export function parseFlags(argv: string[], ignore: string[] = []): FlagResult {
  const table = flagTable();
  const out: FlagResult = { values: [] };
  const problems: ConfigProblem[] = [];
  const repeated = new Map<ConfigKey, unknown[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      problems.push({ key: arg, value: arg, allowed: 'an option starting with --; see `wapgate config --help`', source: 'command line' });
      continue;
    }
    const eq = arg.indexOf('=');
    let name = arg.replace(/^--?/, '');
    let inline: string | undefined;
    if (eq > 0) {
      name = arg.slice(arg.startsWith('--') ? 2 : 1, eq);
      inline = arg.slice(eq + 1);
    }
    if (ignore.includes(name)) continue;
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined) {
        problems.push({ key: `--${name}`, value: undefined, allowed: 'a value after the flag', source: `flag --${name}` });
        return undefined;
      }
      i++;
      return v;
    };
    if (name === 'config' || name === 'c') {
      out.file = takeValue();
      continue;
    }
    if (name === 'set') {
      const kv = takeValue();
      if (kv === undefined) continue;
      const j = kv.indexOf('=');
      const k = j > 0 ? keyByName(kv.slice(0, j)) : undefined;
      if (!k) {
        const guess = suggest(kv.slice(0, j > 0 ? j : undefined), configKeys().map((c) => c.name));
        problems.push({
          key: '--set',
          value: kv,
          allowed: `key.path=value with a known key${guess ? ` (did you mean ${guess}?)` : ''}`,
          source: 'flag --set',
        });
        continue;
      }
      out.values.push({ key: k, value: coerce(k, kv.slice(j + 1)), flag: `--set ${k.name}` });
      continue;
    }
    let negated = false;
    let k = table.get(name);
    if (!k && name.startsWith('no-')) {
      const pos = table.get(name.slice(3));
      if (pos && (pos.kind === 'boolean' || pos.kind === 'boolean-or-text')) [k, negated] = [pos, true];
    }
    if (!k) {
      const guess = suggest(name, [...table.keys()]);
      problems.push({
        key: `--${name}`,
        value: arg,
        allowed: `a known option${guess ? ` (did you mean --${guess}?)` : ''}; every option is listed in the configuration reference`,
        source: 'command line',
      });
      continue;
    }
    let value: unknown;
    if (k.kind === 'boolean' || (k.kind === 'boolean-or-text' && inline === undefined)) {
      value = negated ? false : inline === undefined ? true : coerce(k, inline);
    } else {
      const text = takeValue();
      if (text === undefined) continue;
      if (k.meta.repeatable && k.kind === 'list') {
        const list = repeated.get(k) ?? [];
        if (!repeated.has(k)) {
          repeated.set(k, list);
          out.values.push({ key: k, value: list, flag: `--${name}` });
        }
        list.push(...(coerce(k, text) as unknown[]));
        continue;
      }
      value = coerce(k, text);
    }
    out.values.push({ key: k, value, flag: `--${name}` });
  }
  if (problems.length) throw new ConfigError(problems, 'invalid command-line options');
  return out;
}

// ---------------- env ----------------

function readEnv(env: Record<string, string | undefined>, warnings: string[]) {
  const byEnv = new Map(configKeys().map((k) => [k.env, k]));
  const values: { key: ConfigKey; value: unknown; name: string }[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined || name === CONFIG_ENV) continue;
    const k = byEnv.get(name);
    if (!k) {
      const guess = suggest(name, [...byEnv.keys()]);
      warnings.push(`environment variable ${name} is not a wapgate setting${guess ? ` (did you mean ${guess}?)` : ''}; ignored`);
      continue;
    }
    values.push({ key: k, value: coerce(k, text), name });
  }
  return values;
}

// ---------------- a service's port or secret turns it on ----------------

const ENABLING_NAMES = new Set(['port', 'secret', 'password', 'host']);

/** Group (dotted path, '' for none) → the keys that turn its `enabled` on when given. */
export function enablingKeys(): Map<string, string[]> {
  const keys = configKeys();
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    if (k.path[k.path.length - 1] !== 'enabled' || k.kind !== 'boolean') continue;
    const parent = k.path.slice(0, -1).join('.');
    const enabling = keys.filter((s) => {
      if (s.path.length !== k.path.length || s.path.slice(0, -1).join('.') !== parent || s === k) return false;
      return s.meta.enables ?? ENABLING_NAMES.has(s.path[s.path.length - 1]!);
    });
    if (enabling.length) groups.set(parent, enabling.map((s) => s.name));
  }
  return groups;
}

/**
 * Giving a service's port or secret turns the service on: for each group with an `enabled` key, a key of
 * enablingKeys() given in a later layer (file < env < flags) than any explicit `enabled` sets it true (its
 * source: "implied by …"). Within one layer an explicit `enabled` wins: a file may hold a disabled template.
 */
function impliedEnables(raw: Obj, layers: { source: (name: string) => string | undefined; names: Set<string> }[], sources: Map<string, string>): void {
  const byName = new Map(configKeys().map((k) => [k.name, k]));
  for (const [group, enabling] of enablingKeys()) {
    const enabledName = group ? `${group}.enabled` : 'enabled';
    let enabledAt = -1;
    let givenAt = -1;
    let given: string | undefined;
    layers.forEach((layer, i) => {
      if (layer.names.has(enabledName)) enabledAt = i;
      const hit = enabling.find((n) => layer.names.has(n));
      if (hit) [givenAt, given] = [i, hit];
    });
    if (given === undefined || givenAt <= enabledAt) continue;
    setPath(raw, byName.get(enabledName)!.path, true);
    sources.set(enabledName, `implied by ${layers[givenAt]!.source(given) ?? given}`);
  }
}

/** Dotted names of the keys present in a YAML tree (a key given as a whole object counts for its leaves). */
function namesIn(raw: Obj): Set<string> {
  const out = new Set<string>();
  for (const k of configKeys()) if (getPath(raw, k.path) !== undefined) out.add(k.name);
  return out;
}

// ---------------- all together ----------------

/** Loads and validates; throws ConfigError listing every problem. */
export function loadConfigDetailed(opts: LoadOptions = {}): LoadedConfig {
  const sources = new Map<string, string>();
  const warnings: string[] = [];
  const flags = parseFlags(opts.argv ?? [], opts.ignoreFlags);
  const env = opts.env ?? {};
  const file = flags.file ?? opts.file ?? (env[CONFIG_ENV] || undefined);
  const raw: Obj = file ? readYaml(file, sources) : {};
  const fileNames = namesIn(raw);
  const fileSources = new Map(sources);
  const envValues = readEnv(env, warnings);
  for (const { key, value, name } of envValues) {
    setPath(raw, key.path, value);
    for (const s of [...sources.keys()]) if (s === key.name || s.startsWith(key.name + '[') || s.startsWith(key.name + '.')) sources.delete(s);
    sources.set(key.name, `env ${name}`);
  }
  for (const { key, value, flag } of flags.values) {
    setPath(raw, key.path, value);
    for (const s of [...sources.keys()]) if (s === key.name || s.startsWith(key.name + '[') || s.startsWith(key.name + '.')) sources.delete(s);
    sources.set(key.name, `flag ${flag}`);
  }
  impliedEnables(
    raw,
    [
      { names: fileNames, source: (n) => fileSources.get(n) },
      { names: new Set(envValues.map((v) => v.key.name)), source: (n) => `env ${envValues.find((v) => v.key.name === n)!.name}` },
      { names: new Set(flags.values.map((v) => v.key.name)), source: (n) => `flag ${flags.values.find((v) => v.key.name === n)!.flag}` },
    ],
    sources,
  );
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const sourceOf = (path: string): string | undefined => {
      let best: string | undefined;
      let bestLen = -1;
      for (const [k, v] of sources) {
        if ((path === k || path.startsWith(k + '.') || path.startsWith(k + '[')) && k.length > bestLen) [best, bestLen] = [v, k.length];
      }
      return best ?? (getPath(raw, path.split('.')) === undefined ? 'default' : undefined);
    };
    throw new ConfigError(problemsFromIssues(parsed.error.issues, sourceOf));
  }
  return { config: parsed.data, sources, file, warnings };
}

/** Loads and validates; throws ConfigError listing every problem. */
export function loadConfig(opts: LoadOptions = {}): WapgateConfig {
  return loadConfigDetailed(opts).config;
}

/** The defaults alone (no file, env or flags). */
export function defaultConfig(): WapgateConfig {
  return configSchema.parse({});
}
