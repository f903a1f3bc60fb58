/**
 * Block layout. Every record is a dag-cbor block (CIDv1, sha2-256) whose links stay in clear
 * so that GC, export and import walk the graph without keys; every payload is a Qlock envelope.
 *
 *   log    { qflow: 1, k: 'log',  prev: CID | null, i, c, big: CID[], body }   events [i, i + c)
 *   snap   { qflow: 1, k: 'snap', log: CID | null, i, cp, big: CID[], body }  state after i events
 *   flow   { qflow: 1, k: 'flow', id, prev: CID | null, at, body }            one flow version
 *   export { qflow: 1, k: 'export', of, id, ... }                             CAR root (see car.ts)
 *
 * Large outputs are raw blocks holding a dag-cbor envelope, linked from `big` of their log block
 * and of every snapshot whose state holds them (snapshots link them instead of copying them).
 * Reads re-hash every block: a flipped byte on disk is an `IntegrityError` naming the record.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Blockstore } from 'interface-blockstore'
import { collectBytes } from './datastore-io.js'
import { IntegrityError, MissingBlockError } from './errors.js'
import type { RecordRef } from './errors.js'
import { isEnvelope } from './qlock/envelope.js'
import type { Envelope } from './qlock/envelope.js'

export interface Block { cid: CID, bytes: Uint8Array }

export interface LogNode { qflow: 1, k: 'log', prev: CID | null, i: number, c: number, big: CID[], body: Envelope }
/** `big` (absent in snapshots written before it existed): large-value blocks the state links. */
export interface SnapNode { qflow: 1, k: 'snap', log: CID | null, i: number, cp: string, big?: CID[], body: Envelope }
export interface FlowNode { qflow: 1, k: 'flow', id: string, prev: CID | null, at: string, body: Envelope }
export interface NodeKinds { log: LogNode, snap: SnapNode, flow: FlowNode }

export async function cborBlock (value: unknown): Promise<Block> {
  const bytes = dagCbor.encode(value)
  return { cid: CID.createV1(dagCbor.code, await sha256.digest(bytes)), bytes }
}

export async function rawBlock (bytes: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** Checks that `bytes` hash to `cid` (sha2-256 only: the store writes nothing else). */
export async function verifyBlock (cid: CID, bytes: Uint8Array, ref: RecordRef): Promise<void> {
  if (cid.multihash.code !== sha256.code) throw new IntegrityError(ref, `unsupported hash 0x${cid.multihash.code.toString(16)}`)
  const digest = await sha256.digest(bytes)
  if (!equalBytes(digest.digest, cid.multihash.digest)) throw new IntegrityError(ref, 'stored bytes do not match the CID (tampered or corrupt block)')
}

/** Reads and verifies a block. */
export async function readBlock (blockstore: Pick<Blockstore, 'get'>, cid: CID, ref: RecordRef): Promise<Uint8Array> {
  const named = ref.cid == null ? { ...ref, cid: cid.toString() } : ref
  let bytes: Uint8Array
  try {
    bytes = await collectBytes(blockstore.get(cid))
  } catch (err: any) {
    if (err?.name === 'NotFoundError') throw new MissingBlockError(named, err)
    throw err
  }
  await verifyBlock(cid, bytes, named)
  return bytes
}

/** Reads, verifies and decodes a record block of the given kind. */
export async function readNode<K extends keyof NodeKinds> (blockstore: Pick<Blockstore, 'get'>, cid: CID, kind: K, ref: RecordRef): Promise<NodeKinds[K]> {
  const named = { ...ref, cid: cid.toString() }
  if (cid.code !== dagCbor.code) throw new IntegrityError(named, `expected a dag-cbor ${kind} block`)
  return decodeNode(await readBlock(blockstore, cid, named), kind, named)
}

export function decodeNode<K extends keyof NodeKinds> (bytes: Uint8Array, kind: K, ref: RecordRef): NodeKinds[K] {
  let node: any
  try {
    node = dagCbor.decode(bytes)
  } catch {
    throw new IntegrityError(ref, 'not a dag-cbor block')
  }
  if (node?.qflow !== 1 || node.k !== kind || !isEnvelope(node.body)) throw new IntegrityError(ref, `not a qflow ${kind} record`)
  return node
}

/** Every CID a block links to (raw blocks link to nothing). */
export function blockLinks (cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code !== dagCbor.code) return []
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch {
    throw new IntegrityError({ kind: 'block', cid: cid.toString() }, 'not a dag-cbor block')
  }
  const out: CID[] = []
  collectLinks(value, out)
  return out
}

function collectLinks (value: unknown, out: CID[]): void {
  if (value == null || typeof value !== 'object' || value instanceof Uint8Array) return
  const cid = CID.asCID(value)
  if (cid != null) { out.push(cid); return }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collectLinks(v, out)
}

/**
 * Whether a block is one this store wrote (a qflow record, or a raw block holding an
 * envelope), judged by content: blockstores list blocks by multihash and lose the codec.
 * GC only ever deletes such blocks, so a blockstore shared with Helia keeps the rest.
 */
export function isQflowBlock (bytes: Uint8Array): boolean {
  try {
    const value: any = dagCbor.decode(bytes)
    return (value?.qflow === 1 && typeof value.k === 'string') || isEnvelope(value)
  } catch {
    return false
  }
}

/** Blockstores key blocks by multihash (listing returns CIDs with another codec): so do we. */
export function blockKey (cid: CID): string {
  return base32.baseEncode(cid.multihash.bytes)
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function parseCid (value: string): CID | undefined {
  try {
    return CID.parse(value)
  } catch {
    return undefined
  }
}
