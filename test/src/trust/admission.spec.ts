/**
 * Admission helpers: the signed start payload binds an operation to one execution (flow, id,
 * input), subnet access is membership, nested parallel steps are steps of their flow, and the
 * keyring key derived from an identity is stable and identity-specific.
 */
import { describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import {
  admissionOf, canAccessFlow, canAccessSubnet, checkAdmission, createIdentity, findStep, identityFromSeed, keyringMasterKey,
  createTrustPipeline, selfSigned, signatureVerifier, signStart, startPayloadOf, toBase64url, withAdmission, ADMISSION_VARIABLE
} from '../../../src/trust/index.js'

const alice = await createIdentity()
const reportFlow: FlowDefinition = {
  id: 'report', name: 'report', version: '1.0.0', owner: alice.id,
  steps: [{ id: 'note', type: 'task', action: 'qflow.action.log', params: { message: 'hi' } }],
  metadata: { tags: ['reports'], category: 'finance', visibility: 'public', requiredPermissions: ['reports:read'] },
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z'
}

describe('admission', () => {
  it('binds a start operation to its flow, execution id and input', async () => {
    const op = await signStart(alice, { flowId: 'report', flow: reportFlow, executionId: 'exec-1', inputData: { month: '2026-01' } })
    expect(startPayloadOf(op)).toEqual({ flowId: 'report', flow: expect.stringMatching(/^bafyrei/), executionId: 'exec-1', input: expect.stringMatching(/^bafyrei/) })
    expect(op.context).toEqual({ executionId: 'exec-1' })
    const execution = { executionId: 'exec-1', flow: reportFlow, inputData: { month: '2026-01' } }
    expect(checkAdmission(op, execution).executionId).toBe('exec-1')
    for (const [patch, why] of [[{ executionId: 'exec-2' }, /signed for execution exec-1, not exec-2/], [{ flow: { ...reportFlow, id: 'other' } }, /signed for flow report, not other/],
      [{ inputData: { month: '2026-02' } }, /signed for input bafyrei\w+, not bafyrei/]] as const) {
      expect(() => checkAdmission(op, { ...execution, ...patch })).toThrow(expect.objectContaining({ type: 'permission_denied', code: 'admission_mismatch', message: expect.stringMatching(why) }))
    }
    expect(() => startPayloadOf({ ...op, payload: { flowId: 'report', flow: 'bafy', executionId: 'bad id!', input: 'bafy' } })).toThrow(/payload\.executionId must be/)
    expect(() => startPayloadOf({ ...op, type: 'external-event' })).toThrow(/not flow-execution/)
  })

  it('travels in the execution context as plain data', async () => {
    const op = await signStart(alice, { flowId: 'f', flow: reportFlow, executionId: 'exec-9', inputData: {}, parent: 'exec-1' })
    const context = withAdmission({ variables: { region: 'eu' } }, op)
    expect(context.variables).toEqual({ region: 'eu', [ADMISSION_VARIABLE]: op })
    const back = admissionOf({ variables: context.variables ?? {} })
    expect(back).toEqual(op)
    expect(back).not.toBe(op)
    expect(startPayloadOf(back!).parent).toBe('exec-1')
    expect(admissionOf({ variables: {} })).toBeUndefined()
  })

  it('lets only members access a subnet', () => {
    const registry = { isMember: (subnet: string, id: string) => subnet === 'dao.a' && id === alice.id }
    expect(canAccessSubnet(alice.id, 'dao.a', registry)).toBe(true)
    expect(canAccessSubnet('did:key:other', 'dao.a', registry)).toBe(false)
    expect(canAccessSubnet(alice.id, 'dao.b', registry)).toBe(false)
    expect(canAccessSubnet('did:key:other', undefined, registry)).toBe(true)
    expect(canAccessFlow('did:key:other', { metadata: { tags: [], category: 'x', visibility: 'public', requiredPermissions: [], daoSubnet: 'dao.a' } }, registry)).toBe(false)
  })

  it('finds steps inside parallel branches', () => {
    const inner = { id: 'note', type: 'task' as const, action: 'qflow.action.log', params: {} }
    const steps = [{ id: 'fan', type: 'parallel' as const, action: 'qflow.parallel', params: { branches: [[{ id: 'a', type: 'task' as const, action: 'x', params: {} }], [inner]] } }]
    expect(findStep({ steps }, 'note')).toBe(inner)
    expect(findStep({ steps }, 'missing')).toBeUndefined()
  })

  it('derives the keyring master key from the identity, the same for the same seed', async () => {
    const seed = new Uint8Array(32).fill(3)
    const [a, b, other] = [await identityFromSeed(seed), await identityFromSeed(seed), await identityFromSeed(new Uint8Array(32).fill(4))]
    const key = await keyringMasterKey(a)
    expect(key).toHaveLength(32)
    expect(await keyringMasterKey(b)).toEqual(key)
    expect(await keyringMasterKey(other)).not.toEqual(key)
    expect(await keyringMasterKey(a, 'another purpose')).not.toEqual(key)
    expect(key).not.toEqual(seed)
  })

  it('skips the Ed25519 check only for the identity\'s own fresh signature over the same bytes', async () => {
    const real = await signatureVerifier()
    let checks = 0
    const counting = { backend: real.backend, verify: async (did: string, sig: Uint8Array | string, msg: Uint8Array) => { checks++; return await real.verify(did, sig, msg) } }
    const { identity: node, verifier } = selfSigned(alice, counting)
    expect(node.id).toBe(alice.id)
    const message = new TextEncoder().encode('start exec-1')
    const sig = toBase64url(await node.sign(message))
    expect(await verifier.verify(alice.id, sig, message)).toBe(true)
    expect(checks).toBe(0)
    expect(await verifier.verify(alice.id, sig, new TextEncoder().encode('start exec-2'))).toBe(false)
    const other = await createIdentity()
    expect(await verifier.verify(other.id, sig, message)).toBe(false)
    const direct = toBase64url(await alice.sign(new TextEncoder().encode('signed elsewhere')))
    expect(await verifier.verify(alice.id, direct, new TextEncoder().encode('signed elsewhere'))).toBe(true)
    expect(checks).toBe(3)
  })

  it('exempts listed identities (the node) from the rate limit, and only them', async () => {
    const bob = await createIdentity()
    const trust = await createTrustPipeline({ clock: { now: () => Date.now() }, authorities: [], rateLimit: { capacity: 1, perSecond: 0.001 }, unlimited: [alice.id], requireDidOwner: false })
    const flowOf = (owner: string): any => ({ id: 'f', name: 'f', version: '1', owner, steps: [{ id: 'a', type: 'task', action: 'qflow.action.log', params: {} }], metadata: { tags: [], category: 'c', visibility: 'public', requiredPermissions: [] }, createdAt: '', updatedAt: '' })
    for (const n of [1, 2, 3]) await trust.pipeline.validate(await signStart(alice, { flowId: 'f', flow: flowOf(alice.id), executionId: `exec-a${n}`, inputData: {} }), { flow: flowOf(alice.id) })
    await trust.pipeline.validate(await signStart(bob, { flowId: 'f', flow: flowOf(bob.id), executionId: 'exec-b1', inputData: {} }), { flow: flowOf(bob.id) })
    await expect(trust.pipeline.validate(await signStart(bob, { flowId: 'f', flow: flowOf(bob.id), executionId: 'exec-b2', inputData: {} }), { flow: flowOf(bob.id) }))
      .rejects.toMatchObject({ layer: 'qerberos', code: 'rate_limited', type: 'resource_exhausted' })
  })
})
