// Values as read a moment ago, for reads on every request's path (a process a client names, the
// default workspace, a list page's job types): each kept for `ms`, then read again. The owner clears
// it on a change made in this process; another process's change shows within `ms`.
export interface RecentReads<K, V> {
  /** The value of `key`, as kept or read with `read`. */
  one(key: K, read: (key: K) => Promise<V>): Promise<V>;
  /** The values of `keys`, the missing or expired read together with `read` (keys it does not answer stay out). */
  many(keys: K[], read: (keys: K[]) => Promise<Map<K, V>>): Promise<Map<K, V>>;
  clear(): void;
}

/** At most `max` kept: past that, everything is dropped (a bound, not an eviction policy). */
export function recentReads<K, V>(ms: number, max: number): RecentReads<K, V> {
  const kept = new Map<K, { value: V; until: number }>();
  const keep = (key: K, value: V, now: number) => {
    if (kept.size >= max) kept.clear();
    kept.set(key, { value, until: now + ms });
  };
  return {
    async one(key, read) {
      const hit = kept.get(key);
      if (hit && hit.until > Date.now()) return hit.value;
      const value = await read(key);
      keep(key, value, Date.now());
      return value;
    },
    async many(keys, read) {
      const now = Date.now();
      const out = new Map<K, V>();
      const missing = [...new Set(keys)].filter((key) => {
        const hit = kept.get(key);
        if (hit && hit.until > now) out.set(key, hit.value);
        return !out.has(key);
      });
      if (missing.length) {
        for (const [key, value] of await read(missing)) {
          out.set(key, value);
          keep(key, value, now);
        }
      }
      return out;
    },
    clear: () => kept.clear(),
  };
}
