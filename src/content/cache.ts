/**
 * The compile cache: compiled decks and scripts (and compile failures, so a broken deck is not recompiled on
 * every fetch) keyed by a hash of the source octets plus the target (kind, WBXML version, output charset,
 * source charset, strictness). lru-cache bounded by entries and total octets.
 *
 * The hash is a quick one over the length and a sample of the octets (start, end and spread between), and every
 * hit is confirmed by comparing the whole source with the one the entry was compiled from: a collision (chance
 * or crafted) is only a miss, never another source's deck. A cryptographic hash of a 3 KB deck alone costs
 * about as much as the whole 20 µs budget of a hit on the machines we measured; memcmp costs well under 1 µs.
 */
import { LRUCache } from 'lru-cache';

export type CacheEntry = { ok: true; body: Buffer } | { ok: false; error: Error };

interface Stored {
  source: Buffer;
  entry: CacheEntry;
}

const SAMPLE_EDGE = 64;
const SAMPLE_SPREAD = 64;

/** FNV-1a (32 bit) over the length and ≤ 192 sampled octets. */
export function sourceHash(b: Buffer): string {
  let h = 0x811c9dc5 ^ b.length;
  const mix = (from: number, to: number, step: number) => {
    for (let i = from; i < to; i += step) h = Math.imul(h ^ b[i]!, 0x01000193);
  };
  if (b.length <= 2 * SAMPLE_EDGE + SAMPLE_SPREAD) {
    mix(0, b.length, 1);
  } else {
    mix(0, SAMPLE_EDGE, 1);
    mix(b.length - SAMPLE_EDGE, b.length, 1);
    mix(SAMPLE_EDGE, b.length - SAMPLE_EDGE, Math.max(1, Math.floor((b.length - 2 * SAMPLE_EDGE) / SAMPLE_SPREAD)));
  }
  return `${(h >>> 0).toString(36)}.${b.length.toString(36)}`;
}

export class CompileCache {
  private readonly lru: LRUCache<string, Stored> | undefined;

  constructor(entries: number, maxBytes: number) {
    this.lru =
      entries > 0
        ? new LRUCache<string, Stored>({
            max: entries,
            maxSize: Math.max(1, maxBytes),
            // An entry larger than the whole cache is not kept (lru-cache refuses it).
            sizeCalculation: (v, k) => k.length + v.source.length + (v.entry.ok ? v.entry.body.length : 256),
          })
        : undefined;
  }

  get size(): number {
    return this.lru?.size ?? 0;
  }

  key(source: Buffer, target: string): string {
    return `${sourceHash(source)}|${target}`;
  }

  /** The entry compiled from exactly these octets for this key, if cached. */
  get(key: string, source: Buffer): CacheEntry | undefined {
    const s = this.lru?.get(key);
    return s && s.source.equals(source) ? s.entry : undefined;
  }

  set(key: string, source: Buffer, entry: CacheEntry): void {
    // A copy: the upstream's buffer may be a view of a larger pooled one.
    this.lru?.set(key, { source: Buffer.from(source), entry });
  }

  clear(): void {
    this.lru?.clear();
  }
}
