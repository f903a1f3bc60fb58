import { describe, expect, it } from 'vitest'
import type { ExecutionError } from '../../../shared/errors.js'
import { StepError } from '../../../src/errors.js'
import { backoffDelay, shouldRetry } from '../../../src/engine/retry.js'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import { flow, start, task, testEngine } from '../../fixtures/engine.js'

const err = (type: ExecutionError['type'], retryable = true): ExecutionError => ({ type, message: 'x', retryable, details: {}, timestamp: '' })

describe('retry policy (pure)', () => {
  it('computes fixed, linear and exponential delays within the jitter band and maxDelay', () => {
    const noJitter = { jitter: 0 }
    expect([1, 2, 3].map(n => backoffDelay({ maxAttempts: 5, backoffStrategy: 'fixed', initialDelay: 100, ...noJitter }, n, 's'))).toEqual([100, 100, 100])
    expect([1, 2, 3].map(n => backoffDelay({ maxAttempts: 5, backoffStrategy: 'linear', initialDelay: 100, ...noJitter }, n, 's'))).toEqual([100, 200, 300])
    expect([1, 2, 3, 4].map(n => backoffDelay({ maxAttempts: 5, backoffStrategy: 'exponential', initialDelay: 100, backoffMultiplier: 3, maxDelay: 1000, ...noJitter }, n, 's'))).toEqual([100, 300, 900, 1000])
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay({ maxAttempts: 5, backoffStrategy: 'fixed', initialDelay: 1000, jitter: 0.5 }, 1, `seed-${i}`)
      expect(d).toBeGreaterThanOrEqual(500)
      expect(d).toBeLessThanOrEqual(1000)
    }
  })

  it('is deterministic per seed, so replays arm the same timers', () => {
    const policy = { maxAttempts: 5, initialDelay: 100 }
    expect(backoffDelay(policy, 2, 'exec:step:2')).toBe(backoffDelay(policy, 2, 'exec:step:2'))
  })

  it('retries only retryable errors of the listed types, up to maxAttempts', () => {
    const policy = { maxAttempts: 3, retryableErrors: ['network_error' as const] }
    expect(shouldRetry(policy, err('network_error'), 1)).toBe(true)
    expect(shouldRetry(policy, err('network_error'), 3)).toBe(false)
    expect(shouldRetry(policy, err('timeout_error'), 1)).toBe(false)
    expect(shouldRetry(policy, err('network_error', false), 1)).toBe(false)
    expect(shouldRetry({ maxAttempts: 3 }, err('execution_error'), 1)).toBe(true)
    expect(shouldRetry(undefined, err('execution_error'), 1)).toBe(false)
  })
})

/** Fails `failures` times with the given error type, then succeeds. */
function flaky (failures: number, type: ExecutionError['type'] = 'network_error', retryable = true): ActionDefinition & { keys: string[] } {
  const keys: string[] = []
  return {
    name: 'test.flaky',
    stepTypes: ['task'],
    keys,
    run (_params, ctx) {
      keys.push(ctx.idempotencyKey)
      if (keys.length <= failures) throw new StepError(type, `failure ${keys.length}`, { retryable })
      return { ok: keys.length }
    }
  }
}

describe('engine: retries', () => {
  it('retries with backoff timers, then succeeds; each attempt has its own idempotency key', async () => {
    const clock = fakeClock()
    const action = flaky(2)
    const { engine } = testEngine({ clock, actions: [action] })
    const retried: number[] = []
    engine.events.addEventListener('step:retried', (e) => { retried.push(e.detail.delayMs) })
    const id = await start(engine, flow([task('s', 'test.flaky', {}, { retryPolicy: { maxAttempts: 3, backoffStrategy: 'fixed', initialDelay: 1000, jitter: 0 } })]))
    await clock.advance(0)
    expect(action.keys).toHaveLength(1)
    expect((await engine.getExecutionStatus(id)).steps.s.status).toBe('retrying')
    await clock.advance(999)
    expect(action.keys).toHaveLength(1)
    await clock.advance(1)
    expect(action.keys).toHaveLength(2)
    await clock.advance(1000)
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('completed')
    expect(state.steps.s.attempts).toBe(3)
    expect(retried).toEqual([1000, 1000])
    expect(action.keys).toEqual([`${id}:s:1`, `${id}:s:2`, `${id}:s:3`])
  })

  it('gives up after maxAttempts with the last error', async () => {
    const clock = fakeClock()
    const { engine } = testEngine({ clock, actions: [flaky(5)] })
    const id = await start(engine, flow([task('s', 'test.flaky', {}, { retryPolicy: { maxAttempts: 2, initialDelay: 10 } })]))
    await clock.advance(1000)
    const state = await engine.waitForExecution(id)
    expect(state.status).toBe('failed')
    expect(state.error).toMatchObject({ type: 'network_error', message: 'failure 2', stepId: 's' })
    expect(state.steps.s.attempts).toBe(2)
  })

  it('skips retries for a non-retryable error', async () => {
    const clock = fakeClock()
    const action = flaky(5, 'execution_error', false)
    const { engine } = testEngine({ clock, actions: [action] })
    const id = await start(engine, flow([task('s', 'test.flaky', {}, { retryPolicy: { maxAttempts: 5, initialDelay: 10 } })]))
    await clock.advance(1000)
    expect((await engine.waitForExecution(id)).status).toBe('failed')
    expect(action.keys).toHaveLength(1)
  })

  it('skips retries for error types outside retryableErrors', async () => {
    const clock = fakeClock()
    const action = flaky(5, 'timeout_error')
    const { engine } = testEngine({ clock, actions: [action] })
    const id = await start(engine, flow([task('s', 'test.flaky', {}, { retryPolicy: { maxAttempts: 5, initialDelay: 10, retryableErrors: ['network_error'] } })]))
    await clock.advance(1000)
    expect((await engine.waitForExecution(id)).error?.type).toBe('timeout_error')
    expect(action.keys).toHaveLength(1)
  })

  it('qflow.action.fail honours retryable', async () => {
    const clock = fakeClock()
    const { engine } = testEngine({ clock })
    const id = await start(engine, flow([task('f', 'qflow.action.fail', { message: 'again', retryable: true }, { retryPolicy: { maxAttempts: 3, initialDelay: 5 } })]))
    await clock.advance(1000)
    const state = await engine.waitForExecution(id)
    expect(state.steps.f.attempts).toBe(3)
    expect(state.error?.type).toBe('execution_error')
  })
})
