/**
 * Snapshots (checkpoints): a sealed block of the folded state that links the log head it was
 * taken at, and the large-value blocks its state holds (linked, not copied: see
 * `snapshot-codec.ts`). The execution record keeps the last `snapshotRetention` of them by
 * checkpoint id; older ones become garbage for GC. Snapshots are caches: the log stays the
 * truth, and a checkpoint whose snapshot was dropped is rebuilt by folding the log up to its
 * `checkpoint.created` event.
 */
import type { ExecutionSnapshot } from '../../interface/state-store.js'
import { NotFoundError } from '../../errors.js'
import type { BigValue } from '../big-values.js'
import { cborBlock, readNode } from '../blocks.js'
import type { SnapNode } from '../blocks.js'
import type { StoreContext } from '../context.js'
import { IntegrityError } from '../errors.js'
import type { CommitOp } from '../group-commit.js'
import { openJson, sealBytes, sealJson } from '../payload.js'
import { encodeSnapshot, restoreSnapshotValues } from '../snapshot-codec.js'
import type { SnapBody } from '../snapshot-codec.js'

const encoder = new TextEncoder()

export function saveSnapshotOp (ctx: StoreContext, executionId: string, snapshot: ExecutionSnapshot): CommitOp<void> {
  return {
    key: `x:${executionId}`,
    async run (tx) {
      const rec = await tx.exec(executionId)
      if (rec == null) throw new NotFoundError(`cannot snapshot unknown execution ${executionId}`)
      const key = await ctx.keyring.current(rec.owner)
      const encoded = await encodeSnapshot(ctx, tx, key, executionId, snapshot.state)
      const node: SnapNode = {
        qflow: 1,
        k: 'snap',
        log: rec.head,
        i: snapshot.logIndex,
        cp: snapshot.checkpointId,
        big: encoded.big,
        body: encoded.json != null
          ? await sealBytes(key, encoder.encode(encoded.json), 'snapshot', executionId)
          : await sealJson(key, encoded.body, 'snapshot', executionId)
      }
      const block = await cborBlock(node)
      const snaps = rec.snaps.filter(([cp]) => cp !== snapshot.checkpointId)
      snaps.push([snapshot.checkpointId, block.cid])
      tx.stageExec({ ...rec, snaps: snaps.slice(-ctx.snapshotRetention), rev: rec.rev + 1 }, [...encoded.blocks, block])
      tx.stageBig(executionId, encoded.values)
    }
  }
}

export async function loadSnapshot (ctx: StoreContext, executionId: string, checkpointId?: string): Promise<ExecutionSnapshot | undefined> {
  const rec = await ctx.cache.execs.get(executionId)
  if (rec == null || rec.snaps.length === 0) return undefined
  const entry = checkpointId == null ? rec.snaps[rec.snaps.length - 1] : rec.snaps.find(([cp]) => cp === checkpointId)
  if (entry == null) return undefined
  const ref = { kind: 'snapshot' as const, id: executionId, cid: entry[1].toString() }
  const node = await readNode(ctx.blockstore, entry[1], 'snap', ref)
  if (node.cp !== entry[0]) throw new IntegrityError(ref, `holds checkpoint ${node.cp}, not ${entry[0]}`)
  const generation = ctx.bigValues.generation
  const body = await openJson<SnapBody>(ctx, node.body, ref)
  const found: BigValue[] = []
  const state = await restoreSnapshotValues(ctx, executionId, node, body, ref, found)
  ctx.bigValues.add(executionId, found, generation) // the next snapshots link the same blocks
  return { checkpointId: node.cp, logIndex: node.i, state }
}
