import { describe, expect, it } from 'vitest'
import { Lru } from '../../../src/trust/lru.js'

describe('Lru (second chance)', () => {
  it('keeps at most max entries, evicting ones not used since they were last passed', () => {
    const lru = new Lru<string, number>(3)
    lru.set('a', 1); lru.set('b', 2); lru.set('c', 3)
    expect(lru.get('a')).toBe(1)
    lru.set('d', 4) // b is the oldest unused
    expect(lru.get('b')).toBeUndefined()
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4])
    lru.set('e', 5)
    expect(lru.size).toBe(3)
    expect(lru.hits).toBe(4)
    expect(lru.misses).toBe(1)
    expect(lru.hitRate()).toBeCloseTo(0.8)
  })

  it('never exceeds its bound under any sequence', () => {
    const lru = new Lru<number, number>(8)
    for (let i = 0; i < 1000; i++) { lru.set(i % 37, i); lru.get((i * 7) % 37) }
    expect(lru.size).toBe(8)
  })
})
