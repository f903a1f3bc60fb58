/**
 * The audit log on a blockstore + datastore: entries are blocks, the head `{ cid, seq }` is a
 * datastore pointer, so a reopened log continues the same chain. Appends are group-committed
 * (`auditLog`): each batch of entries is written with ONE head-pointer update, as one atomic
 * write when the stores offer `commit` (the Node trust store's LevelDB), else blocks first and
 * the pointer after them (a crash in between leaves unreferenced blocks, never a dangling head).
 * Batches are written one at a time, so pointer writes cannot overtake each other.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import type { Clock } from '../../interface/clock.js'
import { auditLog, verifyAuditLog } from '../audit/log.js'
import type { AuditLog, AuditVerification, AuditWrite } from '../audit/log.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import type { TrustBlocks } from './blocks.js'
import { getPointer, TRUST_KEYS } from './keys.js'
import type { TrustPointers } from './keys.js'

export interface AuditHead { cid: string, seq: number }

export interface StoredAuditLogInit {
  signer: SquidIdentity
  blocks: TrustBlocks
  datastore: TrustPointers
  clock: Pick<Clock, 'now'>
  /** Writes blocks and pointers in one atomic batch (optional; see the module comment). */
  commit?: TrustCommit
}

/** An atomic write of blocks and pointer puts (the state store's `InPlaceCommit` fits). */
export type TrustCommit = (blocks: Array<{ cid: CID, bytes: Uint8Array }>, pointers: Array<{ type: 'put', key: Key, value: Uint8Array }>) => Promise<void>

/** The stored head, or undefined for an empty log. */
export async function auditHead (datastore: TrustPointers): Promise<AuditHead | undefined> {
  const bytes = await getPointer(datastore, TRUST_KEYS.auditHead)
  if (bytes == null) return undefined
  const head = dagCbor.decode<AuditHead>(bytes)
  if (typeof head?.cid !== 'string' || !Number.isSafeInteger(head.seq)) throw new TypeError('the audit head pointer is malformed')
  return head
}

/**
 * @example
 * const log = await storedAuditLog({ signer: me, blocks, datastore, clock: systemClock() })
 * await log.append({ operationId, check: 'dao:vote', actor: me.id, type: 'external-event', target: 'dao:a', valid: true, layer: 'qindex' })
 */
export async function storedAuditLog (init: StoredAuditLogInit): Promise<AuditLog> {
  const head = await auditHead(init.datastore)
  const write: AuditWrite = async (entries, last) => {
    const blocks = entries.map(({ cid, bytes }) => ({ cid: CID.parse(cid), bytes }))
    const pointer = dagCbor.encode({ cid: last.cid, seq: last.seq })
    if (init.commit != null) {
      await init.commit(blocks, [{ type: 'put', key: TRUST_KEYS.auditHead, value: pointer }])
      return
    }
    for (const { cid, bytes } of blocks) await init.blocks.put(cid, bytes)
    await init.datastore.put(TRUST_KEYS.auditHead, pointer)
  }
  return auditLog({ signer: init.signer, clock: init.clock, write, ...(head != null ? { head } : {}) })
}

/** Verifies the stored log from its head (`{ ok: true, length: 0 }` when it is empty). */
export async function verifyStoredAuditLog (init: { blocks: TrustBlocks, datastore: TrustPointers, verifier: SignatureVerifier, signers?: readonly string[] }): Promise<AuditVerification & { head?: string }> {
  const head = await auditHead(init.datastore)
  if (head == null) return { ok: true, length: 0 }
  const result = await verifyAuditLog(head.cid, { blocks: init.blocks, verifier: init.verifier, ...(init.signers != null ? { signers: init.signers } : {}) })
  if (result.ok && result.length !== head.seq + 1) {
    return { ok: false, checked: result.length, head: head.cid, broken: { cid: head.cid, seq: head.seq, reason: 'unlinked', message: `the head pointer names entry ${head.seq} (${head.cid}), but the chain from it holds ${result.length} entries` } }
  }
  return { ...result, head: head.cid }
}
