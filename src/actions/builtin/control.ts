/**
 * Actions the engine carries out itself (routing, timers, waits, child flows). They are
 * registered so that flows are validated against their params; `run` is never called.
 */
import { z } from 'zod'
import type { ActionDefinition } from '../../interface/action.js'
import { nonNegativeMs, orExpr } from './params.js'
import { WEBHOOK_TRIGGER, WebhookParamsSchema } from './webhook-params.js'
import { checkSchedule } from '../../triggers/scheduler.js'

function engineOnly (name: string): ActionDefinition['run'] {
  return () => { throw new Error(`${name} is carried out by the engine, not dispatched`) }
}

const control = (name: string, stepTypes: ActionDefinition['stepTypes'], params: z.ZodType): ActionDefinition =>
  ({ name, stepTypes, params, resolveParams: false, control: true, run: engineOnly(name) })

const stepRef = z.string({ error: 'must be a step id' }).min(1, { error: 'must be a step id' })
const join = z.union([
  z.enum(['all', 'any']),
  z.strictObject({ atLeast: z.number().int().min(1, { error: 'must be an integer >= 1' }) })
], { error: 'must be "all", "any" or { atLeast: n }' })

export const controlActions: ActionDefinition[] = [
  control('qflow.action.complete', ['task'], z.object({ output: z.unknown() }).loose()),
  control('qflow.action.delay', ['task'], z.object({ ms: nonNegativeMs }).loose()),
  control('qflow.condition.if', ['condition'], z.object({
    expression: z.string({ error: 'must be a JSONata expression or ${expression}' }).min(1, { error: 'must not be empty' }),
    onTrue: stepRef.optional(),
    onFalse: stepRef.optional()
  }).loose()),
  control('qflow.condition.switch', ['condition'], z.object({
    value: z.unknown().refine(v => v !== undefined, { error: 'is required' }),
    cases: z.array(z.object({ equals: z.unknown(), next: stepRef }), { error: 'must be a list of { equals, next }' }),
    default: stepRef.optional()
  }).loose()),
  control('qflow.parallel', ['parallel'], z.object({
    branches: z.array(z.array(z.unknown(), { error: 'each branch must be a list of steps' }), { error: 'must be a list of branches' }),
    join: join.optional(),
    failFast: z.boolean({ error: 'must be true or false' }).optional()
  }).loose()),
  control('qflow.trigger.manual', ['event-trigger'], z.object({}).loose()),
  control(WEBHOOK_TRIGGER, ['event-trigger'], WebhookParamsSchema),
  control('qflow.trigger.schedule', ['event-trigger'], z.object({ cron: z.string({ error: 'must be a cron expression' }).min(1), timezone: z.string().optional() }).loose()
    .superRefine((spec, ctx) => {
      // the pattern and the time zone are checked when the flow is validated, not first at the relay
      for (const problem of checkSchedule(spec, Date.now(), '')) ctx.addIssue({ code: 'custom', path: [problem.path.replace(/^\./, '')], message: problem.message })
    })),
  control('qflow.trigger.event', ['event-trigger'], z.object({
    event: z.string({ error: 'must be an event name' }).min(1, { error: 'must be an event name' }),
    filter: z.string({ error: 'must be a JSONata expression' }).optional(),
    timeoutMs: nonNegativeMs.optional()
  }).loose()),
  control('qflow.module.flow', ['module-call'], z.object({
    flowId: orExpr(z.string({ error: 'must be a flow id' }).min(1)),
    input: z.unknown().optional()
  }).loose())
]

export const TRIGGER_DECLARATIONS: ReadonlySet<string> = new Set(['qflow.trigger.manual', 'qflow.trigger.webhook', 'qflow.trigger.schedule', 'qflow.trigger.event'])
