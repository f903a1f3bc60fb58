/**
 * Control flow inside the reducer: entering steps, finishing them, leaving list scopes and
 * joining parallel branches. Everything here is deterministic and mutates the given state.
 */
import { ErrorType } from '../../shared/errors.js'
import type { ExecutionError } from '../../shared/errors.js'
import { ROOT_SCOPE, branchesOf, stepIndexOf } from '../flow/step-index.js'
import type { Command } from './commands.js'
import { backoffDelay, shouldRetry } from './retry.js'
import type { RunState } from './run-state.js'

/** Upper bound of step entries per execution: stops runaway loops through conditions. */
export const MAX_STEP_VISITS = 10_000

/** What happened to steps while applying an event (for engine events; not part of the state). */
export type StepNote =
  | { kind: 'completed', stepId: string }
  | { kind: 'failed', stepId: string }
  | { kind: 'retried', stepId: string, delayMs: number }

export interface Tx {
  state: RunState
  at: number
  cmds: Command[]
  notes?: StepNote[]
}

export const ACTION_COMPLETE = 'qflow.action.complete'

export function isTerminal (state: RunState): boolean {
  return state.status === 'completed' || state.status === 'failed' || state.status === 'aborted'
}

export function makeError (tx: Tx, type: ExecutionError['type'], message: string, stepId?: string, details: Record<string, unknown> = {}): ExecutionError {
  const error: ExecutionError = { type, message, retryable: false, details, timestamp: new Date(tx.at).toISOString() }
  if (stepId != null) error.stepId = stepId
  return error
}

function removeFrom (list: string[], id: string): void {
  const i = list.indexOf(id)
  if (i >= 0) list.splice(i, 1)
}

/** Enters a step: a new visit with a fresh attempt number. */
export function enter (tx: Tx, stepId: string): void {
  const { state } = tx
  const entry = stepIndexOf(state.flow).steps.get(stepId)
  if (entry == null) {
    failExecution(tx, makeError(tx, ErrorType.VALIDATION_ERROR, `route to unknown step "${stepId}"`, stepId))
    return
  }
  if (++state.visits > MAX_STEP_VISITS) {
    failExecution(tx, makeError(tx, ErrorType.RESOURCE_EXHAUSTED, `more than ${MAX_STEP_VISITS} step visits: a loop does not end`, stepId))
    return
  }
  const attempt = (state.attemptSeq[stepId] ?? 0) + 1
  state.attemptSeq[stepId] = attempt
  // a revisited step (a loop) keeps its last output visible to expressions until it completes again
  const previous = state.steps[stepId]
  state.steps[stepId] = { status: 'pending', attempts: 1, attempt, startedAt: tx.at, ...(previous?.output !== undefined ? { output: previous.output } : {}) }
  state.currentStep = stepId
  if (state.paused || state.queued) {
    state.ready.push(stepId)
    return
  }
  begin(tx, stepId)
}

/** Starts the work of an entered (or retried) step. */
export function begin (tx: Tx, stepId: string): void {
  const { state } = tx
  const s = state.steps[stepId]
  s.status = 'running'
  s.startedAt = tx.at
  state.running.push(stepId)
  const step = stepIndexOf(state.flow).steps.get(stepId)!.step
  if (step.type === 'parallel') startParallel(tx, stepId)
  else tx.cmds.push({ kind: 'run-step', stepId, attempt: s.attempt })
}

function startParallel (tx: Tx, stepId: string): void {
  const { state } = tx
  const index = stepIndexOf(state.flow)
  const count = branchesOf(index.steps.get(stepId)!.step).length
  const par = { branches: new Array(count).fill('running'), outputs: new Array(count).fill(null), errors: new Array(count).fill(null) }
  state.parallels[stepId] = par
  const firsts: Array<string | undefined> = []
  for (let i = 0; i < count; i++) {
    const first = index.scopes.get(`${stepId}#${i}`)?.stepIds[0]
    firsts.push(first)
    if (first == null) par.branches[i] = 'completed'
  }
  if (evaluateJoin(tx, stepId)) return
  firsts.forEach(first => { if (first != null && state.parallels[stepId] === par && state.steps[stepId].status === 'running') enter(tx, first) })
}

