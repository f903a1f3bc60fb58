/**
 * "Lend this tab": what the tab runs for others. `served` is the dispatcher the network executor
 * runs requests through; it counts each step and the time the tab spent on it (busy time of the
 * step in this tab's sandbox, the "CPU time given") and keeps the latest ones for the panel.
 * `route` decides where the tab's own steps run: here when the tab meets the step's requirements,
 * otherwise through the network (the one node with a capability the tab lacks).
 */
import type { StepDispatcher, StepRequest } from '../../src/index.js'

export interface ServedStep {
  executionId: string
  stepId: string
  action: string
  ok: boolean
  ms: number
  at: number
}

export interface VolunteerLedger {
  /** Runs a request through `local` and records it. */
  served: StepDispatcher
  stepsRun(): number
  cpuMs(): number
  /** Newest first, at most `keep`. */
  recent(): ServedStep[]
}

export function volunteerLedger (local: StepDispatcher, init: { now: () => number, onChange: () => void, keep?: number }): VolunteerLedger {
  let steps = 0
  let cpu = 0
  const recent: ServedStep[] = []
  const keep = init.keep ?? 20
  return {
    served: {
      async dispatch (request, options) {
        const start = init.now()
        let ok = false
        try {
          const result = await local.dispatch(request, options)
          ok = true
          return result
        } finally {
          const ms = init.now() - start
          steps++
          cpu += ms
          recent.unshift({ executionId: request.executionId, stepId: request.stepId, action: request.step.action, ok, ms, at: Date.now() })
          recent.length = Math.min(recent.length, keep)
          init.onChange()
        }
      }
    },
    stepsRun: () => steps,
    cpuMs: () => cpu,
    recent: () => [...recent]
  }
}

export interface TabLimits {
  capabilities: readonly string[]
  cpuCores?: number
  memoryMB?: number
}

/** True when this tab can run the step itself (every required capability, enough cores and memory). */
export function runsHere (request: StepRequest, tab: TabLimits): boolean {
  const req = request.step.requirements
  if (req == null) return true
  if ((req.capabilities ?? []).some(c => !tab.capabilities.includes(c))) return false
  if (req.minCpuCores != null && tab.cpuCores != null && tab.cpuCores < req.minCpuCores) return false
  if (req.minMemoryMB != null && tab.memoryMB != null && tab.memoryMB < req.minMemoryMB) return false
  return true
}

/** The tab's engine dispatcher: local when the tab meets the step's requirements, else `remote`. */
export function tabDispatcher (local: StepDispatcher, remote: StepDispatcher, tab: TabLimits): StepDispatcher {
  return {
    async dispatch (request, options) {
      return await (runsHere(request, tab) ? local : remote).dispatch(request, options)
    }
  }
}
