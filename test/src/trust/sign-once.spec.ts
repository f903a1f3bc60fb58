import { describe, expect, it } from 'vitest'
import type { Operation } from '../../../shared/trust.js'
import { payloadHash, verifyEnvelopeSignature } from '../../../src/trust/envelope.js'
import { createIdentity, signatureVerifier } from '../../../src/trust/index.js'
import { selfSigned } from '../../../src/trust/identity/self-signed.js'
import { operationDigest, signOperation } from '../../../src/trust/operation.js'

const raw = await createIdentity()
const { identity: node, verifier } = selfSigned(raw, await signatureVerifier())

/** The same operation as plain data, re-built field by field (no memo applies to it). */
const copyOf = (op: Operation): Operation => JSON.parse(JSON.stringify(op))

describe('a signed operation is encoded once', () => {
  it('its digest (payload CID, size, hash) equals that of an equal copy hashed from scratch', async () => {
    const op = await signOperation(node, { type: 'flow-execution', target: 'f', payload: { flowId: 'f', executionId: 'e1', input: 'bafyx', nested: [1, { a: 'b' }] } })
    const fresh = operationDigest(copyOf(op))
    expect(operationDigest(op)).toEqual(fresh)
    expect(fresh.payloadCid).toBe(payloadHash(copyOf(op).payload))
    expect(op.envelope.payloadHash).toBe(fresh.payloadCid)
  })

  it('freezes the payload and the envelope when signing, so what was hashed cannot change afterwards', async () => {
    const op = await signOperation(node, { type: 'flow-execution', target: 'f', payload: { input: { a: 1 } } })
    expect(() => { (op.payload as any).input.a = 2 }).toThrow(TypeError)
    expect(() => { (op.envelope as any).target = 'g' }).toThrow(TypeError)
    expect(operationDigest(op).payloadCid).toBe(payloadHash({ input: { a: 1 } }))
  })

  it('leaves a payload holding bytes unfrozen and hashes it when digested', async () => {
    const payload = { sealed: new Uint8Array([1, 2, 3]), meta: { k: 'v' } }
    const op = await signOperation(node, { type: 'flow-execution', target: 'f', payload })
    expect(Object.isFrozen(payload.meta)).toBe(false)
    payload.sealed[0] = 9 // changed before validation: the digest sees the change, the envelope does not match it
    const digest = operationDigest(op)
    expect(digest.payloadCid).not.toBe(op.envelope.payloadHash)
    await expect(verifyEnvelopeSignature(op.envelope, verifier, { hash: digest.payloadCid })).rejects.toMatchObject({ code: 'payload_mismatch' })
  })

  it('the node verifies its own envelope without re-encoding it, and an altered copy still fails', async () => {
    const op = await signOperation(node, { type: 'flow-execution', target: 'f', payload: { input: {} } })
    await expect(verifyEnvelopeSignature(op.envelope, verifier)).resolves.toBe(op.envelope)
    await expect(verifyEnvelopeSignature({ ...op.envelope, target: 'other' }, verifier)).rejects.toMatchObject({ name: 'InvalidSignatureError' })
    await expect(verifyEnvelopeSignature({ ...op.envelope, timestamp: op.envelope.timestamp + 1 }, verifier)).rejects.toMatchObject({ name: 'InvalidSignatureError' })
  })

  it('a malformed actor is refused even after valid ones were seen', async () => {
    const op = await signOperation(node, { type: 'flow-execution', target: 'f', payload: {} })
    await verifyEnvelopeSignature(op.envelope, verifier)
    await expect(verifyEnvelopeSignature({ ...op.envelope, actor: op.envelope.actor.slice(0, -4) + '0OIl' }, verifier)).rejects.toMatchObject({ code: 'envelope_malformed' })
  })
})
