import { describe, expect, it } from 'vitest'
import type { FlowStep } from '../../../shared/flow.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import { flow, log, run, start, task, testEngine } from '../../fixtures/engine.js'

const waitFor = (id: string, params: Record<string, unknown>): FlowStep => ({ id, type: 'event-trigger', action: 'qflow.trigger.event', params })

describe('engine: triggers, event waits and delays', () => {
  it('a trigger as the first step outputs the trigger payload', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      { id: 'hook', type: 'event-trigger', action: 'qflow.trigger.webhook', params: {} },
      task('echo', 'qflow.action.transform', { output: '${steps.hook.output.body}' })
    ]), { body: { hello: 'world' } })
    expect(state.steps.hook.output).toEqual({ body: { hello: 'world' } })
    expect(state.output).toEqual({ hello: 'world' })
  })

  it('suspends on qflow.trigger.event until a matching event is delivered', async () => {
    const { engine } = testEngine()
    const waiting = new Promise<void>(resolve => { engine.events.addEventListener('step:waiting', () => { resolve() }, { once: true }) })
    const id = await start(engine, flow([
      log('before'),
      waitFor('approval', { event: 'approved', filter: 'event.orderId = input.orderId' }),
      task('after', 'qflow.action.transform', { output: '${steps.approval.output.by}' })
    ]), { orderId: 42 })
    await waiting
    expect((await engine.getExecutionStatus(id)).steps.approval.status).toBe('waiting')
    expect(await engine.deliverEvent('approved', { orderId: 7, by: 'mallory' })).toBe(0)
    expect(await engine.deliverEvent('other', { orderId: 42 })).toBe(0)
    expect(await engine.deliverEvent('approved', { orderId: 42, by: 'alice' })).toBe(1)
    const state = await engine.waitForExecution(id)
    expect(state.output).toBe('alice')
  })

  it('fails a wait with timeout_error when no event arrives within timeoutMs', async () => {
    const clock = fakeClock()
    const { engine } = testEngine({ clock })
    const id = await start(engine, flow([waitFor('w0', { event: 'start' }), waitFor('w', { event: 'never', timeoutMs: 5000 })]), {})
    await clock.advance(4999)
    expect((await engine.getExecutionStatus(id)).status).toBe('running')
    await clock.advance(1)
    const state = await engine.waitForExecution(id)
    expect(state.error).toMatchObject({ type: 'timeout_error', stepId: 'w' })
  })

  it('delays with a durable timer', async () => {
    const clock = fakeClock()
    const { engine } = testEngine({ clock })
    const id = await start(engine, flow([task('d', 'qflow.action.delay', { ms: '${input.ms}' }), log('after')]), { ms: 3000 })
    await clock.advance(2999)
    const mid = await engine.getExecutionStatus(id)
    expect(mid.steps.d.status).toBe('running')
    expect((await engine.getLog(id)).map(e => e.type)).toContain('timer.started')
    await clock.advance(1)
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('completed')
    expect(state.steps.d.output).toEqual({ delayedMs: 3000 })
  })

  it('rejects a negative delay with a clear error', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('d', 'qflow.action.delay', { ms: '${-5}' })]))
    expect(state.error?.message).toMatch(/params\.ms: must be a number of milliseconds >= 0/)
  })
})

describe('engine: module calls', () => {
  it('runs another flow as a child execution and outputs its result', async () => {
    const { engine } = testEngine()
    const child = flow([task('double', 'qflow.action.transform', { output: { doubled: '${input.n * 2}' } })], { id: 'child-flow' })
    await engine.registerFlow(child)
    const state = await run(engine, flow([
      { id: 'call', type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'child-flow', input: { n: '${input.n}' } } },
      task('out', 'qflow.action.transform', { output: '${steps.call.output.doubled}' })
    ]), { n: 21 })
    expect(state.status).toBe('completed')
    expect(state.output).toBe(42)
  })

  it('fails the calling step when the child fails, with the child error type', async () => {
    const { engine } = testEngine()
    await engine.registerFlow(flow([task('x', 'qflow.action.fail', { message: 'child broke', errorType: 'permission_denied' })], { id: 'bad-child' }))
    const state = await run(engine, flow([{ id: 'call', type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'bad-child' } }]))
    expect(state.error).toMatchObject({ type: 'permission_denied', stepId: 'call' })
    expect(state.error?.message).toContain('child broke')
  })

  it('aborting the parent aborts the running child', async () => {
    const { engine } = testEngine()
    await engine.registerFlow(flow([{ id: 'w', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'x' } }, { id: 'w2', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'never' } }], { id: 'slow-child' }))
    const childStarted = new Promise<string>(resolve => {
      engine.events.addEventListener('log:appended', (e) => {
        if (e.detail.event.type === 'child.started') resolve(e.detail.event.childExecutionId)
      })
    })
    const id = await start(engine, flow([{ id: 'call', type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'slow-child' } }]))
    const childId = await childStarted
    expect((await engine.getExecutionStatus(childId)).status).toBe('running')
    await engine.abortExecution(id)
    const child = await engine.waitForExecution(childId)
    expect(child.status).toBe('aborted')
    expect(child.parentExecutionId).toBe(id)
  })

  it('fails clearly for an unknown module', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([{ id: 'm', type: 'module-call', action: 'qflow.module.nope', params: {} }]))
    expect(state.error).toMatchObject({ type: 'validation_error', message: 'unknown action "qflow.module.nope"' })
  })
})
