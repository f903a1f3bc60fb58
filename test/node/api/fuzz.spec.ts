/**
 * Property-based fuzzing of the flow and execution endpoints: random ids, bodies and
 * content-types never yield a 500 (nor a logged internal error). Runs are bounded.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Operation } from '../../../shared/trust.js'
import { trust } from '../../../src/index.js'
import { apiHarness, flowDoc, nextWait, waitingFlowDoc } from './setup.js'
import type { ApiHarness } from './setup.js'

const RUNS = 150

describe('api: fuzz', () => {
  let h: ApiHarness
  let executionId: string
  /** A start operation signed for `greeter` (mutated by the generators below). */
  let signed: Operation
  beforeAll(async () => {
    h = await apiHarness()
    signed = await trust.signStart(await trust.createIdentity(), { flowId: 'greeter', flow: trust.flowCid(flowDoc('Greeter') as any), executionId: 'exec-fuzz', inputData: {} })
    await h.json('POST', '/api/v1/flows', flowDoc('Greeter'))
    await h.json('POST', '/api/v1/flows', waitingFlowDoc('waiter'))
    const waiting = nextWait(h, 'waiter')
    executionId = (await (await h.json('POST', '/api/v1/flows/waiter/start', {})).json()).executionId
    await waiting
  })
  afterAll(async () => { await h.runtime.close() })

  const id = (): fc.Arbitrary<string> => fc.oneof(
    { arbitrary: fc.constantFrom('greeter', 'waiter'), weight: 4 },
    fc.constantFrom('nope', '..', '.', '%', '%E0%A4%A', '__proto__', 'constructor', 'a/b', ' ', '?x=1', '#frag'),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
    fc.string({ maxLength: 20 })
  )
  const executionRef = (): fc.Arbitrary<string> => fc.oneof({ arbitrary: fc.constant('EXEC'), weight: 3 }, id())

  const value = fc.jsonValue({ maxDepth: 4 })
  /** A valid flow document with one field replaced, removed or added. */
  const mutatedFlow = fc.tuple(
    fc.constantFrom('id', 'name', 'version', 'owner', 'steps', 'metadata', 'createdAt', '__proto__', 'constructor', 'extra'),
    fc.option(value, { nil: undefined })
  ).map(([key, v]) => {
    const doc: Record<string, unknown> = flowDoc('Fuzzed')
    if (v === undefined) delete doc[key]
    else Object.defineProperty(doc, key, { value: v, enumerable: true, writable: true, configurable: true })
    return JSON.stringify(doc)
  })
  /** A valid flow whose first real step gets a random field. */
  const mutatedStep = fc.tuple(
    fc.constantFrom('id', 'type', 'action', 'params', 'onSuccess', 'onFailure', 'timeout', 'retryPolicy', 'resourceLimits'),
    value
  ).map(([key, v]) => {
    const doc = flowDoc('Fuzzed step') as { steps: Array<Record<string, unknown>> }
    doc.steps[1][key] = v
    return JSON.stringify(doc)
  })
  /** The signed operation with one (nested) field replaced or removed, sent as a start or trigger body. */
  const OPERATION_FIELDS = ['operationId', 'type', 'actor', 'target', 'payload', 'context', 'envelope', 'payload.executionId', 'payload.input', 'payload.flowId',
    'context.grants', 'context.daoSubnet', 'envelope.signature', 'envelope.timestamp', 'envelope.actor', 'envelope.nonce', 'extra', 'context.grants.0'] as const
  const mutatedOperation = fc.tuple(fc.constantFrom(...OPERATION_FIELDS), fc.option(value, { nil: undefined }), fc.boolean(), fc.option(value, { nil: undefined })).map(([field, v, trigger, input]) => {
    const op = JSON.parse(JSON.stringify(signed)) as Record<string, any>
    const path = field.split('.')
    const parent = path.slice(0, -1).reduce((o: any, k) => (o[k] ??= {}), op)
    if (v === undefined) delete parent[path[path.length - 1]]
    else parent[path[path.length - 1]] = v
    return JSON.stringify(trigger ? { event: 'order', payload: input ?? {}, operation: op } : { ...(input !== undefined ? { inputData: input } : {}), operation: op })
  })
  const commandBody = fc.oneof(
    fc.record({ inputData: value, variables: value, event: value, payload: value, reason: value, operation: value }, { requiredKeys: [] }).map(v => JSON.stringify(v)),
    value.map(v => JSON.stringify(v)),
    mutatedOperation,
    fc.constant(null).map(() => JSON.stringify({ operation: signed }))
  )
  const body = fc.oneof(
    mutatedFlow, mutatedStep, commandBody,
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.constantFrom('', '{', '[', '{"a":1,"a":2}', '- a\n -b', 'a: *x', '&a [*a]', 'key: [1, 2', '\uFEFF{}', 'null', '"str"', '1e999', '{"__proto__": {"x": 1}}')
  )
  const contentType = fc.constantFrom<string | undefined>(undefined, 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/yaml', 'text/yaml', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/vnd.api+json', '')

  const call = async (method: string, path: string, text?: string, type?: string): Promise<number> => {
    const headers: Record<string, string> = type != null ? { 'content-type': type } : {}
    const res = await h.app.request(path.replace('EXEC', executionId), { method, ...(text != null ? { body: text } : {}), headers })
    if (res.status >= 500) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`)
    return res.status
  }

  it('never answers 500 on the flow endpoints', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('POST /', 'GET /', 'GET /:id', 'PUT /:id', 'DELETE /:id', 'POST /:id/start', 'POST /:id/trigger'),
      id(), body, contentType, fc.string({ maxLength: 30 }),
      async (route, flowId, text, type, query) => {
        const [method, pattern] = route.split(' ')
        // deletions of the fixtures would starve the other runs of real targets
        if (method === 'DELETE' && (flowId === 'greeter' || flowId === 'waiter')) return
        const path = `/api/v1/flows${pattern.replace(':id', flowId)}`.replace(/\/$/, '') + (route === 'GET /' ? `?${query}` : '')
        await call(method, path, method === 'GET' || method === 'DELETE' ? undefined : text, type)
      }
    ), { numRuns: RUNS })
    expect(h.log).not.toHaveBeenCalled()
  })

  it('never answers 500 on the DAO endpoints', async () => {
    await fc.assert(fc.asyncProperty(id(), fc.boolean(), async (ref, list) => {
      await call('GET', list ? '/api/v1/dao/subnets' : `/api/v1/dao/subnets/${ref}`)
    }), { numRuns: RUNS })
    expect(h.log).not.toHaveBeenCalled()
  })

  it('never answers 500 on the execution endpoints', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET ', 'GET /logs', 'GET /metrics', 'POST /pause', 'POST /resume', 'POST /abort'),
      executionRef(), body, contentType,
      async (route, ref, text, type) => {
        const [method, suffix] = route.split(' ')
        await call(method, `/api/v1/executions/${ref}${suffix}`, method === 'POST' ? text : undefined, type)
      }
    ), { numRuns: RUNS })
    expect(h.log).not.toHaveBeenCalled()
  })
})
