/**
 * The durable state store on Node: LevelDB (blockstore-level + datastore-level) under a data
 * directory, batches written in place (no write-ahead journal on top of LevelDB's own), a
 * local keyring in that datastore whose data keys also get node:crypto's synchronous
 * AES-256-GCM, and optionally a light Helia (libp2p + bitswap) over the same blockstore so
 * peers can fetch blocks by CID. The store never needs the network.
 *
 *   <dataDir>/state.ldb      LevelDB: blocks, execution records, flow pointers, keyring (see `level-stores.ts`)
 *   <dataDir>/master.key     32 random bytes, mode 0600: only when neither `masterKey` nor
 *                            `passphrase` is given (a passphrase keeps the disk alone useless)
 *
 * The runtime passes nothing new: every addition here has a default.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Helia } from '@helia/interface'
import type { CreateLibp2pOptions } from '@helia/libp2p'
import { heliaStateStore, localKeyring } from '../../src/state/index.js'
import type { HeliaStateStore, HeliaStateStoreInit, Keyring } from '../../src/state/index.js'
import { nodeAesGcm } from './aes-gcm-cipher.js'
import { openLevelStores } from './level-stores.js'
// node:crypto's sha256 for the isomorphic hot paths (operation digests, payload CIDs): installed on import
import './sha256-node.js'
import type { BatchedLevelBlockstore } from './level-stores.js'
import type { LevelDatastore } from 'datastore-level'

export interface NodeStateStoreInit extends Omit<HeliaStateStoreInit, 'blockstore' | 'datastore' | 'keyring' | 'helia'> {
  dataDir: string
  /** 32 bytes wrapping the data keys; or `passphrase`; or neither (see master.key above). */
  masterKey?: Uint8Array
  passphrase?: string
  /** PBKDF2 iterations for a new passphrase keyring (default 600,000). */
  iterations?: number
  /**
   * Start a light Helia with this libp2p config (its own in-memory datastore, see STACK.md).
   * `keyring` wraps the local keyring (a networked node seals with its subnet's shared key:
   * `subnetKeyring` in src/network).
   */
  networking?: { libp2p: CreateLibp2pOptions, keyring?: (local: Keyring) => Keyring }
}

export interface NodeStateStore {
  store: HeliaStateStore
  keyring: Keyring
  blockstore: BatchedLevelBlockstore
  datastore: LevelDatastore
  helia?: Helia
  /** Flushes and closes the store, stops Helia, closes the stores. */
  close(): Promise<void>
}

export async function openNodeStateStore (init: NodeStateStoreInit): Promise<NodeStateStore> {
  const { dataDir, masterKey, passphrase, iterations, networking, ...options } = init
  await mkdir(dataDir, { recursive: true })
  const level = await openLevelStores(dataDir)
  const { blockstore, datastore } = level
  const cipher = nodeAesGcm()
  let keyring: Keyring
  let helia: Helia | undefined
  let store: HeliaStateStore
  try {
    keyring = passphrase != null
      ? await localKeyring({ datastore, passphrase, iterations, now: options.now, cipher })
      : await localKeyring({ datastore, masterKey: masterKey ?? await masterKeyFile(join(dataDir, 'master.key')), now: options.now, cipher })
    if (networking?.keyring != null) keyring = networking.keyring(keyring)
    helia = networking == null ? undefined : await startHelia(blockstore, datastore, networking.libp2p)
    // LevelDB makes a batch one append to its own log: no write-ahead journal on top of it
    store = await heliaStateStore({ ...options, journal: { writeAhead: false, inPlace: level.commit, ...options.journal }, blockstore, datastore, keyring, helia })
  } catch (err) {
    await helia?.stop()
    await level.close()
    throw err
  }
  return {
    store,
    keyring,
    blockstore,
    datastore,
    helia,
    close: async () => {
      await store.close()
      await helia?.stop()
      await level.close()
    }
  }
}

async function masterKeyFile (path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path))
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  const key = globalThis.crypto.getRandomValues(new Uint8Array(32))
  await writeFile(path, key, { mode: 0o600, flag: 'wx' })
  return key
}

/**
 * Light Helia as STACK.md prescribes: no DHT, autoNAT, UPnP or public bootstrap; libp2p gets
 * its own MemoryDatastore (the stream-handler race of libp2p 3.3.11); the PeerId key persists
 * in the Helia datastore. Loaded lazily so a store without networking never loads libp2p.
 */
async function startHelia (blockstore: BatchedLevelBlockstore, datastore: LevelDatastore, libp2p: CreateLibp2pOptions): Promise<Helia> {
  polyfillPromiseWithResolvers()
  const [{ createHeliaLight }, { withLibp2pLight }, { withBitswap }, { MemoryDatastore }] = await Promise.all([
    import('helia'), import('@helia/libp2p'), import('@helia/bitswap'), import('datastore-core')
  ])
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore }), { ...libp2p, datastore: new MemoryDatastore() }))
  await helia.start()
  return helia
}

/** Node 20 lacks Promise.withResolvers; libp2p, yamux and Helia call it. */
function polyfillPromiseWithResolvers (): void {
  const P = Promise as any
  if (typeof P.withResolvers === 'function') return
  P.withResolvers = function <T> () {
    let resolve!: (value: T | PromiseLike<T>) => void
    let reject!: (reason?: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
