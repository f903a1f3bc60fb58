import { describe, expect, it } from 'vitest'
import { applyDefaults, slugify } from '../../../src/flow/index.js'
import { NOW } from './helpers.js'

function deepFreeze<T> (value: T): T {
  if (value != null && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}

describe('applyDefaults', () => {
  it('fills every absent defaultable field and reports each one in order', () => {
    const input = deepFreeze({ name: 'Hello World', steps: [] })
    const { doc, defaults } = applyDefaults(input, { now: NOW, fileName: 'flows/Order Sync.flow.yaml' })
    expect(defaults).toEqual([
      { field: 'id', value: 'order-sync-flow' },
      { field: 'version', value: '1.0.0' },
      { field: 'owner', value: 'local' },
      { field: 'createdAt', value: NOW },
      { field: 'updatedAt', value: NOW }
    ])
    expect(doc).toEqual({ name: 'Hello World', steps: [], id: 'order-sync-flow', version: '1.0.0', owner: 'local', createdAt: NOW, updatedAt: NOW })
    expect(input).toEqual({ name: 'Hello World', steps: [] })
  })

  it('keeps fields that are present, even when they are invalid', () => {
    const input = { id: 'x', version: 2, owner: null, createdAt: '2020-01-01T00:00:00Z', name: 'n' }
    const { doc, defaults } = applyDefaults(input, { now: NOW })
    expect(defaults).toEqual([{ field: 'updatedAt', value: NOW }])
    expect(doc).toEqual({ ...input, updatedAt: NOW })
    expect(doc).not.toBe(input)
  })

  it('derives the id from the name when there is no file name (Windows paths too)', () => {
    expect(applyDefaults({ name: 'Café Crème: Daily Report!' }, { now: NOW }).doc).toMatchObject({ id: 'cafe-creme-daily-report' })
    expect(applyDefaults({ name: 'x' }, { now: NOW, fileName: 'C:\\flows\\Nightly.JSON' }).doc).toMatchObject({ id: 'nightly' })
    expect(applyDefaults({ name: 'From Name' }, { now: NOW, fileName: '.yaml' }).doc).toMatchObject({ id: 'from-name' })
  })

  it('leaves the id absent when neither the file name nor the name gives a slug', () => {
    const { doc, defaults } = applyDefaults({ name: '!!!' }, { now: NOW })
    expect(doc).not.toHaveProperty('id')
    expect(defaults.map(d => d.field)).toEqual(['version', 'owner', 'createdAt', 'updatedAt'])
  })

  it('returns non-object input unchanged', () => {
    const list = [1, 2]
    for (const value of [null, undefined, 5, 'text', true, list]) {
      const result = applyDefaults(value, { now: NOW, fileName: 'a.yaml' })
      expect(result.doc).toBe(value)
      expect(result.defaults).toEqual([])
    }
  })
})

describe('slugify', () => {
  it('lowercases, strips accents and joins words with single dashes, at most 64 characters', () => {
    expect(slugify('  Héllo -- World.v2  ')).toBe('hello-world-v2')
    expect(slugify('a'.repeat(100))).toHaveLength(64)
    expect(slugify('日本')).toBe('')
  })
})
