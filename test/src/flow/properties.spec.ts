/**
 * Property tests: whatever the document, the validator returns (never throws) either
 * "valid with no errors" or a list of errors, each with a non-empty path and message.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../../src/flow/index.js'
import type { FlowValidationResult } from '../../../src/flow/index.js'
import { condition, flow, parallel, step, stubRegistry } from './helpers.js'

const actions = stubRegistry()

function wellFormed (result: FlowValidationResult): boolean {
  const ok = (list: Array<{ path: unknown, message: unknown }>): boolean =>
    list.every(e => typeof e.path === 'string' && e.path !== '' && typeof e.message === 'string' && e.message !== '')
  return result.valid === (result.errors.length === 0) && ok(result.errors) && ok(result.warnings)
}

function check (doc: unknown): boolean {
  return wellFormed(validateFlow(doc)) && wellFormed(validateFlow(doc, { actions }))
}

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'p', 'q', 'x')

/** A random valid-looking flow: sequences, conditions, nested parallels, routes among a few ids. */
const stepArb: fc.Arbitrary<unknown> = fc.letrec<{ step: unknown, list: unknown[] }>(tie => ({
  step: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(ids, fc.option(ids), fc.option(ids)).map(([id, onSuccess, onFailure]) =>
      step(id, { ...(onSuccess != null ? { onSuccess } : {}), ...(onFailure != null ? { onFailure } : {}) })),
    fc.tuple(ids, ids, fc.option(ids)).map(([id, onTrue, onFalse]) => condition(id, { onTrue, ...(onFalse != null ? { onFalse } : {}) })),
    fc.tuple(ids, fc.array(tie('list'), { maxLength: 3 })).map(([id, branches]) => parallel(id, branches as unknown[][]))
  ),
  list: fc.array(tie('step'), { minLength: 1, maxLength: 5 })
})).list

const validFlowArb = stepArb.map(steps => flow(steps as unknown[]))

type Mutation = (doc: unknown, at: number, value: unknown) => void

/** Every container (object or array) inside the document, with its keys. */
function containers (doc: unknown): Array<Record<string | number, unknown>> {
  const out: Array<Record<string | number, unknown>> = []
  const visit = (v: unknown, depth: number): void => {
    if (v == null || typeof v !== 'object' || depth > 50) return
    out.push(v as Record<string, unknown>)
    Object.values(v).forEach(c => { visit(c, depth + 1) })
  }
  visit(doc, 0)
  return out
}

const mutations: Record<string, Mutation> = {
  deleteField: (doc, at) => {
    const c = containers(doc)
    const target = c[at % c.length]
    const keys = Object.keys(target)
    if (keys.length > 0) delete target[keys[at % keys.length]]
  },
  replaceValue: (doc, at, value) => {
    const c = containers(doc)
    const target = c[at % c.length]
    const keys = Object.keys(target)
    if (keys.length > 0) target[keys[at % keys.length]] = value
  },
  addUnknownField: (doc, at, value) => {
    const c = containers(doc).filter(x => !Array.isArray(x))
    if (c.length > 0) c[at % c.length][`extra${at % 7}`] = value
  },
  duplicateStep: (doc, at) => {
    const lists = containers(doc).filter(Array.isArray) as unknown as unknown[][]
    const list = lists[at % lists.length]
    if (list?.length > 0) list.push(structuredClone(list[at % list.length]))
  },
  randomRoute: (doc, at, value) => {
    const steps = containers(doc).filter(x => !Array.isArray(x) && typeof x.id === 'string')
    const target = steps[at % steps.length]
    if (target != null) target[['onSuccess', 'onFailure'][at % 2]] = typeof value === 'string' ? value : ['a', 'b', 'c', 'p', 'zzz'][at % 5]
  },
  deepNesting: (doc, at) => {
    const root = doc as { steps: unknown }
    let inner: unknown = step('leaf')
    for (let i = 0; i < 20 + (at % 60); i++) inner = parallel(`n${i}`, [[inner, step(`m${i}`, { onSuccess: `n${i + 2}` })]])
    if (Array.isArray(root.steps)) root.steps.push(inner)
    else root.steps = [inner]
  }
}

describe('validateFlow never throws', () => {
  it('on random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), doc => check(doc)), { numRuns: 500 })
  })

  it('on random objects shaped a little like flows', () => {
    const loose = fc.record({
      id: fc.jsonValue(),
      steps: fc.oneof(fc.jsonValue(), fc.array(fc.dictionary(fc.constantFrom('id', 'type', 'action', 'params', 'onSuccess', 'onFailure', 'retryPolicy', 'timeout'), fc.jsonValue()))),
      metadata: fc.jsonValue()
    }, { requiredKeys: [] })
    fc.assert(fc.property(loose, doc => check(doc)), { numRuns: 500 })
  })

  it('on generated flows, which have no schema errors', () => {
    fc.assert(fc.property(validFlowArb, doc => {
      const result = validateFlow(doc)
      return wellFormed(result) && result.errors.every(e => /(id|onSuccess|onFailure|onTrue|onFalse)$/.test(e.path))
    }), { numRuns: 500 })
  })

  it('on mutated flows: deleted fields, wrong types, unknown fields, duplicated ids, random routes, deep nesting', () => {
    const mutation = fc.tuple(fc.constantFrom(...Object.keys(mutations)), fc.nat(), fc.jsonValue())
    fc.assert(fc.property(validFlowArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (doc, ops) => {
      for (const [name, at, value] of ops) mutations[name](doc, at, value)
      return check(doc)
    }), { numRuns: 1000 })
  })

  it('reports a mutation of a valid flow', () => {
    const doc = flow([step('a'), step('b')]) as unknown as { steps: Array<Record<string, unknown>> }
    doc.steps[1].type = 42
    expect(validateFlow(doc).errors).toEqual([{ path: 'steps[1].type', message: 'must be one of task, condition, parallel, event-trigger, module-call' }])
  })
})
