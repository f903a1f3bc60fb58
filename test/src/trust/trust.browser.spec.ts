/**
 * The trust core in Chromium: WebCrypto Ed25519, did:key, key files, envelopes and the whole
 * pipeline (same code as in Node).
 */
import { describe, expect, it } from 'vitest'
import { ed25519Backend, exportKeyFile, importKeyFile, nobleEd25519, signatureVerifier } from '../../../src/trust/index.js'
import { world } from './fixtures.js'

describe('trust in the browser', () => {
  it('signs with WebCrypto Ed25519, and noble agrees', async () => {
    expect((await ed25519Backend()).name).toBe('webcrypto')
    const w = await world()
    const msg = new TextEncoder().encode('browser')
    const sig = await w.alice.sign(msg)
    expect(await (await signatureVerifier({ backend: nobleEd25519 })).verify(w.alice.id, sig, msg)).toBe(true)
    const file = await exportKeyFile(w.alice, 'pw', { iterations: 1000 })
    expect((await importKeyFile(file, 'pw')).id).toBe(w.alice.id)
  })

  it('admits a signed operation through the four layers and rejects its replay', async () => {
    const w = await world()
    const op = await w.op()
    await expect(w.trust.pipeline.validate(op, { flow: w.flow })).resolves.toMatchObject({ valid: true, layer: 'qerberos' })
    await expect(w.trust.pipeline.validate(structuredClone(op), { flow: w.flow })).rejects.toMatchObject({ name: 'ValidationFailedError', code: 'nonce_reused' })
    const forged = { ...op, envelope: { ...op.envelope, target: 'other' }, target: 'other' }
    await expect(w.trust.pipeline.validate(forged, { flow: w.flow })).rejects.toMatchObject({ layer: 'qlock', code: 'signature_invalid' })
  })
})
