/**
 * Durable timers come back to life here: a timer in the folded state (delay, event timeout,
 * retry backoff) is armed on the clock for what remains of it.
 */
import type { Clock } from '../interface/clock.js'
import type { Run } from './run.js'

/** Arms `run.state.timers[timerId]` (replacing an armed one); `fired` runs if it is still pending then. */
export function armTimer (clock: Clock, run: Run, timerId: string, fired: () => void): void {
  const timer = run.state.timers[timerId]
  if (timer == null) return
  const previous = run.timers.get(timerId)
  if (previous !== undefined) clock.clearTimeout(previous)
  const handle = clock.setTimeout(() => {
    run.timers.delete(timerId)
    if (run.state.timers[timerId] != null) fired()
  }, Math.max(0, timer.fireAt - clock.now()))
  run.timers.set(timerId, handle)
}
