/**
 * Memoised metric children: prom-client's `labels(...)` hashes the label set and allocates a child object on
 * every call, which the profile showed on the per-transaction path. Label values here are bounded (bearer,
 * method, status, class, outcome, allowed origins); the cache is still capped so a surprise cannot grow it.
 * Up to three labels, looked up level by level: no key string and no argument array per call.
 */
const CAP = 1024;

type Level<T> = Map<string, T | Level<T>>;

/**
 * `derive` memoised per name (a header field name and what the path needs of it). Peers send a handful of names;
 * a name longer than 64 characters is derived and not kept, and the memo starts again at 512 entries, so a hostile
 * peer's names cannot grow it.
 */
export function memoNames<T>(derive: (name: string) => T): (name: string) => T {
  const known = new Map<string, T>();
  return (name: string): T => {
    let v = known.get(name);
    if (v === undefined) {
      v = derive(name);
      if (name.length <= 64) {
        if (known.size >= 512) known.clear();
        known.set(name, v);
      }
    }
    return v;
  };
}

/** `make` is called with as many labels as the memo is (always) called with. */
export function memoLabels<T>(make: (...labels: string[]) => T): (a: string, b?: string, c?: string) => T {
  let root: Level<T> = new Map();
  let size = 0;
  return (a: string, b?: string, c?: string): T => {
    const n = c !== undefined ? 3 : b !== undefined ? 2 : 1;
    let level = root;
    let node = level.get(a);
    if (n > 1) {
      if (node === undefined) level.set(a, (node = new Map()));
      level = node as Level<T>;
      node = level.get(b!);
      if (n > 2) {
        if (node === undefined) level.set(b!, (node = new Map()));
        level = node as Level<T>;
        node = level.get(c!);
      }
    }
    if (node !== undefined) return node as T;
    const child = n === 1 ? make(a) : n === 2 ? make(a, b!) : make(a, b!, c!);
    if (size >= CAP) {
      // Full: start again (the next calls rebuild what they use).
      root = new Map();
      size = 0;
      return child;
    }
    level.set(n === 1 ? a : n === 2 ? b! : c!, child);
    size++;
    return child;
  };
}
