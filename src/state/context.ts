/**
 * What every store command needs: the injected stores and keyring, the record cache, the
 * group writer and the options in force. Built once by `heliaStateStore`.
 */
import type { Blockstore } from 'interface-blockstore'
import type { BigValueIndex } from './big-values.js'
import type { Datastore } from 'interface-datastore'
import type { GroupWriter } from './group-commit.js'
import type { Journal } from './journal.js'
import type { KeyLookup } from './qlock/envelope.js'
import type { Keyring } from './qlock/keyring.js'
import type { RecordCache } from './record-cache.js'

export interface StoreContext {
  blockstore: Blockstore
  datastore: Datastore
  keyring: Keyring
  lookup: KeyLookup
  cache: RecordCache
  /** Large values already stored as blocks, by content: snapshots link them (`big-values.ts`). */
  bigValues: BigValueIndex
  journal: Journal
  writer: GroupWriter
  /** Step outputs whose JSON is larger than this many bytes go to their own block. */
  largeOutputThreshold: number
  /** How many snapshots per execution stay loadable by checkpoint id. */
  snapshotRetention: number
  defaultOwner: string
  now: () => number
}
