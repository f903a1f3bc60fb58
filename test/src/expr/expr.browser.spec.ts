import { describe, expect, it } from 'vitest'
import { checkTemplates, evaluateExpression, hasExpression, resolveValue } from '../../../src/expr/index.js'
import { rejection, testScope } from './fixtures.js'

// The node project runs the full suite; this proves the same core loads and holds its bounds in Chromium.
describe('src/expr in the browser', () => {
  const scope = testScope()

  it('resolves exact and interpolated templates', async () => {
    expect(hasExpression({ a: ['${input.n}'] })).toBe(true)
    expect(await resolveValue({ n: '${input.n}', s: 'hi ${input.user} $${x}' }, scope)).toEqual({ n: 3, s: 'hi ada ${x}' })
    expect(checkTemplates({ m: '${input.x +}' }, 'p')).toHaveLength(1)
  })

  it('bounds time and depth and keeps host functions and $eval out', async () => {
    expect((await rejection(evaluateExpression('($f := function($n){ $f($n+1) }; $f(0))', scope))).details.code).toBe('Q0001')
    expect((await rejection(evaluateExpression('($f := function($n){ 1 + $f($n+1) }; $f(0))', scope))).details.code).toBe('Q0002')
    expect((await rejection(evaluateExpression('$eval("1")', scope))).details.code).toBe('Q0004')
    const hostile = testScope({ context: { f: () => 'ran' } })
    expect((await rejection(evaluateExpression('context.f()', hostile))).details.code).toBe('Q0003')
    expect(await evaluateExpression('[$millis(), $now()]', scope, { now: () => 0 })).toEqual([0, '1970-01-01T00:00:00.000Z'])
  })
})
