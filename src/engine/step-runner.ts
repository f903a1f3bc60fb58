/**
 * Carries out a `run-step` command: resolves params, then either does the engine's own
 * work (trigger payloads, conditions, delays, event waits, child flows, completion) or
 * dispatches the action, under the step's timeout and its target's circuit breaker.
 * Every outcome goes back into the log as an event.
 */
import { ErrorType } from '../../shared/errors.js'
import type { ExecutionEvent } from '../../shared/execution.js'
import type { FlowStep } from '../../shared/flow.js'
import { TRIGGER_DECLARATIONS } from '../actions/builtin/control.js'
import { StepError, TimeoutError, toExecutionError } from '../errors.js'
import { evaluateExpression, hasExpression, resolveValue } from '../expr/index.js'
import type { ExpressionOptions, ExpressionScope } from '../expr/index.js'
import { RAW_EXPRESSION_PARAMS } from '../flow/expressions.js'
import { ROOT_SCOPE, stepIndexOf } from '../flow/step-index.js'
import type { ActionRegistry } from '../interface/action.js'
import type { Clock } from '../interface/clock.js'
import type { StepDispatcher } from '../interface/dispatcher.js'
import type { CircuitBreakers } from './circuit-breaker.js'
import type { Deadlines } from './deadlines.js'
import type { EngineEvents, TypedEventEmitter } from './events.js'
import type { Run } from './run.js'
import { deepEqual } from './deep-equal.js'
import { StepHandle } from './step-handle.js'

export interface StepRunnerHost {
  clock: Clock
  dispatcher: StepDispatcher
  actions: ActionRegistry
  breakers: CircuitBreakers
  deadlines: Deadlines
  events: TypedEventEmitter<EngineEvents>
  defaultStepTimeout: number
  expressions: ExpressionOptions
  record(run: Run, events: ExecutionEvent[]): void
  startChild(run: Run, stepId: string, flowId: string, input: unknown): Promise<string>
  abortExecution(executionId: string, reason?: string): Promise<void>
}

/** Failure types that count against a target's circuit breaker. */
const BREAKER_ERRORS = new Set<string>([ErrorType.NETWORK_ERROR, ErrorType.TIMEOUT_ERROR, ErrorType.NODE_FAILURE])

export function isCurrent (run: Run, stepId: string, attempt: number): boolean {
  const s = run.state.steps[stepId]
  return s != null && s.attempt === attempt && (s.status === 'running' || s.status === 'waiting')
}

export function expressionScope (run: Run, stepId: string, attempt: number): ExpressionScope {
  const state = run.state
  const steps: Record<string, { output?: unknown, status: string }> = {}
  for (const id in state.steps) steps[id] = { output: state.steps[id].output, status: state.steps[id].status }
  const context: Record<string, unknown> = {
    executionId: state.executionId,
    flowId: state.flowId,
    stepId,
    attempt,
    triggeredBy: state.context.triggeredBy,
    triggerType: state.context.triggerType,
    permissions: state.context.permissions
  }
  if (state.context.daoSubnet != null) context.daoSubnet = state.context.daoSubnet
  return { input: state.context.inputData, steps, variables: state.context.variables, context, error: state.lastError }
}

const templated = new WeakMap<FlowStep, boolean>()

/** Params of a step that are not templates: raw JSONata, and what its action declares raw. */
function isRaw (host: StepRunnerHost, step: FlowStep, key: string): boolean {
  return RAW_EXPRESSION_PARAMS.has(key) || host.actions.get(step.action)?.rawParams?.includes(key) === true
}

/** Whether a step's params hold templates (cached per step object). */
function isTemplated (host: StepRunnerHost, step: FlowStep): boolean {
  let has = templated.get(step)
  if (has == null) {
    has = Object.entries(step.params).some(([k, v]) => !isRaw(host, step, k) && hasExpression(v))
    templated.set(step, has)
  }
  return has
}

async function resolveParams (host: StepRunnerHost, run: Run, step: FlowStep, path: string, attempt: number): Promise<Record<string, unknown>> {
  const scope = expressionScope(run, step.id, attempt)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(step.params)) {
    out[k] = isRaw(host, step, k) ? v : await resolveValue(v, scope, host.expressions, `${path}.params.${k}`)
  }
  return out
}

