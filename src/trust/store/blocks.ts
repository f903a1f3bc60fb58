/**
 * Signed trust documents as dag-cbor blocks (CIDv1, sha2-256), stored under the CID of their
 * bytes. Every read re-hashes the bytes, so a document altered on disk is refused with a
 * `TrustStoreError` that names it, never trusted.
 */
import { collectBytes } from '../../util/bytes.js'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import type { AuditBlocks } from '../audit/log.js'
import { cidOfEncoded, encodeCanonical } from '../encoding.js'
import { TrustStoreError } from './errors.js'

/** The blockstore subset the trust store needs (interface-blockstore fits). */
export type TrustBlocks = AuditBlocks

/** Writes `value` as a block; resolves with its CID. Putting the same value twice is a no-op. */
export async function putDocument (blocks: TrustBlocks, value: unknown): Promise<string> {
  const bytes = encodeCanonical(value)
  const cid = cidOfEncoded(bytes)
  await blocks.put(CID.parse(cid), bytes)
  return cid
}

export async function readBytes (blocks: TrustBlocks, cid: string): Promise<Uint8Array | undefined> {
  try {
    return await collectBytes(await blocks.get(CID.parse(cid)))
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
}

/** The document stored under `cid`; `what` names it in errors (`policy version 2 of dao.a`). */
export async function getDocument<T> (blocks: TrustBlocks, cid: string, what: string): Promise<T> {
  const bytes = await readBytes(blocks, cid)
  if (bytes == null) throw new TrustStoreError('block_missing', `the ${what} (${cid}) is missing from the trust blockstore`, { cid })
  const actual = cidOfEncoded(bytes)
  if (actual !== cid) {
    throw new TrustStoreError('block_tampered', `the ${what} (${cid}) was altered on disk: its bytes hash to ${actual}; restore it from a backup or a peer`, { cid, actual })
  }
  try {
    return dagCbor.decode(bytes)
  } catch {
    throw new TrustStoreError('block_malformed', `the ${what} (${cid}) is not dag-cbor`, { cid })
  }
}
