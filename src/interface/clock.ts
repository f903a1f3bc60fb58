/**
 * Time enters the engine only through a Clock, so that a recorded log replays to the
 * same state and tests can drive time by hand.
 *
 * @example
 * const clock = systemClock()
 * const handle = clock.setTimeout(() => {}, 100)
 * clock.clearTimeout(handle)
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** Lets the platform exit while only this timer is pending (where it can tell; optional). */
  unref?(handle: unknown): void
}

export function systemClock (): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (handle) => { globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>) },
    unref: (handle) => { (handle as { unref?: () => void } | undefined)?.unref?.() }
  }
}
