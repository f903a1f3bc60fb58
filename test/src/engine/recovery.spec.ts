/**
 * A new engine on the same store picks up every non-terminal execution where the log left
 * it: running steps re-run under the same attempt (same idempotency key), timers re-arm for
 * their remaining time, event waits are listened for again, queued executions stay queued.
 */
import { describe, expect, it } from 'vitest'
import { builtinRegistry, createExecutionEngine, localDispatcher } from '../../../src/index.js'
import { sequentialIds } from '../../../src/interface/ids.js'
import { memoryStateStore } from '../../../src/state/memory-store.js'
import type { StateStore } from '../../../src/interface/state-store.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import type { FakeClock } from '../../fixtures/fake-clock.js'
import { flow, gateAction, log, task } from '../../fixtures/engine.js'

function engineOn (store: StateStore, clock: FakeClock, gate: ReturnType<typeof gateAction>, prefix: string, maxConcurrentFlows = 100) {
  const actions = builtinRegistry([gate])
  return createExecutionEngine({ maxConcurrentFlows }, { store, clock, actions, ids: sequentialIds(prefix), dispatcher: localDispatcher(actions) })
}

describe('engine: recovery from the store', () => {
  it('resumes running steps, timers and waits after a restart', async () => {
    const clock = fakeClock()
    const store = memoryStateStore()
    const gate1 = gateAction()
    const first = engineOn(store, clock, gate1, 'a')
    const f = flow([
      task('g', 'test.gate'), log('after-gate')
    ], { id: 'gated' })
    const d = flow([task('d', 'qflow.action.delay', { ms: 10_000 }), log('after-delay')], { id: 'delayed' })
    const w = flow([log('first'), { id: 'w', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'go' } }, log('after-wait')], { id: 'waiting' })
    for (const x of [f, d, w]) await first.registerFlow(x)
    const gated = await first.startExecution('gated')
    const delayed = await first.startExecution('delayed')
    const waiting = await first.startExecution('waiting')
    await gate1.waitCalls(1)
    await clock.advance(4000)
    expect((await first.getExecutionStatus(waiting)).steps.w.status).toBe('waiting')
    await first.stop() // the "crash": nothing more is recorded by the first engine

    const gate2 = gateAction()
    const second = engineOn(store, clock, gate2, 'b')
    await second.start()
    await gate2.waitCalls(1)
    expect(gate2.calls[0].key).toBe(`${gated}:g:1`)
    gate2.release()
    expect((await second.waitForExecution(gated)).completedSteps).toEqual(['g', 'after-gate'])
    await clock.advance(5999)
    expect((await second.getExecutionStatus(delayed)).status).toBe('running')
    await clock.advance(1)
    expect((await second.waitForExecution(delayed)).status).toBe('completed')
    expect(await second.deliverEvent('go', { ok: 1 })).toBe(1)
    expect((await second.waitForExecution(waiting)).status).toBe('completed')
    const completions = (await second.getLog(gated)).filter(e => e.type === 'step.completed')
    expect(completions).toHaveLength(2)
  })

  it('keeps queued executions queued and starts them in order', async () => {
    const clock = fakeClock()
    const store = memoryStateStore()
    const gate = gateAction()
    const first = engineOn(store, clock, gate, 'a', 1)
    await first.registerFlow(flow([task('g', 'test.gate')], { id: 'one-at-a-time' }))
    const a = await first.startExecution('one-at-a-time')
    const b = await first.startExecution('one-at-a-time')
    await gate.waitCalls(1)
    await first.stop()
    const gate2 = gateAction()
    const second = engineOn(store, clock, gate2, 'b', 1)
    await second.start()
    await gate2.waitCalls(1)
    expect((await second.getExecutionStatus(b)).status).toBe('pending')
    gate2.release()
    await second.waitForExecution(a)
    await gate2.waitCalls(2)
    gate2.release()
    expect((await second.waitForExecution(b)).status).toBe('completed')
  })
})
