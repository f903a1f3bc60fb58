/**
 * The same engine, in Chromium: the isomorphic core runs a mixed flow in a browser realm.
 */
import { describe, expect, it } from 'vitest'
import { flow, log, run, task, testEngine } from '../../fixtures/engine.js'

describe('engine in the browser', () => {
  it('runs sequencing, conditions, parallel branches and expressions', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([
      log('hello', 'hello ${input.who}'),
      { id: 'fan', type: 'parallel', action: 'qflow.parallel', params: { branches: [[task('a', 'qflow.action.transform', { output: 1 })], [task('b', 'qflow.action.delay', { ms: 5 })]] } },
      { id: 'check', type: 'condition', action: 'qflow.condition.if', params: { expression: 'steps.fan.output[0] = 1', onTrue: 'yes' } },
      task('no', 'qflow.action.complete', { output: 'no' }),
      task('yes', 'qflow.action.complete', { output: { greeting: '${steps.hello.output.message}', ua: '${context.flowId}' } })
    ]), { who: 'tab' })
    expect(typeof window).toBe('object')
    expect(state.status).toBe('completed')
    expect(state.output).toEqual({ greeting: 'hello tab', ua: state.flowId })
  })

  it('classifies failures and retries in the browser too', async () => {
    const { engine } = testEngine()
    const state = await run(engine, flow([task('f', 'qflow.action.fail', { message: 'nope', errorType: 'network_error', retryable: true }, { retryPolicy: { maxAttempts: 2, initialDelay: 1 } })]))
    expect(state.error).toMatchObject({ type: 'network_error', message: 'nope' })
    expect(state.steps.f.attempts).toBe(2)
  })
})
