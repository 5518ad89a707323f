/**
 * Handset profiles: the built-in ones by name, or a JSON/YAML file (`--profile NAME|FILE`). A file is checked
 * against the profile schema (src/handset/profiles/types.ts); an unknown key or a bad value is a usage error.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_PROFILES, DEFAULT_PROFILE } from './builtin.ts';
import { profileSchema, type HandsetProfile } from './types.ts';

export * from './types.ts';
export { DEFAULT_PROFILE };

const BUILTIN: ReadonlyMap<string, HandsetProfile> = new Map(BUILTIN_PROFILES.map((p) => [p.name, profileSchema.parse(p)]));

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  readonly code = 'ERR_USAGE';
}

/** The built-in profiles, default first. */
export function builtinProfiles(): HandsetProfile[] {
  return [...BUILTIN.values()];
}

/** A profile from a text (JSON or YAML) — what a profile file holds. */
export function parseProfile(text: string, where = 'profile'): HandsetProfile {
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ProfileError(`${where}: not JSON/YAML: ${(e as Error).message}`);
  }
  const r = profileSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new ProfileError(`${where}: ${first.path.join('.') || '(top)'}: ${first.message}`);
  }
  return r.data;
}

/** `--profile NAME|FILE`: a built-in name, else a file path; undefined → the default profile. */
export function loadProfile(nameOrFile?: string): HandsetProfile {
  const key = nameOrFile ?? DEFAULT_PROFILE;
  const b = BUILTIN.get(key);
  if (b) return b;
  let text: string;
  try {
    text = readFileSync(key, 'utf8');
  } catch {
    throw new ProfileError(`no profile '${key}' (built in: ${[...BUILTIN.keys()].join(', ')}; or a JSON/YAML file)`);
  }
  return parseProfile(text, key);
}
