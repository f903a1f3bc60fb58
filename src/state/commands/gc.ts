/**
 * Retention and garbage collection. Both compact the journal first. `prune` drops the pointers of old terminal executions
 * (by age and/or count), then `gc` marks every block reachable from the remaining roots
 * (execution heads and snapshots, with the large-value blocks snapshots link; flow heads) and sweeps the store's own blocks that are not
 * marked. Both run with no commit in flight, so blocks of a batch being written are never
 * mistaken for garbage. Blocks the store did not write (Helia's, in a shared blockstore) are
 * never deleted.
 */
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'
import { blockKey, isQflowBlock, readBlock } from '../blocks.js'
import type { StoreContext } from '../context.js'
import { collectBytes } from '../datastore-io.js'
import { walkGraph } from '../graph.js'
import { execKey } from '../keys.js'
import { allRecords } from './executions.js'
import { allFlowPointers } from './flows.js'

export interface PrunePolicy extends AbortOptions {
  /** Drop terminal executions last updated more than this many ms ago. */
  maxAgeMs?: number
  /** Keep at most this many terminal executions (the most recently updated). */
  maxCount?: number
}

export interface PruneResult {
  /** Terminal executions whose records were removed. */
  executions: number
  /** Blocks deleted by the sweep. */
  blocks: number
}

export async function prune (ctx: StoreContext, policy: PrunePolicy = {}): Promise<PruneResult> {
  return ctx.writer.exclusive(async () => {
    await ctx.journal.compact() // records on disk are current: prune deletes them there
    const terminal = (await allRecords(ctx, 'terminal')).sort((a, b) => b.at - a.at)
    const cutoff = policy.maxAgeMs == null ? -Infinity : ctx.now() - policy.maxAgeMs
    const victims = terminal.filter((rec, index) => rec.at < cutoff || (policy.maxCount != null && index >= policy.maxCount))
    if (victims.length > 0) {
      const batch = ctx.datastore.batch()
      for (const rec of victims) batch.delete(execKey(rec.id, 't'))
      for (const rec of victims) batch.delete(execKey(rec.id, 'a')) // a crash may have left one
      await batch.commit(policy)
      for (const rec of victims) ctx.cache.execs.settle(rec.id, null, [])
      for (const rec of victims) ctx.bigValues.drop(rec.id)
    }
    return { executions: victims.length, blocks: await sweep(ctx, policy) }
  })
}

export async function gc (ctx: StoreContext, options: AbortOptions = {}): Promise<number> {
  return ctx.writer.exclusive(async () => {
    await ctx.journal.compact()
    return sweep(ctx, options)
  })
}

/** Mark and sweep; the caller holds the writer. */
async function sweep (ctx: StoreContext, options: AbortOptions): Promise<number> {
  const roots: CID[] = []
  for (const rec of await allRecords(ctx)) {
    if (rec.head != null) roots.push(rec.head)
    for (const [, cid] of rec.snaps) roots.push(cid)
  }
  for (const ptr of await allFlowPointers(ctx)) roots.push(ptr.head)
  const marked = await walkGraph(async cid => readBlock(ctx.blockstore, cid, { kind: 'block' }), roots, { signal: options.signal })
  const garbage: CID[] = []
  for await (const { cid, bytes } of ctx.blockstore.getAll(options)) {
    if (marked.has(blockKey(cid))) continue
    if (isQflowBlock(await collectBytes(bytes))) garbage.push(cid)
  }
  // forgotten before the delete: no snapshot written later may link a block that is going
  ctx.bigValues.forget(new Set(garbage.map(blockKey)))
  for await (const _ of ctx.blockstore.deleteMany(garbage, options)) { /* drain */ }
  return garbage.length
}
