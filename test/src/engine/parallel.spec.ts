import { describe, expect, it } from 'vitest'
import type { FlowStep } from '../../../shared/flow.js'
import { flow, gateAction, log, run, start, task, testEngine } from '../../fixtures/engine.js'

const parallel = (id: string, branches: FlowStep[][], params: Record<string, unknown> = {}, extra: Partial<FlowStep> = {}): FlowStep =>
  ({ id, type: 'parallel', action: 'qflow.parallel', params: { branches, ...params }, ...extra })

describe('engine: parallel', () => {
  it('joins all branches and outputs the last output of each, in branch order', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      parallel('fan', [
        [log('a1'), task('a2', 'qflow.action.transform', { output: 'A' })],
        [task('b1', 'qflow.action.transform', { output: 'B' })],
        []
      ]),
      task('after', 'qflow.action.transform', { output: '${steps.fan.output}' })
    ]))
    expect(state.status).toBe('completed')
    expect(state.output).toEqual(['A', 'B', null])
    expect(state.steps.fan.status).toBe('completed')
  })

  it('runs branches concurrently', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([parallel('fan', [[task('g1', 'test.gate')], [task('g2', 'test.gate')]])]))
    await gate.waitCalls(2)
    expect(gate.calls.map(c => c.key)).toEqual([`${id}:g1:1`, `${id}:g2:1`])
    gate.release('x')
    gate.release('y')
    expect((await engine.waitForExecution(id)).output).toEqual(['x', 'y'])
  })

  it('with join any, the first branch to finish wins and the others are aborted', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([parallel('fan', [[task('slow', 'test.gate')], [log('fast')]], { join: 'any' })]))
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('completed')
    expect(state.output).toEqual([null, { message: 'fast' }])
    expect(state.steps.slow.status).toBe('aborted')
    expect(gate.calls[0].signal.aborted).toBe(true)
  })

  it('with join atLeast, completes once n branches completed even if one fails', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([parallel('fan', [
      [log('a')], [task('bad', 'qflow.action.fail', { message: 'x' })], [log('c')]
    ], { join: { atLeast: 2 }, failFast: false })]))
    expect(state.status).toBe('completed')
    expect(state.output).toEqual([{ message: 'a' }, null, { message: 'c' }])
  })

  it('fails fast: a failing branch aborts its siblings', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([parallel('fan', [[task('wait', 'test.gate')], [task('bad', 'qflow.action.fail', { message: 'bad branch' })]])]))
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('failed')
    expect(state.error?.message).toContain('bad branch')
    expect(state.error?.stepId).toBe('fan')
    expect(state.steps.wait.status).toBe('aborted')
    expect(gate.calls[0].signal.aborted).toBe(true)
  })

  it('without failFast waits for every branch before failing', async () => {
    const gate = gateAction()
    const { engine } = testEngine({ actions: [gate] })
    const id = await start(engine, flow([parallel('fan', [[task('wait', 'test.gate')], [task('bad', 'qflow.action.fail', { message: 'bad' })]], { failFast: false })]))
    await gate.waitCalls(1)
    expect((await engine.getExecutionStatus(id)).status).toBe('running')
    gate.release('late')
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('failed')
    expect(state.steps.wait.status).toBe('completed')
  })

  it('routes a failed parallel step to its onFailure target', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      parallel('fan', [[task('bad', 'qflow.action.fail', { message: 'bad' })]], {}, { onFailure: 'recover' }),
      task('recover', 'qflow.action.complete', { output: '${error.stepId}' })
    ]))
    expect(state.output).toBe('fan')
  })

  it('nests parallel steps', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([parallel('outer', [
      [parallel('inner', [[task('i1', 'qflow.action.transform', { output: 1 })], [task('i2', 'qflow.action.transform', { output: 2 })]])],
      [task('o2', 'qflow.action.transform', { output: 3 })]
    ])]))
    expect(state.output).toEqual([[1, 2], 3])
  })
})
