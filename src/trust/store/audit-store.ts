/**
 * The audit log on a blockstore + datastore: entries are blocks (`auditLog` writes them), the
 * head `{ cid, seq }` is a datastore pointer moved after each entry's block is written, so a
 * reopened log continues the same chain. Appends are serialised here so pointer writes
 * cannot overtake each other.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Clock } from '../../interface/clock.js'
import { auditLog, verifyAuditLog } from '../audit/log.js'
import type { AuditLog, AuditVerification } from '../audit/log.js'
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
}

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
  const log = auditLog({ signer: init.signer, blocks: init.blocks, clock: init.clock, ...(head != null ? { head } : {}) })
  let tail: Promise<unknown> = Promise.resolve()
  return {
    append (fields) {
      const next = tail.then(async () => {
        const cid = await log.append(fields)
        await init.datastore.put(TRUST_KEYS.auditHead, dagCbor.encode({ cid, seq: log.length - 1 }))
        return cid
      })
      tail = next.catch(() => {})
      return next
    },
    head: () => log.head(),
    get length () { return log.length }
  }
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
