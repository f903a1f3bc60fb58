import { describe, expect, it } from 'vitest'
import { MAX_PARALLEL_NESTING, validateFlow } from '../../../src/flow/index.js'
import { errorsOf, flow, parallel, step } from './helpers.js'

describe('validateFlow: schema', () => {
  it('accepts a minimal flow', () => {
    expect(validateFlow(flow([step('a')]))).toEqual({ valid: true, errors: [], warnings: [] })
  })

  it('says "is required" for every missing required field', () => {
    const doc: Record<string, unknown> = flow([{ id: 'a', type: 'task' }])
    delete doc.owner
    delete doc.createdAt
    doc.metadata = { tags: [] }
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[0].action: is required',
      'steps[0].params: is required',
      'metadata.category: is required',
      'metadata.visibility: is required',
      'metadata.requiredPermissions: is required',
      'owner: is required',
      'createdAt: is required'
    ])
  })

  it('reports a bad retry policy at its exact path', () => {
    const doc = flow([step('a'), step('b'), step('c', { retryPolicy: { maxAttempts: 0, backoffStrategy: 'random', jitter: 2 } })])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[2].retryPolicy.maxAttempts: must be an integer >= 1',
      'steps[2].retryPolicy.backoffStrategy: must be one of fixed, linear, exponential',
      'steps[2].retryPolicy.jitter: must be a number between 0 and 1'
    ])
  })

  it('reports wrong types and enum values', () => {
    const doc = flow([step('a', { type: 'job', params: [], timeout: 1.5, resourceLimits: 'big' })], { name: 3 })
    ;(doc.metadata as Record<string, unknown>).visibility = 'secret'
    expect(errorsOf(validateFlow(doc))).toEqual([
      'name: must be a string',
      'steps[0].type: must be one of task, condition, parallel, event-trigger, module-call',
      'steps[0].params: must be an object',
      'steps[0].timeout: must be an integer >= 1',
      'steps[0].resourceLimits: must be an object',
      'metadata.visibility: must be one of public, dao-only, private'
    ])
  })

  it('reports one "unknown field" per unknown key, in the document', () => {
    const doc = flow([step('a', { retries: 3, retryPolicy: { maxAttempts: 2, delay: 1 } })], { nmae: 'typo', 'odd key': 1 })
    ;(doc.metadata as Record<string, unknown>).color = 'red'
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[0].retries: unknown field',
      'steps[0].retryPolicy.delay: unknown field',
      'metadata.color: unknown field',
      'nmae: unknown field',
      '["odd key"]: unknown field'
    ])
  })

  it('requires at least one step', () => {
    expect(errorsOf(validateFlow(flow([])))).toEqual(['steps: must hold at least one step'])
    expect(errorsOf(validateFlow(flow({} as unknown as unknown[])))).toEqual(['steps: must be a list of steps'])
  })

  it('reports a document that is not an object at the root', () => {
    for (const doc of [null, 42, 'flow', [flow([step('a')])]]) {
      expect(errorsOf(validateFlow(doc))).toEqual(['(root): must be an object'])
    }
  })

  it('checks every step of every parallel branch with its full path', () => {
    const doc = flow([
      step('start'),
      parallel('fan', [
        [step('b1'), step('b2'), { type: 'task', action: 'qflow.action.log', params: {} }],
        [step('c1', { onSuccess: 7 }), 'not a step', parallel('inner', [[step('d1', { retryPolicy: { maxAttempts: -1 } })]])]
      ])
    ])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[1].params.branches[0][2].id: is required',
      'steps[1].params.branches[1][0].onSuccess: must be a string',
      'steps[1].params.branches[1][1]: must be an object',
      'steps[1].params.branches[1][2].params.branches[0][0].retryPolicy.maxAttempts: must be an integer >= 1'
    ])
  })

  it('requires branches on a parallel step, each a list', () => {
    expect(errorsOf(validateFlow(flow([step('p', { type: 'parallel', action: 'qflow.parallel', params: {} })]))))
      .toEqual(['steps[0].params.branches: is required'])
    expect(errorsOf(validateFlow(flow([parallel('p', 'x' as unknown as unknown[][])]))))
      .toEqual(['steps[0].params.branches: must be a list of branches, each a list of steps'])
    expect(errorsOf(validateFlow(flow([parallel('p', [[step('a')], {} as unknown[]])]))))
      .toEqual(['steps[0].params.branches[1]: must be a list of steps'])
  })

  it('limits how deep parallel steps nest (and survives a cyclic object graph)', () => {
    let inner: unknown = step('leaf')
    for (let i = 0; i <= MAX_PARALLEL_NESTING; i++) inner = parallel(`p${i}`, [[inner]])
    const result = validateFlow(flow([inner]))
    expect(result.valid).toBe(false)
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0].message).toBe(`parallel steps may be nested at most ${MAX_PARALLEL_NESTING} deep`)

    const loop = parallel('loop', [])
    ;(loop.params.branches as unknown[][]).push([loop])
    expect(validateFlow(flow([loop])).valid).toBe(false)
  })
})
