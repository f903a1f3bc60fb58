/**
 * Which large values (outputs over the threshold) of each execution are already stored as
 * sealed raw blocks, by content: the JSON's length and the SHA-256 of its UTF-8 bytes, mapped
 * to the block's CID. Snapshots look values up here so that they link the block instead of
 * copying the value (`snapshot-codec.ts`). Memory only, rebuilt as logs and snapshots are
 * written and read; the digests never leave memory (a digest in clear would let anyone
 * confirm a guessed output).
 *
 * An entry only ever names a block that is stored: writes enter it once their batch is
 * durable (`Tx.afterCommit`), reads once the block was read, and GC forgets what it deletes.
 * `generation` grows whenever entries are forgotten or renamed, so that a read that began
 * before cannot enter a block that GC may already have deleted.
 */
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { blockKey, equalBytes } from './blocks.js'

export interface BigValue {
  /** Length of the value's JSON in UTF-16 code units (a cheap first filter). */
  len: number
  /** SHA-256 of the JSON's UTF-8 bytes. */
  digest: Uint8Array
  cid: CID
}

export async function digestOf (utf8: Uint8Array): Promise<Uint8Array> {
  return (await sha256.digest(utf8)).digest
}

/** Looks a value up among staged and stored ones. */
export function findBig (values: Iterable<BigValue>, len: number, digest: Uint8Array): CID | undefined {
  for (const v of values) if (v.len === len && equalBytes(v.digest, digest)) return v.cid
  return undefined
}

export class BigValueIndex {
  /** Executions in least-recently-used order; each holds its values by JSON length. */
  private readonly execs = new Map<string, Map<number, BigValue[]>>()
  private count = 0
  generation = 0

  /** `capacity`: values remembered across all executions (least recently used go first). */
  constructor (private readonly capacity = 4096) {}

  add (executionId: string, values: BigValue[], generation = this.generation): void {
    if (values.length === 0 || generation !== this.generation) return
    let byLen = this.execs.get(executionId)
    if (byLen == null) byLen = new Map()
    this.execs.delete(executionId)
    this.execs.set(executionId, byLen)
    for (const value of values) {
      const list = byLen.get(value.len) ?? []
      if (findBig(list, value.len, value.digest) != null) continue
      list.push(value)
      byLen.set(value.len, list)
      this.count++
    }
    while (this.count > this.capacity && this.execs.size > 1) this.evict(this.execs.keys().next().value as string)
  }

  /** Whether any value of this JSON length is known for the execution (before hashing anything). */
  hasLength (executionId: string, len: number): boolean {
    return this.execs.get(executionId)?.has(len) === true
  }

  /** Whether any value of a JSON length `fits` accepts is known for the execution. */
  hasLengthIn (executionId: string, fits: (len: number) => boolean): boolean {
    const byLen = this.execs.get(executionId)
    if (byLen == null) return false
    for (const len of byLen.keys()) if (fits(len)) return true
    return false
  }

  find (executionId: string, len: number, digest: Uint8Array): CID | undefined {
    const list = this.execs.get(executionId)?.get(len)
    return list == null ? undefined : findBig(list, len, digest)
  }

  /** Forgets an execution's values (its blocks may go: pruned, or replaced by an import). */
  drop (executionId: string): void {
    if (this.evict(executionId)) this.generation++
  }

  /** Forgets values whose blocks (by multihash key) were deleted. */
  forget (keys: ReadonlySet<string>): void {
    if (keys.size === 0) return
    this.generation++
    this.rewrite(() => true, v => keys.has(blockKey(v.cid)) ? undefined : v)
  }

  /** Re-encryption moved blocks: old multihash key → new CID. */
  rename (executionId: string, renamed: ReadonlyMap<string, CID>): void {
    this.generation++
    this.rewrite(id => id === executionId, v => {
      const cid = renamed.get(blockKey(v.cid))
      return cid == null ? v : { ...v, cid }
    })
  }

  /** Forgets an execution's values to save memory (their blocks stay). */
  private evict (executionId: string): boolean {
    const byLen = this.execs.get(executionId)
    if (byLen == null) return false
    for (const list of byLen.values()) this.count -= list.length
    this.execs.delete(executionId)
    return true
  }

  private rewrite (which: (id: string) => boolean, map: (v: BigValue) => BigValue | undefined): void {
    for (const [id, byLen] of this.execs) {
      if (!which(id)) continue
      for (const [len, list] of byLen) {
        const kept = list.map(map).filter((v): v is BigValue => v != null)
        this.count -= list.length - kept.length
        if (kept.length === 0) byLen.delete(len)
        else byLen.set(len, kept)
      }
    }
  }
}
