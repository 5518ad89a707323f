/**
 * Memoised metric children: prom-client's `labels(...)` hashes the label set and allocates a child object on
 * every call, which the profile showed on the per-transaction path. Label values here are bounded (bearer,
 * method, status, class, outcome, allowed origins); the cache is still capped so a surprise cannot grow it.
 */
const CAP = 1024;

export function memoLabels<T>(make: (...labels: string[]) => T): (...labels: string[]) => T {
  const cache = new Map<string, T>();
  return (...labels: string[]): T => {
    const k = labels.length === 1 ? labels[0]! : labels.join('\u0000');
    let c = cache.get(k);
    if (c === undefined) {
      if (cache.size >= CAP) cache.clear();
      c = make(...labels);
      cache.set(k, c);
    }
    return c;
  };
}
