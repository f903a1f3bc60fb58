/**
 * A list of entries kept in selection order: base score descending, then node id ascending.
 * Insert and remove are a binary search plus one splice (a memmove: a few µs at 10,000
 * entries), so metric updates stay cheap and `select` walks from the best entry and stops
 * early instead of scoring and sorting every node.
 */
export interface Ranked {
  /** The score without per-query bonuses (geography); the sort key. */
  base: number
  nodeId: string
}

const before = (a: Ranked, base: number, nodeId: string): boolean =>
  a.base > base || (a.base === base && a.nodeId < nodeId)

export class SortedIndex<T extends Ranked> {
  readonly items: T[] = []

  get size (): number { return this.items.length }

  /** Where an entry with this key sits (or would be inserted). */
  private position (base: number, nodeId: string): number {
    let lo = 0
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(this.items[mid], base, nodeId)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  insert (entry: T): void {
    this.items.splice(this.position(entry.base, entry.nodeId), 0, entry)
  }

  /** Removes the entry stored under `base` (its key when inserted). */
  remove (entry: T, base: number = entry.base): boolean {
    const i = this.position(base, entry.nodeId)
    if (this.items[i] !== entry) return false
    this.items.splice(i, 1)
    return true
  }
}
