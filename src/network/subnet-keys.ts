/**
 * Subnet data keys: every node of a DAO subnet seals execution state with a key derived from
 * the subnet's secret, so the node that takes an execution over can open its blocks. A secret
 * travels only sealed to one member's identity: X25519 between a fresh ephemeral key and the
 * recipient's Ed25519 key mapped to Montgomery form (`ed25519.utils.toMontgomery`), HKDF-SHA256
 * bound to the subnet and both parties, XChaCha20-Poly1305. See ARCHITECTURE.md (subnet keys).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { ProtocolError } from './errors.js'

const enc = new TextEncoder()

/** A subnet secret's data key: the id names the key in sealed envelopes (`subnet:<subnet>:<fingerprint>`). */
export interface SubnetKeyMaterial { id: string, subnet: string, raw: Uint8Array }

/** 32 random bytes: a new subnet secret. */
export function newSubnetSecret (): Uint8Array {
  return randomBytes(32)
}

/** The data key of a subnet secret (HKDF-SHA256; the fingerprint is of the key, not the secret). */
export function subnetKeyMaterial (subnet: string, secret: Uint8Array): SubnetKeyMaterial {
  if (secret.length !== 32) throw new TypeError(`subnet secret of ${subnet}: must be 32 bytes, got ${secret.length}`)
  const raw = hkdf(sha256, secret, enc.encode('qflow:subnet-data-key:v1'), enc.encode(subnet), 32)
  return { id: `subnet:${subnet}:${bytesToHex(sha256(raw)).slice(0, 24)}`, subnet, raw }
}

/** Secrets sealed to one recipient. */
export interface SealedSecrets { epk: Uint8Array, nonce: Uint8Array, ct: Uint8Array }

function boxKey (shared: Uint8Array, subnet: string, sender: Uint8Array, recipient: Uint8Array, epk: Uint8Array): Uint8Array {
  const info = new Uint8Array([...enc.encode(`qflow:subnet-key:v1\n${subnet}\n`), ...sender, ...recipient, ...epk])
  return hkdf(sha256, shared, undefined, info, 32)
}

/**
 * Seals `secrets` (32 bytes each) to the member whose Ed25519 public key is `recipient`.
 *
 * @example
 * const sealed = sealSubnetSecrets('acme', [secret], { sender: me.publicKey, recipient: theirEd25519Pub })
 */
export function sealSubnetSecrets (subnet: string, secrets: Uint8Array[], parties: { sender: Uint8Array, recipient: Uint8Array }): SealedSecrets {
  const eph = x25519.utils.randomSecretKey()
  const epk = x25519.getPublicKey(eph)
  const shared = x25519.getSharedSecret(eph, ed25519.utils.toMontgomery(parties.recipient))
  eph.fill(0)
  const key = boxKey(shared, subnet, parties.sender, parties.recipient, epk)
  const nonce = randomBytes(24)
  const plain = new Uint8Array(secrets.length * 32)
  secrets.forEach((s, i) => { plain.set(s, i * 32) })
  const ct = xchacha20poly1305(key, nonce).encrypt(plain)
  plain.fill(0)
  key.fill(0)
  return { epk, nonce, ct }
}

/** Opens secrets sealed to this node (`seed`: its Ed25519 private seed); throws `ProtocolError` when they do not open. */
export function openSubnetSecrets (subnet: string, sealed: SealedSecrets, parties: { sender: Uint8Array, recipient: Uint8Array, seed: Uint8Array }): Uint8Array[] {
  const priv = ed25519.utils.toMontgomerySecret(parties.seed)
  const shared = x25519.getSharedSecret(priv, sealed.epk)
  priv.fill(0)
  const key = boxKey(shared, subnet, parties.sender, parties.recipient, sealed.epk)
  let plain: Uint8Array
  try {
    plain = xchacha20poly1305(key, sealed.nonce).decrypt(sealed.ct)
  } catch {
    throw new ProtocolError(`subnet key of ${subnet}: the sealed secrets do not open with this node's key`)
  } finally {
    key.fill(0)
  }
  if (plain.length % 32 !== 0) throw new ProtocolError(`subnet key of ${subnet}: ${plain.length} bytes is not a list of 32-byte secrets`)
  return Array.from({ length: plain.length / 32 }, (_, i) => plain.slice(i * 32, i * 32 + 32))
}
