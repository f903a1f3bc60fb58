/**
 * Retry decisions, pure and deterministic: the same (policy, error, attempt, seed) always
 * gives the same answer, so a recorded log replays to the same timers.
 */
import type { RetryPolicy } from '../../shared/flow.js'
import type { ExecutionError } from '../../shared/errors.js'

export const RETRY_DEFAULTS = {
  backoffStrategy: 'exponential',
  initialDelay: 100,
  maxDelay: 30_000,
  backoffMultiplier: 2,
  jitter: 0.2
} as const

/**
 * Delay before attempt `failedAttempts + 1`, in ms. `failedAttempts` counts the attempts
 * of this visit that failed so far (1 after the first failure).
 */
export function backoffDelay (policy: RetryPolicy, failedAttempts: number, seed: string): number {
  const initial = policy.initialDelay ?? RETRY_DEFAULTS.initialDelay
  const max = policy.maxDelay ?? RETRY_DEFAULTS.maxDelay
  const multiplier = policy.backoffMultiplier ?? RETRY_DEFAULTS.backoffMultiplier
  const jitter = policy.jitter ?? RETRY_DEFAULTS.jitter
  const n = Math.max(1, failedAttempts)
  let base: number
  switch (policy.backoffStrategy ?? RETRY_DEFAULTS.backoffStrategy) {
    case 'fixed': base = initial; break
    case 'linear': base = initial * n; break
    default: base = initial * Math.pow(multiplier, n - 1)
  }
  base = Math.min(base, max)
  // "equal jitter": keep (1 - jitter) of the delay, randomise the rest deterministically
  const spread = base * jitter
  const delay = base - spread + spread * unitHash(seed)
  return Math.max(0, Math.min(max, Math.round(delay)))
}

/** Whether a failed attempt may be retried under the policy. */
export function shouldRetry (policy: RetryPolicy | undefined, error: ExecutionError, failedAttempts: number): boolean {
  if (policy == null) return false
  if (failedAttempts >= policy.maxAttempts) return false
  // a non-retryable error skips retries whatever the policy lists
  if (!error.retryable) return false
  if (policy.retryableErrors != null && policy.retryableErrors.length > 0) {
    return policy.retryableErrors.includes(error.type)
  }
  return true
}

/** FNV-1a of a string mapped to [0, 1). */
export function unitHash (seed: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) / 0x1_0000_0000
}
