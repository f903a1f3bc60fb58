/**
 * Qlock envelope: AES-256-GCM through WebCrypto (`globalThis.crypto.subtle`, present in
 * Node 20 and every current browser). `{ v, keyId, iv, ct }`: `ct` carries the 16-byte GCM
 * tag at its end; the additional data binds the ciphertext to its record (kind and owner id),
 * so a sealed body moved into another record fails authentication.
 */
import { DecryptionError, KeyNotFoundError } from '../errors.js'
import type { RecordRef } from '../errors.js'
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

export async function seal (key: Pick<DataKey, 'id' | 'key'>, plaintext: Uint8Array, aad: Uint8Array): Promise<Envelope> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ct = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: bufferSource(aad) }, key.key, bufferSource(plaintext))
  return { v: 1, keyId: key.id, iv, ct: new Uint8Array(ct) }
}

/** Opens with a known key (no lookup): used for the keyring's own records. */
export async function unsealWith (key: Pick<DataKey, 'key'>, env: Envelope, aad: Uint8Array, record: RecordRef): Promise<Uint8Array> {
  try {
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
