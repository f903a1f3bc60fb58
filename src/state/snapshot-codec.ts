/**
 * Snapshot bodies without copies of large values. A step output over the threshold is already
 * a sealed raw block of the execution's log; a snapshot links that block (`big` of the snap
 * node, in clear, so GC keeps it and export carries it) and its sealed body records where the
 * value goes back (`r: [path, bigIndex]`; the value's place holds `null`, so the key order
 * and the JSON of the restored state are unchanged). Values are matched by content through
 * the execution's index (`big-values.ts`). A large value no stored block holds (an aggregate
 * the engine built, or one the index no longer remembers) becomes a block of its own, sealed
 * exactly like the log's, and later snapshots link it in turn. The walk goes down to the
 * smallest values over the threshold: those are linked, the state around them stays inline.
 * Sizes are bounded without serialising (`JsonSizes`), so only the large values themselves are
 * serialised and hashed.
 */
import type { CID } from 'multiformats/cid'
import { openBig, sealBig } from './big-blocks.js'
import { digestOf, findBig } from './big-values.js'
import type { BigValue } from './big-values.js'
import { blockKey } from './blocks.js'
import type { Block, SnapNode } from './blocks.js'
import type { StoreContext } from './context.js'
import { IntegrityError } from './errors.js'
import type { RecordRef } from './errors.js'
import type { DataKey } from './qlock/keyring.js'
import type { Tx } from './tx.js'

export type StatePath = Array<string | number>
export interface SnapBody { state: unknown, r?: Array<[StatePath, number]> }

export interface EncodedSnapshot {
  body: SnapBody
  /** The body's JSON when it was produced on the way (no large values: the common case). */
  json?: string
  /** Blocks the snapshot links, by position in `r`. */
  big: CID[]
  /** New large-value blocks (values no stored block held). */
  blocks: Block[]
  /** Index entries of the new blocks. */
  values: BigValue[]
}

const encoder = new TextEncoder()

export async function encodeSnapshot (ctx: Pick<StoreContext, 'largeOutputThreshold' | 'bigValues'>, tx: Pick<Tx, 'stagedBig'>,
  key: DataKey, executionId: string, state: unknown): Promise<EncodedSnapshot> {
  const limit = ctx.largeOutputThreshold
  const out: EncodedSnapshot = { body: { state }, big: [], blocks: [], values: [] }
  const sizes = new JsonSizes()
  const small = (): EncodedSnapshot => {
    const text = JSON.stringify(state)
    if (text !== undefined) out.json = `{"state":${text}}` // what JSON.stringify(body) gives
    return out
  }
  if (state == null || typeof state !== 'object' || sizes.of(state) * MAX_BYTES_PER_UNIT <= limit) return small()
  const local = [...tx.stagedBig(executionId)]
  const refs: Array<[StatePath, CID]> = []

  /** A stored block holding exactly this value, if the index knows one of a possible length. */
  const lookup = async (low: number, json: Json): Promise<CID | undefined> => {
    const fits = (len: number): boolean => len >= low && len <= low * MAX_BYTES_PER_UNIT
    if (!ctx.bigValues.hasLengthIn(executionId, fits) && !local.some(value => fits(value.len))) return undefined
    const { text, bytes } = json.get()
    if (bytes.length <= limit) return undefined
    const digest = await digestOf(bytes)
    return findBig(local, text.length, digest) ?? ctx.bigValues.find(executionId, text.length, digest)
  }

  /** Replaces the large values below `value`; returns how many it found. */
  const visit = async (value: object, path: StatePath): Promise<number> => {
    let found = 0
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
    for (const [k, v] of entries) {
      if (v == null || (typeof v !== 'object' && typeof v !== 'string')) continue
      // sizes first (no serialising): most values are plainly small, and large ones are walked into
      const low = sizes.of(v)
      if (low * MAX_BYTES_PER_UNIT <= limit) continue
      const json = new Json(v)
      const at = [...path, k]
      const cid = await lookup(low, json)
      if (cid != null) { found++; refs.push([at, cid]); continue }
      if (low <= limit && json.get().bytes.length <= limit) continue
      found++
      if (typeof v === 'object' && await visit(v, at) > 0) continue
      // a large value no stored block holds: a block of its own, which later snapshots link
      const { text, bytes } = json.get()
      const sealed = await sealBig(key, executionId, text, bytes)
      out.blocks.push(sealed.block)
      out.values.push(sealed.value)
      local.push(sealed.value)
      refs.push([at, sealed.block.cid])
    }
    return found
  }

  await visit(state, [])
  if (refs.length === 0) return small()
  const positions = new Map<string, number>()
  const r: Array<[StatePath, number]> = []
  for (const [path, cid] of refs) {
    const k = blockKey(cid)
    let index = positions.get(k)
    if (index == null) {
      index = out.big.length
      positions.set(k, index)
      out.big.push(cid)
    }
    r.push([path, index])
  }
  out.body = { state: withNulls(state, r.map(([path]) => path)), r }
  return out
}

