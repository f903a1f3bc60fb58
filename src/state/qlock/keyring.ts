/**
 * Keys for Qlock at rest. Keys belong to an owner: an sQuid identity or a DAO subnet id
 * (the owner of an execution is `context.daoSubnet ?? flow.owner` from its
 * `execution.started` event; of a flow, `metadata.daoSubnet ?? owner`).
 *
 * Implementations: `localKeyring()` (keys wrapped by a master key in the datastore); the
 * identity issue will bind owners to sQuid keys behind the same interface.
 *
 * @example
 * const keyring = await localKeyring({ datastore, passphrase: 'correct horse' })
 * const key = await keyring.current('did:squid:alice')   // created on first use
 * await keyring.rotate('did:squid:alice')                  // new writes use a new key
 * await keyring.get(key.id)                                // old records stay readable
 */
import type { SyncAead } from './cipher.js'

/** An unwrapped data key: a non-extractable AES-256-GCM CryptoKey. */
export interface DataKey {
  id: string
  owner: string
  key: CryptoKey
  /** The same key in a platform's synchronous AES-GCM, when one was injected (see `cipher.ts`). */
  aead?: SyncAead
}

export interface KeyInfo {
  id: string
  owner: string
  createdAt: number
  /** True for the key new records of `owner` are sealed with. */
  current: boolean
}

export interface Keyring {
  /** The key new records of `owner` are sealed with; created on first use. */
  current(owner: string): Promise<DataKey>
  /** Any key, current or rotated out, by id. Throws `KeyNotFoundError`. */
  get(keyId: string): Promise<DataKey>
  /** Makes a fresh key current for `owner`. Older keys stay readable. */
  rotate(owner: string): Promise<DataKey>
  /** Every key (of one owner if given), oldest first. */
  list(owner?: string): Promise<KeyInfo[]>
}
