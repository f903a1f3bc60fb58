/** The dashboard's pure kernel: routes drawn from a draft, draft edits, generated fields, text round trips. */
import { describe, expect, it } from 'vitest'
import { builtinRegistry, validateFlow } from '../../src/index.js'
import { addStep, connect, newDraft, removeStep, setIn } from '../../web/kernel/draft-ops.js'
import { edgesOf, layoutSteps, NODE_H, portsOf } from '../../web/kernel/flow-graph.js'
import { flowToText, textToFlow } from '../../web/kernel/flow-text.js'
import { fieldsOf, paramFields, parseInput, stepFormFields } from '../../web/kernel/schema-fields.js'

const actions = builtinRegistry()
const draft = (): ReturnType<typeof newDraft> => {
  let d = newDraft({ id: 'f', owner: 'did:key:z6Mktest', now: '2026-01-01T00:00:00.000Z' })
  d = addStep(d, 'event-trigger', 'qflow.trigger.manual').draft
  d = addStep(d, 'condition', 'qflow.condition.if').draft
  d = addStep(d, 'task', 'qflow.action.log').draft
  return addStep(d, 'task', 'qflow.action.complete').draft
}

describe('web kernel', () => {
  it('adds valid steps with unique ids and draws implicit success edges in list order', () => {
    const d = draft()
    expect(d.steps!.map(s => s.id)).toEqual(['manual-1', 'if-1', 'log-1', 'complete-1'])
    expect(validateFlow(d, { actions }).errors).toEqual([])
    expect(edgesOf(d.steps!)).toEqual([
      { from: 'manual-1', to: 'if-1', kind: 'success', implicit: true },
      { from: 'if-1', to: 'log-1', kind: 'success', implicit: true },
      { from: 'log-1', to: 'complete-1', kind: 'success', implicit: true }
    ])
  })

  it('connects ports to the route fields they stand for', () => {
    let d = connect(draft(), 1, 'true', 'complete-1')
    d = connect(d, 1, 'false', 'log-1')
    d = connect(d, 2, 'failure', 'complete-1')
    expect(d.steps![1].params).toEqual({ expression: 'true', onTrue: 'complete-1', onFalse: 'log-1' })
    expect(d.steps![2].onFailure).toBe('complete-1')
    const kinds = edgesOf(d.steps!).map(e => `${e.from}-${e.kind}->${e.to}`)
    expect(kinds).toContain('if-1-true->complete-1')
    expect(kinds).toContain('log-1-failure->complete-1')
    expect(kinds).not.toContain('complete-1-success->undefined')
    expect(portsOf(d.steps![1])).toEqual(['true', 'false', 'failure'])
    expect(validateFlow(d, { actions }).valid).toBe(true)
    const sw = connect(connect(addStep(draft(), 'condition', 'qflow.condition.switch').draft, 4, 'case', 'log-1'), 4, 'default', 'complete-1')
    expect(sw.steps![4].params).toEqual({ value: '${input.kind}', cases: [{ equals: '', next: 'log-1' }], default: 'complete-1' })
    expect(edgesOf(sw.steps!).filter(e => e.from === 'switch-1').map(e => e.kind)).toEqual(['case', 'default'])
  })

  it('never throws on malformed drafts and keeps what was typed', () => {
    expect(edgesOf([{ id: 3 }, { onSuccess: 'x' }, { id: 'a', params: 'nope', action: 'qflow.condition.switch' }] as any)).toEqual([])
    const step = setIn({ id: 'a' }, ['retryPolicy', 'maxAttempts'], 'three')
    expect(step).toEqual({ id: 'a', retryPolicy: { maxAttempts: 'three' } })
    const d = { ...draft(), steps: [...draft().steps!.slice(0, 2), step] }
    expect(validateFlow(d, { actions }).errors.map(e => e.path)).toContain('steps[2].retryPolicy.maxAttempts')
    expect(removeStep(draft(), 0).steps!.map(s => s.id)).toEqual(['if-1', 'log-1', 'complete-1'])
  })

  it('lays steps out top to bottom without overlaps', () => {
    const steps = draft().steps!
    const at = layoutSteps(steps, edgesOf(steps))
    const ys = steps.map(s => at.get(String(s.id))!.y)
    for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeGreaterThanOrEqual(ys[i - 1] + NODE_H)
  })

  it('generates step and params fields from the schemas and converts input leniently', () => {
    const keys = stepFormFields().map(f => f.key)
    expect(keys).toEqual(expect.arrayContaining(['id', 'type', 'action', 'onSuccess', 'onFailure', 'timeout', 'retryPolicy']))
    expect(keys).not.toContain('params')
    const type = stepFormFields().find(f => f.key === 'type')!
    expect(type.kind).toBe('enum')
    expect(type.options).toContain('condition')
    expect(stepFormFields().find(f => f.key === 'onSuccess')!.kind).toBe('step-ref')
    expect(stepFormFields().find(f => f.key === 'retryPolicy')!.children!.map(c => c.key)).toContain('maxAttempts')
    expect(paramFields(actions, 'qflow.condition.if').map(f => [f.key, f.kind, f.required])).toEqual([
      ['expression', 'text', true], ['onTrue', 'step-ref', false], ['onFalse', 'step-ref', false]
    ])
    expect(paramFields(actions, 'no.such.action')).toEqual([])
    const timeout = fieldsOf({ properties: { t: { type: 'integer' } } })[0]
    expect(parseInput(timeout, '250')).toBe(250)
    expect(parseInput(timeout, '25x')).toBe('25x')
    expect(parseInput(timeout, '')).toBeUndefined()
    const json = fieldsOf({ properties: { v: {} } })[0]
    expect(parseInput(json, '{"a":1}')).toEqual({ a: 1 })
    expect(parseInput(json, '{"a":')).toBe('{"a":')
  })

  it('round-trips drafts through YAML and JSON and locates syntax errors', () => {
    const d = draft()
    for (const format of ['yaml', 'json'] as const) {
      const back = textToFlow(flowToText(d, format), format)
      expect(back).toEqual({ ok: true, doc: d })
    }
    const bad = textToFlow('name: x\nsteps: [\n', 'yaml')
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.problem.line).toBeGreaterThanOrEqual(2)
    const badJson = textToFlow('{\n  "name": }', 'json')
    expect(badJson).toMatchObject({ ok: false, problem: { line: 2 } })
  })
})
