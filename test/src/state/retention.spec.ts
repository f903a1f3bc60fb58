import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { testEvents, testFlow } from '../../compliance/state-store.js'
import { collectBytes } from '../../../src/state/datastore-io.js'
import { countBlocks, countKeys, memoryHeliaStore, openFs, tempDir } from './helpers.js'

describe('large outputs', () => {
  it('go to their own block, keep the log block small, and read back whole', async () => {
    const { store, blockstore } = await memoryHeliaStore({ largeOutputThreshold: 64 * 1024 })
    const big = { rows: Array.from({ length: 4000 }, (_, i) => ({ i, text: `row ${i} ${'q'.repeat(64)}` })) }
    const small = { ok: true }
    await store.appendEvents('e1', [
      { type: 'step.completed', at: 1, stepId: 'big', attempt: 1, output: big },
      { type: 'step.completed', at: 2, stepId: 'small', attempt: 1, output: small },
      { type: 'event.received', at: 3, stepId: 'wait', event: 'hook', payload: { blob: 'p'.repeat(70 * 1024) } }
    ], { flowId: 'f', status: 'running' })
    const head = await store.getHead('e1') as CID
    await store.flush()
    const logBytes = await collectBytes(blockstore.get(head))
    expect(logBytes.length).toBeLessThan(4096)
    const node = dagCbor.decode<any>(logBytes)
    expect(node.big).toHaveLength(2)
    for (const cid of node.big as CID[]) {
      expect(cid.code).toBe(raw.code)
      expect((await collectBytes(blockstore.get(cid))).length).toBeGreaterThan(64 * 1024)
    }
    const events = await store.readEvents('e1')
    expect(events[0]).toEqual({ type: 'step.completed', at: 1, stepId: 'big', attempt: 1, output: big })
    expect((events[1] as any).output).toEqual(small)
    expect((events[2] as any).payload.blob).toHaveLength(70 * 1024)
    expect(await store.readEvents('e1', 1)).toEqual(events.slice(1))
    await store.close()
  })
})

describe('retention', () => {
  it('prunes old terminal executions by count and age, then collects their blocks', async () => {
    let now = 1_000_000
    const { store, blockstore } = await memoryHeliaStore({ now: () => now, largeOutputThreshold: 1024 })
    const foreign = new TextEncoder().encode('a block some other Helia user stored')
    const foreignCid = CID.createV1(raw.code, await sha256.digest(foreign))
    await blockstore.put(foreignCid, foreign)
    await store.putFlow(testFlow('f1'))
    for (let i = 0; i < 10; i++) {
      const id = `done-${i}`
      await store.appendEvents(id, testEvents(id, now + 1_000 * i), { flowId: 'f1', status: 'running' })
      await store.saveSnapshot(id, { checkpointId: 'cp', logIndex: 4, state: { i } })
      await store.appendEvents(id, [{ type: 'step.completed', at: now + 1_000 * i + 10, stepId: 'x', attempt: 1, output: 'b'.repeat(2048) }], { flowId: 'f1', status: 'completed' })
    }
    await store.appendEvents('live', testEvents('live', 0), { flowId: 'f1', status: 'running' })
    const countBlocks = async (): Promise<number> => { let n = 0; for await (const _ of blockstore.getAll()) n++; return n }
    await store.flush()
    const before = await countBlocks()

    const byCount = await store.prune({ maxCount: 6 })
    expect(byCount.executions).toBe(4)
    expect(byCount.blocks).toBe(4 * 4) // per execution: 2 log blocks, 1 large output, 1 snapshot
    expect(await countBlocks()).toBe(before - 16)
    expect(await store.readEvents('done-0')).toEqual([])
    expect((await store.listExecutions({ active: false })).map(s => s.executionId).sort()).toEqual(['done-4', 'done-5', 'done-6', 'done-7', 'done-8', 'done-9'])

    now = 1_000_000 + 7_500 + 60_000
    const byAge = await store.prune({ maxAgeMs: 60_000 })
    expect(byAge.executions).toBe(4) // done-4..7 were last updated before now - 60 s
    expect((await store.listExecutions()).map(s => s.executionId).sort()).toEqual(['done-8', 'done-9', 'live'])
    expect(await store.readEvents('live')).toEqual(testEvents('live', 0))
    expect((await store.readEvents('done-9')).length).toBe(5)
    expect(await store.loadSnapshot('done-9')).toMatchObject({ state: { i: 9 } })
    expect(await store.getFlow('f1')).toEqual(testFlow('f1'))
    expect(await blockstore.has(foreignCid)).toBe(true)
    expect(await store.gc()).toBe(0)
    await store.close()
  })

  it('drops snapshots beyond the retention count and collects them', async () => {
    const { store } = await memoryHeliaStore({ snapshotRetention: 2 })
    await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
    for (let i = 1; i <= 4; i++) await store.saveSnapshot('e1', { checkpointId: `cp-${i}`, logIndex: 4, state: { i } })
    expect(await store.loadSnapshot('e1', 'cp-2')).toBeUndefined()
    expect((await store.loadSnapshot('e1', 'cp-3'))?.state).toEqual({ i: 3 })
    expect(await store.gc()).toBe(2)
    expect((await store.loadSnapshot('e1'))?.state).toEqual({ i: 4 })
    await store.close()
  })

  it('keeps the stores bounded on the Node backend (LevelDB)', async () => {
    const tmp = await tempDir()
    try {
      const node = await openFs(tmp.dir)
      for (let i = 0; i < 20; i++) await node.store.appendEvents(`e${i}`, testEvents(`e${i}`, i), { flowId: 'f1', status: 'completed' })
      await node.store.flush()
      const blocks = await countBlocks(node.blockstore)
      const result = await node.store.prune({ maxCount: 5 })
      expect(result).toEqual({ executions: 15, blocks: 15 })
      expect(await countBlocks(node.blockstore)).toBe(blocks - 15)
      expect(await countKeys(node.datastore, '/qflow/x/t')).toBe(5)
      await node.close()
    } finally {
      await tmp.remove()
    }
  })
})
