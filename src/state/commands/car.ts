/**
 * CAR export and import (`qflow export <id> --out file.car`, `qflow import file.car`).
 * The CAR's single root is a manifest block `{ qflow: 1, k: 'export', of, id, exec | flow }`
 * holding the execution record (log head, snapshots) or the flow pointer; every block below
 * it follows. Blocks stay sealed: importing needs the owner's keys in the keyring to read.
 * Import verifies every block against its CID and the graph for completeness, then moves the
 * pointer only forward: a local history the import extends is fast-forwarded, a newer local
 * one is kept, a diverged one is an `ImportConflictError`.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CarWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'
import { NotFoundError } from '../../errors.js'
import { blockKey, cborBlock, readBlock, verifyBlock } from '../blocks.js'
import type { Block } from '../blocks.js'
import type { StoreContext } from '../context.js'
import { ImportConflictError, IntegrityError, MissingBlockError } from '../errors.js'
import type { RecordRef } from '../errors.js'
import { walkGraph } from '../graph.js'
import { decodeExec, decodeFlowPointer, encodeRecord } from '../records.js'
import type { ExecRecord, FlowPointer } from '../records.js'
import type { Tx } from '../tx.js'

interface Manifest { qflow: 1, k: 'export', of: 'execution' | 'flow', id: string, exec?: ExecRecord, flow?: FlowPointer }

export interface ImportResult {
  of: 'execution' | 'flow'
  id: string
  blocks: number
  /** False when the local history already contained the imported one. */
  updated: boolean
}

/** The root of an execution's export: its record (log head, snapshots); what takeover publishes too. */
export async function executionManifest (id: string, exec: ExecRecord): Promise<Block> {
  return await cborBlock({ qflow: 1, k: 'export', of: 'execution', id, exec })
}

export async function * exportCar (ctx: StoreContext, id: string): AsyncGenerator<Uint8Array> {
  const exec = await ctx.cache.execs.get(id)
  const flow = exec == null ? await ctx.cache.flows.get(id) : undefined
  if (exec == null && flow == null) throw new NotFoundError(`no execution or flow ${id}`)
  const manifest = exec != null ? await executionManifest(id, exec) : await cborBlock({ qflow: 1, k: 'export', of: 'flow', id, flow })
  const blocks: Block[] = []
  await walkGraph(async cid => cid.equals(manifest.cid) ? manifest.bytes : readBlock(ctx.blockstore, cid, { kind: 'block' }),
    [manifest.cid], { leaves: true, onBlock: (cid, bytes) => { blocks.push({ cid, bytes }) } })
  const { writer, out } = CarWriter.create([manifest.cid])
  const pump = (async () => {
    for (const block of blocks) await writer.put(block)
    await writer.close()
  })()
  yield * out
  await pump
}

/** The verified blocks of a one-root CAR, by key, and a reader that names a missing one. */
export async function readCarBlocks (source: Uint8Array | AsyncIterable<Uint8Array>): Promise<{ roots: CID[], blocks: Map<string, Block>, get(cid: CID): Promise<Uint8Array> }> {
  const reader = source instanceof Uint8Array ? await CarBlockIterator.fromBytes(source) : await CarBlockIterator.fromIterable(source)
  const roots = await reader.getRoots()
  if (roots.length !== 1) throw new IntegrityError({ kind: 'car' }, `expected one root, found ${roots.length}`)
  const blocks = new Map<string, Block>()
  for await (const { cid, bytes } of reader) {
    await verifyBlock(cid, bytes, { kind: 'block', cid: cid.toString() })
    blocks.set(blockKey(cid), { cid, bytes })
  }
  const get = async (cid: CID): Promise<Uint8Array> => {
    const block = blocks.get(blockKey(cid))
    if (block == null) throw new MissingBlockError({ kind: 'car', cid: cid.toString() })
    return block.bytes
  }
  return { roots, blocks, get }
}

export async function importCar (ctx: StoreContext, source: Uint8Array | AsyncIterable<Uint8Array>): Promise<ImportResult> {
  const { roots, blocks, get } = await readCarBlocks(source)
  const manifest = decodeManifest(await get(roots[0]))
  await walkGraph(get, roots, { leaves: true })
  blocks.delete(blockKey(roots[0]))
  const staged = [...blocks.values()]
  const ref: RecordRef = { kind: manifest.of === 'execution' ? 'execution' : 'flow', id: manifest.id }
  const updated = await ctx.writer.submit({
    key: `${manifest.of === 'execution' ? 'x' : 'f'}:${manifest.id}`,
    async run (tx: Tx) {
      if (manifest.exec != null) {
        const local = await tx.exec(manifest.id)
        if (!await fastForward(ctx, get, local?.head ?? null, manifest.exec.head, ref)) return false
        tx.stageExec({ ...manifest.exec, rev: Math.max(local?.rev ?? 0, manifest.exec.rev) + 1 }, staged)
        tx.afterCommit(() => { ctx.bigValues.drop(manifest.id) }) // learnt again as the imported log and snapshots are read
      } else {
        const ptr = manifest.flow as FlowPointer
        const local = await tx.flow(manifest.id)
        if (!await fastForward(ctx, get, local?.head ?? null, ptr.head, ref)) return false
        tx.stageFlow(manifest.id, ptr, staged)
      }
      return true
    }
  })
  return { of: manifest.of, id: manifest.id, blocks: staged.length, updated }
}

/** True when `imported` descends from (or starts) the local chain; false when local is ahead. */
export async function fastForward (ctx: StoreContext, get: (cid: CID) => Promise<Uint8Array>, local: CID | null, imported: CID | null, ref: RecordRef): Promise<boolean> {
  if (local == null) return true
  if (imported == null || imported.equals(local)) return false
  if (await chainContains(get, imported, local)) return true
  if (await chainContains(async cid => readBlock(ctx.blockstore, cid, ref), local, imported)) return false
  throw new ImportConflictError(ref, 'the imported history and the local one have diverged')
}

async function chainContains (get: (cid: CID) => Promise<Uint8Array>, head: CID, target: CID): Promise<boolean> {
  let cid: CID | null = head
  while (cid != null) {
    if (cid.equals(target)) return true
    const node: any = dagCbor.decode(await get(cid))
    cid = node?.prev ?? null
  }
  return false
}

function decodeManifest (bytes: Uint8Array): Manifest {
  const node: any = dagCbor.decode(bytes)
  if (node?.qflow !== 1 || node.k !== 'export' || typeof node.id !== 'string') throw new IntegrityError({ kind: 'car' }, 'the root is not a qflow export')
  if (node.of === 'execution') return { ...node, exec: decodeExec(encodeRecord(node.exec), node.id) }
  if (node.of === 'flow') return { ...node, flow: decodeFlowPointer(encodeRecord(node.flow), node.id) }
  throw new IntegrityError({ kind: 'car' }, `unknown export kind ${String(node.of)}`)
}
