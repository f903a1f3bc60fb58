import { MemoryDatastore } from 'datastore-core'
import { describe, expect, it } from 'vitest'
import { VALIDATION_LAYERS } from '../../../../shared/trust.js'
import { createTrustPipeline, datastoreHistoryStore, signOperation, signRevocation, storedValidationHistory } from '../../../../src/trust/index.js'
import { HOUR, world } from '../fixtures.js'

describe('validation pipeline', () => {
  it('admits a signed operation through the four layers in order, with the seed result shape', async () => {
    const w = await world()
    const op = await w.op()
    const result = await w.trust.pipeline.validate(op, { flow: w.flow })
    expect(result).toMatchObject({ valid: true, layer: 'qerberos', errors: [], timestamp: '2026-01-01T00:00:00.000Z' })
    expect(Object.keys(result).sort()).toEqual(['errors', 'layer', 'metadata', 'timestamp', 'valid', 'warnings'])
    const layers = result.metadata.layers as Array<{ layer: string, metadata: Record<string, unknown> }>
    expect(layers.map(l => l.layer)).toEqual([...VALIDATION_LAYERS])
    expect(layers[0].metadata).toMatchObject({ actor: w.alice.id, signer: 'webcrypto', encrypted: false })
    expect(layers[1].metadata.needs).toEqual(['flow:billing-report#execute', 'reports:read', 'http:api.example.com'])
    expect(result.warnings.map(w => w.code)).toEqual(['needs_unresolved'])
    expect(result.metadata).toMatchObject({ operationId: op.operationId, cached: false })
  })

  it('re-checks each step with its resolved params, from cache the second time', async () => {
    const w = await world()
    const op = await w.op()
    await w.trust.pipeline.validate(op, { flow: w.flow })
    const post = w.flow.steps[1]
    const ctx = { operation: op, flow: w.flow, params: { url: 'https://hooks.example.org/done' } }
    const first = await w.trust.pipeline.validateStep(post, ctx)
    expect(first).toMatchObject({ valid: true, stepId: 'post', metadata: { cached: false } })
    const again = await w.trust.pipeline.validateStep(post, ctx)
    expect(again.metadata.cached).toBe(true)
    expect(w.trust.pipeline.metrics()).toMatchObject({ validations: 3, accepted: 3, rejected: 0 })
    expect(w.trust.pipeline.metrics().cache.hitRate).toBeGreaterThan(0.3)
    const history = await w.trust.pipeline.getValidationHistory(op.operationId)
    expect(history.map(h => [h.check, h.valid, h.cached])).toEqual([['validate', true, false], ['step:post', true, false], ['step:post', true, true]])
    expect(history[0]).toMatchObject({ actor: w.alice.id, type: 'flow-execution', target: w.flow.id, layer: 'qerberos' })
  })

  it('stops using a cached verdict when a grant is revoked or expires', async () => {
    const w = await world()
    const op = await w.op()
    await w.trust.pipeline.validate(op, { flow: w.flow })
    const note = w.flow.steps[2]
    await w.trust.pipeline.validateStep(note, { operation: op, flow: w.flow })
    const before = w.trust.pipeline.policyVersion()
    await w.trust.revocations.add(await signRevocation(w.admin, w.grants[1], { clock: w.clock }))
    expect(w.trust.pipeline.policyVersion()).not.toBe(before)
    await expect(w.trust.pipeline.validateStep(note, { operation: op, flow: w.flow })).rejects.toMatchObject({ code: 'grant_revoked' })

    const w2 = await world()
    const op2 = await w2.op()
    await w2.trust.pipeline.validate(op2, { flow: w2.flow })
    await w2.trust.pipeline.validateStep(note, { operation: op2, flow: w2.flow })
    await w2.clock.advance(HOUR)
    await expect(w2.trust.pipeline.validateStep(note, { operation: op2, flow: w2.flow })).rejects.toMatchObject({ layer: 'qonsent', code: 'grant_expired' })
  })

  it('lets a flow owner run its own flow without an execute grant; others need one', async () => {
    const w = await world({}, { requiredPermissions: [] })
    const mine = await w.op({ by: w.owner, context: { grants: [] } })
    const flow = { ...w.flow, steps: [w.flow.steps[2]] }
    await expect(w.trust.pipeline.validate(mine, { flow })).resolves.toMatchObject({ valid: true })
    await expect(w.trust.pipeline.validate(await w.op({ context: { grants: [] } }), { flow })).rejects.toMatchObject({ code: 'permission_missing', message: /flow:billing-report#execute/ })
  })

  it('accepts a step re-check on a peer that never saw the operation, long after admission, but not a nonce reused by another operation', async () => {
    const w = await world()
    const op = await w.op()
    const note = w.flow.steps[2]
    const peer = await createTrustPipeline({ clock: w.clock, authorities: [w.admin.id] })
    await w.clock.advance(HOUR - 1) // step re-checks are not subject to the admission skew
    await expect(peer.pipeline.validateStep(note, { operation: op, flow: w.flow })).resolves.toMatchObject({ valid: true })
    await expect(peer.pipeline.validateStep(note, { operation: op, flow: w.flow })).resolves.toMatchObject({ valid: true })
    const other = await w.op()
    const reused = await signOperation(w.alice, { type: other.type, target: other.target, payload: { other: true }, context: other.context }, { clock: { now: () => op.envelope.timestamp }, nonce: op.envelope.nonce })
    await expect(peer.pipeline.validateStep(note, { operation: reused, flow: w.flow })).rejects.toMatchObject({ layer: 'qerberos', code: 'nonce_reused' })
  })

  it('flags bursts as warnings without rejecting', async () => {
    const w = await world({ burst: { windowMs: 1000, threshold: 2 } })
    const results = []
    for (let i = 0; i < 3; i++) results.push(await w.trust.pipeline.validate(await w.op(), { flow: w.flow }))
    expect(results.map(r => r.warnings.some(x => x.code === 'burst'))).toEqual([false, false, true])
    expect(results[2].warnings.find(x => x.code === 'burst')?.message).toMatch(/sent 3 operations within 1000 ms/)
  })

  it('keeps history in a datastore that a restarted pipeline reads back', async () => {
    const datastore = new MemoryDatastore()
    const w = await world({ history: storedValidationHistory({ store: datastoreHistoryStore(datastore) }) })
    const op = await w.op()
    await w.trust.pipeline.validate(op, { flow: w.flow })
    await expect(w.trust.pipeline.validate(op, { flow: w.flow })).rejects.toMatchObject({ code: 'nonce_reused' })
    expect((await w.trust.pipeline.getValidationHistory(op.operationId)).map(h => h.valid)).toEqual([true, false])
    const restarted = await createTrustPipeline({ clock: w.clock, authorities: [], history: storedValidationHistory({ store: datastoreHistoryStore(datastore) }) })
    const read = await restarted.pipeline.getValidationHistory(op.operationId)
    expect(read.map(h => [h.valid, h.layer, h.errorType ?? null])).toEqual([[true, 'qerberos', null], [false, 'qerberos', 'permission_denied']])
    expect(read[1].message).toMatch(/replay/)
  })
})
