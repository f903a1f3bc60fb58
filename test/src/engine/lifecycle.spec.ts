import { describe, expect, it } from 'vitest'
import { flow, gateAction, log, start, task, testEngine } from '../../fixtures/engine.js'

describe('engine: pause, resume, abort', () => {
  it('pause takes effect at the next step boundary and resume continues exactly there', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([task('a', 'test.gate'), log('b'), log('c')]))
    await gate.waitCalls(1)
    await engine.pauseExecution(id)
    expect((await engine.getExecutionStatus(id)).status).toBe('paused')
    const completed: string[] = []
    engine.events.addEventListener('step:completed', (e) => { completed.push(e.detail.stepId) })
    gate.release('a-done')
    await new Promise<void>(resolve => { engine.events.addEventListener('step:completed', () => { resolve() }, { once: true }) })
    const paused = await engine.getExecutionStatus(id)
    expect(paused.status).toBe('paused')
    expect(paused.completedSteps).toEqual(['a'])
    expect(paused.steps.b).toMatchObject({ status: 'pending' })
    expect(completed).toEqual(['a'])
    await engine.resumeExecution(id)
    const done = await engine.waitForExecution(id)
    expect(done.status).toBe('completed')
    expect(done.completedSteps).toEqual(['a', 'b', 'c'])
  })

  it('abort cancels the running action and ends in aborted', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([task('a', 'test.gate'), log('b')]))
    await gate.waitCalls(1)
    await engine.abortExecution(id, 'operator said so')
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('aborted')
    expect(state.steps.a.status).toBe('aborted')
    expect(state.steps.b).toBeUndefined()
    expect(gate.calls[0].signal.aborted).toBe(true)
    await expect(engine.resumeExecution(id)).rejects.toThrow(/aborted/)
  })

  it('stops waiting for an execution when the caller aborts, and the execution goes on', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([task('a', 'test.gate')]))
    await gate.waitCalls(1)
    const controller = new AbortController()
    const waiting = engine.waitForExecution(id, { signal: controller.signal })
    controller.abort(new Error('caller gave up'))
    await expect(waiting).rejects.toThrow('caller gave up')
    gate.release('done')
    expect((await engine.waitForExecution(id)).output).toBe('done')
  })

  it('rejects control of unknown executions with a clear error', async () => {
    const { engine } = testEngine()
    await expect(engine.pauseExecution('nope')).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(engine.getExecutionStatus('nope')).rejects.toMatchObject({ name: 'NotFoundError' })
    await expect(engine.startExecution('no-such-flow')).rejects.toThrow(/no flow with id "no-such-flow"/)
  })

  it('queues executions over maxConcurrentFlows in pending', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate], init: { maxConcurrentFlows: 1 } })
    const f = flow([task('a', 'test.gate')])
    const first = await start(engine, f)
    const second = await engine.startExecution(f.id)
    await gate.waitCalls(1)
    expect((await engine.getExecutionStatus(second)).status).toBe('pending')
    expect(gate.calls).toHaveLength(1)
    gate.release()
    expect((await engine.waitForExecution(first)).status).toBe('completed')
    await gate.waitCalls(2)
    expect((await engine.getExecutionStatus(second)).status).toBe('running')
    gate.release()
    expect((await engine.waitForExecution(second)).status).toBe('completed')
  })

  it('emits typed events for everything that happens', async () => {
    const { engine } = testEngine()
    const seen: string[] = []
    for (const type of ['execution:started', 'step:started', 'step:completed', 'execution:completed'] as const) {
      engine.events.addEventListener(type, (e) => { seen.push(`${type}:${(e.detail as { stepId?: string }).stepId ?? ''}`) })
    }
    const appended: string[] = []
    engine.events.addEventListener('log:appended', (e) => { appended.push(e.detail.event.type) })
    const id = await start(engine, flow([log('a'), log('b')]))
    await engine.waitForExecution(id)
    expect(seen).toEqual(['execution:started:', 'step:started:a', 'step:completed:a', 'step:started:b', 'step:completed:b', 'execution:completed:'])
    expect(appended).toEqual(['execution.started', 'step.completed', 'step.completed'])
    expect((await engine.getLog(id)).map(e => e.type)).toEqual(appended)
  })
})

describe('engine: deleting flows', () => {
  it('refuses to start a deleted flow, also as a child flow', async () => {
    const { engine } = testEngine()
    await engine.registerFlow(flow([log('x')], { id: 'gone' }))
    expect(await engine.deleteFlow('gone')).toBe(true)
    await expect(engine.startExecution('gone')).rejects.toMatchObject({ name: 'NotFoundError' })
    const parent = flow([{ id: 'call', type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'gone' } }])
    await engine.registerFlow(parent)
    const state = await engine.waitForExecution(await engine.startExecution(parent.id))
    expect(state.status).toBe('failed')
    expect(state.error?.message).toContain('no flow with id "gone"')
    expect(await engine.deleteFlow('gone')).toBe(false)
  })
})
