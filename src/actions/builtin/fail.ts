import { z } from 'zod'
import { ERROR_TYPES, ErrorType } from '../../../shared/errors.js'
import type { ActionDefinition } from '../../interface/action.js'
import { StepError } from '../../errors.js'
import { orExpr } from './params.js'

/** `qflow.action.fail`: fails the step with `params.message`, `params.errorType`, `params.retryable`. */
export const failAction: ActionDefinition = {
  name: 'qflow.action.fail',
  stepTypes: ['task'],
  params: z.object({
    message: orExpr(z.string({ error: 'must be a string' })),
    errorType: z.enum(ERROR_TYPES as [string, ...string[]], { error: `must be one of ${ERROR_TYPES.join(', ')}` }).optional(),
    retryable: orExpr(z.boolean({ error: 'must be true or false' })).optional()
  }).loose(),
  run (params) {
    const type = (params.errorType ?? ErrorType.EXECUTION_ERROR) as ErrorType
    throw new StepError(type, String(params.message), { retryable: params.retryable === true, details: { action: 'qflow.action.fail' } })
  }
}
