import type { FlowStep } from '../../shared/flow.js'
import type { StepAdmission } from '../../shared/trust.js'

/** One attempt of one step, with params already resolved. */
export interface StepRequest {
  executionId: string
  flowId: string
  stepId: string
  attempt: number
  idempotencyKey: string
  step: FlowStep
  params: Record<string, unknown>
  daoSubnet?: string
  /**
   * The execution's admission, set by the trust pipeline's `trustedDispatcher` once the step
   * passed `validateStep` here: a remote dispatcher sends it with the step so the executor can
   * validate the step again with its own pipeline.
   */
  admission?: StepAdmission
}

export interface StepResult {
  output: unknown
  logs: string[]
  /** The node that ran the step (the local node id for local runs). */
  nodeId?: string
}

/**
 * Sends a step attempt somewhere to run. Local here; the network issue adds a remote
 * dispatcher over `/qflow/dispatch/1.0.0`. A failure rejects with a `StepError`
 * (or anything with `name`, `message`, and optionally `type`, `retryable`).
 *
 * @example
 * const { output } = await dispatcher.dispatch(request, { signal })
 */
export interface StepDispatcher {
  dispatch(request: StepRequest, options: { signal: AbortSignal }): Promise<StepResult>
}
