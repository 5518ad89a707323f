/** The `store:` config section (src/config/sections/store.ts) → StoreOptions. */
import { join, resolve } from 'node:path';
import type { StoreOptions } from './store.ts';

/** The shape of the parsed `store:` section (structural, so this room does not import the config schema). */
export interface StoreSection {
  dir: string;
  path?: string | undefined;
  synchronous: 'full' | 'normal';
  check: 'quick' | 'full' | 'off';
}

/** The store file a configuration names: store.path, else <store.dir>/wapgate.db (absolute). */
export function storePathOf(s: Pick<StoreSection, 'dir' | 'path'>): string {
  return resolve(s.path ?? join(s.dir, 'wapgate.db'));
}

export function storeOptionsFromConfig(s: StoreSection, extra: Partial<StoreOptions> = {}): StoreOptions {
  return { path: storePathOf(s), synchronous: s.synchronous, check: s.check, ...extra };
}
