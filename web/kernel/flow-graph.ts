/**
 * The edges a flow's steps draw (success, failure, and condition branches) and an automatic
 * layout of them with dagre. Works on unvalidated drafts: anything malformed draws no edge.
 */
import dagre from '@dagrejs/dagre'

export type RouteKind = 'success' | 'failure' | 'true' | 'false' | 'case' | 'default'
export interface FlowEdge { from: string, to: string, kind: RouteKind, implicit: boolean }
export interface DraftStep { id?: unknown, type?: unknown, action?: unknown, params?: unknown, onSuccess?: unknown, onFailure?: unknown, [k: string]: unknown }

const TERMINAL = new Set(['qflow.action.complete', 'qflow.action.fail'])
const str = (v: unknown): string | undefined => typeof v === 'string' && v !== '' ? v : undefined

/** The ports a step offers for dragging a route out of it. */
export function portsOf (step: DraftStep): RouteKind[] {
  if (step.action === 'qflow.condition.if') return ['true', 'false', 'failure']
  if (step.action === 'qflow.condition.switch') return ['case', 'default', 'failure']
  return ['success', 'failure']
}

export function edgesOf (steps: DraftStep[]): FlowEdge[] {
  const edges: FlowEdge[] = []
  const ids = new Set(steps.map(s => str(s.id)).filter(Boolean))
  steps.forEach((step, i) => {
    const from = str(step.id)
    if (from == null) return
    const params = (step.params ?? {}) as Record<string, unknown>
    const add = (to: unknown, kind: RouteKind, implicit = false): void => {
      const target = str(to)
      if (target != null && ids.has(target)) edges.push({ from, to: target, kind, implicit })
    }
    let fallsThrough = !TERMINAL.has(String(step.action))
    if (step.action === 'qflow.condition.if') {
      add(params.onTrue, 'true'); add(params.onFalse, 'false')
      fallsThrough = str(params.onTrue) == null || str(params.onFalse) == null
    } else if (step.action === 'qflow.condition.switch') {
      if (Array.isArray(params.cases)) for (const c of params.cases) add((c as any)?.next, 'case')
      add(params.default, 'default')
      fallsThrough = str(params.default) == null
    }
    if (fallsThrough) {
      if (str(step.onSuccess) != null) add(step.onSuccess, 'success')
      else add(steps[i + 1]?.id, 'success', true)
    }
    add(step.onFailure, 'failure')
  })
  return edges
}

export const NODE_W = 168
export const NODE_H = 56

export interface Point { x: number, y: number }

/** Top-left corners of each step's box, laid out top to bottom. */
export function layoutSteps (steps: DraftStep[], edges: FlowEdge[]): Map<string, Point> {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 56, marginx: 24, marginy: 24 })
  g.setDefaultEdgeLabel(() => ({}))
  const keys = steps.map((s, i) => str(s.id) ?? `#${i}`)
  for (const key of keys) g.setNode(key, { width: NODE_W, height: NODE_H })
  for (const e of edges) if (e.from !== e.to) g.setEdge(e.from, e.to)
  dagre.layout(g)
  const out = new Map<string, Point>()
  for (const key of keys) {
    const n = g.node(key) as { x: number, y: number }
    out.set(key, { x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 })
  }
  return out
}

export const stepKey = (step: DraftStep, index: number): string => str(step.id) ?? `#${index}`
