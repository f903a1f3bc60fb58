import { describe, expect, it } from 'vitest'
import { ErrorType } from '../../../shared/errors.js'
import { parseGuestOutput, serializeInput } from '../../../src/sandbox/output.js'

describe('guest output', () => {
  it('is parsed again on the host, without __proto__ keys', () => {
    const out = parseGuestOutput('{"a":{"__proto__":{"polluted":1},"b":2},"__proto__":{"x":1}}', 1000) as Record<string, unknown>
    expect(out).toEqual({ a: { b: 2 } })
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.assign({}, out.a)).toEqual({ b: 2 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('keeps constructor and prototype keys as plain data', () => {
    expect(parseGuestOutput('{"constructor":{"prototype":{"p":1}}}', 1000)).toEqual({ constructor: { prototype: { p: 1 } } })
    expect(({} as Record<string, unknown>).p).toBeUndefined()
  })

  it('counts UTF-8 bytes against the limit', () => {
    expect(parseGuestOutput('"éé"', 6)).toBe('éé')
    expect(() => parseGuestOutput('"ééé"', 6)).toThrow(expect.objectContaining({ type: ErrorType.RESOURCE_EXHAUSTED }))
  })

  it('rejects text that is not JSON', () => {
    expect(() => parseGuestOutput('{nope', 100)).toThrow(expect.objectContaining({ type: ErrorType.EXECUTION_ERROR }))
  })

  it('sends undefined input as null and refuses what JSON cannot carry', () => {
    expect(serializeInput(undefined)).toBe('null')
    expect(() => serializeInput({ n: 1n })).toThrow(/JSON/)
  })
})
