import { describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { evaluateExpression, ExpressionError, hasExpression, resolveValue } from '../../../src/expr/index.js'
import { rejection, testScope } from './fixtures.js'

const scope = testScope()
const resolve = async (value: unknown): Promise<unknown> => await resolveValue(value, scope)

describe('exact templates keep the value and its type', () => {
  it.each([
    ['${input.n}', 3],
    ['${input.flag}', true],
    ['${input.nil}', null],
    ['${input.user}', 'ada'],
    ['${input.obj}', { a: 1, b: [1, 2] }],
    ['${input.arr}', [1, 2, 3]],
    ['${input.one}', [5]],
    ['${input.n * 2}', 6],
    ['${input.missing}', undefined]
  ])('%s', async (template, expected) => {
    expect(await resolve(template)).toEqual(expected)
  })

  it('returns undefined, not a missing key, for an absent value', async () => {
    const out = await resolve({ a: '${input.missing}' }) as Record<string, unknown>
    expect(Object.hasOwn(out, 'a')).toBe(true)
    expect(out.a).toBeUndefined()
  })

  it('copies objects out of the scope instead of aliasing them', async () => {
    const out = await resolve('${input.obj}') as { b: number[] }
    const obj = (scope.input as { obj: { b: number[] } }).obj
    expect(out).not.toBe(obj)
    expect(out.b).not.toBe(obj.b)
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype) // not JSONata's null-prototype objects
  })

  it('returns JSONata sequences as plain arrays', async () => {
    const out = await resolve('${input.arr.($ * 10)}')
    expect(out).toEqual([10, 20, 30])
    expect(Object.keys(out as object)).toEqual(['0', '1', '2']) // no `sequence` flag left behind
  })
})

describe('interpolated templates produce text', () => {
  it.each([
    ['n=${input.n}', 'n=3'],
    ['${input.flag}!', 'true!'],
    ['[${input.nil}]', '[null]'],
    ['hi ${input.user}', 'hi ada'],
    ['o=${input.obj}', 'o={"a":1,"b":[1,2]}'],
    ['a=${input.arr}', 'a=[1,2,3]'],
    ['m=[${input.missing}]', 'm=[]'],
    ['${input.user}/${input.n}', 'ada/3']
  ])('%s', async (template, expected) => {
    expect(await resolve(template)).toBe(expected)
  })

  it('applies escapes', async () => {
    expect(await resolve('$${input.n} is ${input.n}')).toBe('${input.n} is 3')
    expect(await resolve('$${input.n}')).toBe('${input.n}')
  })

  it('handles braces and strings inside expressions', async () => {
    expect(await resolve('${ {"a": "}"}.a }')).toBe('}')
    expect(await resolve('x${ $string({"x":1}) }')).toBe('x{"x":1}')
  })
})

describe('scope roots', () => {
  it.each([
    ['${input.user}', 'ada'],
    ['${steps.fetch.output.status}', 200],
    ['${steps.`send-mail`.output}', 'sent'],
    ['${variables.region}', 'eu'],
    ['${context.runId}', 'run-1'],
    ['${error.message}', 'boom'],
    ['${$keys($)}', ['input', 'steps', 'variables', 'context', 'error']]
  ])('%s', async (template, expected) => {
    expect(await resolve(template)).toEqual(expected)
  })

  it('evaluateExpression takes a bare expression', async () => {
    expect(await evaluateExpression('$count(input.arr) + context.attempt', scope)).toBe(5)
  })
})

describe('deep resolution', () => {
  const params = {
    url: 'https://api/${input.user}',
    retries: 3,
    headers: { 'x-run': '${context.runId}', accept: 'json' },
    list: ['${input.n}', 'plain', { deep: ['${input.flag}'] }],
    '${input.user}': 'keys are not templated'
  }

  it('resolves every string in arrays and objects', async () => {
    expect(await resolve(params)).toEqual({
      url: 'https://api/ada',
      retries: 3,
      headers: { 'x-run': 'run-1', accept: 'json' },
      list: [3, 'plain', { deep: [true] }],
      '${input.user}': 'keys are not templated'
    })
  })

  it('returns a deep copy and leaves the input untouched', async () => {
    const before = structuredClone(params)
    const out = await resolve(params) as typeof params
    expect(params).toEqual(before)
    expect(out.headers).not.toBe(params.headers)
    expect(out.list[2]).not.toBe(params.list[2])
  })

  it('returns the very same value when there is no template', async () => {
    const plain = { a: [1, { b: 'text $ {} }' }], c: null }
    expect(await resolve(plain)).toBe(plain)
    expect(await resolve('just text')).toBe('just text')
    expect(await resolve(42)).toBe(42)
  })

  it('keeps a __proto__ key as data without swapping the prototype', async () => {
    const params = JSON.parse('{"__proto__": {"admin": true}, "x": "${input.n}"}') as Record<string, unknown>
    const out = await resolve(params) as Record<string, unknown>
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(out.admin).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ admin: true })
  })

  it('names the failing path, expression and reason', async () => {
    const err = await rejection(resolveValue({ a: [{ b: 'ok' }, { msg: 'x ${input.n +}' }] }, scope, {}, 'steps[2].params'))
    expect(err).toBeInstanceOf(ExpressionError)
    expect(err.name).toBe('ExpressionError')
    expect(err.path).toBe('steps[2].params.a[1].msg')
    expect(err.expression).toBe('input.n +')
    expect(err.message).toBe('steps[2].params.a[1].msg: ${input.n +}: Unexpected end of expression')
    expect(err.type).toBe(ErrorType.VALIDATION_ERROR)
    expect(err.retryable).toBe(false)
    expect(err.details).toMatchObject({ path: 'steps[2].params.a[1].msg', expression: 'input.n +', code: 'S0207' })
  })

  it('quotes odd keys in paths', async () => {
    const err = await rejection(resolveValue({ 'content-type': '${$error("no")}' }, scope, {}, 'steps[0].params'))
    expect(err.path).toBe('steps[0].params["content-type"]')
    expect(err.message).toBe('steps[0].params["content-type"]: ${$error("no")}: no')
  })

  it('reports evaluation errors and unterminated templates', async () => {
    const typeError = await rejection(resolve({ x: '${input.user + 1}' }))
    expect(typeError.message).toMatch(/^x: \$\{input\.user \+ 1\}: .*must evaluate to a number/)
    expect(typeError.details.code).toBe('T2001')
    const open = await rejection(resolve({ x: 'a ${input.user' }))
    expect(open.message).toBe('x: ${input.user}: unterminated expression: no matching "}"')
  })
})

describe('hasExpression', () => {
  it('finds ${ anywhere, escapes included', () => {
    expect(hasExpression('${x}')).toBe(true)
    expect(hasExpression('$${x}')).toBe(true)
    expect(hasExpression({ a: [1, { b: ['${x}'] }] })).toBe(true)
  })

  it('ignores keys, non-strings and non-plain objects', () => {
    expect(hasExpression({ '${x}': 1, a: [1, true, null, undefined, '$ {x}'] })).toBe(false)
    expect(hasExpression(new Map([['a', '${x}']]))).toBe(false)
    expect(hasExpression(42)).toBe(false)
    expect(hasExpression(undefined)).toBe(false)
  })
})
