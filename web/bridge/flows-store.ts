/** Saved flows (latest versions) as a Solid resource, refreshed after every change. */
import { createResource } from 'solid-js'
import type { Resource } from 'solid-js'
import type { FlowDefinition } from '../../shared/flow.js'
import type { FlowVersion } from '../../src/index.js'
import type { TabNode } from '../kernel/tab-node.js'

export interface FlowsStore {
  list: Resource<FlowDefinition[]>
  refresh(): void
  save(flow: FlowDefinition): Promise<FlowVersion>
  remove(flowId: string): Promise<void>
  versions(flowId: string): Promise<FlowVersion[]>
  get(flowId: string, versionId?: string): Promise<FlowDefinition | undefined>
}

export function createFlowsStore (node: TabNode): FlowsStore {
  const [list, { refetch }] = createResource(async () => await node.store.listFlows())
  return {
    list,
    refresh: () => { void refetch() },
    async save (flow) {
      const version = await node.engine.registerFlow(flow)
      void refetch()
      return version
    },
    async remove (flowId) {
      await node.engine.deleteFlow(flowId)
      void refetch()
    },
    versions: async (flowId) => await node.store.listFlowVersions(flowId),
    get: async (flowId, versionId) => await node.store.getFlow(flowId, versionId)
  }
}
