import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { testEvents, testFlow } from '../../compliance/state-store.js'
import { heliaStateStore, localKeyring } from '../../../src/state/index.js'
import { collect, memoryHeliaStore } from './helpers.js'

describe('CAR export and import', () => {
  it('round-trips an execution with its log, large outputs and snapshots', async () => {
    const { store, datastore } = await memoryHeliaStore({ largeOutputThreshold: 1024 })
    const events = [...testEvents('e1'), { type: 'step.completed' as const, at: 9, stepId: 's2', attempt: 1, output: 'L'.repeat(5000) }]
    await store.appendEvents('e1', events.slice(0, 2), { flowId: 'f1', status: 'running' })
    await store.saveSnapshot('e1', { checkpointId: 'cp-1', logIndex: 2, state: { at: 2 } })
    await store.appendEvents('e1', events.slice(2), { flowId: 'f1', status: 'completed' })
    const head = await store.getHead('e1')
    const car = await collect(store.exportCar('e1'))

    // same keyring, fresh blocks and pointers: the execution comes back whole (2 log blocks, 1 output, 1 snapshot)
    const other = await heliaStateStore({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), keyring: await localKeyring({ datastore, masterKey: new Uint8Array(32).fill(7) }) })
    expect(await other.importCar(car)).toEqual({ of: 'execution', id: 'e1', blocks: 4, updated: true })
    expect(await other.readEvents('e1')).toEqual(events)
    expect((await other.getHead('e1'))?.equals(head)).toBe(true)
    expect(await other.loadSnapshot('e1', 'cp-1')).toEqual({ checkpointId: 'cp-1', logIndex: 2, state: { at: 2 } })
    expect(await other.listExecutions()).toEqual(await store.listExecutions())
    expect((await other.importCar(car)).updated).toBe(false)

    // pruned away locally, then restored from the CAR (streamed this time)
    await store.prune({ maxCount: 0 })
    expect(await store.readEvents('e1')).toEqual([])
    await store.importCar((async function * () { yield car.subarray(0, 100); yield car.subarray(100) })())
    expect(await store.readEvents('e1')).toEqual(events)
    await store.close()
    await other.close()
  })

  it('round-trips a flow with every version', async () => {
    const { store, datastore } = await memoryHeliaStore()
    const v1 = await store.putFlow(testFlow('f1'))
    const v2 = await store.putFlow(testFlow('f1', { version: '2.0.0' }))
    const car = await collect(store.exportCar('f1'))
    const other = await heliaStateStore({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), keyring: await localKeyring({ datastore, masterKey: new Uint8Array(32).fill(7) }) })
    expect(await other.importCar(car)).toMatchObject({ of: 'flow', id: 'f1', blocks: 2, updated: true })
    expect(await other.listFlowVersions('f1')).toEqual(await store.listFlowVersions('f1'))
    expect((await other.getFlow('f1', v1.versionId))?.version).toBe('1.0.0')
    expect((await other.getFlow('f1', v2.versionId))?.version).toBe('2.0.0')
    // a newer local history is kept; a diverged one is refused
    await other.putFlow(testFlow('f1', { version: '3.0.0' }))
    expect((await other.importCar(car)).updated).toBe(false)
    await store.putFlow(testFlow('f1', { version: 'fork' }))
    await expect(other.importCar(await collect(store.exportCar('f1')))).rejects.toMatchObject({ name: 'ImportConflictError' })
    await store.close()
    await other.close()
  })

  it('needs the owner key to read an import, and rejects a tampered CAR', async () => {
    const { store } = await memoryHeliaStore()
    await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
    const car = await collect(store.exportCar('e1'))
    const datastore = new MemoryDatastore()
    const stranger = await heliaStateStore({ blockstore: new MemoryBlockstore(), datastore, keyring: await localKeyring({ datastore, masterKey: new Uint8Array(32).fill(9) }) })
    await stranger.importCar(car)
    const err = await stranger.readEvents('e1').catch(e => e)
    expect(err.name).toBe('KeyNotFoundError')
    expect(err.message).toMatch(/log block \S+ of execution e1/)

    const tampered = car.slice()
    tampered[tampered.length - 20] ^= 1
    await expect(stranger.importCar(tampered)).rejects.toMatchObject({ name: 'IntegrityError' })
    await expect(collect(store.exportCar('nope'))).rejects.toMatchObject({ name: 'NotFoundError' })
    await store.close()
    await stranger.close()
  })
})
