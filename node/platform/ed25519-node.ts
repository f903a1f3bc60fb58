/**
 * Ed25519 through node:crypto (OpenSSL), the Node composition root's backend for sQuid
 * identities and the validation pipeline. Verification is one synchronous native call on a
 * cached `KeyObject` (WebCrypto's `subtle.verify` adds a thread-pool hop per call: p99 3.4 ms
 * vs ~0.4 ms here under the trust bench). OpenSSL is also what Node's WebCrypto uses, so both
 * accept exactly the same signatures (RFC 8032, no ZIP-215 leniency).
 *
 * Key handles stay the `Uint8Array`s the isomorphic code expects (the raw public key, the
 * 32-byte seed); their `KeyObject`s are kept in WeakMaps next to them.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { Ed25519Backend, PrivateKeyHandle, PublicKeyHandle } from '../../src/trust/index.js'
import { webCryptoEd25519 } from '../../src/trust/index.js'

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo (RFC 8410); the key follows
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

const publicKeys = new WeakMap<Uint8Array, KeyObject>()
const privateKeys = new WeakMap<Uint8Array, KeyObject>()

function publicKeyObject (raw: Uint8Array): KeyObject {
  let key = publicKeys.get(raw)
  if (key == null) {
    if (raw.length !== 32) throw new TypeError(`an Ed25519 public key has 32 bytes, not ${raw.length}`)
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
    publicKeys.set(raw, key)
  }
  return key
}

function privateKeyObject (seed: Uint8Array): KeyObject {
  let key = privateKeys.get(seed)
  if (key == null) {
    if (seed.length !== 32) throw new TypeError(`an Ed25519 seed has 32 bytes, not ${seed.length}`)
    key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    privateKeys.set(seed, key)
  }
  return key
}

function rawPublic (key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length))
}

/**
 * @example
 * const verifier = await signatureVerifier({ backend: nodeEd25519 })
 * const node = await createIdentity({ backend: nodeEd25519 })
 */
export const nodeEd25519: Ed25519Backend = {
  name: 'node',
  async generate ({ extractable }) {
    const pair = generateKeyPairSync('ed25519')
    const seed = new Uint8Array(pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length))
    privateKeys.set(seed, pair.privateKey)
    return { publicKey: rawPublic(pair.publicKey), privateKey: seed, extractable }
  },
  async fromSeed (seed, { extractable }) {
    const own = seed.slice()
    return { publicKey: rawPublic(createPublicKey(privateKeyObject(own))), privateKey: own, extractable }
  },
  async exportSeed (key: PrivateKeyHandle) {
    if (!(key instanceof Uint8Array)) return await webCryptoEd25519.exportSeed(key)
    return key.slice()
  },
  async sign (key: PrivateKeyHandle, message) {
    if (!(key instanceof Uint8Array)) return await webCryptoEd25519.sign(key, message)
    return new Uint8Array(cryptoSign(null, message, privateKeyObject(key)))
  },
  async importPublic (raw) {
    const own = raw.slice()
    publicKeyObject(own)
    return own
  },
  async verify (key: PublicKeyHandle, signature, message) {
    if (!(key instanceof Uint8Array)) return await webCryptoEd25519.verify(key, signature, message)
    if (signature.length !== 64) return false
    try {
      return cryptoVerify(null, message, publicKeyObject(key), signature)
    } catch {
      return false
    }
  }
}
