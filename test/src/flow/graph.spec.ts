import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../../src/flow/index.js'
import { condition, errorsOf, flow, lines, parallel, step, stubRegistry } from './helpers.js'

const warningsOf = (doc: unknown): string[] => lines(validateFlow(doc).warnings)

describe('validateFlow: step ids', () => {
  it('reports each later occurrence of a duplicate id, naming the first', () => {
    const doc = flow([step('a'), step('b'), step('a'), parallel('p', [[step('b'), step('c')]])])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[2].id: duplicate step id "a" (first used at steps[0])',
      'steps[3].params.branches[0][0].id: duplicate step id "b" (first used at steps[1])'
    ])
  })
})

describe('validateFlow: routes', () => {
  it('reports every route to an unknown step', () => {
    const doc = flow([
      step('a', { onSuccess: 'nowhere', onFailure: 'lost' }),
      condition('c', { onTrue: 'b', onFalse: 'ghost' }),
      step('s', { type: 'condition', action: 'qflow.condition.switch', params: { value: 1, cases: [{ equals: 1, next: 'b' }, { equals: 2, next: 'x' }], default: 'y' } }),
      step('b')
    ])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[0].onSuccess: unknown step "nowhere"',
      'steps[0].onFailure: unknown step "lost"',
      'steps[1].params.onFalse: unknown step "ghost"',
      'steps[2].params.cases[1].next: unknown step "x"',
      'steps[2].params.default: unknown step "y"'
    ])
  })

  it('keeps parallel branches closed: no jumping out, in, or across', () => {
    const doc = flow([
      step('start', { onSuccess: 'b2' }),
      parallel('p', [
        [step('b1', { onSuccess: 'end' }), step('b2')],
        [step('c1', { onFailure: 'b1' })]
      ]),
      step('end')
    ])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[0].onSuccess: parallel branches cannot jump outside their branch ("b2" is inside parallel branch p#0)',
      'steps[1].params.branches[0][0].onSuccess: parallel branches cannot jump outside their branch ("end" is outside branch p#0)',
      'steps[1].params.branches[1][0].onFailure: parallel branches cannot jump outside their branch ("b1" is outside branch p#1)'
    ])
  })

  it('allows jumps inside a branch', () => {
    const doc = flow([parallel('p', [[step('b1', { onSuccess: 'b3', onFailure: 'b2' }), step('b2'), step('b3')]])])
    expect(validateFlow(doc).errors).toEqual([])
  })
})

describe('validateFlow: reachability (warnings)', () => {
  it('warns about a step skipped by a jump, and not about failure handlers', () => {
    const doc = flow([step('a', { onSuccess: 'c', onFailure: 'handler' }), step('b'), step('c'), step('handler')])
    const result = validateFlow(doc)
    expect(result.valid).toBe(true)
    expect(lines(result.warnings)).toEqual(['steps[1]: step "b" is unreachable from the first step "a"'])
  })

  it('treats complete and fail as the end of their path', () => {
    expect(warningsOf(flow([step('a', { action: 'qflow.action.complete', params: {} }), step('b')])))
      .toEqual(['steps[1]: step "b" is unreachable from the first step "a"'])
  })

  it('follows condition routes, and falls through only when a route is missing', () => {
    expect(warningsOf(flow([condition('c', { onTrue: 'y', onFalse: 'z' }), step('x'), step('y', { onSuccess: 'z' }), step('z')])))
      .toEqual(['steps[1]: step "x" is unreachable from the first step "c"'])
    expect(warningsOf(flow([condition('c', { onTrue: 'z' }), step('x'), step('z')]))).toEqual([])
    const sw = (params: Record<string, unknown>): unknown =>
      flow([step('s', { type: 'condition', action: 'qflow.condition.switch', params: { value: 1, cases: [{ equals: 1, next: 'z' }], ...params } }), step('x'), step('z')])
    expect(warningsOf(sw({}))).toEqual([])
    expect(warningsOf(sw({ default: 'z' }))).toEqual(['steps[1]: step "x" is unreachable from the first step "s"'])
  })

  it('reaches every branch of a reachable parallel step, and nothing inside an unreachable one', () => {
    expect(warningsOf(flow([parallel('p', [[step('b1'), step('b2')], [step('c1')]])]))).toEqual([])
    expect(warningsOf(flow([step('a', { onSuccess: 'z' }), parallel('p', [[step('b1')]]), step('z')]))).toEqual([
      'steps[1]: step "p" is unreachable from the first step "a"',
      'steps[1].params.branches[0][0]: step "b1" is unreachable from the first step "a"'
    ])
  })
})

