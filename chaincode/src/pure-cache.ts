/**
 * Remembers the results of a pure function of a string, at most `maxEntries` of them (the oldest goes first).
 * Only for functions whose result depends on nothing but the argument, such as parsing a certificate or a public
 * key: then a hit returns what a call would, and endorsers agree whatever each one has cached. Never for
 * anything read from the ledger, which other transactions change. Throwing calls are not remembered.
 */
export function cachePure<T>(fn: (key: string) => T, maxEntries: number): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  };
}
