/**
 * An sQuid identity: an Ed25519 key pair named by its `did:key`, which is also a libp2p
 * PeerId, so a node's identity and its peer id can be one key.
 */
import { KeyNotExtractableError } from '../errors.js'
import { didKeyFromPublicKey, libp2pPrivateKeyProtobuf, peerIdFromPublicKey } from './did-key.js'
import { ed25519Backend } from './ed25519.js'
import type { Ed25519Backend, Ed25519KeyPair } from './ed25519.js'

export interface SquidIdentity {
  /** `did:key:z6Mk…` */
  readonly id: string
  /** `12D3KooW…`: the libp2p PeerId of the same key. */
  readonly peerId: string
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** A local label (keystores use it as a file or record name). */
  readonly name?: string
  /** False for platform-protected keys: `exportSeed` then throws `KeyNotExtractableError`. */
  readonly extractable: boolean
  /** Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>
  /** The 32-byte private seed, for key files and libp2p. */
  exportSeed(): Promise<Uint8Array>
}

export interface IdentityOptions {
  /** Whether the private key may leave the key object (default true). */
  extractable?: boolean
  name?: string
  /** Default: `ed25519Backend()` (WebCrypto when available). */
  backend?: Ed25519Backend
}

/** Wraps a key pair of a backend as an identity. */
export function identityFromKeyPair (pair: Ed25519KeyPair, backend: Ed25519Backend, name?: string): SquidIdentity {
  const id = didKeyFromPublicKey(pair.publicKey)
  return {
    id,
    peerId: peerIdFromPublicKey(pair.publicKey),
    publicKey: pair.publicKey,
    ...(name != null ? { name } : {}),
    extractable: pair.extractable,
    sign: async (message) => await backend.sign(pair.privateKey, message),
    async exportSeed () {
      if (!pair.extractable) throw new KeyNotExtractableError(id)
      return await backend.exportSeed(pair.privateKey)
    }
  }
}

/**
 * A fresh identity.
 *
 * @example
 * const alice = await createIdentity({ name: 'alice' })
 * alice.id      // 'did:key:z6Mk…'
 * alice.peerId  // '12D3KooW…'
 */
export async function createIdentity (options: IdentityOptions = {}): Promise<SquidIdentity> {
  const backend = options.backend ?? await ed25519Backend()
  return identityFromKeyPair(await backend.generate({ extractable: options.extractable ?? true }), backend, options.name)
}

/** The identity of a 32-byte seed (from a key file or a libp2p key). */
export async function identityFromSeed (seed: Uint8Array, options: IdentityOptions = {}): Promise<SquidIdentity> {
  if (seed.length !== 32) throw new TypeError(`an Ed25519 seed has 32 bytes, not ${seed.length}`)
  const backend = options.backend ?? await ed25519Backend()
  return identityFromKeyPair(await backend.fromSeed(seed, { extractable: options.extractable ?? true }), backend, options.name)
}

/**
 * The libp2p protobuf private key of an identity: `privateKeyFromProtobuf(bytes)` from
 * @libp2p/crypto gives the `privateKey` option of `createLibp2p`, whose peer id is `identity.peerId`.
 */
export async function libp2pPrivateKey (identity: SquidIdentity): Promise<Uint8Array> {
  return libp2pPrivateKeyProtobuf(await identity.exportSeed(), identity.publicKey)
}