describe('validateFlow: cycles', () => {
  it('rejects a cycle without a condition step, naming it', () => {
    const doc = flow([step('start'), step('a'), step('b'), step('c', { onSuccess: 'a' })])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[3].onSuccess: creates a cycle a → b → c → a with no condition step to leave it'
    ])
  })

  it('rejects a step that routes to itself, on success or failure', () => {
    expect(errorsOf(validateFlow(flow([step('a', { onFailure: 'a' })]))))
      .toEqual(['steps[0].onFailure: creates a cycle a → a with no condition step to leave it'])
    expect(errorsOf(validateFlow(flow([step('a', { onSuccess: 'a' })]))))
      .toEqual(['steps[0].onSuccess: creates a cycle a → a with no condition step to leave it'])
  })

  it('accepts a loop that passes through a condition step (the loop construct)', () => {
    const doc = flow([step('init'), step('work'), condition('more', { onTrue: 'work', onFalse: 'done' }), step('done')])
    expect(validateFlow(doc)).toEqual({ valid: true, errors: [], warnings: [] })
    const back = flow([step('init'), condition('check', { onTrue: 'work', onFalse: 'done' }), step('work', { onSuccess: 'check' }), step('done')])
    expect(validateFlow(back).errors).toEqual([])
  })

  it('still rejects a condition-free cycle that sits next to a legal loop', () => {
    const doc = flow([
      step('a'),
      step('b', { onFailure: 'a' }),
      condition('c', { onTrue: 'b', onFalse: 'd' }),
      step('d')
    ])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[1].onFailure: creates a cycle a → b → a with no condition step to leave it'
    ])
  })

  it('finds cycles inside parallel branches', () => {
    const doc = flow([parallel('p', [[step('x'), step('y', { onSuccess: 'x' })]])])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[0].params.branches[0][1].onSuccess: creates a cycle x → y → x with no condition step to leave it'
    ])
  })
})

describe('validateFlow: triggers', () => {
  const trigger = (id: string, action: string, params: Record<string, unknown> = {}): ReturnType<typeof step> =>
    step(id, { type: 'event-trigger', action, params })

  it('accepts a start trigger as the first step and an event wait anywhere', () => {
    const doc = flow([trigger('hook', 'qflow.trigger.webhook'), step('a'), trigger('wait', 'qflow.trigger.event', { event: 'paid' }),
      parallel('p', [[trigger('w2', 'qflow.trigger.event', { event: 'x' })]])])
    expect(validateFlow(doc, { actions: stubRegistry() })).toEqual({ valid: true, errors: [], warnings: [] })
  })

  it('rejects manual, webhook and schedule triggers anywhere but the first step', () => {
    const doc = flow([step('a'), trigger('m', 'qflow.trigger.manual'), parallel('p', [[trigger('s', 'qflow.trigger.schedule', { cron: '* * * * *' })]])])
    expect(errorsOf(validateFlow(doc))).toEqual([
      'steps[1].action: qflow.trigger.manual declares how the flow starts, so it may only be the first step of the flow',
      'steps[2].params.branches[0][0].action: qflow.trigger.schedule declares how the flow starts, so it may only be the first step of the flow'
    ])
  })

  it('requires a qflow.trigger.* action on an event-trigger step', () => {
    expect(errorsOf(validateFlow(flow([trigger('t', 'qflow.action.log')]))))
      .toEqual(['steps[0].action: an event-trigger step needs a qflow.trigger.* action, not "qflow.action.log"'])
  })
})

describe('validateFlow: report order', () => {
  it('lists problems from every rule in document order, not rule order', () => {
    const doc = flow([
      step('a', { onSuccess: 'ghost' }),
      step('a', { retryPolicy: { maxAttempts: 0 } }),
      step('c', { action: 'nope', timeout: 0 })
    ])
    expect(errorsOf(validateFlow(doc, { actions: stubRegistry() }))).toEqual([
      'steps[0].onSuccess: unknown step "ghost"',
      'steps[1].id: duplicate step id "a" (first used at steps[0])',
      'steps[1].retryPolicy.maxAttempts: must be an integer >= 1',
      'steps[2].action: unknown action "nope"',
      'steps[2].timeout: must be an integer >= 1'
    ])
  })
})
