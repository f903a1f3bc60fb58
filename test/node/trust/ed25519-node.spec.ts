/**
 * The node:crypto Ed25519 backend agrees with WebCrypto and noble: signatures made by one
 * verify with the others, and altered messages, signatures or keys do not.
 */
import { describe, expect, it } from 'vitest'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { createIdentity, identityFromSeed, nobleEd25519, signatureVerifier, webCryptoEd25519 } from '../../../src/trust/index.js'

const message = new TextEncoder().encode('qflow node:crypto backend')

describe('node:crypto Ed25519', () => {
  it('signs and verifies interchangeably with WebCrypto and noble', async () => {
    const seed = globalThis.crypto.getRandomValues(new Uint8Array(32))
    const ids = await Promise.all([nodeEd25519, webCryptoEd25519, nobleEd25519].map(async backend => await identityFromSeed(seed, { backend })))
    expect(new Set(ids.map(i => i.id)).size).toBe(1)
    for (const signer of ids) {
      const sig = await signer.sign(message)
      for (const backend of [nodeEd25519, webCryptoEd25519, nobleEd25519]) {
        const verifier = await signatureVerifier({ backend })
        expect(await verifier.verify(signer.id, sig, message)).toBe(true)
      }
    }
  })

  it('rejects an altered message, signature or key', async () => {
    const alice = await createIdentity({ backend: nodeEd25519 })
    const bob = await createIdentity({ backend: nodeEd25519 })
    expect(await alice.exportSeed()).toHaveLength(32)
    const verifier = await signatureVerifier({ backend: nodeEd25519 })
    const sig = await alice.sign(message)
    const flipped = sig.slice()
    flipped[10] ^= 1
    expect(await verifier.verify(alice.id, flipped, message)).toBe(false)
    expect(await verifier.verify(alice.id, sig, message.slice(1))).toBe(false)
    expect(await verifier.verify(bob.id, sig, message)).toBe(false)
    expect(await verifier.verify(alice.id, sig.slice(0, 63), message)).toBe(false)
    expect(verifier.backend).toBe('node')
  })
})
