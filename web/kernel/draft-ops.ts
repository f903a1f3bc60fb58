/**
 * Pure edits of a flow draft (a possibly invalid flow document): each returns a new document
 * and never throws, so whatever the user typed is kept and validation reports the problems.
 */
import type { DraftStep, RouteKind } from './flow-graph.js'

export interface FlowDraft { steps?: DraftStep[], [k: string]: unknown }

const clone = <T>(v: T): T => structuredClone(v)

/** Params a new step starts with, so a freshly added step is valid. */
export const DEFAULT_PARAMS: Record<string, Record<string, unknown>> = {
  'qflow.trigger.manual': {},
  'qflow.action.log': { message: 'Hello ${input.name}' },
  'qflow.action.transform': { output: '${input}' },
  'qflow.action.complete': { output: {} },
  'qflow.action.delay': { ms: 100 },
  'qflow.action.fail': { message: 'failed on purpose' },
  'qflow.action.http': { url: 'https://example.org', method: 'GET' },
  'qflow.action.function': { code: 'export default (input) => input' },
  'qflow.condition.if': { expression: 'true' },
  'qflow.condition.switch': { value: '${input.kind}', cases: [] },
  'qflow.trigger.event': { event: 'ready' },
  'qflow.module.flow': { flowId: 'child' }
}

export function newDraft (init: { id: string, owner: string, now: string, name?: string }): FlowDraft {
  return {
    id: init.id,
    name: init.name ?? 'Untitled flow',
    version: '1.0.0',
    owner: init.owner,
    description: '',
    steps: [],
    metadata: { tags: [], category: 'general', visibility: 'private', requiredPermissions: [] },
    createdAt: init.now,
    updatedAt: init.now
  }
}

function freeId (steps: DraftStep[], action: string): string {
  const base = (action.split('.').pop() ?? 'step').replace(/[^a-z0-9-]/gi, '') || 'step'
  const used = new Set(steps.map(s => s.id))
  for (let n = 1; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`
}

export function addStep (draft: FlowDraft, type: string, action: string): { draft: FlowDraft, id: string } {
  const next = clone(draft)
  const steps = next.steps = Array.isArray(next.steps) ? next.steps : []
  const id = freeId(steps, action)
  steps.push({ id, type, action, params: clone(DEFAULT_PARAMS[action] ?? {}) })
  return { draft: next, id }
}

export function removeStep (draft: FlowDraft, index: number): FlowDraft {
  const next = clone(draft)
  next.steps?.splice(index, 1)
  return next
}

export function updateStep (draft: FlowDraft, index: number, step: DraftStep): FlowDraft {
  const next = clone(draft)
  if (next.steps?.[index] != null) next.steps[index] = step
  return next
}

/** Points a step's route of `kind` at `to` (dragging from a port onto a step). */
export function connect (draft: FlowDraft, fromIndex: number, kind: RouteKind, to: string): FlowDraft {
  const next = clone(draft)
  const step = next.steps?.[fromIndex]
  if (step == null) return draft
  const params = (step.params != null && typeof step.params === 'object' ? step.params : (step.params = {})) as Record<string, unknown>
  if (kind === 'success') step.onSuccess = to
  else if (kind === 'failure') step.onFailure = to
  else if (kind === 'true') params.onTrue = to
  else if (kind === 'false') params.onFalse = to
  else if (kind === 'default') params.default = to
  else if (kind === 'case') params.cases = [...(Array.isArray(params.cases) ? params.cases : []), { equals: '', next: to }]
  return next
}

/** Sets a value at a dotted path inside a step (`retryPolicy.maxAttempts`); `undefined` deletes. */
export function setIn (step: DraftStep, path: string[], value: unknown): DraftStep {
  const next = clone(step) as Record<string, unknown>
  let at: Record<string, unknown> = next
  for (const key of path.slice(0, -1)) {
    if (at[key] == null || typeof at[key] !== 'object') at[key] = {}
    at = at[key] as Record<string, unknown>
  }
  const last = path[path.length - 1]
  if (value === undefined) delete at[last]
  else at[last] = value
  return next as DraftStep
}
