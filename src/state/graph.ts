/**
 * Walks the block graph below some roots through the clear-text links (no keys needed):
 * GC marks with it, export collects with it, import checks completeness with it.
 */
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { blockKey, blockLinks } from './blocks.js'

export interface WalkOptions {
  /** Read raw leaves too (export); marking only needs their keys (default false). */
  leaves?: boolean
  /** Multihash keys already visited; filled in as the walk goes. */
  seen?: Set<string>
  onBlock?: (cid: CID, bytes: Uint8Array) => void | Promise<void>
  /** Blocks read at once (default 32). */
  concurrency?: number
  signal?: AbortSignal
}

/** Breadth-first over every root at once; returns the multihash keys reached. */
export async function walkGraph (get: (cid: CID) => Promise<Uint8Array>, roots: Iterable<CID>, options: WalkOptions = {}): Promise<Set<string>> {
  const seen = options.seen ?? new Set<string>()
  const concurrency = options.concurrency ?? 32
  let frontier: CID[] = []
  for (const root of roots) {
    const key = blockKey(root)
    if (!seen.has(key)) { seen.add(key); frontier.push(root) }
  }
  while (frontier.length > 0) {
    const next: CID[] = []
    for (let i = 0; i < frontier.length; i += concurrency) {
      options.signal?.throwIfAborted()
      await Promise.all(frontier.slice(i, i + concurrency).map(async cid => {
        if (cid.code === raw.code && options.leaves !== true) return
        const bytes = await get(cid)
        await options.onBlock?.(cid, bytes)
        for (const link of blockLinks(cid, bytes)) {
          const key = blockKey(link)
          if (!seen.has(key)) { seen.add(key); next.push(link) }
        }
      }))
    }
    frontier = next
  }
  return seen
}