/** Restores the linked values into an opened body's state; their index entries go to `found`. */
export async function restoreSnapshotValues (ctx: Pick<StoreContext, 'lookup' | 'blockstore'>, executionId: string, node: SnapNode,
  body: SnapBody, ref: RecordRef, found: BigValue[]): Promise<unknown> {
  const r = body.r ?? []
  if (!Array.isArray(r)) throw new IntegrityError(ref, 'malformed large-value references')
  const big = node.big ?? []
  const opened = new Map<number, Promise<{ json: unknown, value: BigValue }>>()
  const open = async (index: number): Promise<{ json: unknown, value: BigValue }> => {
    let p = opened.get(index)
    if (p == null) {
      const cid = big[index]
      if (cid == null) throw new IntegrityError(ref, `missing large value link ${index}`)
      p = openBig(ctx, executionId, cid)
      opened.set(index, p)
    }
    return p
  }
  const used = new Set<number>()
  await Promise.all(r.map(async (entry, i) => {
    const [path, index] = Array.isArray(entry) ? entry : []
    if (!Array.isArray(path) || path.length === 0 || typeof index !== 'number') throw new IntegrityError(ref, `malformed large-value reference r[${i}]`)
    const { json, value } = await open(index)
    const [holder, last] = placeOf(body.state, path as StatePath, ref, i)
    // each place gets its own copy, as the log path would give
    ;(holder as any)[last] = used.has(index) ? structuredClone(json) : json
    if (!used.has(index)) found.push(value)
    used.add(index)
  }))
  return body.state
}

/** UTF-8 bytes per UTF-16 unit of JSON text, at most (`\u001f` is 6 bytes for one unit). */
const MAX_BYTES_PER_UNIT = 6

/**
 * Lower bounds on JSON lengths (UTF-16 units) without serialising: exact but for string
 * escapes (each adds at most 5 units per unit: the UTF-8 size is at most 6x the bound).
 * Objects with `toJSON` are serialised. Memoised per object for one snapshot.
 */
class JsonSizes {
  private readonly known = new WeakMap<object, number>()

  of (v: unknown): number {
    switch (typeof v) {
      case 'string': return v.length + 2
      case 'number': return Number.isFinite(v) ? String(v).length : 4
      case 'boolean': return v ? 4 : 5
      case 'object': break
      default: return 0 // undefined, functions, symbols: left out (bigint throws when serialised)
    }
    if (v === null) return 4
    const cached = this.known.get(v)
    if (cached != null) return cached
    let n = 2
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      n = JSON.stringify(v)?.length ?? 0
    } else if (Array.isArray(v)) {
      for (const item of v) n += Math.max(this.of(item), 4) + 1 // left-out items become null; a comma each
      if (v.length > 0) n--
    } else {
      let keys = 0
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue
        const item = this.of((v as Record<string, unknown>)[k])
        if (item > 0) { n += k.length + 4 + item; keys++ } // "k": and a comma
      }
      if (keys > 0) n--
    }
    this.known.set(v, n)
    return n
  }
}

/** A value's JSON text and UTF-8 bytes, made once when first needed. */
class Json {
  private made?: { text: string, bytes: Uint8Array }
  constructor (private readonly value: unknown) {}
  get (): { text: string, bytes: Uint8Array } {
    if (this.made == null) {
      const text = JSON.stringify(this.value) ?? 'null'
      this.made = { text, bytes: encoder.encode(text) }
    }
    return this.made
  }
}

/** A copy of `state` sharing everything but the spines of `paths`, whose ends hold null. */
function withNulls (state: unknown, paths: StatePath[]): unknown {
  const copies = new Set<unknown>()
  const copy = (value: any): any => {
    const c = Array.isArray(value) ? value.slice() : { ...value }
    copies.add(c)
    return c
  }
  const root = copy(state)
  for (const path of paths) {
    let holder: any = root
    for (let i = 0; i < path.length - 1; i++) {
      const child = holder[path[i]]
      if (!copies.has(child)) holder[path[i]] = copy(child)
      holder = holder[path[i]]
    }
    holder[path[path.length - 1]] = null
  }
  return root
}

/** The object holding the place `path` names, checked: every step an own key, the place null. */
function placeOf (state: unknown, path: StatePath, ref: RecordRef, i: number): [object, string | number] {
  let holder: unknown = state
  for (let j = 0; j < path.length; j++) {
    const k = path[j]
    const ok = holder != null && typeof holder === 'object' && (typeof k === 'string' || typeof k === 'number') &&
      Object.prototype.hasOwnProperty.call(holder, k)
    if (!ok) throw new IntegrityError(ref, `large-value reference r[${i}] names no place in the state`)
    if (j === path.length - 1) {
      if ((holder as any)[k] !== null) throw new IntegrityError(ref, `large-value reference r[${i}] names an occupied place`)
      return [holder as object, k]
    }
    holder = (holder as any)[k]
  }
  throw new IntegrityError(ref, `large-value reference r[${i}] is empty`)
}
