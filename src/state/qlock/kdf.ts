/**
 * Master keys: raw 32 bytes, or derived from a passphrase with PBKDF2-SHA256 (WebCrypto).
 * The salt and iteration count live with the keyring so the same passphrase unlocks it again.
 */
import { bufferSource } from './envelope.js'

/** OWASP 2023 guidance for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000

export async function importAesKey (raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new TypeError(`an AES-256 key is 32 bytes, got ${raw.length}`)
  return globalThis.crypto.subtle.importKey('raw', bufferSource(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
}

export async function deriveFromPassphrase (passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await globalThis.crypto.subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveBits'])
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: bufferSource(salt), iterations }, base, 256)
  const raw = new Uint8Array(bits)
  try {
    return await importAesKey(raw)
  } finally {
    raw.fill(0)
  }
}
