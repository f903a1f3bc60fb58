/**
 * Nonces seen recently, per actor. An envelope is only acceptable while its timestamp is
 * within the allowed skew of now, so its nonce need only be remembered until
 * `timestamp + skew`: after that the skew check rejects a replay on its own. The cache is
 * bounded; when it is full of live nonces it refuses new ones (fails closed) rather than
 * forgetting a nonce that could then be replayed.
 */
import type { Clock } from '../interface/clock.js'

export interface ReplayCache {
  /** The operation hash recorded with this actor's nonce, if it is still remembered. */
  lookup(actor: string, nonce: string): string | undefined
  /** Remembers a nonce until `expiresAt`; false when the cache is full of unexpired nonces. */
  add(actor: string, nonce: string, opHash: string, expiresAt: number): boolean
  readonly size: number
}

export interface ReplayCacheInit {
  /** Live nonces kept at most (default 100,000, ~10 MB). */
  maxEntries?: number
}

export function replayCache (clock: Pick<Clock, 'now'>, init: ReplayCacheInit = {}): ReplayCache {
  const max = init.maxEntries ?? 100_000
  const entries = new Map<string, { opHash: string, expiresAt: number }>()
  const key = (actor: string, nonce: string): string => `${actor}\n${nonce}`

  function sweep (now: number): void {
    for (const [k, e] of entries) if (e.expiresAt <= now) entries.delete(k)
  }

  return {
    lookup (actor, nonce) {
      const e = entries.get(key(actor, nonce))
      if (e == null) return undefined
      if (e.expiresAt <= clock.now()) { entries.delete(key(actor, nonce)); return undefined }
      return e.opHash
    },
    add (actor, nonce, opHash, expiresAt) {
      const k = key(actor, nonce)
      if (!entries.has(k) && entries.size >= max) {
        sweep(clock.now())
        if (entries.size >= max) return false
      }
      entries.set(k, { opHash, expiresAt })
      return true
    },
    get size () { return entries.size }
  }
}
