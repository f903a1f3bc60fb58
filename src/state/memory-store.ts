/**
 * The in-memory StateStore: the reference implementation of the contract in
 * `src/interface/state-store.ts`, used by `qflow run` without `--data` and by tests.
 */
import type { FlowDefinition } from '../../shared/flow.js'
import type { ExecutionEvent, ExecutionStatus } from '../../shared/execution.js'
import { TERMINAL_STATUSES } from '../../shared/execution.js'
import type { ExecutionSnapshot, ExecutionSummary, FlowVersion, StateStore } from '../interface/state-store.js'

export interface MemoryStateStoreInit {
  /** Epoch ms source for flow version timestamps (default Date.now). */
  now?: () => number
}

interface ExecutionRecord {
  summary: ExecutionSummary
  events: ExecutionEvent[]
  snapshots: ExecutionSnapshot[]
}

class MemoryStateStore implements StateStore {
  private readonly flows = new Map<string, Array<{ version: FlowVersion, flow: FlowDefinition }>>()
  private readonly executions = new Map<string, ExecutionRecord>()
  private readonly active = new Set<string>()
  private readonly now: () => number
  private versionSeq = 0

  constructor (init: MemoryStateStoreInit) {
    this.now = init.now ?? Date.now
  }

  async putFlow (flow: FlowDefinition): Promise<FlowVersion> {
    const version: FlowVersion = { flowId: flow.id, versionId: `mem-${++this.versionSeq}`, createdAt: new Date(this.now()).toISOString() }
    const versions = this.flows.get(flow.id) ?? []
    versions.push({ version, flow: structuredClone(flow) })
    this.flows.set(flow.id, versions)
    return version
  }

  async getFlow (flowId: string, versionId?: string): Promise<FlowDefinition | undefined> {
    const versions = this.flows.get(flowId)
    if (versions == null || versions.length === 0) return undefined
    const found = versionId == null ? versions[versions.length - 1] : versions.find(v => v.version.versionId === versionId)
    return found?.flow
  }

  async listFlows (): Promise<FlowDefinition[]> {
    return [...this.flows.values()].map(v => v[v.length - 1].flow)
  }

  async listFlowVersions (flowId: string): Promise<FlowVersion[]> {
    return (this.flows.get(flowId) ?? []).map(v => v.version)
  }

  async deleteFlow (flowId: string): Promise<boolean> {
    return this.flows.delete(flowId)
  }

  async appendEvents (executionId: string, events: ExecutionEvent[], summary: { flowId: string, status: ExecutionStatus }): Promise<void> {
    let record = this.executions.get(executionId)
    const updatedAt = events.length > 0 ? events[events.length - 1].at : this.now()
    if (record == null) {
      record = { summary: { executionId, flowId: summary.flowId, status: summary.status, updatedAt }, events: [], snapshots: [] }
      this.executions.set(executionId, record)
    }
    for (const event of events) record.events.push(event)
    record.summary.status = summary.status
    record.summary.updatedAt = updatedAt
    if (TERMINAL_STATUSES.has(summary.status)) this.active.delete(executionId)
    else this.active.add(executionId)
  }

  async readEvents (executionId: string, from = 0): Promise<ExecutionEvent[]> {
    const record = this.executions.get(executionId)
    return record == null ? [] : record.events.slice(from)
  }

  async listExecutions (filter: { active?: boolean, flowId?: string } = {}): Promise<ExecutionSummary[]> {
    const ids = filter.active === true ? [...this.active] : [...this.executions.keys()]
    const out: ExecutionSummary[] = []
    for (const id of ids) {
      const record = this.executions.get(id)
      if (record == null) continue
      if (filter.active === false && !TERMINAL_STATUSES.has(record.summary.status)) continue
      if (filter.flowId != null && record.summary.flowId !== filter.flowId) continue
      out.push({ ...record.summary })
    }
    return out
  }

  async saveSnapshot (executionId: string, snapshot: ExecutionSnapshot): Promise<void> {
    const record = this.executions.get(executionId)
    if (record == null) throw new Error(`cannot snapshot unknown execution ${executionId}`)
    record.snapshots.push(structuredClone(snapshot))
  }

  async loadSnapshot (executionId: string, checkpointId?: string): Promise<ExecutionSnapshot | undefined> {
    const snapshots = this.executions.get(executionId)?.snapshots ?? []
    const found = checkpointId == null ? snapshots[snapshots.length - 1] : snapshots.find(s => s.checkpointId === checkpointId)
    return found == null ? undefined : structuredClone(found)
  }
}

export function memoryStateStore (init: MemoryStateStoreInit = {}): StateStore {
  return new MemoryStateStore(init)
}
