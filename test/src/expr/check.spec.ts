import { describe, expect, it } from 'vitest'
import { checkTemplates } from '../../../src/expr/index.js'

describe('checkTemplates', () => {
  it('accepts valid templates and plain values', () => {
    expect(checkTemplates({ a: '${input.x}', b: ['x ${steps.s.output} $${lit}', 3, null], c: { d: 'plain' } }, 'steps[0].params'))
      .toEqual([])
  })

  it('reports JSONata parse errors with the path of the string', () => {
    expect(checkTemplates({ message: '${input.x +}' }, 'steps[2].params')).toEqual([
      { path: 'steps[2].params.message', message: '${input.x +}: Unexpected end of expression' }
    ])
  })

  it('reports unterminated and empty templates', () => {
    expect(checkTemplates(['ok ${input.x', '${ }'], 'steps[1].params.list')).toEqual([
      { path: 'steps[1].params.list[0]', message: '${input.x}: unterminated expression: no matching "}"' },
      { path: 'steps[1].params.list[1]', message: '${ }: empty expression' }
    ])
  })

  it('checks every expression of an interpolated string', () => {
    const errors = checkTemplates({ deep: { s: '${ a ) } and ${ b } and ${ ] }' } }, 'p')
    expect(errors.map(e => e.path)).toEqual(['p.deep.s', 'p.deep.s'])
    expect(errors[0].message).toMatch(/^\$\{ a \) \}: /)
    expect(errors[1].message).toMatch(/^\$\{ \] \}: /)
  })

  it('does not look at keys and handles a bare string', () => {
    expect(checkTemplates({ '${ +': 'v' }, 'p')).toEqual([])
    expect(checkTemplates('${ + }', 'steps[0].when')).toHaveLength(1)
  })
})
