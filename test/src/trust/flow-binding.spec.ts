/**
 * `flowCid`: the content id a start signature binds. The same flow hashes the same however it
 * travelled (a record's JSON, the dispatch wire's dag-cbor, keys in another order, undefined
 * fields); any change to its steps or metadata changes it. A start payload must name it.
 */
import * as dagCbor from '@ipld/dag-cbor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import { checkAdmission, createIdentity, flowCid, signOperation, signStart, startPayloadOf } from '../../../src/trust/index.js'

const alice = await createIdentity()

function reportFlow (params: Record<string, unknown> = { message: 'hi' }): FlowDefinition {
  return {
    id: 'report', name: 'report', version: '1.0.0', owner: alice.id,
    steps: [{ id: 'note', type: 'task', action: 'qflow.action.log', params }],
    metadata: { tags: ['reports'], category: 'finance', visibility: 'public', requiredPermissions: ['reports:read'] },
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z'
  }
}

/** The same value with every object's keys in reverse order. */
function reversed (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed)
  if (value == null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
}

describe('flowCid', () => {
  it('is the same for the flow as a record, the wire or another key order carries it', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (params) => {
      const f = reportFlow(params)
      const cid = flowCid(f)
      expect(cid).toMatch(/^bafyrei/)
      expect(flowCid(JSON.parse(JSON.stringify(f)))).toBe(cid)
      expect(flowCid(dagCbor.decode(dagCbor.encode(JSON.parse(JSON.stringify(f)))) as FlowDefinition)).toBe(cid)
      expect(flowCid(reversed(f) as FlowDefinition)).toBe(cid)
    }), { numRuns: 100 })
    const f = reportFlow()
    expect(flowCid({ ...f, description: undefined } as FlowDefinition)).toBe(flowCid(f))
  })

  it('changes with any step param, step or permission', () => {
    const f = reportFlow()
    const variants: FlowDefinition[] = [
      reportFlow({ message: 'hi!' }),
      { ...f, steps: [...f.steps, { id: 'more', type: 'task', action: 'qflow.action.log', params: {} }] },
      { ...f, metadata: { ...f.metadata, requiredPermissions: [] } },
      { ...f, metadata: { ...f.metadata, daoSubnet: 'dao.a' } }
    ]
    const cids = new Set([flowCid(f), ...variants.map(flowCid)])
    expect(cids.size).toBe(variants.length + 1)
  })

  it('is signed into the start payload, from the flow or from its CID', async () => {
    const f = reportFlow()
    const fromFlow = await signStart(alice, { flowId: 'report', flow: f, executionId: 'exec-1', inputData: {} })
    const fromCid = await signStart(alice, { flowId: 'report', flow: flowCid(f), executionId: 'exec-1', inputData: {} })
    expect(startPayloadOf(fromFlow).flow).toBe(flowCid(f))
    expect(startPayloadOf(fromCid)).toEqual(startPayloadOf(fromFlow))
    expect(() => checkAdmission(fromFlow, { executionId: 'exec-1', flow: reportFlow({ message: 'bye' }), inputData: {} })).toThrow(expect.objectContaining({
      code: 'admission_mismatch', message: expect.stringContaining(`signed for the definition of flow report ${flowCid(f)}, not ${flowCid(reportFlow({ message: 'bye' }))}`)
    }))
  })

  it('refuses a start payload that names no flow CID, or something else', async () => {
    const unbound = await signOperation(alice, { type: 'flow-execution', target: 'report', payload: { flowId: 'report', executionId: 'exec-1', input: 'bafyreib' }, context: {} })
    expect(() => startPayloadOf(unbound)).toThrow(expect.objectContaining({ name: 'PermissionDeniedError', type: 'permission_denied', code: 'admission_unbound' }))
    expect(() => checkAdmission(unbound, { executionId: 'exec-1', flow: reportFlow(), inputData: {} })).toThrow(expect.objectContaining({ code: 'admission_unbound' }))
    const notCid = { ...unbound, payload: { flowId: 'report', flow: 'report@1.0.0', executionId: 'exec-1', input: 'bafyreib' } }
    expect(() => startPayloadOf(notCid)).toThrow(expect.objectContaining({ code: 'admission_malformed', message: expect.stringMatching(/payload\.flow must be the CID of the flow definition/) }))
  })
})
