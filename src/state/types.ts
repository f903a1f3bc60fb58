/**
 * The Helia/IPFS state store: the `StateStore` contract plus what content addressing adds
 * (heads, CAR files, retention, re-encryption). See `index.ts` for the layout overview.
 */
import type { Helia } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { CID } from 'multiformats/cid'
import type { StateStore } from '../interface/state-store.js'
import type { ImportResult } from './commands/car.js'
import type { AdoptResult } from './commands/handover.js'
import type { PrunePolicy, PruneResult } from './commands/gc.js'
import type { ReencryptOptions, ReencryptResult } from './commands/reencrypt.js'
import type { CommitStats, GroupCommitOptions } from './group-commit.js'
import type { JournalOptions } from './journal.js'
import type { Keyring } from './qlock/keyring.js'

export interface HeliaStateStoreInit {
  /** Opened by the caller (and closed by it: `close()` leaves injected stores open). */
  blockstore: Blockstore
  datastore: Datastore
  keyring: Keyring
  /** Optional Helia node sharing the blockstore (networking: bitswap serves the blocks). */
  helia?: Helia
  /** Outputs whose JSON exceeds this many bytes become their own block (default 256 KiB). */
  largeOutputThreshold?: number
  groupCommit?: GroupCommitOptions
  /** Write-ahead journal or writes in place, and when the journal is compacted (see `journal.ts`). */
  journal?: JournalOptions
  /** Snapshots per execution that stay loadable by checkpoint id (default 16). */
  snapshotRetention?: number
  /** Owner of executions whose log carries no `execution.started` (default 'local'). */
  defaultOwner?: string
  /** Execution records and flow pointers kept in memory (default 10,000). */
  cacheSize?: number
  /** Epoch ms for flow version times and retention ages (default Date.now). */
  now?: () => number
}

/**
 * @example
 * const store = await heliaStateStore({ blockstore, datastore, keyring })
 * await store.appendEvents('exec-1', events, { flowId: 'f', status: 'running' })
 * const head = await store.getHead('exec-1')            // CID committing to the whole log
 * const car = store.exportCar('exec-1')                 // AsyncIterable<Uint8Array>
 * await store.prune({ maxAgeMs: 30 * 86_400_000, maxCount: 10_000 })
 */
export interface HeliaStateStore extends StateStore {
  /** The CID of the execution's newest log block (undefined before the first event). */
  getHead(executionId: string): Promise<CID | undefined>
  /**
   * Resolves once everything submitted so far is durable, and written out to the blockstore and
   * record keys (so that Helia, sharing the blockstore, can serve every block).
   */
  flush(): Promise<void>
  /** Drops old terminal executions, then garbage-collects unreferenced blocks. */
  prune(policy?: PrunePolicy): Promise<PruneResult>
  /** Garbage-collects blocks nothing references; returns how many were deleted. */
  gc(options?: AbortOptions): Promise<number>
  /** An execution (log, large outputs, snapshots) or a flow (every version) as a CAR file. */
  exportCar(id: string): AsyncIterable<Uint8Array>
  importCar(car: Uint8Array | AsyncIterable<Uint8Array>): Promise<ImportResult>
  /** The root block of `exportCar(id)` alone (the blocks below it are in this store already). */
  exportManifest(id: string): Promise<{ cid: CID, bytes: Uint8Array }>
  /** `importCar`, but a diverged non-terminal local history is replaced (network handover; commands/handover.ts). */
  adoptCar(car: Uint8Array | AsyncIterable<Uint8Array>): Promise<AdoptResult>
  /** Rewrites history sealed with rotated-out keys under the owners' current keys. */
  reencryptHistory(options?: ReencryptOptions): Promise<ReencryptResult>
  /** Group commit figures: batches written, operations, largest batch. */
  stats(): CommitStats
  /** Waits for pending writes, then refuses new ones. Injected stores stay open. */
  close(): Promise<void>
}
