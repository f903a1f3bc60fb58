/**
 * The engine and store hooks a handover needs: `engine.release` lets go of a live execution without
 * recording anything; `store.exportManifest` is the root of `exportCar` alone; `store.adoptCar`
 * fast-forwards like `importCar` and replaces a diverged local history only while it is not terminal.
 */
import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CarBlockIterator } from '@ipld/car/iterator'
import { testEvents } from '../../compliance/state-store.js'
import { heliaStateStore, localKeyring } from '../../../src/state/index.js'
import { flow, gateAction, task, testEngine } from '../../fixtures/engine.js'
import { collect, memoryHeliaStore } from '../../src/state/helpers.js'

describe('engine.release', () => {
  it('aborts the in-flight step and forgets the execution; nothing more is recorded', async () => {
    const gate = gateAction()
    const { engine, store } = testEngine({ actions: [gate] })
    await engine.registerFlow(flow([
      task('g', 'test.gate'),
      { id: 'wait', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'go' } }
    ], { id: 'gated' }))
    const executionId = await engine.startExecution('gated')
    await gate.waitCalls(1)
    const before = await store.readEvents(executionId)

    expect(await engine.release(executionId)).toBe(true)
    expect(gate.calls[0].signal.aborted).toBe(true)
    gate.release({ late: true })
    expect(await engine.deliverEvent('go', {}, { executionId })).toBe(0)
    expect(await store.readEvents(executionId)).toEqual(before)
    expect((await engine.getExecutionStatus(executionId)).status).toBe('running')
    expect(await engine.release(executionId)).toBe(false)
    expect(await engine.release('no-such-execution')).toBe(false)
  })
})

describe('store.exportManifest and store.adoptCar', () => {
  it('the manifest is the root of the CAR export', async () => {
    const { store } = await memoryHeliaStore()
    await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
    const [root] = await (await CarBlockIterator.fromBytes(await collect(store.exportCar('e1')))).getRoots()
    expect((await store.exportManifest('e1')).cid.equals(root)).toBe(true)
    await expect(store.exportManifest('nope')).rejects.toThrow(/no execution nope/)
    await store.close()
  })

  it('fast-forwards a prefix, replaces a diverged running history, never a terminal one', async () => {
    const { store: holder, datastore } = await memoryHeliaStore()
    const keyring = await localKeyring({ datastore, masterKey: new Uint8Array(32).fill(7) })
    const mine = await heliaStateStore({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), keyring })
    const [started, ...rest] = testEvents('e1')
    await holder.appendEvents('e1', [started], { flowId: 'f1', status: 'running' })
    await mine.importCar(await collect(holder.exportCar('e1')))
    // the holder goes on and completes; this copy took another event meanwhile (it had been cut off)
    await holder.appendEvents('e1', rest, { flowId: 'f1', status: 'completed' })
    await mine.appendEvents('e1', [{ type: 'event.received', at: 5, stepId: 'wait', payload: { side: 'mine' } } as any], { flowId: 'f1', status: 'running' })
    const final = await collect(holder.exportCar('e1'))
    await expect(mine.importCar(final)).rejects.toMatchObject({ name: 'ImportConflictError' })

    const adopted = await mine.adoptCar(final)
    expect(adopted).toMatchObject({ id: 'e1', updated: true, replaced: expect.any(Object) })
    expect(await mine.readEvents('e1')).toEqual(await holder.readEvents('e1'))
    expect(await mine.listExecutions()).toEqual(await holder.listExecutions())
    expect((await mine.adoptCar(final)).updated).toBe(false)

    // a terminal local history is a conflict to report, not something to overwrite
    await holder.appendEvents('e2', [testEvents('e2')[0]], { flowId: 'f1', status: 'running' })
    await mine.importCar(await collect(holder.exportCar('e2')))
    await holder.appendEvents('e2', testEvents('e2').slice(1), { flowId: 'f1', status: 'running' })
    await mine.appendEvents('e2', testEvents('e2').slice(1, 2), { flowId: 'f1', status: 'completed' })
    await expect(mine.adoptCar(await collect(holder.exportCar('e2')))).rejects.toMatchObject({ name: 'ImportConflictError' })
    expect((await mine.listExecutions()).find(s => s.executionId === 'e2')?.status).toBe('completed')
    await holder.close()
    await mine.close()
  })
})
