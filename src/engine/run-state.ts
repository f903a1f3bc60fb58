/**
 * The reducer's state: plain, serialisable data (snapshots are this object as JSON).
 */
import type { ExecutionError } from '../../shared/errors.js'
import type { Checkpoint, ExecutionContext, ExecutionState, ExecutionStatus, StepStatus, StepSummary, TimerPurpose } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'

export interface RunStep {
  status: StepStatus
  /** Attempts in the current visit of the step. */
  attempts: number
  /** Attempt number of the latest attempt (unique within the execution, across visits and restores). */
  attempt: number
  output?: unknown
  error?: ExecutionError
  startedAt: number
  endedAt?: number
  nodeId?: string
  logs?: string[]
  /** A pending delay or event-timeout timer of the current attempt. */
  timerId?: string
  waitingFor?: { event: string, filter?: string }
  childExecutionId?: string
}

export type BranchStatus = 'running' | 'completed' | 'failed' | 'cancelled'

export interface ParallelRun {
  branches: BranchStatus[]
  outputs: unknown[]
  errors: Array<ExecutionError | null>
}

export interface RunTimer {
  stepId: string
  attempt: number
  fireAt: number
  purpose: TimerPurpose
}

export interface RunState {
  executionId: string
  flowId: string
  flow: FlowDefinition
  context: ExecutionContext
  parentExecutionId?: string
  parentStepId?: string
  status: ExecutionStatus
  queued: boolean
  paused: boolean
  startTime: number
  endTime?: number
  steps: Record<string, RunStep>
  completedSteps: string[]
  failedSteps: string[]
  currentStep: string
  /** Steps whose work is outstanding (action, timer, wait or child). */
  running: string[]
  /** Steps entered while paused or queued, started on resume. */
  ready: string[]
  parallels: Record<string, ParallelRun>
  timers: Record<string, RunTimer>
  attemptSeq: Record<string, number>
  visits: number
  /** The error that routed execution to an `onFailure` target (the `error` expression root). */
  lastError?: ExecutionError
  output?: unknown
  error?: ExecutionError
  checkpoints: Checkpoint[]
  nodeAssignments: Record<string, string>
  /** The checkpoint this state was last rolled back to. */
  restoredFrom?: string
  /** Number of log events folded into this state. */
  logLength: number
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The public `ExecutionState` (the seed's shape plus `output` and `steps`). */
export function toExecutionState (state: RunState): ExecutionState {
  const steps: ExecutionState['steps'] = {}
  for (const id in state.steps) {
    const s = state.steps[id]
    const view: StepSummary = { status: s.status, attempts: s.attempts, startedAt: iso(s.startedAt) }
    if (s.output !== undefined) view.output = s.output
    if (s.error != null) view.error = s.error
    if (s.endedAt != null) view.endedAt = iso(s.endedAt)
    if (s.nodeId != null) view.nodeId = s.nodeId
    if (s.logs != null && s.logs.length > 0) view.logs = s.logs
    if (s.waitingFor != null) {
      const timer = s.timerId != null ? state.timers[s.timerId] : undefined
      view.waitingFor = timer != null ? { event: s.waitingFor.event, until: iso(timer.fireAt) } : { event: s.waitingFor.event }
    }
    steps[id] = view
  }
  const out: ExecutionState = {
    executionId: state.executionId,
    flowId: state.flowId,
    status: state.status,
    currentStep: state.currentStep,
    completedSteps: state.completedSteps.slice(),
    failedSteps: state.failedSteps.slice(),
    context: state.context,
    startTime: iso(state.startTime),
    checkpoints: state.checkpoints.slice(),
    nodeAssignments: { ...state.nodeAssignments },
    steps
  }
  if (state.endTime != null) out.endTime = iso(state.endTime)
  if (state.error != null) out.error = state.error
  if (state.output !== undefined) out.output = state.output
  if (state.parentExecutionId != null) out.parentExecutionId = state.parentExecutionId
  return out
}
