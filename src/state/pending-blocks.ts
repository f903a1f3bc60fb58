/**
 * The store's view of its blockstore: the injected one, plus the small blocks that are
 * durable in the journal but not yet written as block files (see `journal.ts`). Every read
 * of the store goes through this overlay; the injected blockstore (and Helia serving it)
 * sees those blocks once the journal is compacted.
 */
import { BaseBlockstore } from 'blockstore-core'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'
import { blockKey } from './blocks.js'
import type { Block } from './blocks.js'

export class PendingBlockstore extends BaseBlockstore {
  private readonly pending = new Map<string, Block>()
  private pendingBytes = 0

  constructor (readonly inner: Blockstore) {
    super()
  }

  /** Bytes waiting for compaction. */
  get size (): number { return this.pendingBytes }

  add (blocks: Iterable<Block>): void {
    for (const block of blocks) {
      const key = blockKey(block.cid)
      if (this.pending.has(key)) continue
      this.pending.set(key, block)
      this.pendingBytes += block.bytes.length
    }
  }

  /** Writes every pending block to the injected blockstore. */
  async flush (options?: AbortOptions): Promise<void> {
    const blocks = [...this.pending.values()]
    if (blocks.length === 0) return
    for await (const _ of this.inner.putMany(blocks, options)) { /* drain */ }
    for (const block of blocks) this.pending.delete(blockKey(block.cid))
    this.pendingBytes = 0
    for (const block of this.pending.values()) this.pendingBytes += block.bytes.length
  }

  override async has (key: CID, options?: AbortOptions): Promise<boolean> {
    return this.pending.has(blockKey(key)) || await this.inner.has(key, options)
  }

  override async put (key: CID, val: Uint8Array, options?: AbortOptions): Promise<CID> {
    return this.inner.put(key, val, options)
  }

  override async * putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    yield * this.inner.putMany(source, options)
  }

  override async * get (key: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    const block = this.pending.get(blockKey(key))
    if (block != null) yield block.bytes
    else yield * this.inner.get(key, options)
  }

  override async delete (key: CID, options?: AbortOptions): Promise<void> {
    const block = this.pending.get(blockKey(key))
    if (block != null) {
      this.pending.delete(blockKey(key))
      this.pendingBytes -= block.bytes.length
    }
    await this.inner.delete(key, options)
  }

  override async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    for (const block of this.pending.values()) yield { cid: block.cid, bytes: (function * () { yield block.bytes })() }
    for await (const pair of this.inner.getAll(options)) {
      if (!this.pending.has(blockKey(pair.cid))) yield pair
    }
  }
}
