/**
 * Per-execution metrics from the execution's state and its event log (the log is the truth):
 * wall time, and per step its duration, attempts, retries and failed attempts. Pure.
 *
 * The log records when attempts end (`step.completed` / `step.failed`) and when retry timers
 * fire (`timer.fired`, id `<stepId>#<attempt>:retry`); a step's start is the time the reducer
 * entered it (`StepSummary.startedAt`).
 */
import type { ExecutionEvent, ExecutionState, ExecutionStatus, StepStatus } from '../../shared/execution.js'

export interface StepMetrics {
  status: StepStatus
  /** Attempts of the step's latest visit. */
  attempts: number
  /** Retries carried out for the step over the whole execution. */
  retries: number
  /** Attempts that failed (retried or not). */
  failures: number
  startedAt?: string
  endedAt?: string
  /** From entering the step to its end, or to now while it runs. */
  durationMs?: number
  nodeId?: string
}

export interface ExecutionMetrics {
  executionId: string
  flowId: string
  status: ExecutionStatus
  startedAt: string
  endedAt?: string
  /** To the end, or to now while the execution is live. */
  durationMs: number
  stepCount: number
  attempts: number
  retries: number
  failures: number
  events: number
  steps: Record<string, StepMetrics>
}

export function executionMetrics (state: ExecutionState, events: readonly ExecutionEvent[], now: number): ExecutionMetrics {
  const retries = new Map<string, number>()
  const failures = new Map<string, number>()
  const bump = (m: Map<string, number>, id: string): void => { m.set(id, (m.get(id) ?? 0) + 1) }
  for (const event of events) {
    // retry timers are derived by the reducer (not logged when armed); their firing is logged
    if (event.type === 'timer.fired' && event.timerId.endsWith(':retry')) bump(retries, event.timerId.slice(0, event.timerId.lastIndexOf('#')))
    if (event.type === 'step.failed') bump(failures, event.stepId)
  }
  const steps: Record<string, StepMetrics> = {}
  let attempts = 0
  for (const [id, s] of Object.entries(state.steps)) {
    attempts += s.attempts
    const start = s.startedAt != null ? Date.parse(s.startedAt) : undefined
    const end = s.endedAt != null ? Date.parse(s.endedAt) : undefined
    steps[id] = {
      status: s.status,
      attempts: s.attempts,
      retries: retries.get(id) ?? 0,
      failures: failures.get(id) ?? 0,
      ...(s.startedAt != null ? { startedAt: s.startedAt } : {}),
      ...(s.endedAt != null ? { endedAt: s.endedAt } : {}),
      ...(start != null ? { durationMs: Math.max(0, (end ?? now) - start) } : {}),
      ...(s.nodeId != null ? { nodeId: s.nodeId } : {})
    }
  }
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0)
  const end = state.endTime != null ? Date.parse(state.endTime) : now
  return {
    executionId: state.executionId,
    flowId: state.flowId,
    status: state.status,
    startedAt: state.startTime,
    ...(state.endTime != null ? { endedAt: state.endTime } : {}),
    durationMs: Math.max(0, end - Date.parse(state.startTime)),
    stepCount: Object.keys(steps).length,
    attempts,
    retries: sum(retries),
    failures: sum(failures),
    events: events.length,
    steps
  }
}
