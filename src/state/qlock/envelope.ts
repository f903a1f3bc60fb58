/**
 * Qlock envelope: AES-256-GCM through WebCrypto (`globalThis.crypto.subtle`, present in
 * Node 20 and every current browser). `{ v, keyId, iv, ct }`: `ct` carries the 16-byte GCM
 * tag at its end; the additional data binds the ciphertext to its record (kind and owner id),
 * so a sealed body moved into another record fails authentication. A key may carry a
 * platform's synchronous AES-GCM (`cipher.ts`): same algorithm and format, less overhead.
 */
import { DecryptionError, KeyNotFoundError } from '../errors.js'
import type { RecordRef } from '../errors.js'
import { SYNC_AEAD_LIMIT } from './cipher.js'
import type { DataKey } from './keyring.js'

export interface Envelope {
  v: 1
  keyId: string
  iv: Uint8Array
  ct: Uint8Array
}

/** Resolves a key id to a key for reading (a `Keyring`'s `get`). */
export type KeyLookup = (keyId: string) => Promise<DataKey>

const encoder = new TextEncoder()
const IV_BYTES = 12

/** WebCrypto's types want ArrayBuffer-backed views; ours always are (never shared memory). */
export function bufferSource (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

/** Additional authenticated data for a record: `qflow:<kind>:<id>`. */
export function recordAad (kind: string, id: string): Uint8Array {
  return encoder.encode(`qflow:${kind}:${id}`)
}

/**
 * IVs are 96 random bits each, cut from a pool filled by the CSPRNG 341 IVs at a time: one
 * `getRandomValues` call costs more than sealing a small record.
 */
const IV_POOL_BYTES = IV_BYTES * 341
let ivPool = new Uint8Array(0)
let ivAt = 0

function freshIv (): Uint8Array {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = globalThis.crypto.getRandomValues(new Uint8Array(IV_POOL_BYTES))
    ivAt = 0
  }
  const iv = ivPool.slice(ivAt, ivAt + IV_BYTES) // a copy: no IV is ever handed out twice
  ivAt += IV_BYTES
  return iv
}

export async function seal (key: Pick<DataKey, 'id' | 'key' | 'aead'>, plaintext: Uint8Array, aad: Uint8Array): Promise<Envelope> {
  const iv = freshIv()
  // a failure throws here, before any envelope exists: nothing is ever stored in the clear
  if (key.aead != null && plaintext.length <= SYNC_AEAD_LIMIT) return { v: 1, keyId: key.id, iv, ct: key.aead.seal(iv, plaintext, aad) }
  const ct = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: bufferSource(iv), additionalData: bufferSource(aad) }, key.key, bufferSource(plaintext))
  return { v: 1, keyId: key.id, iv, ct: new Uint8Array(ct) }
}

/** Opens with a known key (no lookup): used for the keyring's own records. */
export async function unsealWith (key: Pick<DataKey, 'key' | 'aead'>, env: Envelope, aad: Uint8Array, record: RecordRef): Promise<Uint8Array> {
  try {
    if (key.aead != null && env.ct.length <= SYNC_AEAD_LIMIT + 16) return key.aead.open(env.iv, env.ct, aad)
    const pt = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bufferSource(env.iv), additionalData: bufferSource(aad) }, key.key, bufferSource(env.ct))
    return new Uint8Array(pt)
  } catch (err) {
    throw new DecryptionError(record, `authentication failed with key ${env.keyId} (tampered data or wrong key)`, err)
  }
}

/** Opens an envelope, looking its key up by id. Never returns anything but authenticated plaintext. */
export async function unseal (lookup: KeyLookup, env: Envelope, aad: Uint8Array, record: RecordRef): Promise<Uint8Array> {
  if (!isEnvelope(env)) throw new DecryptionError(record, 'not a Qlock envelope (plaintext or malformed record)')
  let key: DataKey
  try {
    key = await lookup(env.keyId)
  } catch (err: any) {
    if (err?.name === 'KeyNotFoundError') throw new KeyNotFoundError(env.keyId, record)
    throw err
  }
  return unsealWith(key, env, aad, record)
}

export function isEnvelope (value: unknown): value is Envelope {
  const e = value as Envelope
  return e != null && typeof e === 'object' && e.v === 1 && typeof e.keyId === 'string' &&
    e.iv instanceof Uint8Array && e.iv.length === IV_BYTES && e.ct instanceof Uint8Array && e.ct.length >= 16
}
