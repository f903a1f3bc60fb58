/**
 * Nothing runs unvalidated. `trustedDispatcher` wraps the engine's `StepDispatcher` seam:
 * every step attempt passes `validateStep` (with its resolved params) before it is handed on,
 * locally or to a peer; a rejection fails the step with the pipeline's `ValidationFailedError`
 * (non-retryable unless rate-limited) and the inner dispatcher is never called. The inner
 * dispatcher gets the admission with the request (`request.admission`), so a peer that runs the
 * step validates it again. An execution another node admitted (`admittedBy`, e.g. taken over
 * from a coordinator that died) is validated with that node as voucher (peer authority).
 */
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation } from '../../../shared/trust.js'
import type { StepDispatcher } from '../../interface/dispatcher.js'
import type { StepRequest } from '../../interface/dispatcher.js'
import { PermissionDeniedError } from '../errors.js'
import type { ValidationPipeline } from './pipeline.js'
import type { ValidationContext } from './types.js'

export interface TrustedDispatcherInit {
  pipeline: Pick<ValidationPipeline, 'validateStep'>
  dispatcher: StepDispatcher
  /**
   * The admitted operation and flow a step attempt belongs to (by execution id); may load it
   * (a recovered execution) and may throw a `TrustError` when the record does not admit it.
   */
  admitted(request: StepRequest): Admitted | undefined | Promise<Admitted | undefined>
  /** This node's sQuid id: its own admissions keep the local rules; sent on as `admittedBy` when the record names none. */
  self?: string
}

export interface Admitted {
  operation: Operation
  flow: FlowDefinition
  /** The node (sQuid id) that admitted the execution (absent: this node, or unknown). */
  admittedBy?: string
}

export function trustedDispatcher (init: TrustedDispatcherInit): StepDispatcher {
  return {
    async dispatch (request, options) {
      const admitted = await init.admitted(request)
      if (admitted == null) {
        throw new PermissionDeniedError('not_admitted', `execution ${request.executionId} was not admitted by the validation pipeline: step ${request.stepId} does not run`)
      }
      const { operation, flow } = admitted
      const admittedBy = admitted.admittedBy ?? init.self
      const elsewhere = admittedBy != null && admittedBy !== init.self
      await init.pipeline.validateStep(request.step, { operation, flow, params: request.params, executionId: request.executionId, ...(elsewhere ? { vouchers: [admittedBy] } : {}) }, options)
      return await init.dispatcher.dispatch({ ...request, admission: { operation, flow, ...(admittedBy != null ? { admittedBy } : {}) } }, options)
    }
  }
}

/** Validates, then runs `fn`; a rejected operation never reaches it. */
export async function runValidated<T> (pipeline: Pick<ValidationPipeline, 'validate'>, operation: Operation, context: ValidationContext,
  fn: () => T | Promise<T>, options: { signal?: AbortSignal } = {}): Promise<T> {
  await pipeline.validate(operation, context, options)
  return await fn()
}
