/**
 * What coordinator takeover needs of the store beyond CAR files (node/platform/network-takeover.ts):
 * - `exportManifest(id)`: only the root block of `exportCar(id)` (the manifest naming the execution
 *   record: log head, snapshots). Every block below it is already in the store's blockstore, which
 *   bitswap serves: publishing a checkpoint costs one small block instead of a walk of the log.
 * - `adoptCar(car)`: `importCar`, except that a diverged local history of a non-terminal
 *   execution is replaced by the imported one. A coordinator that gave an execution up (its lease
 *   went to another node) adopts the new holder's history: the lease decides whose history is the
 *   execution's, so the copy here ends as the holder's (never two completions in one log). A
 *   terminal local history is never replaced (`ImportConflictError`): that is a conflict to report.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { TERMINAL_STATUSES } from '../../../shared/execution.js'
import { NotFoundError } from '../../errors.js'
import { blockKey } from '../blocks.js'
import type { Block } from '../blocks.js'
import type { StoreContext } from '../context.js'
import { ImportConflictError, IntegrityError } from '../errors.js'
import { walkGraph } from '../graph.js'
import { decodeExec, encodeRecord } from '../records.js'
import type { ExecRecord } from '../records.js'
import type { Tx } from '../tx.js'
import { executionManifest, fastForward, readCarBlocks } from './car.js'

export async function exportManifest (ctx: StoreContext, id: string): Promise<Block> {
  const exec = await ctx.cache.execs.get(id)
  if (exec == null) throw new NotFoundError(`no execution ${id}`)
  return await executionManifest(id, exec)
}

export interface AdoptResult {
  id: string
  blocks: number
  /** False when the local history already contained the imported one. */
  updated: boolean
  /** The head of the local history the imported one replaced (it had diverged). */
  replaced?: CID
}

export async function adoptCar (ctx: StoreContext, source: Uint8Array | AsyncIterable<Uint8Array>): Promise<AdoptResult> {
  const { roots, blocks, get } = await readCarBlocks(source)
  const root: any = dagCbor.decode(await get(roots[0]))
  if (root?.qflow !== 1 || root.k !== 'export' || root.of !== 'execution' || typeof root.id !== 'string') {
    throw new IntegrityError({ kind: 'car' }, 'the root is not a qflow execution export')
  }
  const id: string = root.id
  const exec: ExecRecord = decodeExec(encodeRecord(root.exec), id)
  await walkGraph(get, roots, { leaves: true })
  blocks.delete(blockKey(roots[0]))
  const staged = [...blocks.values()]
  const ref = { kind: 'execution' as const, id }
  let replaced: CID | undefined
  const updated = await ctx.writer.submit({
    key: `x:${id}`,
    async run (tx: Tx) {
      const local = await tx.exec(id)
      try {
        if (!await fastForward(ctx, get, local?.head ?? null, exec.head, ref)) return false
      } catch (err) {
        if ((err as Error).name !== ImportConflictError.name || local == null || TERMINAL_STATUSES.has(local.status)) throw err
        replaced = local.head ?? undefined
      }
      tx.stageExec({ ...exec, rev: Math.max(local?.rev ?? 0, exec.rev) + 1 }, staged)
      tx.afterCommit(() => { ctx.bigValues.drop(id) })
      return true
    }
  })
  return { id, blocks: staged.length, updated, ...(replaced != null ? { replaced } : {}) }
}
