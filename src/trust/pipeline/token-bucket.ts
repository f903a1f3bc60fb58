/**
 * Per-key token buckets on an injected clock: `capacity` tokens, refilled at `perSecond`.
 * Full buckets are dropped when the map grows past `maxKeys` (a full bucket is the state a
 * new key starts in, so forgetting it changes nothing).
 */
export interface TokenBucketInit {
  capacity: number
  perSecond: number
  maxKeys?: number
}

export interface TokenBuckets {
  /** Takes one token; when none is left, how long until one is. */
  take(key: string, now: number): { ok: true } | { ok: false, retryAfterMs: number }
}

export function tokenBuckets (init: TokenBucketInit): TokenBuckets {
  const buckets = new Map<string, { tokens: number, at: number }>()
  const maxKeys = init.maxKeys ?? 100_000
  const refill = (b: { tokens: number, at: number }, now: number): void => {
    if (now > b.at) { b.tokens = Math.min(init.capacity, b.tokens + (now - b.at) * init.perSecond / 1000); b.at = now }
  }
  return {
    take (key, now) {
      let b = buckets.get(key)
      if (b == null) {
        if (buckets.size >= maxKeys) for (const [k, v] of buckets) { refill(v, now); if (v.tokens >= init.capacity) buckets.delete(k) }
        b = { tokens: init.capacity, at: now }
        buckets.set(key, b)
      }
      refill(b, now)
      if (b.tokens >= 1) { b.tokens -= 1; return { ok: true } }
      return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) * 1000 / init.perSecond) }
    }
  }
}
