import { z } from 'zod'
import { ErrorType } from '../../../shared/errors.js'
import type { ActionDefinition } from '../../interface/action.js'
import { StepError } from '../../errors.js'

function unavailable (name: string): ActionDefinition['run'] {
  return () => {
    throw new StepError(ErrorType.EXECUTION_ERROR,
      `${name} needs the WASM sandbox, which is not available on this node: the code was not run`,
      { retryable: false, details: { action: name, reason: 'sandbox-unavailable' } })
  }
}

/**
 * Placeholders for `qflow.action.function` and `qflow.action.wasm` when no SandboxHost is
 * injected: they fail clearly and never evaluate code on the host.
 */
export const sandboxUnavailableActions: ActionDefinition[] = [
  {
    name: 'qflow.action.function',
    stepTypes: ['task'],
    rawParams: ['code'],
    params: z.object({ code: z.string({ error: 'must be JavaScript source' }) }).loose(),
    run: unavailable('qflow.action.function')
  },
  {
    name: 'qflow.action.wasm',
    stepTypes: ['task'],
    params: z.object({ module: z.string({ error: 'must be a module CID or template name' }) }).loose(),
    run: unavailable('qflow.action.wasm')
  }
]
