import { describe, expect, it } from 'vitest'
import { flow, log, run, task, testEngine } from '../../fixtures/engine.js'

describe('engine: sequencing and routing', () => {
  it('runs a list in order and ends with the last output', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([log('a'), log('b'), task('c', 'qflow.action.transform', { output: { done: true } })]))
    expect(state.status).toBe('completed')
    expect(state.completedSteps).toEqual(['a', 'b', 'c'])
    expect(state.output).toEqual({ done: true })
    expect(state.steps.a).toMatchObject({ status: 'completed', attempts: 1, output: { message: 'a' }, logs: ['a'] })
    expect(state.nodeAssignments).toEqual({ a: 'node-test', b: 'node-test', c: 'node-test' })
    expect(state.endTime).toBeDefined()
  })

  it('follows onSuccess jumps and never runs the skipped step', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([log('a', 'a', { onSuccess: 'c' }), log('b'), log('c')]))
    expect(state.completedSteps).toEqual(['a', 'c'])
    expect(state.steps.b).toBeUndefined()
  })

  it('routes a failure to onFailure with the error in scope', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      task('boom', 'qflow.action.fail', { message: 'kaput', errorType: 'network_error' }, { onFailure: 'handle' }),
      log('never'),
      task('handle', 'qflow.action.transform', { output: { handled: '${error.message}', type: '${error.type}' } })
    ]))
    expect(state.status).toBe('completed')
    expect(state.failedSteps).toEqual(['boom'])
    expect(state.output).toEqual({ handled: 'kaput', type: 'network_error' })
    expect(state.steps.never).toBeUndefined()
  })

  it('fails the execution with the classified error when nothing routes it', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('boom', 'qflow.action.fail', { message: 'no route', errorType: 'permission_denied' }), log('after')]))
    expect(state.status).toBe('failed')
    expect(state.error).toMatchObject({ type: 'permission_denied', message: 'no route', stepId: 'boom', retryable: false })
    expect(state.steps.after).toBeUndefined()
  })

  it('ends early with qflow.action.complete', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('done', 'qflow.action.complete', { output: { early: '${input.x}' } }), log('never')]), { x: 7 })
    expect(state.status).toBe('completed')
    expect(state.output).toEqual({ early: 7 })
    expect(state.steps.never).toBeUndefined()
  })

  it('resolves expressions over input, steps, variables and context', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      task('a', 'qflow.action.transform', { output: { sum: '${input.a + input.b}' } }),
      task('b', 'qflow.action.transform', {
        output: { prev: '${steps.a.output.sum}', greeting: 'hi ${variables.name}!', exec: '${context.executionId}' }
      })
    ]), { a: 2, b: 3 }, { name: 'ada' })
    expect(state.output).toEqual({ prev: 5, greeting: 'hi ada!', exec: state.executionId })
  })

  it('refuses to register a flow whose expressions do not parse, naming the param', async () => {
    const { engine } = testEngine()
    await expect(engine.registerFlow(flow([task('a', 'qflow.action.transform', { output: '${input.x +}' })])))
      .rejects.toMatchObject({ name: 'InvalidFlowError', errors: [{ path: 'steps[0].params.output', message: expect.stringContaining('${input.x +}') }] })
  })

  it('reports an expression failing at run time as a non-retryable validation error naming the param', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('a', 'qflow.action.transform', { output: '${$undefinedFunction(1)}' }, { retryPolicy: { maxAttempts: 3, initialDelay: 0 } })]))
    expect(state.status).toBe('failed')
    expect(state.error?.type).toBe('validation_error')
    expect(state.error?.message).toContain('steps[0].params.output')
    expect(state.steps.a.attempts).toBe(1)
  })
})

describe('engine: conditions', () => {
  const branchFlow = (expression: string) => flow([
    { id: 'check', type: 'condition', action: 'qflow.condition.if', params: { expression, onTrue: 'yes', onFalse: 'no' } },
    task('yes', 'qflow.action.complete', { output: 'yes' }),
    task('no', 'qflow.action.complete', { output: 'no' })
  ])

  it('routes onTrue and onFalse by a JSONata expression', async () => {
    const { engine } = testEngine()
    expect((await run(engine, branchFlow('input.n > 3'), { n: 5 })).output).toBe('yes')
    expect((await run(engine, branchFlow('input.n > 3'), { n: 1 })).output).toBe('no')
    expect((await run(engine, branchFlow('${input.n = 1}'), { n: 1 })).output).toBe('yes')
  })

  it('falls through to the next step when the taken route is absent', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      { id: 'check', type: 'condition', action: 'qflow.condition.if', params: { expression: 'false', onTrue: 'b' } },
      log('a'), log('b')
    ]))
    expect(state.completedSteps).toEqual(['check', 'a', 'b'])
    expect(state.steps.check.output).toEqual({ result: false })
  })

  it('switches on a value with cases and a default', async () => {
    const { engine } = testEngine()
    const f = flow([
      { id: 'sw', type: 'condition', action: 'qflow.condition.switch', params: { value: '${input.kind}', cases: [{ equals: 'a', next: 'ca' }, { equals: { deep: [1] }, next: 'cb' }], default: 'dflt' } },
      task('ca', 'qflow.action.complete', { output: 'A' }),
      task('cb', 'qflow.action.complete', { output: 'B' }),
      task('dflt', 'qflow.action.complete', { output: 'D' })
    ])
    expect((await run(engine, f, { kind: 'a' })).output).toBe('A')
    expect((await run(engine, f, { kind: { deep: [1] } })).output).toBe('B')
    expect((await run(engine, f, { kind: 'zzz' })).output).toBe('D')
  })

  it('loops through a condition until it is false', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      task('inc', 'qflow.action.transform', { output: '${ $exists(steps.inc.output) ? steps.inc.output + 1 : 1 }' }),
      { id: 'again', type: 'condition', action: 'qflow.condition.if', params: { expression: 'steps.inc.output < 4', onTrue: 'inc' } },
      task('out', 'qflow.action.transform', { output: '${steps.inc.output}' })
    ]))
    expect(state.status).toBe('completed')
    expect(state.output).toBe(4)
  })
})

describe('engine: expressions under load', () => {
  it('does not charge an expression for the time other executions run (2,000 concurrent)', async () => {
    const { engine } = testEngine({ init: { maxConcurrentFlows: 2000 } })
    const f = flow([log('a', 'n=${input.n}'), task('b', 'qflow.action.transform', { output: '${steps.a.output.message & "!"}' })])
    await engine.registerFlow(f)
    const ids = await Promise.all(Array.from({ length: 2000 }, async (_, n) => await engine.startExecution(f.id, { inputData: { n } })))
    const states = await Promise.all(ids.map(async id => await engine.waitForExecution(id)))
    expect(states.filter(s => s.status !== 'completed').map(s => s.error?.message)).toEqual([])
    expect(states[1999].output).toBe('n=1999!')
  })
})
