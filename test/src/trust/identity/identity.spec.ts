import { privateKeyFromProtobuf, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromPublicKey as libp2pPeerId } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import {
  createIdentity, didKeyFromPublicKey, ed25519Backend, identityFromSeed, isDidKey, libp2pPrivateKey, nobleEd25519,
  peerIdFromPublicKey, publicKeyFromDidKey, signatureVerifier, webCryptoEd25519
} from '../../../../src/trust/index.js'

const message = new TextEncoder().encode('qflow')

describe('sQuid identity', () => {
  it('is named by a did:key and by the libp2p PeerId of the same key', async () => {
    const alice = await createIdentity({ name: 'alice' })
    expect(alice.id).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/)
    expect(alice.peerId).toMatch(/^12D3KooW/)
    expect(alice.peerId).toBe(libp2pPeerId(publicKeyFromRaw(alice.publicKey)).toString())
    expect(publicKeyFromDidKey(alice.id)).toEqual(alice.publicKey)
    expect(didKeyFromPublicKey(alice.publicKey)).toBe(alice.id)
  })

  it('matches the did:key test vector of the all-zero seed', async () => {
    const id = await identityFromSeed(new Uint8Array(32))
    expect(id.id).toBe('did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp')
  })

  it('hands libp2p the same key: the peer id of its protobuf private key is the identity peer id', async () => {
    const alice = await createIdentity()
    const key = privateKeyFromProtobuf(await libp2pPrivateKey(alice))
    expect(peerIdFromPrivateKey(key as any).toString()).toBe(alice.peerId)
  })

  it('rejects strings that are not Ed25519 did:keys', () => {
    for (const bad of ['', 'did:key:', 'did:web:example.com', 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0',
      'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', 'did:key:z6Mk']) {
      expect(isDidKey(bad), bad).toBe(false)
      expect(() => publicKeyFromDidKey(bad)).toThrow(expect.objectContaining({ name: 'MalformedError', code: 'did_invalid' }))
    }
  })

  it('prefers WebCrypto in this runtime', async () => {
    expect((await ed25519Backend()).name).toBe('webcrypto')
  })

  for (const [signer, checker] of [[webCryptoEd25519, nobleEd25519], [nobleEd25519, webCryptoEd25519], [webCryptoEd25519, webCryptoEd25519]] as const) {
    it(`signs with ${signer.name}, verifies with ${checker.name}; another key or message fails`, async () => {
      const alice = await createIdentity({ backend: signer })
      const mallory = await createIdentity({ backend: signer })
      const verifier = await signatureVerifier({ backend: checker })
      const sig = await alice.sign(message)
      expect(sig).toHaveLength(64)
      expect(await verifier.verify(alice.id, sig, message)).toBe(true)
      expect(await verifier.verify(mallory.id, sig, message)).toBe(false)
      expect(await verifier.verify(alice.id, sig, new TextEncoder().encode('qflox'))).toBe(false)
      const flipped = sig.slice()
      flipped[10] ^= 1
      expect(await verifier.verify(alice.id, flipped, message)).toBe(false)
      expect(await verifier.verify(alice.id, sig.slice(0, 63), message)).toBe(false)
      expect(await verifier.verify(alice.id, 'not base64url!', message)).toBe(false)
    })
  }

  it('gives the same key from the same seed in both implementations', async () => {
    const seed = globalThis.crypto.getRandomValues(new Uint8Array(32))
    const a = await identityFromSeed(seed, { backend: webCryptoEd25519 })
    const b = await identityFromSeed(seed, { backend: nobleEd25519 })
    expect(a.id).toBe(b.id)
    expect(await a.sign(message)).toEqual(await b.sign(message)) // Ed25519 is deterministic
    expect(await a.exportSeed()).toEqual(seed)
  })

  it('keeps a non-extractable key inside', async () => {
    const alice = await createIdentity({ extractable: false })
    expect(alice.extractable).toBe(false)
    await expect(alice.exportSeed()).rejects.toMatchObject({ name: 'KeyNotExtractableError' })
    expect(peerIdFromPublicKey(alice.publicKey)).toBe(alice.peerId)
  })
})
