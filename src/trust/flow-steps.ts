/**
 * Every step of a flow, top level and inside parallel branches (`params.branches`: a list of
 * step lists), in document order, with its path. Memoised per flow object: the pipeline asks
 * for it before every step. Malformed branches are skipped (flow validation reports them).
 */
import type { FlowDefinition, FlowStep } from '../../shared/flow.js'

export interface WalkedStep { step: FlowStep, path: string }

const memo = new WeakMap<object, WalkedStep[]>()

export function flowSteps (flow: Pick<FlowDefinition, 'steps'>): WalkedStep[] {
  const known = memo.get(flow)
  if (known != null) return known
  const out: WalkedStep[] = []
  const visit = (steps: unknown, path: string, depth: number): void => {
    if (!Array.isArray(steps) || depth > 16) return
    steps.forEach((step: FlowStep, i) => {
      if (step == null || typeof step !== 'object') return
      const at = `${path}[${i}]`
      out.push({ step, path: at })
      const branches = (step.params as { branches?: unknown } | undefined)?.branches
      if (step.type === 'parallel' && Array.isArray(branches)) branches.forEach((b, j) => { visit(b, `${at}.params.branches[${j}]`, depth + 1) })
    })
  }
  visit(flow.steps, 'steps', 0)
  memo.set(flow, out)
  return out
}

/** The step with this id anywhere in the flow. */
export function findStep (flow: Pick<FlowDefinition, 'steps'>, id: string): FlowStep | undefined {
  return flowSteps(flow).find(s => s.step.id === id)?.step
}
