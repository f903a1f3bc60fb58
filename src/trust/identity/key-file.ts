/**
 * Key files: an identity's seed encrypted with a passphrase (PBKDF2 or scrypt, then
 * AES-256-GCM whose additional data is the identity id). The file names its public key and
 * id in clear, so a keystore can list identities without the passphrase.
 */
import type { KeyFile } from '../../../shared/trust.js'
import { fromBase64url, toBase64url } from '../encoding.js'
import { MalformedError, WrongPassphraseError } from '../errors.js'
import { isDidKey, publicKeyFromDidKey } from './did-key.js'
import { identityFromSeed } from './identity.js'
import type { IdentityOptions, SquidIdentity } from './identity.js'
import { deriveKey, newKdfParams } from './kdf.js'
import type { KdfOptions } from './kdf.js'

export interface ExportKeyFileOptions extends KdfOptions {
  /** Epoch ms recorded in the file (default now). */
  createdAt?: number
}

type Bytes = Uint8Array<ArrayBuffer>
const aad = (id: string): Bytes => new TextEncoder().encode(`qflow-identity:${id}`)

/**
 * @example
 * const file = await exportKeyFile(alice, 'correct horse battery staple')
 * const again = await importKeyFile(file, 'correct horse battery staple')  // again.id === alice.id
 */
export async function exportKeyFile (identity: SquidIdentity, passphrase: string, options: ExportKeyFileOptions = {}): Promise<KeyFile> {
  const seed = await identity.exportSeed()
  const kdf = newKdfParams(options)
  const key = await deriveKey(passphrase, kdf)
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
  const ct = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(identity.id) }, key, seed as Bytes)
  seed.fill(0)
  return {
    type: 'qflow-identity',
    v: 1,
    id: identity.id,
    publicKey: toBase64url(identity.publicKey),
    ...(identity.name != null ? { name: identity.name } : {}),
    createdAt: options.createdAt ?? Date.now(),
    kdf,
    cipher: { name: 'aes-256-gcm', iv: toBase64url(iv) },
    ciphertext: toBase64url(new Uint8Array(ct))
  }
}

/** Checks the shape of a parsed key file; `MalformedError` (`key_file_invalid`) says what is wrong. */
export function parseKeyFile (value: unknown): KeyFile {
  const bad = (why: string): never => { throw new MalformedError('key_file_invalid', `not a qflow identity key file: ${why}`) }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) return bad('not a JSON object')
  const f = value as Partial<KeyFile>
  if (f.type !== 'qflow-identity') bad(`type must be 'qflow-identity'`)
  if (f.v !== 1) bad(`unsupported version ${String(f.v)}`)
  if (!isDidKey(f.id)) bad('id is not an Ed25519 did:key')
  const b64 = (name: string, v: unknown): void => { if (typeof v !== 'string' || !/^[A-Za-z0-9_-]+$/.test(v)) bad(`${name} must be base64url`) }
  b64('publicKey', f.publicKey)
  if (toBase64url(publicKeyFromDidKey(f.id as string)) !== f.publicKey) bad('publicKey does not match id')
  if (f.kdf == null || typeof f.kdf !== 'object') bad('kdf missing')
  b64('kdf.salt', f.kdf?.salt)
  if (f.cipher?.name !== 'aes-256-gcm') bad('cipher must be aes-256-gcm')
  b64('cipher.iv', f.cipher?.iv)
  b64('ciphertext', f.ciphertext)
  if (typeof f.createdAt !== 'number') bad('createdAt must be a number')
  if (f.name != null && typeof f.name !== 'string') bad('name must be a string')
  return f as KeyFile
}

/** The seed inside a key file; `WrongPassphraseError` when the passphrase (or a tampered file) does not open it. */
export async function decryptKeyFile (value: unknown, passphrase: string): Promise<{ file: KeyFile, seed: Uint8Array }> {
  const file = parseKeyFile(value)
  const key = await deriveKey(passphrase, file.kdf)
  try {
    const seed = new Uint8Array(await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64url(file.cipher.iv) as Bytes, additionalData: aad(file.id) }, key, fromBase64url(file.ciphertext) as Bytes))
    return { file, seed }
  } catch {
    throw new WrongPassphraseError(`wrong passphrase for ${file.id} (or the key file was altered)`)
  }
}

/** The identity of a key file (see {@link decryptKeyFile}); checks the secret matches the file's id. */
export async function importKeyFile (value: unknown, passphrase: string, options: IdentityOptions = {}): Promise<SquidIdentity> {
  const { file, seed } = await decryptKeyFile(value, passphrase)
  const name = options.name ?? file.name
  const identity = await identityFromSeed(seed, { ...options, ...(name != null ? { name } : {}) })
  seed.fill(0)
  if (identity.id !== file.id) throw new MalformedError('key_file_invalid', `the key file's secret belongs to ${identity.id}, not ${file.id}`)
  return identity
}