/** A step finished successfully: route to the next step or leave its scope. */
export function completeStep (tx: Tx, stepId: string, output: unknown, next?: string): void {
  const { state } = tx
  const s = state.steps[stepId]
  const entry = stepIndexOf(state.flow).steps.get(stepId)!
  clearWork(tx, stepId)
  s.status = 'completed'
  s.output = output
  s.endedAt = tx.at
  delete s.error
  removeFrom(state.running, stepId)
  if (!state.completedSteps.includes(stepId)) state.completedSteps.push(stepId)
  removeFrom(state.failedSteps, stepId)
  tx.notes?.push({ kind: 'completed', stepId })
  if (entry.step.action === ACTION_COMPLETE) {
    finishExecution(tx, 'completed', { output })
    return
  }
  const target = next ?? entry.step.onSuccess ?? entry.next
  if (target != null) enter(tx, target)
  else endScope(tx, entry.scope, output)
}

/** A step attempt failed: retry, route to onFailure, or fail its scope. Returns the retry delay when retried. */
export function failStep (tx: Tx, stepId: string, error: ExecutionError): number | undefined {
  const { state } = tx
  const s = state.steps[stepId]
  const entry = stepIndexOf(state.flow).steps.get(stepId)!
  clearWork(tx, stepId)
  removeFrom(state.running, stepId)
  s.error = error
  s.endedAt = tx.at
  const policy = entry.step.retryPolicy
  if (shouldRetry(policy, error, s.attempts)) {
    const delay = backoffDelay(policy!, s.attempts, `${state.executionId}:${stepId}:${s.attempt}`)
    const timerId = `${stepId}#${s.attempt}:retry`
    state.timers[timerId] = { stepId, attempt: s.attempt, fireAt: tx.at + delay, purpose: 'retry' }
    s.status = 'retrying'
    tx.cmds.push({ kind: 'start-timer', timerId })
    tx.notes?.push({ kind: 'retried', stepId, delayMs: delay })
    return delay
  }
  s.status = 'failed'
  tx.notes?.push({ kind: 'failed', stepId })
  if (!state.failedSteps.includes(stepId)) state.failedSteps.push(stepId)
  if (entry.step.onFailure != null) {
    state.lastError = error
    enter(tx, entry.step.onFailure)
  } else {
    scopeFailed(tx, entry.scope, error)
  }
  return undefined
}

/** Starts the next attempt of a step whose retry timer fired. */
export function retryStep (tx: Tx, stepId: string): void {
  const { state } = tx
  const s = state.steps[stepId]
  const attempt = (state.attemptSeq[stepId] ?? s.attempt) + 1
  state.attemptSeq[stepId] = attempt
  s.attempt = attempt
  s.attempts++
  if (state.paused || state.queued) {
    s.status = 'pending'
    state.ready.push(stepId)
    return
  }
  begin(tx, stepId)
}

function endScope (tx: Tx, scope: string, output: unknown): void {
  if (scope === ROOT_SCOPE) finishExecution(tx, 'completed', { output })
  else branchEnded(tx, scope, 'completed', output, null)
}

function scopeFailed (tx: Tx, scope: string, error: ExecutionError): void {
  if (scope === ROOT_SCOPE) finishExecution(tx, 'failed', { error })
  else branchEnded(tx, scope, 'failed', null, error)
}

function branchEnded (tx: Tx, scope: string, status: 'completed' | 'failed', output: unknown, error: ExecutionError | null): void {
  const info = stepIndexOf(tx.state.flow).scopes.get(scope)
  if (info?.parent == null || info.branchIndex == null) return
  const par = tx.state.parallels[info.parent]
  if (par == null || par.branches[info.branchIndex] !== 'running') return
  par.branches[info.branchIndex] = status
  par.outputs[info.branchIndex] = status === 'completed' ? output ?? null : null
  par.errors[info.branchIndex] = error
  evaluateJoin(tx, info.parent)
}

/**
 * Decides a parallel step once its branches move. Success as soon as the join is met
 * (`all`, `any`, `{ atLeast: n }`); failure as soon as it cannot be met when `failFast`
 * (default), else once no branch is running. Returns true when the step was decided.
 */
