/**
 * Names of an Ed25519 public key:
 * - the sQuid id `did:key:z6Mk…`: multicodec ed25519-pub (varint 0xed 0x01) + key, base58btc;
 * - the libp2p PeerId `12D3KooW…`: identity multihash of the protobuf PublicKey
 *   `{ Type: Ed25519 (1), Data: key }`, base58btc without prefix (what @libp2p/peer-id prints).
 */
import { base58btc } from 'multiformats/bases/base58'
import { MalformedError } from '../errors.js'

const DID_PREFIX = 'did:key:'
const ED25519_PUB = [0xed, 0x01]
/** protobuf field 1 (KeyType) = 1 (Ed25519), field 2 (Data) length 32 */
const PROTOBUF_HEADER = [0x08, 0x01, 0x12, 0x20]
const IDENTITY_MULTIHASH = [0x00, 0x24]

export function didKeyFromPublicKey (publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new MalformedError('public_key_invalid', `an Ed25519 public key has 32 bytes, not ${publicKey.length}`)
  const bytes = new Uint8Array(34)
  bytes.set(ED25519_PUB, 0)
  bytes.set(publicKey, 2)
  return DID_PREFIX + base58btc.encode(bytes)
}

/** The raw public key a `did:key` names; `MalformedError` (`did_invalid`) otherwise. */
export function publicKeyFromDidKey (did: string): Uint8Array {
  if (typeof did !== 'string' || !did.startsWith(DID_PREFIX + 'z')) {
    throw new MalformedError('did_invalid', `not an sQuid identity: '${String(did).slice(0, 80)}' is not a did:key`)
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(did.slice(DID_PREFIX.length))
  } catch {
    throw new MalformedError('did_invalid', `not an sQuid identity: '${did.slice(0, 80)}' is not base58btc`)
  }
  if (bytes.length !== 34 || bytes[0] !== ED25519_PUB[0] || bytes[1] !== ED25519_PUB[1]) {
    throw new MalformedError('did_invalid', `not an sQuid identity: '${did.slice(0, 80)}' is not an Ed25519 did:key`)
  }
  return bytes.slice(2)
}

export function isDidKey (value: unknown): value is string {
  try {
    publicKeyFromDidKey(value as string)
    return true
  } catch {
    return false
  }
}

/** The libp2p PeerId string of the same key, so a node's identity can be its peer id. */
export function peerIdFromPublicKey (publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new MalformedError('public_key_invalid', `an Ed25519 public key has 32 bytes, not ${publicKey.length}`)
  const bytes = new Uint8Array(2 + 4 + 32)
  bytes.set(IDENTITY_MULTIHASH, 0)
  bytes.set(PROTOBUF_HEADER, 2)
  bytes.set(publicKey, 6)
  return base58btc.baseEncode(bytes)
}

/** The libp2p protobuf PrivateKey (`privateKeyFromProtobuf` in @libp2p/crypto reads it): seed ‖ public key. */
export function libp2pPrivateKeyProtobuf (seed: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(4 + 64)
  bytes.set([0x08, 0x01, 0x12, 0x40], 0)
  bytes.set(seed, 4)
  bytes.set(publicKey, 36)
  return bytes
}
