/**
 * The trust store on Node: the DAO registry and the audit log in ONE LevelDB under
 * `<dataDir>/trust/`, apart from the state store's `state.ldb` (another component owns it
 * and opens it after this one).
 *
 *   <dataDir>/trust/trust.ldb  LevelDB: sublevel `b` the blocks (signed policies, votes,
 *                              proposals, audit entries), sublevel `d` the pointers (subnet
 *                              versions, pending, votes, audit head)
 *   <dataDir>/trust/LOCK       one process at a time (names the process that holds it)
 *
 * Audit appends are group-committed (`src/trust/audit/log.ts`): a batch of entries, each signed
 * and linking the one before, and the head pointer are one atomic LevelDB write. LevelDB hands
 * each write to the kernel before it resolves (no fsync): a process crash loses only appends
 * that had not resolved (the queued tail and the batch in flight; admissions do not wait for
 * their entry), a power cut may lose the last batches. `qflow audit verify` walks the chain.
 *
 * The earlier layout (one file per block in `trust/blocks`, per pointer in `trust/datastore`)
 * is migrated at open: every block and pointer is copied into `trust.ldb` (batches of 4,096),
 * then the old folders are removed. A crash in between leaves both; the next open copies again
 * (the same keys, the same bytes) and finishes. Signed documents are re-verified when read, as
 * before, so a block altered before the migration is still refused.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import type { Key } from 'interface-datastore'
import type { CID } from 'multiformats/cid'
import { systemClock } from '../../src/index.js'
import type { Clock } from '../../src/index.js'
import { signatureVerifier } from '../../src/trust/index.js'
import type { AuditLog, SignatureVerifier, SquidIdentity } from '../../src/trust/index.js'
import { auditHead, openDaoStore, storedAuditLog, verifyStoredAuditLog } from '../../src/trust/store/index.js'
import type { DaoStore } from '../../src/trust/store/index.js'
import { collectBytes } from '../../src/util/bytes.js'
import { lockDataDir } from './data-lock.js'
import { exists, openLevelDb } from './level-stores.js'
import type { LevelStores } from './level-stores.js'

export const TRUST_DB = 'trust.ldb'
/** The trust store writes little: LevelDB's default memtable. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024
/** Blocks or pointers per LevelDB batch when migrating the earlier layout. */
const MIGRATE_CHUNK = 4096

export interface NodeTrustStoreInit {
  dataDir: string
  verifier?: SignatureVerifier
  clock?: Pick<Clock, 'now'>
}

export interface NodeTrustStore {
  /** `<dataDir>/trust` */
  dir: string
  dao: DaoStore
  verifier: SignatureVerifier
  /** The audit log, its entries signed by `signer` (appends are group-committed). */
  audit(signer: SquidIdentity): Promise<AuditLog>
  verifyAudit(options?: { signers?: readonly string[] }): ReturnType<typeof verifyStoredAuditLog>
  /** How many audit entries are written (from the stored head; 0 for an empty log). */
  auditLength(): Promise<number>
  close(): Promise<void>
}

export async function openNodeTrustStore (init: NodeTrustStoreInit): Promise<NodeTrustStore> {
  const dir = join(resolve(init.dataDir), 'trust')
  await mkdir(dir, { recursive: true })
  const unlock = await lockDataDir(dir)
  let level: LevelStores | undefined
  const closeAll = async (): Promise<void> => {
    await level?.close()
    await unlock()
  }
  try {
    level = await openLevelDb(join(dir, TRUST_DB), { writeBufferBytes: WRITE_BUFFER_BYTES })
    await migrateFileLayout(dir, level)
    const { blockstore: blocks, datastore, commit } = level
    const verifier = init.verifier ?? await signatureVerifier()
    const dao = await openDaoStore({ blocks, datastore, verifier })
    const clock = init.clock ?? systemClock()
    return {
      dir,
      dao,
      verifier,
      audit: async (signer) => await storedAuditLog({ signer, blocks, datastore, clock, commit }),
      verifyAudit: async (options = {}) => await verifyStoredAuditLog({ blocks, datastore, verifier, ...options }),
      auditLength: async () => ((await auditHead(datastore))?.seq ?? -1) + 1,
      close: closeAll
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}

/** Copies a one-file-per-block trust store (`blocks/`, `datastore/`) into the LevelDB, then removes it. */
async function migrateFileLayout (dir: string, level: LevelStores): Promise<void> {
  const blocksDir = join(dir, 'blocks')
  const datastoreDir = join(dir, 'datastore')
  const [hasBlocks, hasPointers] = [await exists(blocksDir), await exists(datastoreDir)]
  if (!hasBlocks && !hasPointers) return
  // written in chunks (bounded memory); everything is copied before anything is removed, so a crash
  // in between is finished by the next open
  let blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  let pointers: Array<{ type: 'put', key: Key, value: Uint8Array }> = []
  const flush = async (): Promise<void> => {
    await level.commit(blocks, pointers)
    blocks = []
    pointers = []
  }
  if (hasBlocks) {
    const old = new FsBlockstore(blocksDir)
    await old.open()
    try {
      for await (const { cid, bytes } of old.getAll()) {
        blocks.push({ cid, bytes: await collectBytes(bytes) })
        if (blocks.length >= MIGRATE_CHUNK) await flush()
      }
    } finally {
      await old.close()
    }
  }
  if (hasPointers) {
    const old = new FsDatastore(datastoreDir)
    await old.open()
    try {
      for await (const { key, value } of old.query({})) {
        pointers.push({ type: 'put', key, value })
        if (pointers.length >= MIGRATE_CHUNK) await flush()
      }
    } finally {
      await old.close()
    }
  }
  await flush()
  await rm(blocksDir, { recursive: true, force: true })
  await rm(datastoreDir, { recursive: true, force: true })
}
