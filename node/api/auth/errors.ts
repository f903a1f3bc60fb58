/**
 * Authentication and authorisation failures of the API. `errors.ts` (one level up) maps them:
 * `UnauthorizedError` → 401 (with `www-authenticate`), `ForbiddenError` → 403,
 * `RateLimitedError` → 429 (with `retry-after`). Matched by `name`.
 */

/** Missing, malformed, unknown, forged, stale or replayed credentials. */
export class UnauthorizedError extends Error {
  static readonly NAME = 'UnauthorizedError'
  constructor (message = 'authentication required: send "authorization: Bearer <token>" or a signed request (x-qflow-signature)') {
    super(message)
    this.name = UnauthorizedError.NAME
  }
}

/** Valid credentials of an identity that may not do this. */
export class ForbiddenError extends Error {
  static readonly NAME = 'ForbiddenError'
  constructor (message: string) {
    super(message)
    this.name = ForbiddenError.NAME
  }
}

/** Over the per-identity rate limit; `retryAfterSeconds` becomes the `retry-after` header. */
export class RateLimitedError extends Error {
  static readonly NAME = 'RateLimitedError'
  readonly retryAfterSeconds: number
  constructor (retryAfterMs: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
    super(`rate limit exceeded: retry in ${seconds} s`)
    this.name = RateLimitedError.NAME
    this.retryAfterSeconds = seconds
  }
}
