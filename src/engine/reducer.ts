/**
 * The execution reducer: `apply(state, event)` folds one log event into the state and
 * returns the commands it implies. Deterministic: no clock, no randomness, no I/O.
 */
import { ErrorType } from '../../shared/errors.js'
import type { ExecutionEvent } from '../../shared/execution.js'
import { stepIndexOf } from '../flow/step-index.js'
import type { Command } from './commands.js'
import { begin, cancelStep, completeStep, enter, failStep, finishExecution, isTerminal, makeError, retryStep } from './navigation.js'
import type { StepNote, Tx } from './navigation.js'
import type { RunState } from './run-state.js'

type Started = Extract<ExecutionEvent, { type: 'execution.started' }>

/** Folds events into a state (handles checkpoint restores by refolding the prefix). */
export function foldEvents (events: readonly ExecutionEvent[]): RunState {
  if (events.length === 0 || events[0].type !== 'execution.started') throw new Error('an execution log starts with execution.started')
  let state: RunState | undefined
  for (let i = 0; i < events.length; i++) {
    if (state == null) state = createState(events[0] as Started).state
    else apply(state, events[i], events)
  }
  return state!
}

/** The state after `execution.started`, with the commands that start the first step. */
export function createState (event: Started): { state: RunState, commands: Command[] } {
  const state: RunState = {
    executionId: event.executionId,
    flowId: event.flow.id,
    flow: event.flow,
    context: event.context,
    status: event.queued === true ? 'pending' : 'running',
    queued: event.queued === true,
    paused: false,
    startTime: event.at,
    steps: {},
    completedSteps: [],
    failedSteps: [],
    currentStep: '',
    running: [],
    ready: [],
    parallels: {},
    timers: {},
    attemptSeq: {},
    visits: 0,
    checkpoints: [],
    nodeAssignments: {},
    logLength: 1
  }
  if (event.parentExecutionId != null) state.parentExecutionId = event.parentExecutionId
  if (event.parentStepId != null) state.parentStepId = event.parentStepId
  const tx: Tx = { state, at: event.at, cmds: [] }
  const first = event.flow.steps[0]?.id
  if (first == null) finishExecution(tx, 'completed', { output: null })
  else enter(tx, first)
  return { state, commands: tx.cmds }
}

/**
 * Applies one event. `history` is the log before this event (only read by
 * `checkpoint.restored`). Events that no longer match the state (a late completion of a
 * cancelled attempt, anything after a terminal status) change nothing.
 */
export function apply (state: RunState, event: ExecutionEvent, history: readonly ExecutionEvent[], notes?: StepNote[]): Command[] {
  const tx: Tx = { state, at: event.at, cmds: [], notes }
  const logIndex = state.logLength
  state.logLength++
  if (event.type === 'checkpoint.restored') {
    restore(tx, event.checkpointId, history)
    return tx.cmds
  }
  if (event.type === 'checkpoint.created') {
    state.checkpoints.push({ checkpointId: event.checkpointId, stepId: state.currentStep, logIndex, timestamp: new Date(event.at).toISOString() })
    return tx.cmds
  }
  if (isTerminal(state)) return tx.cmds
  switch (event.type) {
    case 'execution.started': break
    case 'execution.dequeued':
      state.queued = false
      state.status = state.paused ? 'paused' : 'running'
      if (!state.paused) startReady(tx)
      break
    case 'execution.paused':
      state.paused = true
      state.status = state.queued ? 'pending' : 'paused'
      break
    case 'execution.resumed':
      state.paused = false
      if (!state.queued) {
        state.status = 'running'
        startReady(tx)
      }
      break
    case 'execution.aborted':
      finishExecution(tx, 'aborted', {})
      break
    case 'step.started': {
      const s = live(state, event.stepId, event.attempt)
      if (s != null && event.nodeId != null) {
        s.nodeId = event.nodeId
        state.nodeAssignments[event.stepId] = event.nodeId
      }
      break
    }
    case 'step.completed': {
      const s = live(state, event.stepId, event.attempt)
      if (s == null) break
      if (event.logs != null) s.logs = event.logs
      if (event.nodeId != null) {
        s.nodeId = event.nodeId
        state.nodeAssignments[event.stepId] = event.nodeId
      }
      completeStep(tx, event.stepId, event.output, event.next)
      break
    }
    case 'step.failed': {
      const s = live(state, event.stepId, event.attempt)
      if (s == null) break
      if (event.logs != null) s.logs = event.logs
      failStep(tx, event.stepId, event.error)
      break
    }
    case 'timer.started': {
      const s = live(state, event.stepId, event.attempt)
      if (s == null) break
      state.timers[event.timerId] = { stepId: event.stepId, attempt: event.attempt, fireAt: event.fireAt, purpose: event.purpose }
      s.timerId = event.timerId
      tx.cmds.push({ kind: 'start-timer', timerId: event.timerId })
      break
    }
    case 'timer.fired':
      timerFired(tx, event.timerId)
      break
    case 'event.waiting': {
      const s = live(state, event.stepId, event.attempt)
      if (s == null) break
      s.status = 'waiting'
      s.waitingFor = event.filter != null ? { event: event.event, filter: event.filter } : { event: event.event }
      tx.cmds.push({ kind: 'await-event', stepId: event.stepId })
      break
    }
    case 'event.received': {
      const s = state.steps[event.stepId]
      if (s?.status !== 'waiting' || s.waitingFor?.event !== event.event) break
      completeStep(tx, event.stepId, event.payload)
      break
    }
    case 'child.started': {
      const s = live(state, event.stepId, event.attempt)
      if (s == null) break
      s.childExecutionId = event.childExecutionId
      tx.cmds.push({ kind: 'await-child', stepId: event.stepId })
      break
    }
  }
  return tx.cmds
}