/** Runs one attempt of a step; never throws (failures become `step.failed`). */
export async function runStep (host: StepRunnerHost, run: Run, stepId: string, attempt: number): Promise<void> {
  if (!isCurrent(run, stepId, attempt)) return
  const entry = stepIndexOf(run.state.flow).steps.get(stepId)!
  const step = entry.step
  const controller = new StepHandle()
  run.controllers.set(stepId, controller)
  if (host.events.listenerCount('step:started') > 0) {
    host.events.safeDispatchEvent('step:started', { executionId: run.id, flowId: run.state.flowId, stepId, attempt, action: step.action })
  }
  try {
    let params = step.params
    if (isTemplated(host, step)) {
      params = await resolveParams(host, run, step, entry.path, attempt)
      if (!isCurrent(run, stepId, attempt)) return
    }
    const at = (): number => host.clock.now()
    const base = { stepId, attempt }
    if (TRIGGER_DECLARATIONS.has(step.action) && (step.action !== 'qflow.trigger.event' || (entry.scope === ROOT_SCOPE && entry.index === 0))) {
      host.record(run, [{ type: 'step.completed', at: at(), ...base, output: run.state.context.inputData }])
    } else if (step.action === 'qflow.trigger.event') {
      const events: ExecutionEvent[] = [{ type: 'event.waiting', at: at(), ...base, event: String(params.event), ...(typeof params.filter === 'string' ? { filter: params.filter } : {}) }]
      if (params.timeoutMs != null) {
        events.push({ type: 'timer.started', at: at(), ...base, timerId: `${stepId}#${attempt}:event-timeout`, fireAt: at() + toMs(params.timeoutMs, 'timeoutMs'), purpose: 'event-timeout' })
      }
      host.record(run, events)
    } else if (step.action === 'qflow.action.delay') {
      host.record(run, [{ type: 'timer.started', at: at(), ...base, timerId: `${stepId}#${attempt}:delay`, fireAt: at() + toMs(params.ms, 'ms'), purpose: 'delay' }])
    } else if (step.action === 'qflow.action.complete') {
      host.record(run, [{ type: 'step.completed', at: at(), ...base, output: params.output ?? null }])
    } else if (step.action === 'qflow.condition.if' || step.action === 'qflow.condition.switch') {
      const { output, next } = await decide(host, run, step, params, attempt)
      if (isCurrent(run, stepId, attempt)) host.record(run, [{ type: 'step.completed', at: at(), ...base, output, ...(next != null ? { next } : {}) }])
    } else if (step.action === 'qflow.module.flow') {
      const childId = await host.startChild(run, stepId, String(params.flowId), params.input ?? {})
      // the step was cancelled while the child started: the child must not outlive it
      if (!isCurrent(run, stepId, attempt)) return await host.abortExecution(childId, 'parent step cancelled').catch(() => {})
      host.record(run, [{ type: 'child.started', at: at(), ...base, childExecutionId: childId }])
    } else {
      await dispatch(host, run, step, params, attempt, controller)
    }
  } catch (err: any) {
    if (controller.aborted && (controller.reason as Error | undefined)?.name === 'AbortError') return
    if (!isCurrent(run, stepId, attempt)) return
    const logs = Array.isArray(err?.logs) ? err.logs as string[] : undefined
    host.record(run, [{ type: 'step.failed', at: host.clock.now(), stepId, attempt, error: toExecutionError(err, host.clock.now(), { stepId }), ...(logs != null ? { logs } : {}) }])
  } finally {
    if (run.controllers.get(stepId) === controller) run.controllers.delete(stepId)
  }
}

async function dispatch (host: StepRunnerHost, run: Run, step: FlowStep, params: Record<string, unknown>, attempt: number, controller: StepHandle): Promise<void> {
  const action = host.actions.get(step.action)
  if (action == null) throw new StepError(ErrorType.VALIDATION_ERROR, `unknown action "${step.action}"`, { retryable: false })
  const target = action.target?.(params) ?? step.action
  const wait = host.breakers.check(target)
  if (wait != null) {
    throw new StepError(host.breakers.lastErrorType(target) ?? ErrorType.NETWORK_ERROR,
      `circuit open for ${target}: failing fast for another ${wait} ms`, { retryable: true, details: { circuit: 'open', target, retryAfterMs: wait } })
  }
  const timeoutMs = step.timeout ?? host.defaultStepTimeout
  const deadline = host.deadlines.add(timeoutMs, () => {
    controller.abort(new TimeoutError(`step "${step.id}" timed out after ${timeoutMs} ms`, { timeoutMs }))
  })
  const state = run.state
  try {
    const request = {
      executionId: state.executionId,
      flowId: state.flowId,
      stepId: step.id,
      attempt,
      idempotencyKey: `${state.executionId}:${step.id}:${attempt}`,
      step,
      params,
      ...(state.context.daoSubnet != null ? { daoSubnet: state.context.daoSubnet } : {})
    }
    const result = await controller.race(host.dispatcher.dispatch(request, { get signal () { return controller.signal } }))
    host.breakers.success(target)
    if (!isCurrent(run, step.id, attempt)) return
    host.record(run, [{
      type: 'step.completed',
      at: host.clock.now(),
      stepId: step.id,
      attempt,
      output: result.output,
      ...(result.logs.length > 0 ? { logs: result.logs } : {}),
      ...(result.nodeId != null ? { nodeId: result.nodeId } : {})
    }])
  } catch (err: any) {
    const type = err?.name === 'TimeoutError' ? ErrorType.TIMEOUT_ERROR : err?.type
    if (typeof type === 'string' && BREAKER_ERRORS.has(type)) host.breakers.failure(target, type as ErrorType)
    throw err
  } finally {
    host.deadlines.remove(deadline)
  }
}

async function decide (host: StepRunnerHost, run: Run, step: FlowStep, params: Record<string, unknown>, attempt: number): Promise<{ output: unknown, next?: string }> {
  if (step.action === 'qflow.condition.if') {
    const source = String(params.expression)
    const scope = expressionScope(run, step.id, attempt)
    const value = source.includes('${')
      ? await resolveValue(source, scope, host.expressions, `${stepIndexOf(run.state.flow).steps.get(step.id)!.path}.params.expression`)
      : await evaluateExpression(source, scope, host.expressions)
    const result = truthy(value)
    const next = (result ? params.onTrue : params.onFalse) as string | undefined
    return { output: { result }, ...(next != null ? { next } : {}) }
  }
  const cases = Array.isArray(params.cases) ? params.cases as Array<{ equals: unknown, next: string }> : []
  const matched = cases.findIndex(c => deepEqual(c.equals, params.value))
  const next = matched >= 0 ? cases[matched].next : params.default as string | undefined
  return { output: { value: params.value ?? null, matched }, ...(next != null ? { next } : {}) }
}

/** JSONata-style truthiness: empty strings, 0, null, undefined, false and empty arrays are false. */
function truthy (value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy)
  return Boolean(value)
}

function toMs (value: unknown, name: string): number {
  const n = typeof value === 'string' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new StepError(ErrorType.VALIDATION_ERROR, `params.${name}: must be a number of milliseconds >= 0, got ${JSON.stringify(value)}`, { retryable: false })
  }
  return n
}

