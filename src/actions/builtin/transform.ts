import { z } from 'zod'
import type { ActionDefinition } from '../../interface/action.js'

/** `qflow.action.transform`: `params.output` (any JSON with expressions) becomes the output. */
export const transformAction: ActionDefinition = {
  name: 'qflow.action.transform',
  stepTypes: ['task'],
  params: z.object({ output: z.unknown() }).loose(),
  run (params) {
    return params.output ?? null
  }
}
