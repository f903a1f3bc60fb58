/**
 * Flattens a flow's step lists (the top level and every parallel branch) into one index:
 * where each step lives, which step follows it in its list, and every route it declares.
 * Used by the validator (graph checks) and by the engine (sequencing). Robust to invalid
 * documents: anything that is not a step object is skipped, never thrown on.
 */
import type { FlowDefinition, FlowStep } from '../../shared/flow.js'

export const ROOT_SCOPE = ''

export interface StepEntry {
  step: FlowStep
  /** Document path, e.g. `steps[2]` or `steps[1].params.branches[0][3]`. */
  path: string
  /** `''` for the top level, `<parallelStepId>#<branchIndex>` inside a branch. */
  scope: string
  /** The step that follows in the same list, if any. */
  next?: string
  /** Position in its list. */
  index: number
}

export interface ScopeEntry {
  id: string
  /** The parallel step that owns this branch (absent for the top level). */
  parent?: string
  branchIndex?: number
  stepIds: string[]
}

export type RouteKind = 'onSuccess' | 'onFailure' | 'onTrue' | 'onFalse' | 'case' | 'default'

export interface Route {
  kind: RouteKind
  target: string
  /** Document path of the field holding the route. */
  path: string
}

export interface StepIndex {
  steps: Map<string, StepEntry>
  scopes: Map<string, ScopeEntry>
  /** Ids seen more than once, with every path they appear at. */
  duplicates: Map<string, string[]>
}

function isStepLike (value: unknown): value is FlowStep {
  return value != null && typeof value === 'object' && !Array.isArray(value) &&
    typeof (value as { id?: unknown }).id === 'string'
}

/** The branches of a parallel step, as written (unvalidated). */
export function branchesOf (step: FlowStep): unknown[] {
  if (step.type !== 'parallel') return []
  const branches = (step.params as { branches?: unknown } | undefined)?.branches
  return Array.isArray(branches) ? branches : []
}

export function indexSteps (flow: Pick<FlowDefinition, 'steps'>): StepIndex {
  const index: StepIndex = { steps: new Map(), scopes: new Map(), duplicates: new Map() }
  const seen = new Map<string, string>()

  const walk = (list: unknown, basePath: string, scope: ScopeEntry): void => {
    index.scopes.set(scope.id, scope)
    if (!Array.isArray(list)) return
    const steps = list.map((s, i) => ({ s, i })).filter(({ s }) => isStepLike(s)) as Array<{ s: FlowStep, i: number }>
    steps.forEach(({ s, i }, k) => {
      const path = `${basePath}[${i}]`
      const first = seen.get(s.id)
      if (first != null) {
        const paths = index.duplicates.get(s.id) ?? [first]
        paths.push(path)
        index.duplicates.set(s.id, paths)
        return
      }
      seen.set(s.id, path)
      scope.stepIds.push(s.id)
      index.steps.set(s.id, { step: s, path, scope: scope.id, next: steps[k + 1]?.s.id, index: k })
      branchesOf(s).forEach((branch, b) => {
        walk(branch, `${path}.params.branches[${b}]`, { id: `${s.id}#${b}`, parent: s.id, branchIndex: b, stepIds: [] })
      })
    })
  }
  walk(flow.steps, 'steps', { id: ROOT_SCOPE, stepIds: [] })
  return index
}

/** Every explicit route a step declares (jumps by step id). */
export function routesOf (step: FlowStep, path: string): Route[] {
  const routes: Route[] = []
  const add = (kind: RouteKind, target: unknown, at: string): void => {
    if (typeof target === 'string' && target.length > 0) routes.push({ kind, target, path: at })
  }
  add('onSuccess', step.onSuccess, `${path}.onSuccess`)
  add('onFailure', step.onFailure, `${path}.onFailure`)
  const params = (step.params ?? {}) as Record<string, unknown>
  if (step.type === 'condition') {
    add('onTrue', params.onTrue, `${path}.params.onTrue`)
    add('onFalse', params.onFalse, `${path}.params.onFalse`)
    if (Array.isArray(params.cases)) {
      params.cases.forEach((c, i) => { add('case', (c as { next?: unknown } | null)?.next, `${path}.params.cases[${i}].next`) })
    }
    add('default', params.default, `${path}.params.default`)
  }
  return routes
}

const cache = new WeakMap<object, StepIndex>()

/** `indexSteps`, memoised per flow object (flows are treated as immutable once loaded). */
export function stepIndexOf (flow: Pick<FlowDefinition, 'steps'>): StepIndex {
  let index = cache.get(flow)
  if (index == null) {
    index = indexSteps(flow)
    cache.set(flow, index)
  }
  return index
}
