/**
 * What an operation needs granted: `flow:<id>#execute` to run a flow, each entry of the flow's
 * `metadata.requiredPermissions` (`resource` or `resource#action`), and what each step's
 * action needs (`qflow.action.http` → `http:<host>`). Needs that depend on expressions
 * (`${…}` in a URL) are known only once params are resolved: `validateStep` checks them.
 */
import type { FlowDefinition, FlowStep } from '../../../shared/flow.js'
import { flowSteps } from '../flow-steps.js'
import { DEFAULT_ACTION, EXECUTE, parsePermission } from './capability.js'
import type { Permission } from './capability.js'

/** Needs of one step given its params (undefined entries: not known until resolved). */
export type StepNeeds = (step: FlowStep, params: Record<string, unknown>) => Array<Permission | undefined>

export function hostOf (url: unknown): string | undefined {
  if (typeof url !== 'string' || url.includes('${')) return undefined
  try { return new URL(url).host } catch { return undefined }
}

export const defaultStepNeeds: Readonly<Record<string, StepNeeds>> = {
  'qflow.action.http': (_step, params) => {
    const host = hostOf(params.url)
    return [host == null ? undefined : { resource: `http:${host}`, action: DEFAULT_ACTION }]
  }
}

export function flowNeeds (flow: FlowDefinition): Permission[] {
  return [{ resource: `flow:${flow.id}`, action: EXECUTE }, ...flow.metadata.requiredPermissions.map(parsePermission)]
}

/** The needs of every step as written (the ones known before resolving expressions). */
export function staticStepNeeds (flow: FlowDefinition, needs: Readonly<Record<string, StepNeeds>>): { known: Permission[], unresolved: boolean } {
  const all = flowSteps(flow).flatMap(({ step }) => needs[step.action]?.(step, step.params) ?? [])
  return { known: all.filter((p): p is Permission => p != null), unresolved: all.some(p => p == null) }
}

export function stepNeeds (step: FlowStep, params: Record<string, unknown>, needs: Readonly<Record<string, StepNeeds>>): { known: Permission[], unresolved: boolean } {
  const all = needs[step.action]?.(step, params) ?? []
  return { known: all.filter((p): p is Permission => p != null), unresolved: all.some(p => p == null) }
}
