/**
 * The compile cache: compiled decks and scripts (and compile failures, so a broken deck is not recompiled on
 * every fetch) keyed by a hash of the source octets plus the target (kind, WBXML version, output charset,
 * source charset, strictness). lru-cache bounded by entries and total octets.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export type CacheEntry = { ok: true; body: Buffer } | { ok: false; error: Error };

export class CompileCache {
  private readonly lru: LRUCache<string, CacheEntry> | undefined;

  constructor(entries: number, maxBytes: number) {
    this.lru =
      entries > 0
        ? new LRUCache<string, CacheEntry>({
            max: entries,
            maxSize: Math.max(1, maxBytes),
            // An entry larger than the whole cache is not kept (lru-cache refuses it).
            sizeCalculation: (v, k) => k.length + (v.ok ? v.body.length : 256),
          })
        : undefined;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  /** Key of a source and its target; the hash is of the octets as the server sent them. */
  key(source: Buffer, target: string): string {
    return `${createHash('sha256').update(source).digest('base64')}|${target}`;
  }

  get(key: string): CacheEntry | undefined {
    return this.lru?.get(key);
  }

  set(key: string, entry: CacheEntry): void {
    this.lru?.set(key, entry);
  }

  clear(): void {
    this.lru?.clear();
  }
}
