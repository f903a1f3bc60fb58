/**
 * Optional synchronous AES-256-GCM, injected by a platform. WebCrypto's `subtle` is always
 * asynchronous (each call is a job handed to a thread pool and back), which costs more than
 * the cipher itself for the small records a step boundary writes. A platform with a native
 * synchronous AES-GCM (Node: `node/platform/aes-gcm-cipher.ts`) gives the keyring an
 * `AeadProvider`; each data key then carries a key-bound `SyncAead` beside its CryptoKey.
 * The output is the same as WebCrypto's (12-byte IV, 16-byte tag appended to the
 * ciphertext): either side opens what the other sealed. Without a provider (browsers),
 * everything goes through WebCrypto.
 */

/** AES-256-GCM bound to one key. Both calls throw on failure; `open` throws on a bad tag. */
export interface SyncAead {
  /** Returns ciphertext || 16-byte tag. */
  seal(iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array
  open(iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array
}

export interface AeadProvider {
  /** Binds a 32-byte key (the caller zeroes `raw` afterwards: copy what you keep). */
  importKey(raw: Uint8Array): SyncAead
}

/**
 * Payloads up to this many bytes use the synchronous cipher when a key has one; larger ones
 * go through WebCrypto so that a large output does not hold the event loop.
 */
export const SYNC_AEAD_LIMIT = 256 * 1024
