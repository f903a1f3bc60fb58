import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { detectFormat, findJsonFault, FlowSyntaxError, parseDocument } from '../../../src/flow/index.js'

function syntaxError (fn: () => unknown): FlowSyntaxError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(FlowSyntaxError)
    return err as FlowSyntaxError
  }
  throw new Error('expected a FlowSyntaxError')
}

describe('detectFormat', () => {
  it('goes by extension first', () => {
    expect(detectFormat('{}', 'flows/a.yaml')).toBe('yaml')
    expect(detectFormat('name: x', 'a.JSON')).toBe('json')
    expect(detectFormat('{}', 'a.yml')).toBe('yaml')
  })

  it('falls back to the first non-space character', () => {
    expect(detectFormat('  \n {"a": 1}')).toBe('json')
    expect(detectFormat('\uFEFF[1]', 'flow.txt')).toBe('json')
    expect(detectFormat('name: x')).toBe('yaml')
    expect(detectFormat('')).toBe('yaml')
  })
})

describe('parseDocument: JSON', () => {
  it('parses JSON, with or without a byte order mark', () => {
    expect(parseDocument('{"a": [1, true, null, "x"]}')).toEqual({ a: [1, true, null, 'x'] })
    expect(parseDocument('\uFEFF{"a": 1}', { fileName: 'f.json' })).toEqual({ a: 1 })
  })

  it.each([
    ['{"a": }', 1, 7, "unexpected '}'"],
    ['{\n  "a": 1,\n  "b": \n}', 4, 1, "unexpected '}'"],
    ['{\n  "a": 1,\n}', 3, 1, "expected a property name in double quotes, found '}'"],
    ['[1, 2,]', 1, 7, "unexpected ']'"],
    ['{"a": "x\n"}', 1, 9, 'character U+000A in a string must be escaped'],
    ['{\n  "a": "open', 2, 8, 'unterminated string'],
    ['{"a": 1} x', 1, 10, "unexpected 'x' after the end of the document"],
    ['{"a" 1}', 1, 6, "expected ':' after a property name, found '1'"],
    ['{"a": 1 "b": 2}', 1, 9, "expected ',' or '}', found '\"'"],
    ['', 1, 1, 'unexpected end of input'],
    ['{"a": [1, 2}', 1, 12, "expected ',' or ']', found '}'"],
    ['{"a": tru}', 1, 7, "unexpected 't'"],
    ['{"a": "\\x"}', 1, 8, 'invalid escape sequence in string']
  ])('%j fails at %i:%i', (text, line, column, reason) => {
    const err = syntaxError(() => parseDocument(text, { fileName: 'flow.json' }))
    expect(err.name).toBe('FlowSyntaxError')
    expect({ line: err.line, column: err.column, reason: err.reason }).toEqual({ line, column, reason })
    expect(err.message).toBe(`flow.json:${line}:${column}: ${reason}`)
    expect(err.fileName).toBe('flow.json')
  })

  it('rejects duplicate keys (JSON.parse would keep the last one silently)', () => {
    const err = syntaxError(() => parseDocument('{\n  "id": "a",\n  "id": "b"\n}', { fileName: 'f.json' }))
    expect(err.message).toBe('f.json:3:3: duplicate key "id"')
  })

  it('names <input> when there is no file name', () => {
    expect(syntaxError(() => parseDocument('{', { format: 'json' })).message)
      .toBe('<input>:1:2: expected a property name in double quotes, found end of input')
  })

  it('copes with deep nesting', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000)
    expect(findJsonFault(deep)).toBeUndefined()
    expect(findJsonFault(deep.slice(0, -1))?.reason).toBe('expected \',\' or \']\', found end of input')
  })

  it('reports a syntax error after a duplicate key as the syntax error (found by the property below)', () => {
    expect(findJsonFault('{" ":false," "    ":{"":false}}')).toEqual({ offset: 18, reason: "expected ':' after a property name, found '\"'" })
    expect(findJsonFault('{"a":1,"a":2}')).toEqual({ offset: 7, reason: 'duplicate key "a"' })
  })

  it('property: the scanner accepts exactly what JSON.parse accepts (duplicate keys aside)', () => {
    const mutated = fc.tuple(fc.json(), fc.nat(), fc.nat({ max: 2 }), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '1', '-', 'e', '\n', 'n', '\u0001'))
      .map(([json, at, op, char]) => {
        const i = at % (json.length + 1)
        if (op === 0) return json.slice(0, i) + char + json.slice(i)
        if (op === 1) return json.slice(0, i) + json.slice(i + 1)
        return json.slice(0, i) + char + json.slice(i + 1)
      })
    fc.assert(fc.property(fc.oneof(fc.json(), mutated, fc.string()), text => {
      const fault = findJsonFault(text)
      let parses = true
      try { JSON.parse(text) } catch { parses = false }
      if (fault?.reason.startsWith('duplicate key') === true) return parses
      return parses === (fault === undefined)
    }), { numRuns: 3000 })
  })
})

describe('parseDocument: YAML', () => {
  it('parses YAML; core schema keeps timestamps as strings', () => {
    expect(parseDocument('name: x\ncreatedAt: 2025-01-01T00:00:00Z\nsteps:\n  - id: a\n')).toEqual({
      name: 'x', createdAt: '2025-01-01T00:00:00Z', steps: [{ id: 'a' }]
    })
    expect(parseDocument('')).toBeNull()
  })

  it('reports the line and column of a syntax error', () => {
    const err = syntaxError(() => parseDocument('name: x\nsteps: [1, 2\nmetadata: {}\n', { fileName: 'flow.yaml' }))
    expect([err.line, err.column]).toEqual([3, 1])
    expect(err.message).toMatch(/^flow\.yaml:3:1: /)
  })

  it('reports an unterminated quote where the text ends', () => {
    const err = syntaxError(() => parseDocument('name: "abc', { fileName: 'flow.yml' }))
    expect(err.message).toBe('flow.yml:1:11: Missing closing "quote')
  })

  it('rejects duplicate keys', () => {
    const err = syntaxError(() => parseDocument('name: a\nid: x\nname: b\n', { fileName: 'flow.yaml' }))
    expect(err.message).toBe('flow.yaml:3:1: Map keys must be unique')
  })

  it('rejects several documents in one file', () => {
    const err = syntaxError(() => parseDocument('a: 1\n---\nb: 2\n', { fileName: 'flow.yaml' }))
    expect([err.line, err.column]).toEqual([2, 1])
  })

  it('rejects an alias inside its own anchor (it would build a cyclic value)', () => {
    const err = syntaxError(() => parseDocument('steps: &s\n  - *s\n', { fileName: 'flow.yaml' }))
    expect(err.message).toBe('flow.yaml:2:5: an alias may not refer to a node that contains it')
  })

  it('rejects alias bombs', () => {
    const bomb = ['a: &a [x, x]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n')
    const err = syntaxError(() => parseDocument(bomb, { format: 'yaml' }))
    expect(err.reason).toMatch(/alias/i)
  })

  it('an explicit format overrides the extension', () => {
    expect(parseDocument('a: 1', { fileName: 'x.json', format: 'yaml' })).toEqual({ a: 1 })
  })
})
