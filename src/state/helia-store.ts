/**
 * `heliaStateStore(init)`: the content-addressed StateStore. A thin class delegating each
 * verb to `commands/`; writes go through the group writer.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ExecutionEvent, ExecutionStatus } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'
import type { ExecutionSnapshot, ExecutionSummary, FlowVersion } from '../interface/state-store.js'
import { exportCar, importCar } from './commands/car.js'
import type { ImportResult } from './commands/car.js'
import { adoptCar, exportManifest } from './commands/handover.js'
import type { AdoptResult } from './commands/handover.js'
import type { Block } from './blocks.js'
import { appendOp, getHead, listExecutions, readEvents } from './commands/executions.js'
import { deleteFlowOp, getFlow, listFlowVersions, listFlows, putFlowOp } from './commands/flows.js'
import { gc, prune } from './commands/gc.js'
import type { PrunePolicy, PruneResult } from './commands/gc.js'
import { reconcile } from './commands/reconcile.js'
import { reencryptHistory } from './commands/reencrypt.js'
import type { ReencryptOptions, ReencryptResult } from './commands/reencrypt.js'
import { loadSnapshot, saveSnapshotOp } from './commands/snapshots.js'
import { BigValueIndex } from './big-values.js'
import type { StoreContext } from './context.js'
import { GroupWriter } from './group-commit.js'
import { Journal } from './journal.js'
import { PendingBlockstore } from './pending-blocks.js'
import type { CommitStats } from './group-commit.js'
import { RecordCache } from './record-cache.js'
import { Tx } from './tx.js'
import type { HeliaStateStore, HeliaStateStoreInit } from './types.js'

export const DEFAULT_LARGE_OUTPUT_THRESHOLD = 256 * 1024

class ContentAddressedStateStore implements HeliaStateStore {
  constructor (private readonly ctx: StoreContext) {}

  async putFlow (flow: FlowDefinition): Promise<FlowVersion> { return this.ctx.writer.submit(putFlowOp(this.ctx, flow)) }
  async getFlow (flowId: string, versionId?: string): Promise<FlowDefinition | undefined> { return getFlow(this.ctx, flowId, versionId) }
  async listFlows (): Promise<FlowDefinition[]> { return listFlows(this.ctx) }
  async listFlowVersions (flowId: string): Promise<FlowVersion[]> { return listFlowVersions(this.ctx, flowId) }
  async deleteFlow (flowId: string): Promise<boolean> { return this.ctx.writer.submit(deleteFlowOp(flowId)) }

  async appendEvents (executionId: string, events: ExecutionEvent[], summary: { flowId: string, status: ExecutionStatus }): Promise<void> {
    return this.ctx.writer.submit(appendOp(this.ctx, executionId, events, summary))
  }

  async readEvents (executionId: string, from?: number): Promise<ExecutionEvent[]> { return readEvents(this.ctx, executionId, from) }
  async listExecutions (filter?: { active?: boolean, flowId?: string }): Promise<ExecutionSummary[]> { return listExecutions(this.ctx, filter) }

  async saveSnapshot (executionId: string, snapshot: ExecutionSnapshot): Promise<void> {
    return this.ctx.writer.submit(saveSnapshotOp(this.ctx, executionId, snapshot))
  }

  async loadSnapshot (executionId: string, checkpointId?: string): Promise<ExecutionSnapshot | undefined> {
    return loadSnapshot(this.ctx, executionId, checkpointId)
  }

  async getHead (executionId: string): Promise<CID | undefined> { return getHead(this.ctx, executionId) }
  async flush (): Promise<void> { await this.ctx.writer.exclusive(async () => this.ctx.journal.compact()) }
  async prune (policy?: PrunePolicy): Promise<PruneResult> { return prune(this.ctx, policy) }
  async gc (options?: AbortOptions): Promise<number> { return gc(this.ctx, options) }
  exportCar (id: string): AsyncIterable<Uint8Array> { return exportCar(this.ctx, id) }
  async importCar (car: Uint8Array | AsyncIterable<Uint8Array>): Promise<ImportResult> { return importCar(this.ctx, car) }
  async exportManifest (id: string): Promise<Block> { return exportManifest(this.ctx, id) }
  async adoptCar (car: Uint8Array | AsyncIterable<Uint8Array>): Promise<AdoptResult> { return adoptCar(this.ctx, car) }
  async reencryptHistory (options?: ReencryptOptions): Promise<ReencryptResult> { return reencryptHistory(this.ctx, options) }
  stats (): CommitStats { return { ...this.ctx.writer.stats, maintenanceErrors: this.ctx.journal.errors } }
  async close (): Promise<void> {
    await this.ctx.writer.exclusive(async () => this.ctx.journal.compact()).catch(() => {
      // the journal is durable and replays at the next open: closing must still succeed
    })
    await this.ctx.writer.close()
  }
}

/**
 * Opens the store over injected (already opened) stores: repairs the active set after a
 * crash, lists the ids on disk, replays the pointer journal, then serves. See `types.ts` for the options and their defaults.
 */
export async function heliaStateStore (init: HeliaStateStoreInit): Promise<HeliaStateStore> {
  const cache = new RecordCache(init.datastore, init.cacheSize ?? 10_000)
  const { datastore } = init
  const blockstore = new PendingBlockstore(init.blockstore)
  const journal = new Journal(datastore, cache, blockstore, init.journal)
  const bigValues = new BigValueIndex()
  const ctx: StoreContext = {
    blockstore,
    datastore,
    keyring: init.keyring,
    lookup: async keyId => init.keyring.get(keyId),
    cache,
    bigValues,
    journal,
    writer: new GroupWriter(() => new Tx(cache, bigValues), async tx => tx.commit(journal), init.groupCommit, {
      afterBatch: async () => { journal.maybeCompact() }
    }),
    largeOutputThreshold: init.largeOutputThreshold ?? DEFAULT_LARGE_OUTPUT_THRESHOLD,
    snapshotRetention: Math.max(1, init.snapshotRetention ?? 16),
    defaultOwner: init.defaultOwner ?? 'local',
    now: init.now ?? Date.now
  }
  await reconcile(ctx)
  await cache.execs.scan(datastore)
  await cache.flows.scan(datastore)
  await journal.replay()
  return new ContentAddressedStateStore(ctx)
}

