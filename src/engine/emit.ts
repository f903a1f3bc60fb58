/**
 * Turns applied log events into typed engine events (after the reducer ran).
 */
import type { ExecutionEvent, ExecutionStatus } from '../../shared/execution.js'
import type { EngineEvents, TypedEventEmitter } from './events.js'
import type { StepNote } from './navigation.js'
import type { Run } from './run.js'

export function emitFor (events: TypedEventEmitter<EngineEvents>, run: Run, event: ExecutionEvent, before: ExecutionStatus, notes: StepNote[]): void {
  if (!events.hasListeners()) return
  const state = run.state
  const base = { executionId: state.executionId, flowId: state.flowId }
  events.safeDispatchEvent('log:appended', { ...base, index: state.logLength - 1, event })
  const status = state.status
  switch (event.type) {
    case 'execution.started':
      events.safeDispatchEvent(status === 'pending' ? 'execution:queued' : 'execution:started', { ...base, status })
      break
    case 'execution.dequeued':
      events.safeDispatchEvent('execution:started', { ...base, status })
      break
    case 'execution.paused':
      if (before !== status) events.safeDispatchEvent('execution:paused', { ...base, status })
      break
    case 'execution.resumed':
      if (before !== status) events.safeDispatchEvent('execution:resumed', { ...base, status })
      break
    case 'event.waiting':
      events.safeDispatchEvent('step:waiting', { ...base, stepId: event.stepId, attempt: event.attempt, event: event.event })
      break
    case 'checkpoint.created':
      events.safeDispatchEvent('checkpoint:created', { ...base, checkpointId: event.checkpointId })
      break
    case 'checkpoint.restored':
      events.safeDispatchEvent('checkpoint:restored', { ...base, checkpointId: event.checkpointId })
      break
  }
  for (const note of notes) {
    const s = state.steps[note.stepId]
    if (s == null) continue
    const step = { ...base, stepId: note.stepId, attempt: s.attempt }
    if (note.kind === 'completed') {
      events.safeDispatchEvent('step:completed', { ...step, output: s.output, durationMs: (s.endedAt ?? event.at) - s.startedAt, ...(s.nodeId != null ? { nodeId: s.nodeId } : {}) })
    } else if (note.kind === 'failed') {
      events.safeDispatchEvent('step:failed', { ...step, error: s.error! })
    } else {
      events.safeDispatchEvent('step:retried', { ...step, error: s.error!, delayMs: note.delayMs })
    }
  }
  if (before !== status) {
    if (status === 'completed') events.safeDispatchEvent('execution:completed', { ...base, status, output: state.output })
    else if (status === 'failed') events.safeDispatchEvent('execution:failed', { ...base, status, error: state.error! })
    else if (status === 'aborted') events.safeDispatchEvent('execution:aborted', { ...base, status })
  }
}
