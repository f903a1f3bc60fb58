/**
 * checkpointInterval: checkpoints at step boundaries, snapshot-based recovery, and
 * restore of an execution loaded from a snapshot.
 */
import { describe, expect, it } from 'vitest'
import { builtinRegistry, createExecutionEngine, localDispatcher } from '../../../src/index.js'
import { sequentialIds } from '../../../src/interface/ids.js'
import { memoryStateStore } from '../../../src/state/memory-store.js'
import type { StateStore } from '../../../src/interface/state-store.js'
import { systemClock } from '../../../src/interface/clock.js'
import { flow, gateAction, log, task } from '../../fixtures/engine.js'

function engineOn (store: StateStore, gate: ReturnType<typeof gateAction>, prefix: string, checkpointInterval?: number, snapshotEvery = 1) {
  const actions = builtinRegistry([gate])
  return createExecutionEngine({ checkpointInterval, snapshotEvery }, { store, clock: systemClock(), actions, ids: sequentialIds(prefix), dispatcher: localDispatcher(actions) })
}

describe('engine: automatic checkpoints', () => {
  it('checkpoints at every step boundary with interval 0 and snapshots each', async () => {
    const store = memoryStateStore()
    const gate = gateAction()
    const engine = engineOn(store, gate, 'a', 0)
    const f = flow([log('a'), log('b'), log('c')], { id: 'three' })
    await engine.registerFlow(f)
    const id = await engine.startExecution('three')
    const state = await engine.waitForExecution(id)
    expect(state.checkpoints.map(c => c.stepId)).toEqual(['b', 'c'])
    const types = (await engine.getLog(id)).map(e => e.type)
    expect(types).toEqual(['execution.started', 'step.completed', 'checkpoint.created', 'step.completed', 'checkpoint.created', 'step.completed'])
    expect((await store.loadSnapshot(id))?.checkpointId).toBe(state.checkpoints[1].checkpointId)
  })

  it('writes a snapshot block only every snapshotEvery events, and recovers from it plus the tail', async () => {
    const store = memoryStateStore()
    const gate = gateAction()
    const engine = engineOn(store, gate, 'a', 0, 4)
    const steps = ['a', 'b', 'c', 'd', 'e', 'f'].map(id => log(id))
    await engine.registerFlow(flow([...steps, task('g', 'test.gate'), log('h')], { id: 'long' }))
    const id = await engine.startExecution('long')
    await gate.waitCalls(1)
    const live = await engine.getExecutionStatus(id)
    expect(live.checkpoints).toHaveLength(6)
    // log: started, then (completed, checkpoint) per step: snapshots at logIndex >= 4 apart
    const snapshot = await store.loadSnapshot(id)
    expect(snapshot?.logIndex).toBeGreaterThanOrEqual(4)
    expect(live.checkpoints.map(c => c.checkpointId)).toContain(snapshot?.checkpointId)
    expect(await store.loadSnapshot(id, live.checkpoints[0].checkpointId)).toBeUndefined()
    await engine.stop()
    const second = engineOn(store, gate, 'b', 0, 4)
    await second.start()
    expect(await second.getExecutionStatus(id)).toEqual(live)
    await gate.waitCalls(2)
    gate.release()
    expect((await second.waitForExecution(id)).status).toBe('completed')
  })

  it('takes none without an interval', async () => {
    const store = memoryStateStore()
    const engine = engineOn(store, gateAction(), 'a')
    await engine.registerFlow(flow([log('a'), log('b')], { id: 'two' }))
    const state = await engine.waitForExecution(await engine.startExecution('two'))
    expect(state.checkpoints).toEqual([])
  })

  it('recovers from the latest snapshot and can still restore an earlier checkpoint', async () => {
    const store = memoryStateStore()
    const gate = gateAction()
    const first = engineOn(store, gate, 'a', 0)
    await first.registerFlow(flow([log('a'), log('b'), task('g', 'test.gate'), log('d')], { id: 'gated' }))
    const id = await first.startExecution('gated')
    await gate.waitCalls(1)
    const before = await first.getExecutionStatus(id)
    await first.stop()

    const gate2 = gateAction()
    const second = engineOn(store, gate2, 'b', 0)
    await second.start()
    await gate2.waitCalls(1)
    expect(await second.getExecutionStatus(id)).toEqual(before)
    gate2.release()
    const done = await second.waitForExecution(id)
    expect(done.completedSteps).toEqual(['a', 'b', 'g', 'd'])
    // roll back to the checkpoint after step a: b, g and d run again
    await second.restoreCheckpoint(id, done.checkpoints[0].checkpointId)
    await gate2.waitCalls(2)
    gate2.release()
    const again = await second.waitForExecution(id)
    expect(again.status).toBe('completed')
    const completions = (await second.getLog(id)).filter(e => e.type === 'step.completed').map(e => `${(e as { stepId: string }).stepId}#${(e as { attempt: number }).attempt}`)
    expect(completions).toEqual(['a#1', 'b#1', 'g#1', 'd#1', 'b#2', 'g#2', 'd#2'])
  })
})
