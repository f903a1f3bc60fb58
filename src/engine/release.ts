/**
 * Letting go of live executions without recording anything. `stop()` lets go of all of them (a
 * later `start()` resumes them); `release(id)` of one: another node carries it on (network
 * takeover), and this node must neither run its steps nor append to its log again.
 */
import { AbortError } from '../errors.js'
import type { Clock } from '../interface/clock.js'
import type { EventWaits } from './event-waits.js'
import type { Run } from './run.js'

/** Clears the run's timers and aborts its in-flight work (an aborted step records nothing). */
export function dropHandles (run: Run, clock: Clock, reason: string): void {
  for (const handle of run.timers.values()) clock.clearTimeout(handle)
  run.timers.clear()
  for (const c of run.controllers.values()) c.abort(new AbortError(reason))
  run.controllers.clear()
}

export interface ReleaseParts {
  runs: Map<string, Run>
  queue: Run[]
  counted: Set<string>
  waits: EventWaits
  clock: Clock
}

/** Lets go of one live execution; resolves once its earlier appends are stored (false: not live here). */
export async function releaseRun (parts: ReleaseParts, executionId: string): Promise<boolean> {
  const run = parts.runs.get(executionId)
  if (run == null) return false
  parts.runs.delete(executionId)
  parts.counted.delete(executionId)
  const queued = parts.queue.indexOf(run)
  if (queued >= 0) parts.queue.splice(queued, 1)
  parts.waits.removeRun(run)
  dropHandles(run, parts.clock, 'execution handed over')
  await run.persisted
  return true
}
