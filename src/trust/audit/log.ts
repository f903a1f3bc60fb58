/**
 * The audit log: every validation, appended as a dag-cbor block (CIDv1, sha2-256) that links
 * the previous entry by CID. The head CID commits to the whole history. Entries are written in
 * batches and the last entry of each batch is signed by the node that validated: its signature
 * covers its `prev` link, hence (by hash) every entry before it; the entries inside a batch name
 * the signer but carry no signature of their own (one Ed25519 signature per batch instead of one
 * per entry). `verifyAuditLog` walks back from a head and reports the first (earliest) broken
 * link: a missing block, bytes that do not hash to their CID, a forged or untrusted signature, an
 * entry no signature covers, or a sequence/link that does not follow.
 */
import { collectBytes } from '../../util/bytes.js'
import { CID } from 'multiformats/cid'
import type { SignedAuditEntry, UnsignedAuditEntry } from '../../../shared/trust.js'
import type { Clock } from '../../interface/clock.js'
import { cidOfEncoded, compact, DOMAINS, encodeCanonical, signingBytes, toBase64url } from '../encoding.js'
import type { SquidIdentity } from '../identity/identity.js'
import type { SignatureVerifier } from '../identity/verifier.js'
import * as dagCbor from '@ipld/dag-cbor'

type Chunks = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

/** The blockstore subset the log needs (interface-blockstore's `put`/`get` fit). */
export interface AuditBlocks {
  put(cid: CID, bytes: Uint8Array): unknown
  get(cid: CID): Chunks | Promise<Chunks>
}

export type AuditFields = Omit<UnsignedAuditEntry, 'seq' | 'prev' | 'signer' | 'at'>

export interface AuditLog {
  /** Appends (in call order) and resolves with the new entry's CID once it is written. */
  append(fields: AuditFields): Promise<string>
  /** The head CID of what is written (null for an empty log). */
  head(): string | null
  /** How many entries are written. */
  readonly length: number
}

/** A sealed entry: its dag-cbor bytes and their CID. */
export interface AuditBlock { cid: string, bytes: Uint8Array }

/**
 * Writes one batch of sealed entries (oldest first); `head` is the last of them. All of them
 * or none: a rejected write drops the batch and the log continues from the head before it.
 */
export type AuditWrite = (entries: AuditBlock[], head: { cid: string, seq: number }) => Promise<void>

export function auditSigningBytes (e: UnsignedAuditEntry): Uint8Array {
  const { seq, prev, at, operationId, check, actor, type, target, valid, layer, errorType, signer } = e
  return signingBytes(DOMAINS.audit, compact({ seq, prev, at, operationId, check, actor, type, target, valid, layer, errorType, signer }))
}

/** Most entries sealed and written in one batch (bounds the memory of one write). */
const MAX_BATCH = 1024

export interface AuditLogInit {
  signer: SquidIdentity
  clock: Pick<Clock, 'now'>
  /** Where entries go one block at a time, when `write` is not given. */
  blocks?: AuditBlocks
  /** Writes a batch of entries at once (e.g. one atomic LevelDB batch with the head pointer). */
  write?: AuditWrite
  /** The head of an existing log to continue. */
  head?: { cid: string, seq: number }
}

/**
 * Appends are group-committed: those made while a batch is being written queue up and are
 * sealed (each linking the one before, the last one signed) and written together as the next batch.
 * An entry's time is taken when it is appended. A crash loses only entries whose `append`
 * had not resolved yet (the queued tail and the batch in flight).
 *
 * @example const log = auditLog({ signer: node, blocks: helia.blockstore, clock })
 */
export function auditLog (init: AuditLogInit): AuditLog {
  const write: AuditWrite = init.write ?? (async (entries) => {
    if (init.blocks == null) throw new TypeError('auditLog needs blocks or write')
    for (const { cid, bytes } of entries) await init.blocks.put(CID.parse(cid), bytes)
  })
  let head = init.head?.cid ?? null
  let length = init.head != null ? init.head.seq + 1 : 0
  let queue: Array<{ fields: AuditFields, at: number, resolve: (cid: string) => void, reject: (err: unknown) => void }> = []
  let draining = false

  /** One entry's block; only the last of a batch is signed (its signature covers the ones before by their CIDs). */
  async function seal (fields: AuditFields, at: number, seq: number, prev: string | null, signed: boolean): Promise<AuditBlock> {
    const unsigned: UnsignedAuditEntry = compact({ ...fields, seq, prev, at, signer: init.signer.id })
    const entry: UnsignedAuditEntry | SignedAuditEntry = signed ? { ...unsigned, signature: toBase64url(await init.signer.sign(auditSigningBytes(unsigned))) } : unsigned
    const bytes = encodeCanonical(entry)
    return { cid: cidOfEncoded(bytes), bytes }
  }

  async function drain (): Promise<void> {
    draining = true
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH)
      queue = queue.slice(batch.length)
      try {
        const blocks: AuditBlock[] = []
        let prev = head
        for (const [i, { fields, at }] of batch.entries()) {
          const block = await seal(fields, at, length + blocks.length, prev, i === batch.length - 1)
          blocks.push(block)
          prev = block.cid
        }
        await write(blocks, { cid: prev as string, seq: length + blocks.length - 1 })
        head = prev
        length += blocks.length
        batch.forEach((item, i) => { item.resolve(blocks[i].cid) })
      } catch (err) {
        // nothing of this batch is in the log: its appends fail, later ones link the head before it
        for (const item of batch) item.reject(err)
      }
    }
    draining = false
  }

  return {
    append (fields) {
      return new Promise<string>((resolve, reject) => {
        queue.push({ fields, at: Math.trunc(init.clock.now()), resolve, reject })
        if (!draining) void drain()
      })
    },
    head: () => head,
    get length () { return length }
  }
}

