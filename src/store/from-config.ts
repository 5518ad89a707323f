/** The `store:` config section (src/config/sections/store.ts) → StoreOptions. */
import { dirname, join, resolve } from 'node:path';
import type { StoreOptions } from './store.ts';

/** The shape of the parsed `store:` section (structural, so this room does not import the config schema). */
export interface StoreSection {
  dir?: string | undefined;
  path?: string | undefined;
  synchronous: 'full' | 'normal';
  check: 'quick' | 'full' | 'off';
}

/** What of the configuration decides where the store is. */
export interface StoreConfig {
  store: StoreSection;
  mmsc: { storeDir: string };
}

/**
 * The store file a configuration names: store.path; else <store.dir>/wapgate.db; else wapgate.db in the
 * directory that holds mmsc.storeDir (var/ by default), so one state directory (one volume) holds all state.
 */
export function storePathOf(cfg: StoreConfig): string {
  const s = cfg.store;
  if (s.path) return resolve(s.path);
  return resolve(join(s.dir ?? dirname(resolve(cfg.mmsc.storeDir)), 'wapgate.db'));
}

export function storeOptionsFromConfig(cfg: StoreConfig, extra: Partial<StoreOptions> = {}): StoreOptions {
  return { path: storePathOf(cfg), synchronous: cfg.store.synchronous, check: cfg.store.check, ...extra };
}
