import { beforeEach, describe, expect, it } from 'vitest'
import { clearCompileCache, compile, COMPILE_CACHE_SIZE } from '../../../src/expr/compile.js'
import { evaluateExpression } from '../../../src/expr/index.js'
import { LruCache } from '../../../src/expr/lru.js'
import { testScope } from './fixtures.js'

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const lru = new LruCache<string, number>(2)
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1) // a is now the most recent
    lru.set('c', 3)
    expect(lru.get('b')).toBeUndefined()
    expect(lru.get('a')).toBe(1)
    expect(lru.get('c')).toBe(3)
    expect(lru.size).toBe(2)
  })

  it('overwrites without growing', () => {
    const lru = new LruCache<string, number>(2)
    lru.set('a', 1)
    lru.set('a', 2)
    expect(lru.size).toBe(1)
    expect(lru.get('a')).toBe(2)
  })
})

describe('compiled expression cache', () => {
  beforeEach(() => clearCompileCache())

  it('compiles a source once', () => {
    const first = compile('input.x + 1')
    expect(compile('input.x + 1')).toBe(first)
    expect(compile('input.x + 2')).not.toBe(first)
  })

  it('caches parse failures too', () => {
    const failure = compile('input.x +')
    expect(failure.error?.code).toBe('S0207')
    expect(compile('input.x +')).toBe(failure)
  })

  it(`holds at most ${COMPILE_CACHE_SIZE} entries, least recently used out first`, () => {
    const first = compile('0')
    const kept = compile('1')
    for (let i = 2; i <= COMPILE_CACHE_SIZE; i++) compile(String(i))
    expect(compile('1')).toBe(kept) // touch: now most recent
    compile('overflow') // evicts '0', the least recent
    expect(compile('1')).toBe(kept)
    expect(compile('0')).not.toBe(first)
  })

  it('keeps guard state per evaluation when evaluations share a compiled expression', async () => {
    const source = '($f := function($n){ $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(input.n))'
    const [deep, small, medium] = await Promise.allSettled([1000, 10, 50].map(async n =>
      await evaluateExpression(source, testScope({ input: { n } }))))
    expect(deep.status === 'rejected' && (deep.reason as { details: { code: string } }).details.code).toBe('Q0002')
    expect(small).toEqual({ status: 'fulfilled', value: 10 })
    expect(medium).toEqual({ status: 'fulfilled', value: 50 })
  })
})
