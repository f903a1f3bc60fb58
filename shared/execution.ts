/**
 * Execution records: the seed's `ExecutionState`, plus the append-only event log that
 * every execution is a fold of. These shapes cross the CLI, the API, the wire and IPFS.
 */
import type { ExecutionError } from './errors.js'
import type { FlowDefinition } from './flow.js'

export const EXECUTION_STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'aborted'] as const
export type ExecutionStatus = typeof EXECUTION_STATUSES[number]
export const TERMINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['completed', 'failed', 'aborted'])

export type TriggerType = 'manual' | 'webhook' | 'event' | 'schedule'

export interface ExecutionContext {
  triggeredBy: string
  triggerType: TriggerType
  inputData: Record<string, unknown>
  variables: Record<string, unknown>
  daoSubnet?: string
  permissions: string[]
}

export interface Checkpoint {
  checkpointId: string
  /** The step the execution was at (the last finished step, or '' before the first). */
  stepId: string
  /** How many log events the checkpoint covers: restoring folds exactly this prefix. */
  logIndex: number
  timestamp: string
}

export type StepStatus = 'pending' | 'running' | 'waiting' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'aborted'

export interface StepSummary {
  status: StepStatus
  output?: unknown
  attempts: number
  error?: ExecutionError
  startedAt?: string
  endedAt?: string
  nodeId?: string
  logs?: string[]
  /** While `waiting`: the event, and when the wait times out (if it does). */
  waitingFor?: { event: string, until?: string }
}

/** The seed's `ExecutionState` plus `output` and `steps`, exactly what `qflow run --json` prints. */
export interface ExecutionState {
  executionId: string
  flowId: string
  status: ExecutionStatus
  currentStep: string
  completedSteps: string[]
  failedSteps: string[]
  context: ExecutionContext
  startTime: string
  endTime?: string
  error?: ExecutionError
  checkpoints: Checkpoint[]
  nodeAssignments: Record<string, string>
  output?: unknown
  steps: Record<string, StepSummary>
  parentExecutionId?: string
}

/**
 * The append-only event log. Every event carries `at` (epoch ms from the engine's clock).
 * State is `fold(events)`; nothing else is needed to rebuild an execution.
 */
export type ExecutionEvent =
  | { type: 'execution.started', at: number, executionId: string, flow: FlowDefinition, context: ExecutionContext, queued?: boolean, parentExecutionId?: string, parentStepId?: string }
  | { type: 'execution.dequeued', at: number }
  | { type: 'execution.paused', at: number }
  | { type: 'execution.resumed', at: number }
  | { type: 'execution.aborted', at: number, reason?: string }
  | { type: 'step.started', at: number, stepId: string, attempt: number, nodeId?: string }
  | { type: 'step.completed', at: number, stepId: string, attempt: number, output: unknown, next?: string, logs?: string[], nodeId?: string }
  | { type: 'step.failed', at: number, stepId: string, attempt: number, error: ExecutionError, logs?: string[], nodeId?: string }
  | { type: 'timer.started', at: number, timerId: string, stepId: string, attempt: number, fireAt: number, purpose: TimerPurpose }
  | { type: 'timer.fired', at: number, timerId: string }
  | { type: 'event.waiting', at: number, stepId: string, attempt: number, event: string, filter?: string }
  | { type: 'event.received', at: number, stepId: string, event: string, payload: unknown }
  | { type: 'child.started', at: number, stepId: string, attempt: number, childExecutionId: string }
  | { type: 'checkpoint.created', at: number, checkpointId: string }
  | { type: 'checkpoint.restored', at: number, checkpointId: string }

export type TimerPurpose = 'retry' | 'delay' | 'event-timeout'
export type ExecutionEventType = ExecutionEvent['type']
