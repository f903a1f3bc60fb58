import { afterEach, describe, expect, it } from 'vitest'
import { evaluateExpression, resolveValue } from '../../../src/expr/index.js'
import { rejection, testScope } from './fixtures.js'

const scope = testScope()
const evaluate = async (source: string, s = scope): Promise<unknown> => await evaluateExpression(source, s)

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(({} as Record<string, unknown>).admin).toBeUndefined()
})

describe('no prototype escape', () => {
  it.each([
    'input.__proto__',
    'input.constructor',
    'input.constructor.constructor',
    'input.user.constructor',
    'input.arr.constructor',
    '$lookup(input, "constructor")',
    '$lookup(input, "__proto__")',
    'input.toString',
    'input.hasOwnProperty',
    '$.constructor',
    '$string.constructor',
    '$string.implementation',
    '$keys($string)'
  ])('%s is undefined', async (source) => {
    expect(await evaluate(source)).toBeUndefined()
  })

  it('cannot reach Function through constructor chains', async () => {
    expect(await evaluate('input.constructor.constructor("return process")()').catch(() => 'rejected'))
      .toSatisfy((v: unknown) => v === undefined || v === 'rejected')
  })

  it('builds __proto__ keys as data, never as prototypes', async () => {
    const out = await evaluate('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(out.polluted).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true })
    expect(await evaluate('$merge([{"a": 1}, {"__proto__": {"polluted": true}}]).polluted')).toBeUndefined()
    expect(await evaluate('input.obj ~> | $ | {"__proto__": {"polluted": true}} |')).toEqual({ a: 1, b: [1, 2] })
  })

  it('copes with a __proto__ key in the scope data', async () => {
    const hostile = testScope({ input: JSON.parse('{"__proto__": {"admin": true}, "x": 1}') })
    const out = await evaluate('input', hostile) as Record<string, unknown>
    expect(out.admin).toBeUndefined()
    expect(await evaluate('input.__proto__.admin', hostile)).toBe(true) // an own key, plain data
    expect(await resolveValue('${input.x}', hostile)).toBe(1)
  })
})

describe('no host JavaScript', () => {
  let calls = 0
  const hostFunction = (): string => { calls++; return 'host code ran' }
  const withHostFunction = testScope({ context: { f: hostFunction, nested: { g: hostFunction }, only: { f: hostFunction } } })

  it.each([
    'context.f()',
    'context.nested.g()',
    '$lookup(context, "f")()',
    '$map([1], context.f)',
    '$map([1], context.only.*)', // a one-item sequence JSONata unwraps after the exit hook
    'context.only.*[0]()',
    'context.f',
    '($h := context.f; $h())',
    '$sort([2, 1], context.f)',
    '1 ~> context.f',
    '$spread(context.only)',
    '$string(context.f)'
  ])('%s is rejected without calling the function', async (source) => {
    calls = 0
    const err = await rejection(evaluateExpression(source, withHostFunction))
    expect(err.name).toBe('ExpressionError')
    expect(['Q0003', 'Q0005']).toContain(err.details.code) // host function in reach, or in the result
    expect(calls).toBe(0)
  })

  it('still allows JSONata lambdas, the library and regexes', async () => {
    expect(await evaluate('$map(input.arr, function($v){ $v * 2 })')).toEqual([2, 4, 6])
    expect(await evaluate('($r := /d(a)/; $match(input.user, $r).groups)')).toEqual(['a'])
    expect(await evaluate('$replace(input.user, /a/, "A")')).toBe('AdA')
    expect(await evaluate('$uppercase(input.user) & $string(input.n)')).toBe('ADA3')
  })

  it('rejects a function as a result instead of returning it', async () => {
    const err = await rejection(evaluateExpression('function($x){ $x }', scope))
    expect(err.details.code).toBe('Q0005')
    expect((await rejection(resolveValue('${$string}', scope))).details.code).toBe('Q0005')
  })

  it('keeps the guard binding out of reach', async () => {
    for (const source of ['$qflow', '$`qflow guard`', '$lookup($, "qflow guard")']) {
      const result = await evaluateExpression(source, scope).catch((err: Error) => err.name)
      expect(result === undefined || result === 'ExpressionError').toBe(true)
    }
  })
})

describe('$now and $millis', () => {
  it('use options.now, fixed for the whole call', async () => {
    let calls = 0
    const now = (): number => { calls++; return Date.UTC(2025, 0, 2, 3, 4, 5) }
    expect(await evaluateExpression('[$millis(), $now(), $now("[Y0001]-[M01]"), $millis()]', scope, { now }))
      .toEqual([Date.UTC(2025, 0, 2, 3, 4, 5), '2025-01-02T03:04:05.000Z', '2025-01', Date.UTC(2025, 0, 2, 3, 4, 5)])
    expect(calls).toBe(1)
    expect(await resolveValue({ a: '${$millis()}', b: '${$millis()}' }, scope, { now: () => 7 })).toEqual({ a: 7, b: 7 })
  })

  it('default to the real clock', async () => {
    const before = Date.now()
    const millis = await evaluate('$millis()') as number
    expect(millis).toBeGreaterThanOrEqual(before)
    expect(millis).toBeLessThanOrEqual(Date.now())
  })
})
