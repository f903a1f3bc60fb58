/**
 * A node verifies its own signatures a lot: every start it signs for its local owner is
 * admitted by the same pipeline a moment later. `selfSigned` remembers the last signatures the
 * identity made, with the exact bytes signed, and the wrapped verifier answers `true` for
 * that signature over those same bytes without the Ed25519 check (it is valid by construction).
 * Anything else, any other signer, or any other bytes, goes to the real verifier.
 */
import { Lru } from '../lru.js'
import { toBase64url } from '../encoding.js'
import type { SquidIdentity } from './identity.js'
import type { SignatureVerifier } from './verifier.js'

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * @example
 * const { identity: node, verifier } = selfSigned(rawNode, rawVerifier)
 * await verifier.verify(node.id, await node.sign(bytes), bytes) // true, no Ed25519 verify
 */
export function selfSigned (identity: SquidIdentity, verifier: SignatureVerifier, size = 4096): { identity: SquidIdentity, verifier: SignatureVerifier } {
  const signed = new Lru<string, Uint8Array>(size)
  const wrapped: SquidIdentity = {
    id: identity.id,
    peerId: identity.peerId,
    publicKey: identity.publicKey,
    ...(identity.name != null ? { name: identity.name } : {}),
    extractable: identity.extractable,
    exportSeed: async () => await identity.exportSeed(),
    async sign (message) {
      const signature = await identity.sign(message)
      signed.set(toBase64url(signature), message.slice())
      return signature
    }
  }
  return {
    identity: wrapped,
    verifier: {
      backend: verifier.backend,
      async verify (did, signature, message) {
        if (did === identity.id && typeof signature === 'string') {
          const bytes = signed.get(signature)
          if (bytes != null && sameBytes(bytes, message)) return true
        }
        return await verifier.verify(did, signature, message)
      }
    }
  }
}
