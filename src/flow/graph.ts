/**
 * Graph checks over a flow's steps: duplicate ids, routes to unknown steps, routes that leave
 * their list (parallel branches are closed scopes), unreachable steps (warnings), cycles, and
 * where trigger declarations may stand. Works on unvalidated documents and never throws.
 *
 * Control flow edges (what the engine may do after a step):
 * - success: `onSuccess` when declared, else the next step of the same list; none after
 *   `qflow.action.complete` (ends the flow) or `qflow.action.fail` (always fails);
 * - `onFailure`;
 * - a condition step: its routes (`onTrue`, `onFalse`, `cases[].next`, `default`), plus the
 *   success edge when a route is missing (`if` without `onTrue` or `onFalse`, `switch` without
 *   `default`), since the engine then falls through;
 * - a parallel step: the first step of each branch (and its success edge, taken after the join).
 *
 * Loops: a cycle is legal only when it passes through at least one `condition` step, which is
 * the loop construct: the condition decides each time whether to go round again or leave.
 * A cycle made only of other steps can never end, so it is an error.
 */
import type { PathError } from '../../shared/errors.js'
import type { FlowStep } from '../../shared/flow.js'
import { branchesOf, indexSteps, ROOT_SCOPE, routesOf } from './step-index.js'
import type { StepEntry, StepIndex } from './step-index.js'

export interface GraphReport {
  errors: PathError[]
  warnings: PathError[]
}

interface Edge {
  to: string
  /** Where the edge is declared; for an implicit "next step" edge, the step itself. */
  path: string
  explicit: boolean
}

/** Only the first step of the flow may declare how it starts. */
export const START_TRIGGERS: readonly string[] = ['qflow.trigger.manual', 'qflow.trigger.webhook', 'qflow.trigger.schedule']
const TERMINAL_ACTIONS: readonly string[] = ['qflow.action.complete', 'qflow.action.fail']

export function checkGraph (doc: { steps?: unknown }): GraphReport {
  const report: GraphReport = { errors: [], warnings: [] }
  const index = indexSteps({ steps: doc.steps as FlowStep[] })
  for (const [id, paths] of index.duplicates) {
    for (const path of paths.slice(1)) {
      report.errors.push({ path: `${path}.id`, message: `duplicate step id "${id}" (first used at ${paths[0]})` })
    }
  }
  checkRoutes(index, report)
  checkTriggers(index, report)
  const edges = edgesOf(index)
  checkReachability(index, edges, report)
  checkCycles(index, edges, report)
  return report
}

function checkRoutes (index: StepIndex, report: GraphReport): void {
  for (const entry of index.steps.values()) {
    for (const route of routesOf(entry.step, entry.path)) {
      const target = index.steps.get(route.target)
      if (target == null) {
        report.errors.push({ path: route.path, message: `unknown step "${route.target}"` })
      } else if (target.scope !== entry.scope) {
        const where = entry.scope === ROOT_SCOPE
          ? `"${route.target}" is inside parallel branch ${target.scope}`
          : `"${route.target}" is outside branch ${entry.scope}`
        report.errors.push({ path: route.path, message: `parallel branches cannot jump outside their branch (${where})` })
      }
    }
  }
}

function checkTriggers (index: StepIndex, report: GraphReport): void {
  for (const entry of index.steps.values()) {
    const { action, type } = entry.step as { action?: unknown, type?: unknown }
    if (typeof action !== 'string') continue
    const first = entry.scope === ROOT_SCOPE && entry.index === 0
    if (START_TRIGGERS.includes(action) && !first) {
      report.errors.push({ path: `${entry.path}.action`, message: `${action} declares how the flow starts, so it may only be the first step of the flow` })
    }
    if (type === 'event-trigger' && !action.startsWith('qflow.trigger.')) {
      report.errors.push({ path: `${entry.path}.action`, message: `an event-trigger step needs a qflow.trigger.* action, not "${action}"` })
    }
  }
}

