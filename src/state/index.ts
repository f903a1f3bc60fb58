/**
 * Durable state on IPFS blocks (issue 3): `heliaStateStore(init)` implements `StateStore`
 * over an injected blockstore + datastore, with Qlock encryption at rest.
 *
 * Blocks (dag-cbor, CIDv1, sha2-256; layout in `blocks.ts`): a flow version is a block whose
 * CID is the version id, linking the previous version; an execution log is a chain of blocks,
 * one per committed append, each linking its predecessor, so the head CID commits to the whole
 * history; a snapshot is a block linking the log head; large outputs are raw blocks. Links are
 * clear, payloads are AES-256-GCM envelopes `{ v, keyId, iv, ct }` under the owner's key.
 *
 * Pointers (datastore, layout in `keys.ts`): one record per execution (head, event count,
 * summary, owner, recent snapshots), stored under the active or the terminal set; one pointer
 * per flow. Appends and snapshots across executions are group-committed (`group-commit.ts`)
 * and made durable by one journal write per batch, or written in place on stores whose
 * batches are cheap (LevelDB; `journal.ts`). See ARCHITECTURE.md.
 */
import type { HeliaStateStore } from './types.js'
import type { ReencryptOptions, ReencryptResult } from './commands/reencrypt.js'

export { heliaStateStore, DEFAULT_LARGE_OUTPUT_THRESHOLD } from './helia-store.js'
export type { HeliaStateStore, HeliaStateStoreInit } from './types.js'
export type { PrunePolicy, PruneResult } from './commands/gc.js'
export type { ImportResult } from './commands/car.js'
export type { ReencryptOptions, ReencryptResult } from './commands/reencrypt.js'
export type { CommitStats, GroupCommitOptions } from './group-commit.js'
export type { JournalOptions } from './journal.js'
export * from './errors.js'
export * from './qlock/index.js'
export { memoryStateStore } from './memory-store.js'
export type { MemoryStateStoreInit } from './memory-store.js'

/** `qflow keys rotate`: after `keyring.rotate(owner)`, rewrites history under the new keys. */
export async function reencryptHistory (store: HeliaStateStore, options?: ReencryptOptions): Promise<ReencryptResult> {
  return store.reencryptHistory(options)
}
