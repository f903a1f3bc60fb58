import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../../src/flow/index.js'
import { errorsOf, flow, lines, parallel, step, stubRegistry } from './helpers.js'

const actions = stubRegistry()

describe('validateFlow: actions', () => {
  it('checks nothing about actions without a registry', () => {
    expect(validateFlow(flow([step('a', { action: 'no.such.action' })])).valid).toBe(true)
  })

  it('reports an unknown action', () => {
    const result = validateFlow(flow([step('a'), step('b', { action: 'qflow.action.lgo' })]), { actions })
    expect(errorsOf(result)).toEqual(['steps[1].action: unknown action "qflow.action.lgo"'])
  })

  it('only warns about unregistered qflow.module.* actions (resolved at run time)', () => {
    const result = validateFlow(flow([
      step('a', { type: 'module-call', action: 'qflow.module.billing', params: {} }),
      step('b', { type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'child' } })
    ]), { actions })
    expect(result.valid).toBe(true)
    expect(lines(result.warnings)).toEqual([
      'steps[0].action: "qflow.module.billing" is not registered here; resolved at run time through the module registry'
    ])
  })

  it('reports a step type the action does not allow, naming the allowed ones', () => {
    const registry = stubRegistry([{ name: 'x.both', stepTypes: ['task', 'module-call'], run: () => null }])
    const result = validateFlow(flow([
      step('a', { type: 'condition' }),
      step('b', { type: 'parallel', action: 'x.both', params: { branches: [] } })
    ]), { actions: registry })
    expect(errorsOf(result)).toEqual([
      'steps[0].type: action qflow.action.log needs type task',
      'steps[1].type: action x.both needs type task or module-call'
    ])
  })

  it('checks params with the action schema, paths prefixed by the step', () => {
    const result = validateFlow(flow([
      step('a'),
      step('b', { action: 'qflow.action.delay', params: { ms: -5 } }),
      step('c', { params: {} }),
      step('d', { type: 'module-call', action: 'qflow.module.flow', params: { flowId: 'x', extra: 1 } })
    ]), { actions: stubRegistry([{ name: 'qflow.module.flow', stepTypes: ['module-call'], params: z.strictObject({ flowId: z.string() }), run: () => null }]) })
    expect(errorsOf(result)).toEqual([
      'steps[1].params.ms: Too small: expected number to be >=0',
      'steps[2].params.message: is required',
      'steps[3].params.extra: unknown field'
    ])
  })

  it('checks the actions of branch steps too, without reporting branch steps twice', () => {
    const result = validateFlow(flow([
      parallel('p', [[step('a', { action: 'nope' }), { type: 'task', action: 'qflow.action.log', params: { message: 'm' } }]])
    ]), { actions })
    expect(errorsOf(result)).toEqual([
      'steps[0].params.branches[0][0].action: unknown action "nope"',
      'steps[0].params.branches[0][1].id: is required'
    ])
  })

  it('reports a params schema that throws instead of crashing', () => {
    const boom = z.object({}).superRefine(() => { throw new Error('boom') })
    const registry = stubRegistry([{ name: 'x.boom', stepTypes: ['task'], params: boom, run: () => null }])
    const result = validateFlow(flow([step('a', { action: 'x.boom' })]), { actions: registry })
    expect(errorsOf(result)).toEqual(['steps[0].params: could not be checked by x.boom: boom'])
  })
})

describe('validateFlow: actions and schema together', () => {
  it('does not report a path twice when the action params schema agrees with the structure check', () => {
    const registry = stubRegistry([{
      name: 'qflow.parallel',
      stepTypes: ['parallel'],
      params: z.object({ branches: z.array(z.array(z.unknown(), { error: 'each branch must be a list of steps' }), { error: 'must be a list of branches' }) }),
      run: () => null
    }])
    const result = validateFlow(flow([
      parallel('p', 'x' as unknown as unknown[][]),
      parallel('q', [[step('a')], 5 as unknown as unknown[]])
    ]), { actions: registry })
    expect(errorsOf(result)).toEqual([
      'steps[0].params.branches: must be a list of branches, each a list of steps',
      'steps[1].params.branches[1]: must be a list of steps'
    ])
  })
})
