/**
 * Helpers for the Helia store specs: temp data directories, stores over memory or fs, and a
 * scanner that looks for plaintext in every file under a directory.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBlockstore } from 'blockstore-core'
import { FsBlockstore } from 'blockstore-fs'
import { MemoryDatastore } from 'datastore-core'
import { FsDatastore } from 'datastore-fs'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import { openNodeStateStore } from '../../../node/platform/helia-node.js'
import type { NodeStateStore, NodeStateStoreInit } from '../../../node/platform/helia-node.js'
import { heliaStateStore, localKeyring } from '../../../src/state/index.js'
import type { HeliaStateStore, HeliaStateStoreInit } from '../../../src/state/index.js'

export const MASTER = new Uint8Array(32).fill(7)

export async function tempDir (): Promise<{ dir: string, remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'qflow-state-'))
  return { dir, remove: async () => rm(dir, { recursive: true, force: true }) }
}

export async function openFs (dir: string, init: Partial<NodeStateStoreInit> = {}): Promise<NodeStateStore> {
  return openNodeStateStore({ dataDir: dir, masterKey: MASTER, ...init })
}

/**
 * The write-ahead journal path (what IndexedDB uses in browsers) on file-per-key stores:
 * FsBlockstore under `<dir>/blocks`, FsDatastore under `<dir>/datastore`.
 */
export async function openFsJournal (dir: string, init: Partial<HeliaStateStoreInit> = {}): Promise<{ store: HeliaStateStore, blockstore: FsBlockstore, datastore: FsDatastore, close: () => Promise<void> }> {
  const blockstore = new FsBlockstore(join(dir, 'blocks'))
  const datastore = new FsDatastore(join(dir, 'datastore'))
  await blockstore.open()
  await datastore.open()
  const store = await heliaStateStore({ blockstore, datastore, keyring: await localKeyring({ datastore, masterKey: MASTER }), ...init })
  return {
    store,
    blockstore,
    datastore,
    close: async () => {
      await store.close()
      await blockstore.close()
      await datastore.close()
    }
  }
}

export async function countBlocks (blockstore: Pick<Blockstore, 'getAll'>): Promise<number> {
  let n = 0
  for await (const _ of blockstore.getAll()) n++
  return n
}

export async function countKeys (datastore: Pick<Datastore, 'queryKeys'>, prefix: string): Promise<number> {
  let n = 0
  for await (const key of datastore.queryKeys({ prefix })) if (key.toString().startsWith(`${prefix}/`)) n++
  return n
}

export async function memoryHeliaStore (init: Partial<HeliaStateStoreInit> = {}): Promise<{ store: HeliaStateStore, blockstore: MemoryBlockstore, datastore: MemoryDatastore }> {
  const blockstore = new MemoryBlockstore()
  const datastore = new MemoryDatastore()
  const keyring = await localKeyring({ datastore, masterKey: MASTER })
  return { store: await heliaStateStore({ blockstore, datastore, keyring, ...init }), blockstore, datastore }
}

export async function listFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => join(e.parentPath ?? (e as any).path, e.name))
}

/** Files (relative to `dir`) containing any of `needles` as UTF-8 or UTF-16LE bytes (files that vanish mid-scan are skipped). */
export async function filesContaining (dir: string, needles: string[]): Promise<string[]> {
  const patterns = needles.flatMap(n => [Buffer.from(n, 'utf8'), Buffer.from(n, 'utf16le')])
  const hits: string[] = []
  for (const file of await listFiles(dir)) {
    // a running node renames temporary files away between the listing and the read
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
    if (bytes === undefined) continue
    if (patterns.some(p => bytes.includes(p))) hits.push(file.slice(dir.length + 1))
  }
  return hits
}

export async function collect (chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts)
}
