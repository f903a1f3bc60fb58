import { z } from 'zod'
import type { ActionDefinition } from '../../interface/action.js'

/** `qflow.action.log`: writes `params.message` to the step's logs; outputs `{ message }`. */
export const logAction: ActionDefinition = {
  name: 'qflow.action.log',
  stepTypes: ['task'],
  params: z.object({ message: z.unknown().refine(v => v !== undefined, { error: 'is required' }) }).loose(),
  run (params, ctx) {
    const message = typeof params.message === 'string' ? params.message : JSON.stringify(params.message)
    ctx.log(message)
    return { message }
  }
}
