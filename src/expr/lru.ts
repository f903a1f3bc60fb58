/** A bounded map that forgets the least recently used entry first. */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>()
  readonly #max: number

  constructor (max: number) {
    this.#max = max
  }

  get size (): number {
    return this.#entries.size
  }

  get (key: K): V | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      // re-insert so iteration order stays least- to most-recently used
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  set (key: K, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
  }

  clear (): void {
    this.#entries.clear()
  }
}
