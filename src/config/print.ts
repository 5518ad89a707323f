/** `wapgate config --print`: the effective configuration as YAML, secrets masked, with where each value came from. */
import { createRequire } from 'node:module';
import { MASK } from './errors.ts';
import { configKeys, keyByName, secretSubfields } from './keys.ts';
import type { WapgateConfig } from './schema.ts';

/** A deep copy of the configuration with every secret replaced by ******** (unset/empty secrets stay empty). */
export function maskSecrets(config: WapgateConfig): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const k of configKeys()) {
    let parent: Record<string, unknown> | undefined = copy;
    for (const p of k.path.slice(0, -1)) parent = parent?.[p] as Record<string, unknown> | undefined;
    if (!parent) continue;
    const last = k.path[k.path.length - 1]!;
    const v = parent[last];
    if (k.meta.secret && v !== undefined && v !== '') parent[last] = MASK;
    const subs = secretSubfields(k);
    if (subs.length && Array.isArray(v)) {
      for (const row of v as Record<string, unknown>[])
        for (const s of subs) if (row[s] !== undefined && row[s] !== '') row[s] = MASK;
    }
  }
  return copy;
}

/** YAML of the masked configuration; with `sources`, each non-default key gets a trailing comment. */
export function renderConfig(config: WapgateConfig, sources?: Map<string, string>): string {
  // yaml is loaded when a configuration is printed (`wapgate config --print`), not by `serve`.
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const text = stringify(maskSecrets(config), { lineWidth: 0 });
  if (!sources?.size) return text;
  // annotate "key: value" lines whose dotted path has a source
  const stack: { indent: number; name: string }[] = [];
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*)([A-Za-z][\w]*):/.exec(line);
      if (!m) return line;
      const indent = m[1]!.length;
      while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
      stack.push({ indent, name: m[2]! });
      const name = stack.map((s) => s.name).join('.');
      const src = keyByName(name) ? sources.get(name) : undefined;
      return src ? `${line}  # ${src}` : line;
    })
    .join('\n');
}