function evaluateJoin (tx: Tx, parallelId: string): boolean {
  const { state } = tx
  const par = state.parallels[parallelId]
  const params = stepIndexOf(state.flow).steps.get(parallelId)!.step.params as { join?: unknown, failFast?: unknown }
  const n = par.branches.length
  const join = params.join
  const need = join === 'any' ? Math.min(1, n) : (join != null && typeof join === 'object' && typeof (join as { atLeast?: unknown }).atLeast === 'number') ? (join as { atLeast: number }).atLeast : n
  const failFast = params.failFast !== false
  let completed = 0
  let running = 0
  for (const b of par.branches) {
    if (b === 'completed') completed++
    else if (b === 'running') running++
  }
  if (completed >= need) {
    cancelBranches(tx, parallelId)
    completeStep(tx, parallelId, [...par.outputs])
    return true
  }
  if (completed + running < need && (failFast || running === 0)) {
    cancelBranches(tx, parallelId)
    const failedAt = par.errors.findIndex(e => e != null)
    const cause = par.errors[failedAt]
    const error = makeError(tx, cause?.type ?? ErrorType.EXECUTION_ERROR,
      `parallel step "${parallelId}": ${completed} of ${n} branches completed, ${need} needed${cause != null ? `; branch ${failedAt} failed: ${cause.message}` : ''}`,
      parallelId, { branchErrors: par.errors })
    error.retryable = cause?.retryable ?? false
    failStep(tx, parallelId, error)
    return true
  }
  return false
}

/** Cancels every branch of a parallel step that is still running. */
function cancelBranches (tx: Tx, parallelId: string): void {
  const par = tx.state.parallels[parallelId]
  par.branches.forEach((b, i) => { if (b === 'running') par.branches[i] = 'cancelled' })
  for (const id of [...tx.state.running, ...tx.state.ready]) {
    if (id !== parallelId && isWithin(tx.state, id, parallelId)) cancelStep(tx, id)
  }
}

/** Whether a step lies (at any depth) inside the branches of a parallel step. */
function isWithin (state: RunState, stepId: string, parallelId: string): boolean {
  const index = stepIndexOf(state.flow)
  let scope = index.steps.get(stepId)?.scope
  while (scope != null && scope !== ROOT_SCOPE) {
    const parent = index.scopes.get(scope)?.parent
    if (parent === parallelId) return true
    scope = parent == null ? undefined : index.steps.get(parent)?.scope
  }
  return false
}

/** Stops a step's outstanding work and marks it aborted. */
export function cancelStep (tx: Tx, stepId: string): void {
  const { state } = tx
  const s = state.steps[stepId]
  if (s == null) return
  if (state.running.includes(stepId) && state.parallels[stepId] == null) tx.cmds.push({ kind: 'cancel-step', stepId })
  clearWork(tx, stepId)
  for (const [timerId, t] of Object.entries(state.timers)) {
    if (t.stepId === stepId) {
      delete state.timers[timerId]
      tx.cmds.push({ kind: 'cancel-timer', timerId })
    }
  }
  removeFrom(state.running, stepId)
  removeFrom(state.ready, stepId)
  if (s.status !== 'completed' && s.status !== 'failed') {
    s.status = 'aborted'
    s.endedAt = tx.at
  }
}

/** Drops a step's delay/event timer, wait and child bookkeeping. */
function clearWork (tx: Tx, stepId: string): void {
  const s = tx.state.steps[stepId]
  if (s.timerId != null) {
    if (tx.state.timers[s.timerId] != null) {
      delete tx.state.timers[s.timerId]
      tx.cmds.push({ kind: 'cancel-timer', timerId: s.timerId })
    }
    delete s.timerId
  }
  delete s.waitingFor
  delete s.childExecutionId
}

/** Ends the execution; everything still running is cancelled. */
export function finishExecution (tx: Tx, status: 'completed' | 'failed' | 'aborted', result: { output?: unknown, error?: ExecutionError }): void {
  const { state } = tx
  for (const id of [...state.running, ...state.ready]) cancelStep(tx, id)
  for (const timerId of Object.keys(state.timers)) {
    delete state.timers[timerId]
    tx.cmds.push({ kind: 'cancel-timer', timerId })
  }
  state.status = status
  state.paused = false
  state.endTime = tx.at
  if (status === 'completed') state.output = result.output
  if (result.error != null) state.error = result.error
  tx.cmds.push({ kind: 'finished' })
}

export function failExecution (tx: Tx, error: ExecutionError): void {
  finishExecution(tx, 'failed', { error })
}
