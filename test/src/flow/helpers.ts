/** Builders shared by the flow specs: a valid flow around some steps, and a stub action registry. */
import { z } from 'zod'
import type { FlowDefinition, FlowStep, StepType } from '../../../shared/flow.js'
import type { ActionDefinition, ActionRegistry } from '../../../src/interface/action.js'
import type { FlowValidationResult } from '../../../src/flow/index.js'

export const NOW = '2025-01-02T03:04:05.000Z'

/** Step fields, loosely typed so specs can write invalid values and unknown keys. */
export type StepFields = Partial<Record<keyof FlowStep, unknown>> & Record<string, unknown>

export function step (id: string, extra: StepFields = {}): FlowStep {
  return { id, type: 'task', action: 'qflow.action.log', params: { message: id }, ...extra } as FlowStep
}

export function parallel (id: string, branches: unknown[][], extra: StepFields = {}): FlowStep {
  return step(id, { type: 'parallel', action: 'qflow.parallel', params: { branches }, ...extra })
}

export function condition (id: string, params: Record<string, unknown>, extra: StepFields = {}): FlowStep {
  return step(id, { type: 'condition', action: 'qflow.condition.if', params: { expression: 'true', ...params }, ...extra })
}

export function flow (steps: unknown[], extra: Record<string, unknown> = {}): FlowDefinition {
  return {
    id: 'f',
    name: 'F',
    version: '1.0.0',
    owner: 'local',
    steps,
    metadata: { tags: [], category: 'test', visibility: 'private', requiredPermissions: [] },
    createdAt: NOW,
    updatedAt: NOW,
    ...extra
  } as FlowDefinition
}

/** `path: message` lines, the way the CLI prints them. */
export function lines (problems: Array<{ path: string, message: string }>): string[] {
  return problems.map(p => `${p.path}: ${p.message}`)
}

export function errorsOf (result: FlowValidationResult): string[] {
  return lines(result.errors)
}

function action (name: string, stepTypes: readonly StepType[], params?: z.ZodType): ActionDefinition {
  return { name, stepTypes, params, run: () => undefined }
}

/** The built-in vocabulary as far as validation is concerned. */
export function stubRegistry (extra: ActionDefinition[] = []): ActionRegistry {
  const defs = new Map<string, ActionDefinition>()
  for (const d of [
    action('qflow.action.log', ['task'], z.object({ message: z.string() })),
    action('qflow.action.delay', ['task'], z.object({ ms: z.number().int().min(0) })),
    action('qflow.action.complete', ['task']),
    action('qflow.action.fail', ['task']),
    action('qflow.condition.if', ['condition'], z.object({ expression: z.string(), onTrue: z.string().optional(), onFalse: z.string().optional() })),
    action('qflow.condition.switch', ['condition']),
    action('qflow.parallel', ['parallel'], z.object({ branches: z.array(z.array(z.object({ id: z.string() }))) }).loose()),
    action('qflow.trigger.manual', ['event-trigger']),
    action('qflow.trigger.webhook', ['event-trigger']),
    action('qflow.trigger.schedule', ['event-trigger']),
    action('qflow.trigger.event', ['event-trigger']),
    action('qflow.module.flow', ['module-call'], z.object({ flowId: z.string(), input: z.unknown().optional() })),
    ...extra
  ]) defs.set(d.name, d)
  return {
    register: d => { defs.set(d.name, d) },
    get: name => defs.get(name),
    has: name => defs.has(name),
    list: () => [...defs.values()]
  }
}
