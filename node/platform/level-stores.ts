/**
 * The Node backend of the durable store: ONE LevelDB (classic-level) holding the blockstore
 * (`blockstore-level` over the sublevel `b`) and the datastore (`datastore-level` over the
 * sublevel `d`), instead of one file per block and per pointer. `commit` writes a group-commit
 * batch (its blocks and its pointer changes) as one atomic LevelDB batch: one append to
 * LevelDB's write-ahead log (blockstore-level puts blocks one by one; `putMany` and
 * `deleteMany` are batched here). LevelDB hands each write to the kernel before it resolves
 * (no fsync): a process crash loses nothing acknowledged; a power cut may lose the last writes.
 *
 *   <dataDir>/state.ldb   keys `!b!/<BASE32 multihash>` (blocks) and `!d!/qflow/...` (records,
 *                         flow pointers, keyring, Helia's keys); compression off (ciphertext)
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { LevelBlockstore } from 'blockstore-level'
import { LevelDatastore } from 'datastore-level'
import type { AbortOptions } from '@libp2p/interface'
import type { InputPair } from 'interface-blockstore'
import { base32upper } from 'multiformats/bases/base32'
import type { CID } from 'multiformats/cid'
import type { Block } from '../../src/state/blocks.js'
import type { InPlaceCommit, PointerOp } from '../../src/state/journal.js'

export const STATE_DIR = 'state.ldb'
const VALUES = { keyEncoding: 'utf8', valueEncoding: 'view' } as const
/**
 * LevelDB's memtable (default 4 MiB). Larger: fewer flushes to level-0 files and fewer writes
 * slowed down while compaction catches up (the checkpoint p99 halved in `test/bench/state.ts`
 * style runs); the log replayed at open stays small next to the recovery budget.
 */
const WRITE_BUFFER_BYTES = 32 * 1024 * 1024
/** Most blocks or bytes in one LevelDB batch (bounds the memory a batch holds). */
const BATCH_BLOCKS = 4096
const BATCH_BYTES = 16 * 1024 * 1024

export class DataDirLayoutError extends Error {
  static override name = 'DataDirLayoutError'
  constructor (readonly path: string) {
    super(`${path} holds a data directory of the earlier file-per-block layout, which this version does not read; ` +
      'use a new --data directory (export executions with an older qflow first if you need them)')
    this.name = 'DataDirLayoutError'
  }
}

/** A LevelDB blockstore whose `putMany` / `deleteMany` write one batch per chunk. */
export class BatchedLevelBlockstore extends LevelBlockstore {
  override async * putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    let ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
    let cids: CID[] = []
    let bytes = 0
    const write = async (): Promise<CID[]> => {
      options?.signal?.throwIfAborted()
      if (ops.length > 0) await this.db.batch(ops)
      const done = cids
      ops = []
      cids = []
      bytes = 0
      return done
    }
    for await (const { cid, bytes: value } of source) {
      const block = value instanceof Uint8Array ? value : await collect(value)
      ops.push({ type: 'put', key: levelKey(cid), value: block })
      cids.push(cid)
      bytes += block.length
      if (ops.length >= BATCH_BLOCKS || bytes >= BATCH_BYTES) yield * await write()
    }
    yield * await write()
  }

  override async * deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    let batch: CID[] = []
    const write = async (): Promise<CID[]> => {
      options?.signal?.throwIfAborted()
      if (batch.length > 0) await this.db.batch(batch.map(cid => ({ type: 'del' as const, key: levelKey(cid) })))
      const done = batch
      batch = []
      return done
    }
    for await (const cid of source) {
      batch.push(cid)
      if (batch.length >= BATCH_BLOCKS) yield * await write()
    }
    yield * await write()
  }
}

/** The key blockstore-level stores a block under (its default base). */
function levelKey (cid: CID): string {
  return `/${base32upper.encoder.encode(cid.multihash.bytes)}`
}

async function collect (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of source) { chunks.push(chunk); length += chunk.length }
  const out = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length }
  return out
}

type Db = LevelDatastore['db']

export interface LevelStores {
  blockstore: BatchedLevelBlockstore
  datastore: LevelDatastore
  /** Blocks and pointer changes of one batch in one atomic LevelDB write. */
  commit: InPlaceCommit
  /** Closes the database (the two stores are views of it). */
  close: () => Promise<void>
}

/** Opens (creating when missing) the LevelDB under `dir`; refuses a directory of the old layout. */
export async function openLevelStores (dir: string): Promise<LevelStores> {
  if (await exists(join(dir, 'datastore')) && !await exists(join(dir, STATE_DIR))) throw new DataDirLayoutError(dir)
  return await openLevelDb(join(dir, STATE_DIR))
}

/**
 * Opens (creating when missing) the LevelDB at `path` as a blockstore + datastore pair with an
 * atomic `commit` (no layout check: the caller owns what surrounds it, e.g. the trust store).
 * `writeBufferBytes`: LevelDB's memtable (default: the state store's 32 MiB).
 */
export async function openLevelDb (path: string, options: { writeBufferBytes?: number } = {}): Promise<LevelStores> {
  // datastore-level makes the Level instance (a declared dependency); only its `db` is used
  const root = new LevelDatastore(path, { compression: false, writeBufferSize: options.writeBufferBytes ?? WRITE_BUFFER_BYTES })
  await root.open()
  const db: Db = root.db
  const blocks = db.sublevel<string, Uint8Array>('b', VALUES)
  const data = db.sublevel<string, Uint8Array>('d', VALUES)
  const blockstore = new BatchedLevelBlockstore(blocks as unknown as Db)
  const datastore = new LevelDatastore(data as unknown as Db)
  await blockstore.open()
  await datastore.open()
  return {
    blockstore,
    datastore,
    commit: async (batch: Block[], pointers: PointerOp[]) => {
      const ops: Array<{ type: 'put' | 'del', sublevel: typeof blocks, key: string, value?: Uint8Array }> = []
      for (const { cid, bytes } of batch) ops.push({ type: 'put', sublevel: blocks, key: levelKey(cid), value: bytes })
      for (const op of pointers) {
        if (op.type === 'put') ops.push({ type: 'put', sublevel: data, key: op.key.toString(), value: op.value })
        else ops.push({ type: 'del', sublevel: data, key: op.key.toString() })
      }
      if (ops.length > 0) await db.batch(ops as any)
    },
    close: async () => {
      await blockstore.close()
      await datastore.close()
      await root.close()
    }
  }
}

export async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err: any) {
    if (err?.code === 'ENOENT') return false
    throw err
  }
}
