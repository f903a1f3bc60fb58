/**
 * Runs step attempts on this node through the action registry.
 */
import { ErrorType } from '../../shared/errors.js'
import type { ActionRegistry } from '../interface/action.js'
import type { StepDispatcher, StepRequest, StepResult } from '../interface/dispatcher.js'
import { StepError } from '../errors.js'

export interface LocalDispatcherInit {
  /** Reported as the node that ran each step. */
  nodeId?: string
}

export function localDispatcher (actions: ActionRegistry, init: LocalDispatcherInit = {}): StepDispatcher {
  const nodeId = init.nodeId
  return {
    async dispatch (request: StepRequest, options: { signal: AbortSignal }): Promise<StepResult> {
      const action = actions.get(request.step.action)
      if (action == null || action.control === true) {
        throw new StepError(ErrorType.VALIDATION_ERROR, `unknown action "${request.step.action}"`, { retryable: false })
      }
      const logs: string[] = []
      let output: unknown
      try {
        output = await action.run(request.params, {
        executionId: request.executionId,
        flowId: request.flowId,
        stepId: request.stepId,
        attempt: request.attempt,
        idempotencyKey: request.idempotencyKey,
        step: request.step,
        ...(request.daoSubnet != null ? { daoSubnet: request.daoSubnet } : {}),
        get signal () { return options.signal },
        log: (message) => { logs.push(message) }
        })
      } catch (err) {
        // keep the lines the action logged before it failed: they go into step.failed
        if (err != null && typeof err === 'object' && logs.length > 0) (err as { logs?: string[] }).logs = logs
        throw err
      }
      const result: StepResult = { output: output === undefined ? null : output, logs }
      if (nodeId != null) result.nodeId = nodeId
      return result
    }
  }
}
