/**
 * Snapshots link large values instead of copying them: a value over the threshold that the
 * log already stored as a block is linked from every later snapshot; one no block holds gets
 * a block of its own, once. Loading resolves the links; GC keeps what retained snapshots link
 * and collects the rest; CAR files carry them; re-encryption re-seals them.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import type { CID } from 'multiformats/cid'
import type { ExecutionEvent } from '../../../shared/execution.js'
import { heliaStateStore, localKeyring } from '../../../src/state/index.js'
import type { HeliaStateStore } from '../../../src/state/index.js'
import { collectBytes } from '../../../src/state/datastore-io.js'
import { MASTER, collect, memoryHeliaStore } from './helpers.js'

const LIMIT = 1024
const BIG = { rows: Array.from({ length: 60 }, (_, i) => ({ i, text: `row ${i} ${'x'.repeat(40)}` })) } // ~3.6 KiB of JSON
const OTHER = 'o'.repeat(4000)

const started = (id: string): ExecutionEvent => ({ type: 'execution.started', at: 1, executionId: id, flowId: 'f1', flowVersion: 'v1', context: { inputData: {}, variables: {} } } as unknown as ExecutionEvent)
const completed = (stepId: string, output: unknown, at = 2): ExecutionEvent => ({ type: 'step.completed', at, stepId, attempt: 1, output } as ExecutionEvent)

interface Blocks { snaps: Array<{ cid: CID, size: number, node: any }>, large: CID[] }

/** Every block in the blockstore: the snapshot nodes (decoded) and the blocks over the threshold. */
async function scan (blockstore: MemoryBlockstore): Promise<Blocks> {
  const out: Blocks = { snaps: [], large: [] }
  for await (const { cid, bytes } of blockstore.getAll()) {
    const data = await collectBytes(bytes)
    if (data.length > LIMIT) out.large.push(cid)
    let node: any
    try { node = dagCbor.decode(data) } catch { continue }
    if (node?.k === 'snap') out.snaps.push({ cid, size: data.length, node })
  }
  return out
}

async function opened (): Promise<{ store: HeliaStateStore, blockstore: MemoryBlockstore, datastore: MemoryDatastore }> {
  const made = await memoryHeliaStore({ largeOutputThreshold: LIMIT })
  await made.store.appendEvents('e1', [started('e1'), completed('big', BIG)], { flowId: 'f1', status: 'running' })
  return made
}

const stateWith = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ n, steps: { big: { status: 'completed', output: structuredClone(BIG) }, small: { output: { n } } }, output: structuredClone(BIG), ...extra })

