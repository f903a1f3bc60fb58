/**
 * Re-encrypts history under the owners' current keys (`qflow keys rotate`: rotate the key,
 * then call this). Chains are content-addressed, so rewriting one block rewrites every block
 * after it: log chains, large outputs (also those only snapshots link), snapshots and flow histories get new CIDs (flow
 * version ids change; the mapping is returned). Old blocks become garbage for the next
 * `prune`/`gc`; old keys stay in the keyring for CAR files exported before the rotation.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { blockKey, cborBlock, rawBlock, readBlock, readNode } from '../blocks.js'
import type { Block, FlowNode, LogNode } from '../blocks.js'
import type { StoreContext } from '../context.js'
import { IntegrityError } from '../errors.js'
import type { RecordKind } from '../errors.js'
import { isEnvelope, recordAad, seal, unseal } from '../qlock/envelope.js'
import type { Envelope } from '../qlock/envelope.js'
import type { DataKey } from '../qlock/keyring.js'
import type { ExecRecord } from '../records.js'
import { Tx } from '../tx.js'
import { allRecords } from './executions.js'
import { allFlowPointers, walkFlow } from './flows.js'

export interface ReencryptOptions extends AbortOptions {
  /** Only this owner's records (default: every owner). */
  owner?: string
}

export interface ReencryptResult {
  executions: number
  flows: number
  blocks: number
  /** Flow versions whose ids changed. */
  versions: Array<{ flowId: string, from: string, to: string }>
}

export async function reencryptHistory (ctx: StoreContext, options: ReencryptOptions = {}): Promise<ReencryptResult> {
  return ctx.writer.exclusive(async () => {
    const result: ReencryptResult = { executions: 0, flows: 0, blocks: 0, versions: [] }
    for (const rec of await allRecords(ctx)) {
      options.signal?.throwIfAborted()
      if (options.owner != null && rec.owner !== options.owner) continue
      const tx = new Tx(ctx.cache)
      await tx.exec(rec.id)
      if (!await reencryptExecution(ctx, tx, rec)) continue
      result.executions++
      result.blocks += tx.blocks.length
      await tx.commit(ctx.journal)
    }
    for (const ptr of await allFlowPointers(ctx)) {
      if (options.owner != null && ptr.owner !== options.owner) continue
      const dataKey = await ctx.keyring.current(ptr.owner)
      const chain: Array<[CID, FlowNode]> = []
      for await (const entry of walkFlow(ctx, ptr.id, ptr.head)) chain.unshift(entry)
      if (chain.every(([, node]) => node.body.keyId === dataKey.id)) continue
      const tx = new Tx(ctx.cache)
      await tx.flow(ptr.id)
      let prev: CID | null = null
      for (const [cid, node] of chain) {
        const body = await reseal(ctx, dataKey, node.body, 'flow', ptr.id, cid)
        const block: Block = await cborBlock({ ...node, prev, body })
        tx.blocks.push(block)
        result.versions.push({ flowId: ptr.id, from: cid.toString(), to: block.cid.toString() })
        prev = block.cid
      }
      tx.stageFlow(ptr.id, { ...ptr, head: prev as CID })
      result.flows++
      result.blocks += tx.blocks.length
      await tx.commit(ctx.journal)
    }
    return result
  })
}

async function reencryptExecution (ctx: StoreContext, tx: Tx, rec: ExecRecord): Promise<boolean> {
  const dataKey = await ctx.keyring.current(rec.owner)
  const chain: Array<[CID, LogNode]> = []
  for (let cid = rec.head; cid != null;) {
    const node: LogNode = await readNode(ctx.blockstore, cid, 'log', { kind: 'log', id: rec.id })
    chain.unshift([cid, node])
    cid = node.prev
  }
  const snaps = await Promise.all(rec.snaps.map(async ([cp, cid]) =>
    [cp, cid, await readNode(ctx.blockstore, cid, 'snap', { kind: 'snapshot', id: rec.id })] as const))
  // large values only snapshots link (the log's are sealed with their log block's key)
  const inLog = new Set(chain.flatMap(([, node]) => node.big.map(blockKey)))
  const owned = new Map<string, [CID, Envelope]>()
  for (const [, , node] of snaps) {
    for (const blob of node.big ?? []) {
      const k = blockKey(blob)
      if (!inLog.has(k) && !owned.has(k)) owned.set(k, [blob, await readBig(ctx, rec.id, blob)])
    }
  }
  const current = (env: Envelope): boolean => env.keyId === dataKey.id
  if (chain.every(([, n]) => current(n.body)) && snaps.every(([, , n]) => current(n.body)) &&
    [...owned.values()].every(([, env]) => current(env))) return false
  const renamed = new Map<string, CID>()
  const moved = new Map<string, CID>() // large-value blocks: old multihash key -> new CID
  const resealBig = async (blob: CID, env: Envelope): Promise<CID> => {
    const block = await rawBlock(dagCbor.encode(await reseal(ctx, dataKey, env, 'output', rec.id, blob)))
    tx.blocks.push(block)
    moved.set(blockKey(blob), block.cid)
    return block.cid
  }
  let prev: CID | null = null
  for (const [cid, node] of chain) {
    const big = await Promise.all(node.big.map(async blob => resealBig(blob, await readBig(ctx, rec.id, blob))))
    const block = await cborBlock({ ...node, prev, big, body: await reseal(ctx, dataKey, node.body, 'log', rec.id, cid) })
    tx.blocks.push(block)
    renamed.set(blockKey(cid), block.cid)
    prev = block.cid
  }
  for (const [blob, env] of owned.values()) await resealBig(blob, env)
  const newSnaps: Array<[string, CID]> = []
  for (const [cp, cid, node] of snaps) {
    const log = node.log == null ? null : renamed.get(blockKey(node.log)) ?? node.log
    const big = (node.big ?? []).map(blob => moved.get(blockKey(blob)) ?? blob)
    const block = await cborBlock({ ...node, log, big, body: await reseal(ctx, dataKey, node.body, 'snapshot', rec.id, cid) })
    tx.blocks.push(block)
    newSnaps.push([cp, block.cid])
  }
  tx.stageExec({ ...rec, head: prev, snaps: newSnaps, rev: rec.rev + 1 })
  // the next snapshots link the re-sealed blocks; the old ones are garbage for the next GC
  tx.afterCommit(() => { ctx.bigValues.rename(rec.id, moved) })
  return true
}

async function readBig (ctx: StoreContext, executionId: string, blob: CID): Promise<Envelope> {
  const ref = { kind: 'output' as const, id: executionId, cid: blob.toString() }
  const env: unknown = dagCbor.decode(await readBlock(ctx.blockstore, blob, ref))
  if (!isEnvelope(env)) throw new IntegrityError(ref, 'not a sealed output')
  return env
}

async function reseal (ctx: StoreContext, key: DataKey, env: Envelope, kind: RecordKind, id: string, cid: CID): Promise<Envelope> {
  const aad = recordAad(kind, id)
  return seal(key, await unseal(ctx.lookup, env, aad, { kind, id, cid: cid.toString() }), aad)
}
