/**
 * An LRU of at most `max` entries that allocates as it fills. lru-cache's own `max` allocates its index arrays
 * for all `max` entries when the cache is made (the subscriber map's two caches of 200,000 held ~12 MiB from
 * start, empty); counting every entry as size 1 against `maxSize` gives the same bound and eviction order
 * (least recently used first, dispose reason 'evict') with arrays that grow with the entries held.
 */
import { LRUCache } from 'lru-cache';

export type BoundedLruOptions<K extends {}, V extends {}> = Omit<LRUCache.Options<K, V, unknown>, 'max' | 'maxSize' | 'sizeCalculation' | 'maxEntrySize'>;

export function boundedLru<K extends {}, V extends {}>(max: number, options: BoundedLruOptions<K, V> = {}): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, maxSize: Math.max(1, Math.floor(max)), sizeCalculation: one } as LRUCache.Options<K, V, unknown>);
}

const one = (): number => 1;
