import type { FlowDefinition } from '../../shared/flow.js'
import type { ExecutionEvent, ExecutionStatus } from '../../shared/execution.js'

/** A stored flow version. In the IPFS store `versionId` is the CID of the flow block. */
export interface FlowVersion {
  flowId: string
  versionId: string
  createdAt: string
}

/** A snapshot of an execution's folded state covering the first `logIndex` events. */
export interface ExecutionSnapshot {
  checkpointId: string
  logIndex: number
  /** Serialisable reducer state (see `src/engine/run-state.ts`). */
  state: unknown
}

export interface ExecutionSummary {
  executionId: string
  flowId: string
  status: ExecutionStatus
  updatedAt: number
}

/**
 * Where flows and execution logs live. The engine never reads state from anywhere else.
 * Implementations: `memoryStateStore()` (here) and the Helia/IPFS store (durable state issue).
 * Every implementation must pass `test/compliance/state-store.ts`.
 *
 * Contract:
 * - `appendEvents` is ordered per execution and atomic per call: after it resolves, a
 *   `readEvents` on any instance over the same storage sees the events.
 * - `status` passed with an append updates the execution's summary; terminal statuses
 *   remove it from `listExecutions({ active: true })`.
 *
 * @example
 * await store.appendEvents('exec-1', [{ type: 'execution.paused', at: 1 }], { status: 'paused', flowId: 'f' })
 * const events = await store.readEvents('exec-1')
 */
export interface StateStore {
  putFlow(flow: FlowDefinition): Promise<FlowVersion>
  /** The latest version, or the one named. */
  getFlow(flowId: string, versionId?: string): Promise<FlowDefinition | undefined>
  listFlows(): Promise<FlowDefinition[]>
  listFlowVersions(flowId: string): Promise<FlowVersion[]>
  deleteFlow(flowId: string): Promise<boolean>

  appendEvents(executionId: string, events: ExecutionEvent[], summary: { flowId: string, status: ExecutionStatus }): Promise<void>
  /** Events from index `from` (default 0) to the end. */
  readEvents(executionId: string, from?: number): Promise<ExecutionEvent[]>
  listExecutions(filter?: { active?: boolean, flowId?: string }): Promise<ExecutionSummary[]>

  saveSnapshot(executionId: string, snapshot: ExecutionSnapshot): Promise<void>
  /** The snapshot named, or the latest one. */
  loadSnapshot(executionId: string, checkpointId?: string): Promise<ExecutionSnapshot | undefined>
}
