import { describe, expect, it } from 'vitest'
import type { ExecutionEvent } from '../../../shared/execution.js'
import { flow, gateAction, log, start, task, testEngine } from '../../fixtures/engine.js'

function completions (log: ExecutionEvent[]): string[] {
  return log.filter(e => e.type === 'step.completed').map(e => `${(e as { stepId: string }).stepId}#${(e as { attempt: number }).attempt}`)
}

describe('engine: checkpoints', () => {
  it('restores a finished execution to a checkpoint and re-runs from there under new attempts', async () => {
    const gate = gateAction()
    const { engine, store } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([log('a'), task('b', 'test.gate'), log('c')]))
    await gate.waitCalls(1)
    const cp = await engine.createCheckpoint(id)
    gate.release('first')
    const first = await engine.waitForExecution(id)
    expect(first.status).toBe('completed')
    expect(first.checkpoints).toHaveLength(1)
    expect(first.checkpoints[0]).toMatchObject({ checkpointId: cp, stepId: 'b' })
    expect((await store.loadSnapshot(id, cp))?.checkpointId).toBe(cp)

    await engine.restoreCheckpoint(id, cp)
    await gate.waitCalls(2)
    expect(gate.calls[1].key).toBe(`${id}:b:2`)
    expect((await engine.getExecutionStatus(id)).status).toBe('running')
    gate.release('second')
    const second = await engine.waitForExecution(id)
    expect(second.status).toBe('completed')
    expect(second.steps.b.output).toBe('second')
    const events = await engine.getLog(id)
    const done = completions(events)
    expect(done).toEqual(['a#1', 'b#1', 'c#1', 'b#2', 'c#2'])
    expect(new Set(done).size).toBe(done.length)
  })

  it('refuses unknown checkpoints and checkpoints of finished executions', async () => {
    const { engine } = testEngine()
    const id = await start(engine, flow([log('a')]))
    await engine.waitForExecution(id)
    await expect(engine.createCheckpoint(id)).rejects.toMatchObject({ name: 'InvalidStateError' })
    await expect(engine.restoreCheckpoint(id, 'cp-nope')).rejects.toMatchObject({ name: 'NotFoundError' })
  })
})

describe('engine: the seed StateManager', () => {
  it('saves a snapshot of a live execution, loads the folded state and restores', async () => {
    const { engineStateManager } = await import('../../../src/engine/state-manager.js')
    const gate = gateAction()
    const { engine, store } = testEngine({ actions: [gate] })
    const manager = engineStateManager(engine)
    const id = await start(engine, flow([task('g', 'test.gate'), log('z')]))
    await gate.waitCalls(1)
    const live = await manager.loadState(id)
    expect(live.status).toBe('running')
    const saved = await manager.saveState(id, live)
    expect((await store.loadSnapshot(id, saved))?.logIndex).toBe(1)
    await expect(manager.saveState('other', live)).rejects.toMatchObject({ name: 'InvalidStateError' })
    gate.release()
    await engine.waitForExecution(id)
    await manager.restoreCheckpoint(id, saved)
    await gate.waitCalls(2)
    gate.release()
    expect((await engine.waitForExecution(id)).status).toBe('completed')
  })
})