/** The running (or waiting) step record, if `attempt` is its current attempt. */
function live (state: RunState, stepId: string, attempt: number): RunState['steps'][string] | undefined {
  const s = state.steps[stepId]
  if (s == null || s.attempt !== attempt) return undefined
  if (s.status !== 'running' && s.status !== 'waiting') return undefined
  return s
}

function startReady (tx: Tx): void {
  const ready = tx.state.ready
  tx.state.ready = []
  for (const id of ready) begin(tx, id)
}

function timerFired (tx: Tx, timerId: string): void {
  const { state } = tx
  const timer = state.timers[timerId]
  if (timer == null) return
  delete state.timers[timerId]
  const s = state.steps[timer.stepId]
  if (s == null) return
  if (timer.purpose === 'retry') {
    if (s.status === 'retrying' && s.attempt === timer.attempt) retryStep(tx, timer.stepId)
    return
  }
  if (s.timerId !== timerId) return
  delete s.timerId
  if (timer.purpose === 'delay') {
    completeStep(tx, timer.stepId, { delayedMs: Math.max(0, timer.fireAt - s.startedAt) })
  } else {
    const wanted = s.waitingFor?.event ?? 'event'
    const error = makeError(tx, ErrorType.TIMEOUT_ERROR, `no "${wanted}" event arrived before the step's timeoutMs`, timer.stepId, { event: wanted })
    failStep(tx, timer.stepId, error)
  }
}

/**
 * Rolls the execution back to a checkpoint: the state becomes the fold of the log prefix
 * the checkpoint covers; attempt numbers and the checkpoint list carry over, and steps that
 * were running at the checkpoint start again under new attempt numbers.
 */
function restore (tx: Tx, checkpointId: string, history: readonly ExecutionEvent[]): void {
  const { state } = tx
  const cp = state.checkpoints.find(c => c.checkpointId === checkpointId)
  if (cp == null) return
  for (const id of [...state.running, ...state.ready]) cancelStep(tx, id)
  for (const timerId of Object.keys(state.timers)) tx.cmds.push({ kind: 'cancel-timer', timerId })
  const prefix = foldEvents(history.slice(0, cp.logIndex))
  const attemptSeq = { ...prefix.attemptSeq }
  for (const [id, n] of Object.entries(state.attemptSeq)) attemptSeq[id] = Math.max(n, attemptSeq[id] ?? 0)
  const carried = { checkpoints: state.checkpoints, logLength: state.logLength, attemptSeq }
  for (const key of Object.keys(state) as Array<keyof RunState>) delete state[key]
  Object.assign(state, prefix, carried)
  state.restoredFrom = checkpointId
  if (isTerminal(state)) return
  for (const id of state.running) {
    const s = state.steps[id]
    if (state.parallels[id] != null && stepIndexOf(state.flow).steps.get(id)?.step.type === 'parallel') continue
    for (const [timerId, t] of Object.entries(state.timers)) if (t.stepId === id && t.purpose !== 'retry') delete state.timers[timerId]
    delete s.timerId
    delete s.waitingFor
    delete s.childExecutionId
    s.status = 'running'
    s.attempt = ++state.attemptSeq[id]
    tx.cmds.push({ kind: 'run-step', stepId: id, attempt: s.attempt })
  }
  for (const timerId of Object.keys(state.timers)) tx.cmds.push({ kind: 'start-timer', timerId })
}

/** Commands that pick up a folded state's outstanding work (crash recovery). */
export function recoveryCommands (state: RunState): Command[] {
  const cmds: Command[] = []
  if (isTerminal(state)) return cmds
  for (const id of state.running) {
    const s = state.steps[id]
    if (state.parallels[id] != null && s.status === 'running' && stepIndexOf(state.flow).steps.get(id)?.step.type === 'parallel') continue
    if (s.timerId != null) continue
    if (s.waitingFor != null) cmds.push({ kind: 'await-event', stepId: id })
    else if (s.childExecutionId != null) cmds.push({ kind: 'await-child', stepId: id })
    else cmds.push({ kind: 'run-step', stepId: id, attempt: s.attempt })
  }
  for (const timerId of Object.keys(state.timers)) cmds.push({ kind: 'start-timer', timerId })
  return cmds
}

export type { StepNote }
