/**
 * Where identities live between runs. Every implementation keeps private keys encrypted at
 * rest (a passphrase) or in the platform's protected storage (non-extractable CryptoKeys):
 * - `fileKeystore(files, init)` here: key files (`shared/trust.ts` `KeyFile`) under a passphrase,
 *   over any small file backing: `node/platform/keystore-fs.ts` (a 0700 directory of 0600
 *   files), `memoryKeystore()` (a Map, for tests and in-process nodes);
 * - `web/platform/keystore-idb.ts`: IndexedDB, non-extractable keys.
 * All pass `test/src/trust/identity/keystore-suite.ts`.
 */
import type { KeyFile } from '../../../shared/trust.js'
import type { ExportKeyFileOptions } from './key-file.js'
import type { SquidIdentity } from './identity.js'

export interface IdentityInfo {
  id: string
  peerId: string
  name: string
  createdAt: number
  /** False when the key cannot leave protected storage (no export). */
  extractable: boolean
}

export interface CreateIdentityOptions {
  /** Unique within the keystore: letters, digits, `.`, `_`, `-` (1-64; not starting with `.`). */
  name: string
  /** Default: true for passphrase keystores, false for IndexedDB. */
  extractable?: boolean
}

export interface Keystore {
  /**
   * A new identity, stored before it is returned. `IdentityExistsError` when the name is taken.
   *
   * @example
   * const alice = await keystore.create({ name: 'alice' })
   */
  create(options: CreateIdentityOptions): Promise<SquidIdentity>
  /** Every identity, by name. Needs no passphrase. */
  list(): Promise<IdentityInfo[]>
  /** By name or id; `IdentityNotFoundError` otherwise. */
  load(ref: string): Promise<SquidIdentity>
  /** A key file under `passphrase` (not the keystore's); `KeyNotExtractableError` for protected keys. */
  export(ref: string, passphrase: string, options?: ExportKeyFileOptions): Promise<KeyFile>
  /** Stores the identity of a key file (`WrongPassphraseError`, `IdentityExistsError`). */
  import(file: unknown, passphrase: string, options?: { name?: string, extractable?: boolean }): Promise<SquidIdentity>
  /** Forgets an identity; `IdentityNotFoundError` when there is none. */
  delete(ref: string): Promise<void>
}

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/

/** Throws `TypeError` unless `name` is a valid identity name (it may become a file name). */
export function checkIdentityName (name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`invalid identity name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', not starting with '.'`)
  }
  return name
}
