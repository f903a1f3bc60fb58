import { describe, expect, it } from 'vitest'
import { StepError } from '../../../src/errors.js'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import { flow, gateAction, run, start, task, testEngine } from '../../fixtures/engine.js'

describe('engine: step timeout', () => {
  it('aborts the running action through its AbortSignal and fails with timeout_error', async () => {
    const clock = fakeClock()
    const gate = gateAction()
    const { engine } = testEngine({ clock, actions: [gate] })
    const id = await start(engine, flow([task('slow', 'test.gate', {}, { timeout: 500 })]))
    await gate.waitCalls(1)
    await clock.advance(500)
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('failed')
    expect(state.error).toMatchObject({ type: 'timeout_error', stepId: 'slow', retryable: true })
    expect(gate.calls[0].signal.aborted).toBe(true)
  })

  it('gives up on an action that ignores its signal', async () => {
    const clock = fakeClock()
    const stubborn: ActionDefinition = { name: 'test.stubborn', stepTypes: ['task'], run: () => new Promise(() => {}) }
    const { engine } = testEngine({ clock, actions: [stubborn] })
    const id = await start(engine, flow([task('s', 'test.stubborn', {}, { timeout: 100 })]))
    await clock.advance(100)
    expect((await engine.waitForExecution(id)).error?.type).toBe('timeout_error')
  })

  it('uses the engine default when the step sets none', async () => {
    const clock = fakeClock()
    const gate = gateAction()
    const { engine } = testEngine({ clock, actions: [gate], init: { defaultStepTimeout: 2000 } })
    const id = await start(engine, flow([task('slow', 'test.gate')]))
    await gate.waitCalls(1)
    await clock.advance(1999)
    expect((await engine.getExecutionStatus(id)).status).toBe('running')
    await clock.advance(1)
    expect((await engine.waitForExecution(id)).error?.type).toBe('timeout_error')
  })
})

describe('engine: circuit breaker', () => {
  it('opens after consecutive failures, fails fast, then lets a trial through after the reset timeout', async () => {
    const clock = fakeClock()
    let calls = 0
    let healthy = false
    const net: ActionDefinition = {
      name: 'test.net',
      stepTypes: ['task'],
      target: (p) => `host:${String(p.host)}`,
      run: () => {
        calls++
        if (!healthy) throw new StepError('network_error', 'connection refused')
        return 'ok'
      }
    }
    const { engine } = testEngine({ clock, actions: [net], init: { circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 10_000 } } })
    const opened: string[] = []
    engine.events.addEventListener('circuit:opened', (e) => { opened.push(e.detail.target) })
    const f = flow([task('call', 'test.net', { host: 'a' })])
    for (let i = 0; i < 3; i++) await run(engine, f)
    expect(calls).toBe(3)
    expect(opened).toEqual(['host:a'])
    const fast = await run(engine, f)
    expect(calls).toBe(3)
    expect(fast.error).toMatchObject({ type: 'network_error', details: { circuit: 'open', target: 'host:a' } })
    // another target is unaffected
    await run(engine, flow([task('call', 'test.net', { host: 'b' })]))
    expect(calls).toBe(4)
    await clock.advance(10_000)
    healthy = true
    expect((await run(engine, f)).status).toBe('completed')
    expect(calls).toBe(5)
    expect((await run(engine, f)).status).toBe('completed')
  })

  it('does not count failures that say nothing about the target', async () => {
    const { engine } = testEngine({ init: { circuitBreaker: { failureThreshold: 1 } } })
    const f = flow([task('f', 'qflow.action.fail', { message: 'business rule' })])
    await run(engine, f)
    expect((await run(engine, f)).error?.message).toBe('business rule')
  })
})
