import { describe, expect, it } from 'vitest'
import { parseTemplate, TemplateSyntaxError } from '../../../src/expr/template.js'

const sources = (text: string): string[] =>
  parseTemplate(text).parts.flatMap(part => typeof part === 'string' ? [] : [part.source])

describe('parseTemplate', () => {
  it('marks a string that is exactly one expression as exact', () => {
    expect(parseTemplate('${input.x}')).toEqual({ parts: [{ source: 'input.x' }], exact: true })
    expect(parseTemplate(' ${input.x}').exact).toBe(false)
    expect(parseTemplate('${a}${b}').exact).toBe(false)
  })

  it('splits literal text and expressions', () => {
    expect(parseTemplate('Hi ${input.user}, ${input.n} new').parts)
      .toEqual(['Hi ', { source: 'input.user' }, ', ', { source: 'input.n' }, ' new'])
  })

  it('leaves text without templates as a single literal', () => {
    expect(parseTemplate('plain $ { } text').parts).toEqual(['plain $ { } text'])
  })

  it('turns $${ into a literal ${', () => {
    expect(parseTemplate('$${input.x}').parts).toEqual(['${input.x}'])
    expect(parseTemplate('cost: $$${input.x}').parts).toEqual(['cost: $${input.x}'])
    expect(parseTemplate('$${a} ${b}').parts).toEqual(['${a} ', { source: 'b' }])
    expect(parseTemplate('${a}$${b}').parts).toEqual([{ source: 'a' }, '${b}'])
  })

  it('finds the matching brace past nested objects and strings', () => {
    expect(sources('${ {"a": "}"}.a }')).toEqual([' {"a": "}"}.a '])
    expect(sources('${ $string({"x":1}) } tail')).toEqual([' $string({"x":1}) '])
    expect(sources("${ 'it\\'s }' & \"\\\"}\" }")).toEqual([" 'it\\'s }' & \"\\\"}\" "])
    expect(sources('${ {"a": {"b": 1}}.a.b }')).toEqual([' {"a": {"b": 1}}.a.b '])
  })

  it('skips braces in backtick names, comments and regex literals', () => {
    expect(sources('${ input.`we}rd` }')).toEqual([' input.`we}rd` '])
    expect(sources('${ /* } */ input.x }')).toEqual([' /* } */ input.x '])
    expect(sources('${ $match(s, /a\\}/) }')).toEqual([' $match(s, /a\\}/) '])
    expect(sources('${ $split(s, /[{}]/) }')).toEqual([' $split(s, /[{}]/) '])
    expect(sources('${ a / b }')).toEqual([' a / b ']) // division, not a regex
  })

  it('rejects an unterminated expression', () => {
    expect(() => parseTemplate('hello ${input.x')).toThrow(TemplateSyntaxError)
    expect(() => parseTemplate('${ {"a": 1 }')).toThrow(/unterminated/)
    expect(() => parseTemplate('${ "}')).toThrow(/unterminated/)
  })

  it('rejects an empty expression', () => {
    expect(() => parseTemplate('${}')).toThrow(/empty expression/)
    expect(() => parseTemplate('a ${  } b')).toThrow(/empty expression/)
  })

  it('caches parsed templates by text', () => {
    expect(parseTemplate('x ${input.cached}')).toBe(parseTemplate('x ${input.cached}'))
  })
})