describe('snapshots and large values', () => {
  it('link the block the log stored (no copy) and load the full state', async () => {
    const { store, blockstore } = await opened()
    await store.flush()
    const logBig = (dagCbor.decode(await collectBytes(blockstore.get((await store.getHead('e1')) as CID))) as any).big as CID[]
    expect(logBig).toHaveLength(1)
    const state = stateWith(1)
    const before = structuredClone(state)
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state })
    expect(state).toEqual(before) // the caller's state is not touched
    await store.flush()
    const { snaps, large } = await scan(blockstore)
    expect(large).toHaveLength(1) // the log's block only
    expect(snaps).toHaveLength(1)
    expect(snaps[0].size).toBeLessThan(LIMIT)
    expect(snaps[0].node.big.map(String)).toEqual([logBig[0].toString()]) // both places link one block
    const loaded = await store.loadSnapshot('e1', 'cp-1')
    expect(loaded).toEqual({ checkpointId: 'cp-1', logIndex: 2, state: before })
    const s = loaded?.state as any
    expect(s.output).not.toBe(s.steps.big.output) // each place its own value, as the log gives
    await store.close()
  })

  it('give a large value no block holds a block of its own, once, that later snapshots link', async () => {
    const { store, blockstore } = await opened()
    for (let n = 1; n <= 3; n++) await store.saveSnapshot('e1', { checkpointId: `cp-${n}`, logIndex: 2, state: stateWith(n, { aggregate: [OTHER, { nested: OTHER + 'n' }] }) })
    await store.flush()
    const { snaps, large } = await scan(blockstore)
    expect(large).toHaveLength(3) // the log's, the aggregate's two values: written once, not per snapshot
    expect(snaps.every(s => s.size < LIMIT)).toBe(true)
    expect((await store.loadSnapshot('e1', 'cp-2'))?.state).toEqual(stateWith(2, { aggregate: [OTHER, { nested: OTHER + 'n' }] }))
    await store.close()
  })

  it('link the same blocks after a restart (learnt from the snapshot and the log)', async () => {
    const { store, blockstore, datastore } = await opened()
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state: stateWith(1, { extra: OTHER }) })
    await store.close()
    const keyring = await localKeyring({ datastore, masterKey: MASTER })
    const again = await heliaStateStore({ blockstore, datastore, keyring, largeOutputThreshold: LIMIT })
    const loaded = await again.loadSnapshot('e1')
    expect(loaded?.state).toEqual(stateWith(1, { extra: OTHER }))
    await again.readEvents('e1')
    await again.saveSnapshot('e1', { checkpointId: 'cp-2', logIndex: 2, state: stateWith(2, { extra: OTHER }) })
    await again.flush()
    const { snaps, large } = await scan(blockstore)
    expect(large).toHaveLength(2)
    expect(snaps.every(s => s.size < LIMIT)).toBe(true)
    expect((await again.loadSnapshot('e1', 'cp-2'))?.state).toEqual(stateWith(2, { extra: OTHER }))
    await again.close()
  })

  it('keep what retained snapshots link through GC, collect it after, and never link a collected block', async () => {
    const made = await memoryHeliaStore({ largeOutputThreshold: LIMIT, snapshotRetention: 2 })
    const { store, blockstore } = made
    await store.appendEvents('e1', [started('e1'), completed('big', BIG)], { flowId: 'f1', status: 'running' })
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state: stateWith(1, { only: OTHER }) })
    await store.saveSnapshot('e1', { checkpointId: 'cp-2', logIndex: 2, state: stateWith(2, { only: OTHER }) })
    expect(await store.gc()).toBe(0)
    expect((await scan(blockstore)).large).toHaveLength(2)
    // the value leaves the state (as after a rollback); once no retained snapshot links it, GC collects it
    await store.saveSnapshot('e1', { checkpointId: 'cp-3', logIndex: 2, state: stateWith(3) })
    expect(await store.gc()).toBe(1) // cp-1's snapshot block; cp-2 still links the value
    expect((await scan(blockstore)).large).toHaveLength(2)
    await store.saveSnapshot('e1', { checkpointId: 'cp-4', logIndex: 2, state: stateWith(4) })
    expect(await store.gc()).toBe(2) // cp-2's snapshot and the value only it linked
    expect((await scan(blockstore)).large).toHaveLength(1) // the log's block stays: the log links it
    // the value comes back: the snapshot writes it again instead of linking the collected block
    await store.saveSnapshot('e1', { checkpointId: 'cp-5', logIndex: 2, state: stateWith(5, { only: OTHER }) })
    expect(await store.gc()).toBe(1)
    expect((await store.loadSnapshot('e1', 'cp-5'))?.state).toEqual(stateWith(5, { only: OTHER }))
    expect((await store.loadSnapshot('e1', 'cp-4'))?.state).toEqual(stateWith(4))
    // pruning the finished execution collects every block it had, large ones included
    await store.appendEvents('e1', [{ type: 'execution.completed', at: 3 } as unknown as ExecutionEvent], { flowId: 'f1', status: 'completed' })
    const pruned = await store.prune({ maxCount: 0 })
    expect(pruned.executions).toBe(1)
    const left = await scan(blockstore)
    expect(left.large).toHaveLength(0)
    expect(left.snaps).toHaveLength(0)
    await store.close()
  })

  it('travel in CAR files with the snapshots that link them', async () => {
    const { store, datastore } = await opened()
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state: stateWith(1, { only: OTHER }) })
    const car = await collect(store.exportCar('e1'))
    const blockstore = new MemoryBlockstore()
    const other = await heliaStateStore({ blockstore, datastore: new MemoryDatastore(), keyring: await localKeyring({ datastore, masterKey: MASTER }), largeOutputThreshold: LIMIT })
    expect(await other.importCar(car)).toMatchObject({ of: 'execution', id: 'e1', blocks: 4, updated: true }) // log, its output, snapshot, the snapshot's own value
    expect((await other.loadSnapshot('e1', 'cp-1'))?.state).toEqual(stateWith(1, { only: OTHER }))
    expect(await other.gc()).toBe(0)
    await store.close()
    await other.close()
  })

  it('are re-sealed by key rotation, and later snapshots link the re-sealed blocks', async () => {
    const datastore = new MemoryDatastore()
    const blockstore = new MemoryBlockstore()
    const keyring = await localKeyring({ datastore, masterKey: MASTER })
    const store = await heliaStateStore({ blockstore, datastore, keyring, largeOutputThreshold: LIMIT })
    await store.appendEvents('e1', [started('e1'), completed('big', BIG)], { flowId: 'f1', status: 'running' })
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state: stateWith(1, { only: OTHER }) })
    const owner = (await keyring.list()).find(k => k.current)?.owner as string
    const rotated = await keyring.rotate(owner)
    await store.reencryptHistory()
    await store.gc()
    const keyIds = async (): Promise<string[]> => {
      const ids: string[] = []
      for (const cid of (await scan(blockstore)).large) ids.push((dagCbor.decode(await collectBytes(blockstore.get(cid))) as any).keyId)
      return ids
    }
    expect(await keyIds()).toEqual([rotated.id, rotated.id])
    await store.saveSnapshot('e1', { checkpointId: 'cp-2', logIndex: 2, state: stateWith(2, { only: OTHER }) })
    await store.flush()
    expect(await keyIds()).toEqual([rotated.id, rotated.id]) // linked, not written again
    expect((await store.loadSnapshot('e1', 'cp-1'))?.state).toEqual(stateWith(1, { only: OTHER }))
    expect((await store.loadSnapshot('e1', 'cp-2'))?.state).toEqual(stateWith(2, { only: OTHER }))
    expect((await scan(blockstore)).snaps.every(s => s.size < LIMIT)).toBe(true)
    await store.close()
  })

  it('report a tampered linked value, naming the output record', async () => {
    const { store, blockstore } = await opened()
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state: stateWith(1, { only: OTHER }) })
    await store.flush()
    const snap = (await scan(blockstore)).snaps[0].node
    expect(snap.big).toHaveLength(2) // the log's output, then the snapshot's own value
    const target = (snap.big as CID[])[1]
    const bytes = await collectBytes(blockstore.get(target))
    bytes[bytes.length - 5] ^= 1
    await blockstore.put(target, bytes)
    await expect(store.loadSnapshot('e1', 'cp-1')).rejects.toMatchObject({ name: 'IntegrityError', record: { kind: 'output', id: 'e1' } })
    await store.close()
  })

  it('round-trip any JSON state, whatever is large in it (property)', async () => {
    const { store } = await memoryHeliaStore({ largeOutputThreshold: 64 })
    await store.appendEvents('e1', [started('e1')], { flowId: 'f1', status: 'running' })
    let n = 0
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), async (a, b) => {
      const state = { a, b, again: a, list: [b, 'z'.repeat(70), a] }
      const checkpointId = `cp-${++n}`
      await store.saveSnapshot('e1', { checkpointId, logIndex: 1, state })
      const loaded = await store.loadSnapshot('e1', checkpointId)
      expect(JSON.stringify(loaded?.state)).toBe(JSON.stringify(state))
    }), { numRuns: 150 })
    await store.close()
  })
})
