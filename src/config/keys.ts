/**
 * Every configuration key as a flat list, derived from the schema: dotted path, environment variable, CLI flag,
 * default, metadata. Loading (env, flags), printing (masking), reload diffs and the generated reference all
 * read this one list, so they cannot disagree with the schema.
 */
import type * as z from 'zod';
import { configMeta, type KeyMeta } from './meta.ts';
import { configObject } from './schema.ts';

type AnySchema = z.ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  defaultValue?: unknown;
  element?: AnySchema;
  options?: AnySchema[];
  entries?: Record<string, string>;
  values?: unknown[];
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
}
const defOf = (s: AnySchema): Def => (s as unknown as { def: Def }).def;

/** What kind of value a key takes once wrappers (default, optional) are peeled. */
export type ValueKind = 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'table' | 'number-or-text' | 'boolean-or-text';

export interface ConfigKey {
  path: string[];
  /** e.g. "gateway.clPort" */
  name: string;
  env: string;
  flag: string;
  meta: KeyMeta;
  /** The default as it would be written in YAML; undefined when the key has none (unset). */
  default: unknown;
  kind: ValueKind;
  /** For 'enum' (and lists of enums): the allowed values. */
  choices?: string[];
  schema: AnySchema;
}

export const ENV_PREFIX = 'WAPGATE_';

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

export function envName(path: string[]): string {
  return ENV_PREFIX + path.map(snake).join('_');
}

function peel(s: AnySchema): { inner: AnySchema; def: unknown; hasDefault: boolean } {
  let cur = s;
  let def: unknown;
  let hasDefault = false;
  for (;;) {
    const d = defOf(cur);
    if (d.type === 'default' || d.type === 'prefault') {
      if (!hasDefault) {
        def = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
        hasDefault = true;
      }
      cur = d.innerType!;
    } else if (d.type === 'optional' || d.type === 'nullable') cur = d.innerType!;
    else return { inner: cur, def, hasDefault };
  }
}

function enumValues(s: AnySchema): string[] | undefined {
  const d = defOf(peel(s).inner);
  if (d.type === 'enum' && d.entries) return Object.values(d.entries);
  return undefined;
}

function kindOf(s: AnySchema): { kind: ValueKind; choices?: string[] } {
  const d = defOf(peel(s).inner);
  switch (d.type) {
    case 'string':
      return { kind: 'string' };
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', choices: enumValues(s) };
    case 'object':
      return { kind: 'table' }; // a documented mapping as one key: JSON in env and flags
    case 'array': {
      const el = defOf(peel(d.element!).inner);
      if (el.type === 'object') return { kind: 'table' };
      return { kind: 'list', choices: enumValues(d.element!) };
    }
    case 'union': {
      const types = (d.options ?? []).map((o) => defOf(peel(o).inner).type);
      if (types.includes('boolean')) return { kind: 'boolean-or-text' };
      if (types.includes('number')) return { kind: 'number-or-text' };
      return { kind: 'string' };
    }
    default:
      // refinements keep their base type; pipes (transforms) report the input side
      if (d.type === 'pipe' && d.in) return kindOf(d.in);
      return { kind: 'string' };
  }
}

function walk(shape: Record<string, AnySchema>, prefix: string[], out: ConfigKey[]): void {
  for (const [k, schema] of Object.entries(shape)) {
    const path = [...prefix, k];
    const { inner, def } = peel(schema);
    const meta = configMeta.get(schema);
    if (defOf(inner).type === 'object' && !meta) {
      walk(defOf(inner).shape!, path, out);
      continue;
    }
    if (!meta) throw new Error(`config key ${path.join('.')} has no description (wrap it in key())`);
    const { kind, choices } = kindOf(schema);
    out.push({
      path,
      name: path.join('.'),
      env: envName(path),
      flag: meta.flag ?? path.map(kebab).join('-'),
      meta,
      default: def,
      kind,
      choices,
      schema,
    });
  }
}

let cached: ConfigKey[] | undefined;
/** All keys, in schema order. */
export function configKeys(): ConfigKey[] {
  if (!cached) {
    cached = [];
    walk(defOf(configObject).shape!, [], cached);
  }
  return cached;
}

export function keyByName(name: string): ConfigKey | undefined {
  return configKeys().find((k) => k.name === name);
}

/** Secret fields inside list-of-object keys (e.g. push.credentials[].password), by key name. */
export function secretSubfields(k: ConfigKey): string[] {
  const d = defOf(peel(k.schema).inner);
  if (d.type !== 'array') return [];
  const el = defOf(peel(d.element!).inner);
  if (el.type !== 'object') return [];
  return Object.entries(el.shape!)
    .filter(([, s]) => configMeta.get(s)?.secret)
    .map(([n]) => n);
}