function edgesOf (index: StepIndex): Map<string, Edge[]> {
  const edges = new Map<string, Edge[]>()
  for (const [id, entry] of index.steps) {
    const out: Edge[] = []
    const inScope = (target: string): boolean => index.steps.get(target)?.scope === entry.scope
    const routes = routesOf(entry.step, entry.path)
    const route = (kind: string): boolean => routes.some(r => r.kind === kind)
    const { action, type } = entry.step as { action?: unknown, type?: unknown }
    for (const r of routes) {
      if (r.kind !== 'onSuccess' && inScope(r.target)) out.push({ to: r.target, path: r.path, explicit: true })
    }
    const fallsThrough = type !== 'condition' ||
      (action === 'qflow.condition.switch' ? !route('default') : !route('onTrue') || !route('onFalse'))
    if (fallsThrough && !TERMINAL_ACTIONS.includes(action as string)) {
      const onSuccess = routes.find(r => r.kind === 'onSuccess')
      if (onSuccess != null) {
        if (inScope(onSuccess.target)) out.push({ to: onSuccess.target, path: onSuccess.path, explicit: true })
      } else if (entry.next != null) {
        out.push({ to: entry.next, path: entry.path, explicit: false })
      }
    }
    branchesOf(entry.step).forEach((_, b) => {
      const first = index.scopes.get(`${id}#${b}`)?.stepIds[0]
      if (first != null) out.push({ to: first, path: `${entry.path}.params.branches[${b}]`, explicit: false })
    })
    edges.set(id, out)
  }
  return edges
}

function checkReachability (index: StepIndex, edges: Map<string, Edge[]>, report: GraphReport): void {
  const start = index.scopes.get(ROOT_SCOPE)?.stepIds[0]
  if (start == null) return
  const reached = new Set([start])
  const queue = [start]
  while (queue.length > 0) {
    for (const edge of edges.get(queue.shift() as string) ?? []) {
      if (!reached.has(edge.to)) { reached.add(edge.to); queue.push(edge.to) }
    }
  }
  for (const [id, entry] of index.steps) {
    if (!reached.has(id)) report.warnings.push({ path: entry.path, message: `step "${id}" is unreachable from the first step "${start}"` })
  }
}

/**
 * Condition steps are removed; every strongly connected component left is a loop nobody can
 * leave. Each cycle has a backward explicit route (implicit "next" edges only move forward),
 * so each such route is reported with the cycle it closes.
 */
function checkCycles (index: StepIndex, edges: Map<string, Edge[]>, report: GraphReport): void {
  const entryOf = (id: string): StepEntry => index.steps.get(id) as StepEntry
  const plain = (id: string): boolean => entryOf(id).step.type !== 'condition'
  const succ = (id: string): Edge[] => plain(id) ? (edges.get(id) ?? []).filter(e => plain(e.to)) : []
  const component = stronglyConnected([...index.steps.keys()].filter(plain), succ)
  for (const [from, entry] of index.steps) {
    for (const edge of succ(from)) {
      const looping = component.get(edge.to) === component.get(from) && entryOf(edge.to).index <= entry.index
      if (!edge.explicit || !looping) continue
      const cycle = [...shortestPath(edge.to, from, id => succ(id).map(e => e.to)), edge.to]
      report.errors.push({ path: edge.path, message: `creates a cycle ${cycle.join(' → ')} with no condition step to leave it` })
    }
  }
}

/** Tarjan's algorithm, iterative: node → component number. */
function stronglyConnected (nodes: string[], succ: (id: string) => Edge[]): Map<string, number> {
  const order = new Map<string, number>()
  const low = new Map<string, number>()
  const component = new Map<string, number>()
  const stack: string[] = []
  let counter = 0
  let components = 0
  for (const root of nodes) {
    if (order.has(root)) continue
    const work: Array<{ id: string, next: number }> = [{ id: root, next: 0 }]
    order.set(root, counter); low.set(root, counter++); stack.push(root)
    while (work.length > 0) {
      const frame = work[work.length - 1]
      const out = succ(frame.id)
      if (frame.next < out.length) {
        const to = out[frame.next++].to
        if (!order.has(to)) {
          order.set(to, counter); low.set(to, counter++); stack.push(to)
          work.push({ id: to, next: 0 })
        } else if (!component.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id) as number, order.get(to) as number))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent != null) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number))
      if (low.get(frame.id) === order.get(frame.id)) {
        let id: string
        do { id = stack.pop() as string; component.set(id, components) } while (id !== frame.id)
        components++
      }
    }
  }
  return component
}

/** Breadth-first path from `from` to `to` (both included); `to` is known to be reachable. */
function shortestPath (from: string, to: string, next: (id: string) => string[]): string[] {
  const previous = new Map<string, string | undefined>([[from, undefined]])
  const queue = [from]
  while (queue.length > 0 && !previous.has(to)) {
    const id = queue.shift() as string
    for (const n of next(id)) {
      if (!previous.has(n)) { previous.set(n, id); queue.push(n) }
    }
  }
  const path: string[] = []
  for (let at: string | undefined = to; at !== undefined; at = previous.get(at)) path.unshift(at)
  return path
}
