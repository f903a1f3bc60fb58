/**
 * Qlock at rest: AES-256-GCM envelopes `{ v, keyId, iv, ct }` and the keyrings that hold
 * owners' keys. See `keyring.ts` for the contract and `local-keyring.ts` for key handling.
 */
export type { DataKey, KeyInfo, Keyring } from './keyring.js'
export type { Envelope, KeyLookup } from './envelope.js'
export type { AeadProvider, SyncAead } from './cipher.js'
export { seal, unseal, isEnvelope, recordAad } from './envelope.js'
export { localKeyring } from './local-keyring.js'
export type { LocalKeyringInit } from './local-keyring.js'
export { DEFAULT_PBKDF2_ITERATIONS } from './kdf.js'
