/**
 * The lease record on `qflow/<subnet>/leases` (shape in shared/network.ts): a holder's
 * `LeaseBatch`, `"qflow:lease:v2\n" ‖ dag-cbor` signed once for all the leases it carries, so a
 * relay renewing 1,000 executions signs (and each peer verifies) a few messages per tick instead
 * of 1,000. Like announcements, `identity` (did:key) must name the key of `holder`, and the gossip
 * publisher must be the holder: a node only speaks for itself. `decodeLeaseBatch` throws
 * `TypeError` naming the bad field (`leaseBatch.leases[3].seq: …`) or the failed check.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { LeaseBatch, LeaseEntry } from '../../shared/network.js'
import { compact, peerIdFromPublicKey, publicKeyFromDidKey, toBase64url } from '../trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { domainBytes } from './domain-bytes.js'

const LEASE_DOMAIN = 'qflow:lease:v2'
/** Most leases a receiver accepts in one batch (senders chunk at `LEASES_PER_BATCH`). */
export const MAX_LEASES_PER_BATCH = 1024
/** Default chunk of a sender: ~75 KB with CIDs, well under gossipsub's 4 MiB frame. */
export const LEASES_PER_BATCH = 500
/** A sender also starts a new chunk past this many bytes of ids and CIDs (long execution ids). */
const CHUNK_BYTES = 128 * 1024
/** Longest execution id / checkpoint CID accepted. */
const MAX_ID = 256
const ENTRY_FIELDS: ReadonlySet<string> = new Set(['executionId', 'seq', 'expiresAt', 'checkpoint', 'released'])
const BATCH_FIELDS: ReadonlySet<string> = new Set(['v', 'subnet', 'holder', 'identity', 'leases', 'signature'])

/** Splits entries into batches of at most `max` leases (and ~128 KiB of ids and CIDs). */
export function chunkLeaseEntries (entries: readonly LeaseEntry[], max = LEASES_PER_BATCH): LeaseEntry[][] {
  const per = Math.max(1, Math.min(max, MAX_LEASES_PER_BATCH))
  const chunks: LeaseEntry[][] = []
  let chunk: LeaseEntry[] = []
  let bytes = 0
  for (const e of entries) {
    const size = e.executionId.length + (e.checkpoint?.length ?? 0) + 48
    if (chunk.length >= per || (chunk.length > 0 && bytes + size > CHUNK_BYTES)) { chunks.push(chunk); chunk = []; bytes = 0 }
    chunk.push(e)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

export async function signLeaseBatch (identity: SquidIdentity, subnet: string, leases: LeaseEntry[]): Promise<LeaseBatch> {
  const unsigned = { v: 2 as const, subnet, holder: identity.peerId, identity: identity.id, leases: leases.map(e => compact({ ...e })) }
  return { ...unsigned, signature: toBase64url(await identity.sign(domainBytes(LEASE_DOMAIN, unsigned))) }
}

export const encodeLeaseBatch = (batch: LeaseBatch): Uint8Array => dagCbor.encode(batch)

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

function checkEntry (e: any, path: string): LeaseEntry {
  if (e == null || typeof e !== 'object' || Array.isArray(e)) throw new TypeError(`${path}: must be an object`)
  if (!isId(e.executionId)) throw new TypeError(`${path}.executionId: must be a string of 1-${MAX_ID} characters`)
  if (!isCount(e.seq)) throw new TypeError(`${path}.seq: must be a non-negative integer`)
  if (typeof e.expiresAt !== 'number' || !Number.isFinite(e.expiresAt) || e.expiresAt < 0) throw new TypeError(`${path}.expiresAt: must be a non-negative number (epoch ms)`)
  if (e.checkpoint !== undefined && !isId(e.checkpoint)) throw new TypeError(`${path}.checkpoint: must be a CID string of 1-${MAX_ID} characters`)
  if (e.released !== undefined && e.released !== true) throw new TypeError(`${path}.released: must be true when present`)
  const extra = Object.keys(e).find(k => !ENTRY_FIELDS.has(k))
  if (extra != null) throw new TypeError(`${path}.${extra}: not a lease field`)
  return e as LeaseEntry
}

export interface DecodeLeaseBatchOptions {
  /** The topic's subnet: a batch naming another is refused. */
  subnet: string
  /** The gossip publisher's peer id: it must be the holder. */
  from: string
}

/** Decodes, checks and verifies (one signature for the whole batch) a lease batch. */
export async function decodeLeaseBatch (bytes: Uint8Array, verifier: SignatureVerifier, options: DecodeLeaseBatchOptions): Promise<LeaseBatch> {
  let r: any
  try { r = dagCbor.decode(bytes) } catch (err) { throw new TypeError(`leaseBatch: not dag-cbor (${(err as Error).message})`) }
  if (r == null || typeof r !== 'object' || Array.isArray(r)) throw new TypeError('leaseBatch: must be a map')
  if (r.v !== 2) throw new TypeError(`leaseBatch.v: must be 2 (got ${String(r.v)})`)
  for (const f of ['subnet', 'holder', 'identity', 'signature'] as const) if (typeof r[f] !== 'string' || r[f].length === 0) throw new TypeError(`leaseBatch.${f}: must be a non-empty string`)
  const extra = Object.keys(r).find(k => !BATCH_FIELDS.has(k))
  if (extra != null) throw new TypeError(`leaseBatch.${extra}: not a lease batch field`)
  if (r.subnet !== options.subnet) throw new TypeError(`leaseBatch.subnet: ${String(r.subnet)} is not this topic's subnet (${options.subnet})`)
  let peerId: string
  try { peerId = peerIdFromPublicKey(publicKeyFromDidKey(r.identity)) } catch { throw new TypeError('leaseBatch.identity: not an Ed25519 did:key') }
  if (peerId !== r.holder) throw new TypeError('leaseBatch.holder: is not the peer id of leaseBatch.identity')
  if (r.holder !== options.from) throw new TypeError('leaseBatch.holder: is not the gossip publisher')
  if (!Array.isArray(r.leases) || r.leases.length === 0 || r.leases.length > MAX_LEASES_PER_BATCH) throw new TypeError(`leaseBatch.leases: must be a list of 1-${MAX_LEASES_PER_BATCH} leases`)
  const ids = new Set<string>()
  r.leases.forEach((e: unknown, i: number) => {
    const entry = checkEntry(e, `leaseBatch.leases[${i}]`)
    if (ids.has(entry.executionId)) throw new TypeError(`leaseBatch.leases[${i}].executionId: ${entry.executionId} appears twice`)
    ids.add(entry.executionId)
  })
  const { signature, ...unsigned } = r
  if (!await verifier.verify(r.identity, signature, domainBytes(LEASE_DOMAIN, unsigned))) throw new TypeError('leaseBatch.signature: does not verify')
  return r as LeaseBatch
}
