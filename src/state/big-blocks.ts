/**
 * Large values as their own blocks: a raw block holding a dag-cbor Qlock envelope of the
 * value's JSON, sealed under the execution's key with the additional data
 * `qflow:output:<executionId>` (so it opens only as that execution's output). Log blocks and
 * snapshot blocks link them the same way (`big` in clear, positions inside the sealed body).
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { digestOf } from './big-values.js'
import type { BigValue } from './big-values.js'
import { rawBlock, readBlock } from './blocks.js'
import type { Block } from './blocks.js'
import type { StoreContext } from './context.js'
import { IntegrityError } from './errors.js'
import { openJsonText, sealBytes } from './payload.js'
import { isEnvelope } from './qlock/envelope.js'
import type { DataKey } from './qlock/keyring.js'

/** Seals one large value (its JSON `text`, UTF-8 `bytes`) into a raw block. */
export async function sealBig (key: DataKey, executionId: string, text: string, bytes: Uint8Array): Promise<{ block: Block, value: BigValue }> {
  const [env, digest] = await Promise.all([sealBytes(key, bytes, 'output', executionId), digestOf(bytes)])
  const block = await rawBlock(dagCbor.encode(env))
  return { block, value: { len: text.length, digest, cid: block.cid } }
}

/** Reads, verifies and opens one large value; `value` is its index entry. */
export async function openBig (ctx: Pick<StoreContext, 'lookup' | 'blockstore'>, executionId: string, cid: CID): Promise<{ json: unknown, value: BigValue }> {
  const ref = { kind: 'output' as const, id: executionId, cid: cid.toString() }
  const env: unknown = dagCbor.decode(await readBlock(ctx.blockstore, cid, ref))
  if (!isEnvelope(env)) throw new IntegrityError(ref, 'not a sealed output')
  const { value, bytes, text } = await openJsonText(ctx, env, ref)
  return { json: value, value: { len: text.length, digest: await digestOf(bytes), cid } }
}
