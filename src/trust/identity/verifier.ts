/**
 * Checks Ed25519 signatures by sQuid id. Imported public keys are kept in a small LRU (an
 * import costs ~35 µs with WebCrypto), so verifying for a known identity is one native call.
 */
import { fromBase64url } from '../encoding.js'
import { Lru } from '../lru.js'
import { publicKeyFromDidKey } from './did-key.js'
import { ed25519Backend } from './ed25519.js'
import type { Ed25519Backend, PublicKeyHandle } from './ed25519.js'

export interface SignatureVerifier {
  /**
   * True when `signature` (bytes or base64url) is `did`'s signature of `message`. False for a
   * malformed signature; `MalformedError` (`did_invalid`) when `did` is not an Ed25519 did:key.
   *
   * @example
   * await verifier.verify(alice.id, await alice.sign(bytes), bytes) // true
   */
  verify(did: string, signature: Uint8Array | string, message: Uint8Array): Promise<boolean>
  readonly backend: Ed25519Backend['name']
}

export interface SignatureVerifierInit {
  backend?: Ed25519Backend
  /** Imported public keys kept (default 4096). */
  keyCacheSize?: number
}

export async function signatureVerifier (init: SignatureVerifierInit = {}): Promise<SignatureVerifier> {
  const backend = init.backend ?? await ed25519Backend()
  const keys = new Lru<string, PublicKeyHandle>(init.keyCacheSize ?? 4096)
  return {
    backend: backend.name,
    async verify (did, signature, message) {
      let key = keys.get(did)
      if (key == null) {
        key = await backend.importPublic(publicKeyFromDidKey(did))
        keys.set(did, key)
      }
      let sig: Uint8Array
      try {
        sig = typeof signature === 'string' ? fromBase64url(signature) : signature
      } catch {
        return false
      }
      if (sig.length !== 64) return false
      return await backend.verify(key, sig, message)
    }
  }
}
