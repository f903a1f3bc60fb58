import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FlowSyntaxError, loadFlow } from '../../../src/flow/index.js'
import { InvalidFlowError } from '../../../src/errors.js'
import { NOW, flow, step, stubRegistry } from './helpers.js'

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/flows/${name}`, import.meta.url), 'utf8')

describe('loadFlow', () => {
  it('loads the minimal YAML fixture, filling and reporting defaults', () => {
    const loaded = loadFlow(fixture('minimal.yaml'), { now: NOW, fileName: 'minimal.yaml', actions: stubRegistry() })
    expect(loaded.defaults).toEqual([
      { field: 'id', value: 'minimal' },
      { field: 'version', value: '1.0.0' },
      { field: 'owner', value: 'local' },
      { field: 'createdAt', value: NOW },
      { field: 'updatedAt', value: NOW }
    ])
    expect(loaded.warnings).toEqual([])
    expect(loaded.flow).toMatchObject({ id: 'minimal', name: 'Minimal', owner: 'local', createdAt: NOW })
    expect(loaded.flow.steps.map(s => s.id)).toEqual(['hello'])
  })

  it('loads JSON with every field given and reports no defaults, but passes warnings on', () => {
    const text = JSON.stringify(flow([step('a', { onSuccess: 'c' }), step('b'), step('c')]))
    const loaded = loadFlow(text, { now: NOW, fileName: 'f.json' })
    expect(loaded.defaults).toEqual([])
    expect(loaded.warnings).toEqual([{ path: 'steps[1]', message: 'step "b" is unreachable from the first step "a"' }])
  })

  it('throws FlowSyntaxError with line and column', () => {
    expect(() => loadFlow('name: x\n  bad: indent\n', { now: NOW, fileName: 'f.yaml' })).toThrow(FlowSyntaxError)
    expect(() => loadFlow('{"name": "x",}', { now: NOW, fileName: 'f.json' }))
      .toThrow("f.json:1:14: expected a property name in double quotes, found '}'")
  })

  it('throws InvalidFlowError listing every problem', () => {
    let caught: unknown
    try {
      loadFlow('name: x\nsteps:\n  - id: a\n    type: task\nmetadata: {}\n', { now: NOW, fileName: 'x.yaml' })
    } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(InvalidFlowError)
    expect((caught as InvalidFlowError).name).toBe('InvalidFlowError')
    expect((caught as InvalidFlowError).errors).toEqual([
      { path: 'steps[0].action', message: 'is required' },
      { path: 'steps[0].params', message: 'is required' },
      { path: 'metadata.tags', message: 'is required' },
      { path: 'metadata.category', message: 'is required' },
      { path: 'metadata.visibility', message: 'is required' },
      { path: 'metadata.requiredPermissions', message: 'is required' }
    ])
  })
})

describe('loadFlow: invalid fixtures', () => {
  const load = (name: string): unknown => {
    try {
      return loadFlow(fixture(`invalid/${name}`), { now: NOW, fileName: name, actions: stubRegistry() })
    } catch (err) { return err }
  }

  it('bad-fields.yaml: schema problems, in document order', () => {
    expect((load('bad-fields.yaml') as InvalidFlowError).errors).toEqual([
      { path: 'steps[1].retryPolicy.maxAttempts', message: 'must be an integer >= 1' },
      { path: 'steps[1].onSucess', message: 'unknown field' },
      { path: 'metadata.visibility', message: 'must be one of public, dao-only, private' }
    ])
  })

  it('graph.json: branch escape, duplicate id, cycle', () => {
    expect((load('graph.json') as InvalidFlowError).errors).toEqual([
      { path: 'steps[1].params.branches[0][0].onSuccess', message: 'parallel branches cannot jump outside their branch ("done" is outside branch fan#0)' },
      { path: 'steps[1].params.branches[1][1].id', message: 'duplicate step id "right" (first used at steps[1].params.branches[1][0])' },
      { path: 'steps[2].onSuccess', message: 'creates a cycle start → fan → again → start with no condition step to leave it' }
    ])
  })

  it('syntax.yaml: a syntax error with its line and column', () => {
    const err = load('syntax.yaml') as FlowSyntaxError
    expect(err).toBeInstanceOf(FlowSyntaxError)
    expect(err.message).toMatch(/^syntax\.yaml:5:\d+: /)
  })
})
