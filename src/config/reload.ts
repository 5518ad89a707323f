/**
 * Reload on SIGHUP: what may change without dropping sessions (keys marked reloadable: allow-lists, the static
 * MSISDN table, the log level, the upstream list, PAP credentials, access-log fields), and a small store that
 * holds the running configuration and tells subscribers what changed.
 *
 * serve.ts: `process.on('SIGHUP', () => store.reload(() => loadConfig(sameOptions)))`; each area subscribes and
 * applies its own keys (`diff.changed.includes('identity.clients.allow')`). Listeners hear every reload, so
 * file-backed settings (identity.staticFile, the CDR file after rotation) are re-read/reopened on each SIGHUP.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigError } from './errors.ts';
import { configKeys } from './keys.ts';
import type { WapgateConfig } from './schema.ts';

export interface ReloadDiff {
  /** Reloadable keys whose value changed (dotted names): applied. */
  changed: string[];
  /** Keys that changed but need a restart (ports, bind addresses, ...): not applied. */
  restartRequired: string[];
}

function valueAt(c: WapgateConfig, path: string[]): unknown {
  let cur: unknown = c;
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p];
  return cur;
}

function setAt(c: Record<string, unknown>, path: string[], v: unknown): void {
  let cur = c;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (v === undefined) delete cur[last];
  else cur[last] = structuredClone(v);
}

/** Which keys differ between two configurations, split into reloadable and restart-only. */
export function diffReloadable(before: WapgateConfig, after: WapgateConfig): ReloadDiff {
  const diff: ReloadDiff = { changed: [], restartRequired: [] };
  for (const k of configKeys()) {
    if (isDeepStrictEqual(valueAt(before, k.path), valueAt(after, k.path))) continue;
    (k.meta.reloadable ? diff.changed : diff.restartRequired).push(k.name);
  }
  return diff;
}

/** `before` with the reloadable keys of `after` applied (restart-only keys keep their running values). */
export function applyReloadable(before: WapgateConfig, after: WapgateConfig): WapgateConfig {
  const next = structuredClone(before) as unknown as Record<string, unknown>;
  for (const k of configKeys()) if (k.meta.reloadable) setAt(next, k.path, valueAt(after, k.path));
  return next as unknown as WapgateConfig;
}

export type ConfigListener = (next: WapgateConfig, diff: ReloadDiff, previous: WapgateConfig) => void;

export interface ReloadResult {
  ok: boolean;
  diff?: ReloadDiff;
  error?: Error;
  /** One line for the log: "config reloaded: identity.clients.allow, log.level changed; gateway.clPort needs a restart". */
  summary: string;
}

export class ConfigStore {
  #current: WapgateConfig;
  readonly #listeners = new Set<ConfigListener>();

  constructor(initial: WapgateConfig) {
    this.#current = initial;
  }

  get current(): WapgateConfig {
    return this.#current;
  }

  /**
   * Calls `listener` after every successful reload (SIGHUP), with the diff (possibly empty: re-read the files
   * the configuration names even when no key changed); returns the unsubscribe function.
   */
  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Same as subscribe(). */
  onChange(listener: ConfigListener): () => void {
    return this.subscribe(listener);
  }

  /**
   * Applies the reloadable part of a freshly loaded configuration. `next` may be a loader (so a file that no
   * longer validates leaves the running configuration untouched and is reported). Listener errors are
   * collected, never stop other listeners.
   */
  reload(next: WapgateConfig | (() => WapgateConfig)): ReloadResult {
    let loaded: WapgateConfig;
    try {
      loaded = typeof next === 'function' ? next() : next;
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const detail = e instanceof ConfigError ? e.message : String(e);
      return { ok: false, error, summary: `config reload rejected, running configuration kept: ${detail}` };
    }
    const diff = diffReloadable(this.#current, loaded);
    const previous = this.#current;
    if (diff.changed.length) this.#current = applyReloadable(previous, loaded);
    // Listeners hear every reload, also when no key changed: files the configuration names (static MSISDN
    // table, CDR file after log rotation) are re-read or reopened on SIGHUP whatever the keys say.
    const errors: unknown[] = [];
    for (const l of [...this.#listeners]) {
      try {
        l(this.#current, diff, previous);
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) {
      const error = new AggregateError(errors, 'a configuration listener failed');
      return { ok: false, diff, error, summary: `${summarize(diff)}; ${errors.length} listener(s) failed: ${String(errors[0])}` };
    }
    return { ok: true, diff, summary: summarize(diff) };
  }
}

export function summarize(diff: ReloadDiff): string {
  const parts: string[] = [];
  parts.push(diff.changed.length ? `config reloaded: ${diff.changed.join(', ')} changed` : 'config reloaded: nothing reloadable changed');
  if (diff.restartRequired.length) parts.push(`${diff.restartRequired.join(', ')} changed but need a restart (not applied)`);
  return parts.join('; ');
}
