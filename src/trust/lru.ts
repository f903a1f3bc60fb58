/**
 * A bounded map that evicts entries not used recently (CLOCK / second chance), counting hits
 * and misses. A hit only marks the entry: the usual "delete and re-insert on every get" LRU
 * costs ~7 µs per get on V8 once the map holds ~10k entries (deleted slots force rehashes);
 * here nothing moves: the clock's hand passes over a ring of keys (below).
 */
interface Slot<V> { value: V, used: boolean, at: number }

/** A free place in the ring (the key there was deleted). */
const EMPTY: unique symbol = Symbol('empty')

/**
 * The clock is a ring of keys with a hand, so an eviction looks at a few places from the
 * hand on. (Deleting a `Map`'s oldest entry and iterating it again from the start instead
 * walks over every deleted slot V8 has not yet compacted: ~7 µs per eviction at 10k entries.)
 */
export class Lru<K, V> {
  readonly #entries = new Map<K, Slot<V>>()
  readonly #max: number
  #ring: Array<K | typeof EMPTY> = []
  #free: number[] = []
  #hand = 0
  hits = 0
  misses = 0

  constructor (max: number) {
    this.#max = Math.max(1, max)
  }

  get size (): number {
    return this.#entries.size
  }

  get (key: K): V | undefined {
    const slot = this.#entries.get(key)
    if (slot === undefined) { this.misses++; return undefined }
    this.hits++
    slot.used = true
    return slot.value
  }

  set (key: K, value: V): void {
    const slot = this.#entries.get(key)
    if (slot !== undefined) { slot.value = value; slot.used = true; return }
    let at = this.#free.pop()
    if (at === undefined) {
      if (this.#ring.length < this.#max) at = this.#ring.push(key) - 1
      else at = this.#evict()
    }
    this.#ring[at] = key
    this.#entries.set(key, { value, used: false, at })
  }

  delete (key: K): void {
    const slot = this.#entries.get(key)
    if (slot === undefined) return
    this.#entries.delete(key)
    this.#ring[slot.at] = EMPTY
    this.#free.push(slot.at)
  }

  clear (): void {
    this.#entries.clear()
    this.#ring = []
    this.#free = []
    this.#hand = 0
  }

  /** hits / (hits + misses), 0 before the first lookup. */
  hitRate (): number {
    const total = this.hits + this.misses
    return total === 0 ? 0 : this.hits / total
  }

  /**
   * Drops the first entry from the hand on not used since the hand last passed it (used ones
   * get a second chance: their mark is cleared); returns its place in the ring. Called only
   * with a full ring (no free places), so it ends within two turns.
   */
  #evict (): number {
    const ring = this.#ring
    for (;;) {
      const at = this.#hand
      this.#hand = (at + 1) % ring.length
      const key = ring[at]
      if (key === EMPTY) return at
      const slot = this.#entries.get(key) as Slot<V>
      if (slot.used) { slot.used = false; continue }
      this.#entries.delete(key)
      return at
    }
  }
}
