/**
 * Circuit breakers per action target (the seed's CircuitBreaker): `closed` lets calls
 * through and counts consecutive failures; at `failureThreshold` it trips to `open` and
 * fails calls at once; after `resetTimeoutMs` one trial call is let through (`half-open`):
 * success closes it, failure opens it again. Time comes from the injected clock.
 * Hand-written (~80 lines) rather than cockatiel because it must read the engine's clock
 * and report transitions as engine events.
 */
import type { ErrorType } from '../../shared/errors.js'

export type BreakerState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerInit {
  failureThreshold?: number
  resetTimeoutMs?: number
}

export interface BreakerSnapshot {
  state: BreakerState
  failureCount: number
  lastFailureTime: string
  timeout: number
  lastErrorType?: ErrorType
}

interface Breaker {
  state: BreakerState
  failures: number
  openedAt: number
  lastFailure: number
  trialInFlight: boolean
  lastErrorType?: ErrorType
}

export interface BreakerListener {
  opened(target: string, failures: number): void
  closed(target: string): void
}

export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>()
  private readonly threshold: number
  private readonly resetTimeout: number

  constructor (private readonly now: () => number, init: CircuitBreakerInit = {}, private readonly listener?: BreakerListener) {
    this.threshold = init.failureThreshold ?? 5
    this.resetTimeout = init.resetTimeoutMs ?? 30_000
  }

  /** Whether a call to `target` may go ahead now; `undefined` when it may, else ms until a trial. */
  check (target: string): number | undefined {
    const b = this.breakers.get(target)
    if (b == null || b.state === 'closed') return undefined
    const wait = b.openedAt + this.resetTimeout - this.now()
    if (b.state === 'open' && wait <= 0) {
      b.state = 'half-open'
      b.trialInFlight = false
    }
    if (b.state === 'half-open' && !b.trialInFlight) {
      b.trialInFlight = true
      return undefined
    }
    return Math.max(1, wait)
  }

  success (target: string): void {
    const b = this.breakers.get(target)
    if (b == null) return
    const wasOpen = b.state !== 'closed'
    this.breakers.delete(target)
    if (wasOpen) this.listener?.closed(target)
  }

  failure (target: string, type: ErrorType): void {
    const now = this.now()
    const b = this.breakers.get(target) ?? { state: 'closed', failures: 0, openedAt: 0, lastFailure: 0, trialInFlight: false }
    b.failures++
    b.lastFailure = now
    b.lastErrorType = type
    this.breakers.set(target, b)
    if (b.state === 'half-open' || (b.state === 'closed' && b.failures >= this.threshold)) {
      b.state = 'open'
      b.openedAt = now
      b.trialInFlight = false
      this.listener?.opened(target, b.failures)
    }
  }

  lastErrorType (target: string): ErrorType | undefined {
    return this.breakers.get(target)?.lastErrorType
  }

  snapshot (target: string): BreakerSnapshot {
    const b = this.breakers.get(target)
    return {
      state: b?.state ?? 'closed',
      failureCount: b?.failures ?? 0,
      lastFailureTime: b == null ? '' : new Date(b.lastFailure).toISOString(),
      timeout: this.resetTimeout,
      ...(b?.lastErrorType != null ? { lastErrorType: b.lastErrorType } : {})
    }
  }

  reset (target: string): void { this.success(target) }

  trip (target: string): void {
    const b = this.breakers.get(target) ?? { state: 'closed', failures: 0, openedAt: 0, lastFailure: 0, trialInFlight: false }
    b.state = 'open'
    b.openedAt = this.now()
    this.breakers.set(target, b)
    this.listener?.opened(target, b.failures)
  }
}
