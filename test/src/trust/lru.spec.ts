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

  it('reuses the place of a deleted entry and evicts only when full', () => {
    const lru = new Lru<string, number>(3)
    lru.set('a', 1); lru.set('b', 2); lru.set('c', 3)
    lru.delete('b')
    lru.set('d', 4) // fills b's place: nothing is evicted
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.get('d')]).toEqual([1, undefined, 3, 4])
    lru.set('e', 5) // full, all used since the hand passed: every mark is cleared, then the first unused goes
    expect(lru.size).toBe(3)
    expect(lru.get('e')).toBe(5)
    lru.clear()
    expect(lru.size).toBe(0)
    lru.set('f', 6)
    expect(lru.get('f')).toBe(6)
  })

  it('keeps the entries used since the hand passed over unused ones', () => {
    const lru = new Lru<number, number>(100)
    for (let i = 0; i < 100; i++) lru.set(i, i)
    for (let i = 0; i < 100; i += 2) lru.get(i) // the even ones are used
    for (let i = 100; i < 150; i++) lru.set(i, i) // 50 evictions: the odd ones go first
    for (let i = 0; i < 100; i++) expect(lru.get(i)).toBe(i % 2 === 0 ? i : undefined)
  })
})
