/**
 * The durable state store in a browser tab: blockstore-idb + datastore-idb, one pair of
 * IndexedDB databases per identity (`qflow/<identity>/blocks`, `qflow/<identity>/data`):
 * two tabs sharing a database would share a PeerId and a writer. The keyring lives in the
 * identity's datastore, wrapped by a master key or passphrase the caller supplies (the
 * identity issue will derive it from the sQuid key).
 */
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { heliaStateStore, localKeyring } from '../../src/state/index.js'
import type { HeliaStateStore, HeliaStateStoreInit, Keyring } from '../../src/state/index.js'

export interface BrowserStateStoreInit extends Omit<HeliaStateStoreInit, 'blockstore' | 'datastore' | 'keyring'> {
  identity: string
  /** Exactly one of `masterKey` (32 bytes) and `passphrase`. */
  masterKey?: Uint8Array
  passphrase?: string
  /** PBKDF2 iterations for a new passphrase keyring (default 600,000). */
  iterations?: number
}

export interface BrowserStateStore {
  store: HeliaStateStore
  keyring: Keyring
  blockstore: IDBBlockstore
  datastore: IDBDatastore
  close(): Promise<void>
  /** Closes, then deletes both databases (tests, "forget this identity"). */
  destroy(): Promise<void>
}

export async function openBrowserStateStore (init: BrowserStateStoreInit): Promise<BrowserStateStore> {
  const { identity, masterKey, passphrase, iterations, ...options } = init
  const blockstore = new IDBBlockstore(`qflow/${identity}/blocks`)
  const datastore = new IDBDatastore(`qflow/${identity}/data`)
  await blockstore.open()
  await datastore.open()
  let keyring: Keyring
  let store: HeliaStateStore
  try {
    keyring = await localKeyring({ datastore, masterKey, passphrase, iterations, now: options.now })
    store = await heliaStateStore({ ...options, blockstore, datastore, keyring })
  } catch (err) {
    // an open connection would block every later deleteDatabase of this identity
    await blockstore.close()
    await datastore.close()
    throw err
  }
  const close = async (): Promise<void> => {
    await store.close()
    await blockstore.close()
    await datastore.close()
  }
  return {
    store,
    keyring,
    blockstore,
    datastore,
    close,
    destroy: async () => {
      await close()
      await blockstore.destroy()
      await datastore.destroy()
    }
  }
}