export interface BrokenLink {
  cid: string
  seq?: number
  reason: 'missing' | 'tampered' | 'malformed' | 'forged' | 'untrusted' | 'unlinked'
  message: string
}

export type AuditVerification = { ok: true, length: number } | { ok: false, checked: number, broken: BrokenLink }

/** Walks the log back from `head`; `signers`: the identities trusted to sign it (default: any valid signature). */
export async function verifyAuditLog (head: string, options: { blocks: AuditBlocks, verifier: SignatureVerifier, signers?: readonly string[] }): Promise<AuditVerification> {
  const problems: BrokenLink[] = []
  let cid: string | null = head
  let from: string | undefined
  let expectedSeq: number | undefined
  let checked = 0
  /** The signer whose valid signature on a later entry covers the entries walked next. */
  let cover: string | undefined
  while (cid != null) {
    let bytes: Uint8Array
    try { bytes = await collectBytes(await options.blocks.get(CID.parse(cid))) } catch {
      problems.push({ cid, ...(expectedSeq != null ? { seq: expectedSeq } : {}), reason: 'missing', message: `entry ${cid} is missing from the blockstore` })
      break
    }
    checked++
    if (cidOfEncoded(bytes) !== cid) {
      problems.push({ cid, ...(expectedSeq != null ? { seq: expectedSeq } : {}), reason: 'tampered', message: `entry ${cid} was altered: its bytes hash to ${cidOfEncoded(bytes)}` })
      break
    }
    let e: UnsignedAuditEntry & { signature?: string }
    try { e = dagCbor.decode(bytes) } catch { problems.push({ cid, reason: 'malformed', message: `entry ${cid} is not dag-cbor` }); break }
    const seq = e.seq
    if (!Number.isSafeInteger(seq) || (seq === 0) !== (e.prev == null)) {
      problems.push({ cid, seq, reason: 'malformed', message: `entry ${cid} has seq ${String(seq)} and prev ${String(e.prev)}: only entry 0 has no prev` })
      break
    }
    if (expectedSeq != null && seq !== expectedSeq && from != null) {
      problems.push({ cid: from, seq: expectedSeq + 1, reason: 'unlinked', message: `entry ${expectedSeq + 1} (${from}) links to entry ${seq} (${cid}), not to entry ${expectedSeq}` })
    }
    if (options.signers != null && !options.signers.includes(e.signer)) {
      problems.push({ cid, seq, reason: 'untrusted', message: `entry ${seq} (${cid}) is signed by ${e.signer}, not by a trusted node` })
      cover = undefined
    } else if (e.signature == null) {
      // inside a batch: the next signed entry (walked already) covers it by its prev links
      if (cover !== e.signer) {
        problems.push({ cid, seq, reason: 'forged', message: cover == null
          ? `entry ${seq} (${cid}) is not signed and no valid signature of a later entry covers it`
          : `entry ${seq} (${cid}) names ${e.signer} as its signer but is covered by a signature of ${cover}` })
      }
    } else if (!await options.verifier.verify(e.signer, e.signature, auditSigningBytes(e))) {
      problems.push({ cid, seq, reason: 'forged', message: `entry ${seq} (${cid}) has a signature that does not verify for ${e.signer}` })
      cover = undefined
    } else {
      cover = e.signer
    }
    expectedSeq = seq - 1
    from = cid
    cid = e.prev
  }
  if (problems.length === 0) return { ok: true, length: checked }
  const earliest = problems.reduce((a, b) => (b.seq ?? -1) < (a.seq ?? -1) ? b : a)
  return { ok: false, checked, broken: earliest }
}
