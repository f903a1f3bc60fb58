import type { FlowStep, StepType } from '../../shared/flow.js'
import type { z } from 'zod'

/**
 * What an action handler receives besides its resolved params.
 */
export interface ActionContext {
  executionId: string
  flowId: string
  stepId: string
  /** Attempt number of this step within the execution (1, 2, ...). */
  attempt: number
  /** `<executionId>:<stepId>:<attempt>`: lets side effects be deduplicated (steps are at-least-once). */
  idempotencyKey: string
  step: FlowStep
  /** The DAO subnet the execution belongs to, if any (code whitelist, isolation). */
  daoSubnet?: string
  /** Aborted on step timeout, abort or shutdown. Handlers must pass it on to I/O. */
  signal: AbortSignal
  /** Appends a line to the step's logs. */
  log(message: string): void
}

/**
 * An action: a named unit of work a step can call. Built-ins live in `src/actions`;
 * later layers (sandbox, modules) register more.
 *
 * @example
 * registry.register({
 *   name: 'qflow.action.log',
 *   stepTypes: ['task'],
 *   params: z.object({ message: z.string() }),
 *   run: (params, ctx) => { ctx.log(String(params.message)); return { message: params.message } }
 * })
 */
export interface ActionDefinition {
  name: string
  /** Step types allowed to call this action. */
  stepTypes: readonly StepType[]
  /** Checks the params as written in the flow (before expressions are resolved). */
  params?: z.ZodType
  /** Whether the flow parameter values are resolved as expressions before `run` (default true). */
  resolveParams?: boolean
  /** Params passed to `run` exactly as written: never resolved as `${…}` templates (e.g. source code). */
  rawParams?: readonly string[]
  /** Carried out by the engine itself (routing, timers, waits, child flows); never dispatched. */
  control?: boolean
  /** Circuit breaker key for a call (default: the action name). */
  target?(params: Record<string, unknown>): string
  run(params: Record<string, unknown>, ctx: ActionContext): unknown
}

export interface ActionRegistry {
  register(definition: ActionDefinition): void
  get(name: string): ActionDefinition | undefined
  has(name: string): boolean
  list(): ActionDefinition[]
}
