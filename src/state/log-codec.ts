/**
 * Log blocks: one sealed batch of events per block, linking its predecessor. Step outputs
 * (and received event payloads) whose JSON exceeds the threshold are sealed into their own
 * raw blocks and listed in the log block's `big` links; the sealed body records where each
 * goes back (`r: [eventIndex, field, bigIndex]`), so user data never carries markers.
 */
import type { CID } from 'multiformats/cid'
import type { ExecutionEvent } from '../../shared/execution.js'
import { openBig, sealBig } from './big-blocks.js'
import type { BigValue } from './big-values.js'
import { cborBlock } from './blocks.js'
import type { Block, LogNode } from './blocks.js'
import type { StoreContext } from './context.js'
import { IntegrityError } from './errors.js'
import { openJson, sealJson } from './payload.js'
import type { DataKey } from './qlock/keyring.js'

/** Event fields that may be large, by event type. */
const OFFLOADABLE: Readonly<Record<string, string>> = { 'step.completed': 'output', 'event.received': 'payload' }

interface LogBody { e: ExecutionEvent[], r: Array<[number, string, number]> }

const encoder = new TextEncoder()

/**
 * Builds the blocks for one appended batch; the log block is the last one. `big` lists the
 * large values it offloaded (for the execution's index: snapshots link them, not copy them).
 */
export async function encodeLogBatch (ctx: Pick<StoreContext, 'largeOutputThreshold'>, key: DataKey, executionId: string,
  prev: CID | null, start: number, events: ExecutionEvent[]): Promise<{ blocks: Block[], big: BigValue[] }> {
  const large: Array<[string, Uint8Array]> = []
  const refs: LogBody['r'] = []
  const out = events.map((event, index) => {
    const field = OFFLOADABLE[event.type]
    const value = field == null ? undefined : (event as any)[field]
    if (value === undefined) return event
    const json = JSON.stringify(value)
    // JSON length (UTF-16 units) bounds the UTF-8 size from below, 3x from above
    if (json == null || json.length * 3 <= ctx.largeOutputThreshold) return event
    const bytes = encoder.encode(json)
    if (bytes.length <= ctx.largeOutputThreshold) return event
    refs.push([index, field, large.length])
    large.push([json, bytes])
    const { [field]: _dropped, ...rest } = event as any
    return rest
  })
  const blobs = await Promise.all(large.map(async ([json, bytes]) => sealBig(key, executionId, json, bytes)))
  const body: LogBody = { e: out, r: refs }
  const node: LogNode = {
    qflow: 1, k: 'log', prev, i: start, c: events.length, big: blobs.map(b => b.block.cid),
    body: await sealJson(key, body, 'log', executionId)
  }
  return { blocks: [...blobs.map(b => b.block), await cborBlock(node)], big: blobs.map(b => b.value) }
}

/** Opens a log block's events, restoring offloaded outputs (whose index entries go to `found`). */
export async function decodeLogEvents (ctx: Pick<StoreContext, 'lookup' | 'blockstore'>, executionId: string, cid: CID, node: LogNode,
  found?: BigValue[]): Promise<ExecutionEvent[]> {
  const ref = { kind: 'log' as const, id: executionId, cid: cid.toString() }
  const body = await openJson<LogBody>(ctx, node.body, ref)
  if (!Array.isArray(body?.e) || body.e.length !== node.c) throw new IntegrityError(ref, 'event count does not match the block')
  await Promise.all((body.r ?? []).map(async ([index, field, big]) => {
    const blobCid = node.big[big]
    if (blobCid == null) throw new IntegrityError(ref, `missing large output link ${big}`)
    const { json, value } = await openBig(ctx, executionId, blobCid)
    ;(body.e[index] as any)[field] = json
    found?.push(value)
  }))
  return body.e
}
