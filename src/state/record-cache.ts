/**
 * In-memory view of the pointers. The store is the only writer of its datastore, so memory
 * knows better than disk: `dirty` holds what the journal made durable but compaction has not
 * yet written to the record keys; an LRU holds clean records; `disk` knows under which keys
 * each id is stored (listed once at open), so a new execution costs no lookup at all and
 * compaction knows which stale key to delete.
 */
import type { Datastore } from 'interface-datastore'
import { ACTIVE_PREFIX, FLOW_PREFIX, TERMINAL_PREFIX, decodeId } from './keys.js'
import type { RecordLocation } from './keys.js'
import { loadExec, loadFlowPointer } from './records.js'
import type { ExecRecord, FlowPointer } from './records.js'

class Lru<V> {
  private readonly map = new Map<string, V>()
  constructor (private readonly capacity: number) {}

  get (key: string): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }

  set (key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string)
  }

  delete (key: string): void { this.map.delete(key) }
}

/** One kind of pointer: dirty overlay, clean LRU, and where each id is stored on disk. */
export class PointerTable<V> {
  /** Durable in the journal, not yet compacted; `null` is a deletion. */
  readonly dirty = new Map<string, V | null>()
  /** Counts settled records: a reader of the disk keys can tell that compaction moved some meanwhile. */
  settles = 0
  private readonly lru: Lru<V>
  /** By id (not by key name: no encoding on the hot path). */
  private readonly disk = new Map<string, RecordLocation[]>()
  private readonly loading = new Map<string, Promise<V | undefined>>()

  constructor (capacity: number, private readonly prefixes: Array<[string, RecordLocation]>,
    private readonly load: (id: string) => Promise<V | undefined>) {
    this.lru = new Lru(capacity)
  }

  /** Lists the ids stored on disk (keys only: one directory listing per prefix). */
  async scan (datastore: Datastore): Promise<void> {
    for (const [prefix, loc] of this.prefixes) {
      for await (const key of datastore.queryKeys({ prefix })) {
        if (!key.toString().startsWith(`${prefix}/`)) continue
        const id = decodeId(key.baseNamespace())
        if (id == null) continue // not a key this store wrote
        const locs = this.disk.get(id) ?? []
        this.disk.set(id, [...locs, loc])
      }
    }
  }

  /** Keys the id is stored under on disk. */
  locations (id: string): RecordLocation[] {
    return this.disk.get(id) ?? []
  }

  async get (id: string): Promise<V | undefined> {
    const dirty = this.dirty.get(id)
    if (dirty !== undefined) return dirty ?? undefined
    const hit = this.lru.get(id)
    if (hit !== undefined) return hit
    if (!this.disk.has(id)) return undefined
    let pending = this.loading.get(id)
    if (pending == null) {
      const p = this.load(id).then(value => {
        // a write that landed while we were reading wins over what we read
        if (this.loading.get(id) === p && value !== undefined) this.lru.set(id, value)
        return value
      }).finally(() => { if (this.loading.get(id) === p) this.loading.delete(id) })
      pending = p
      this.loading.set(id, p)
    }
    return pending
  }

  /** After a journal write: newer than disk until compacted. */
  stage (id: string, value: V | null): void {
    this.loading.delete(id)
    this.lru.delete(id)
    this.dirty.set(id, value)
  }

  /**
   * After compaction wrote `value` under `locs` (none: deleted). A newer staged value, written
   * to the journal meanwhile, stays dirty.
   */
  settle (id: string, value: V | null, locs: RecordLocation[]): void {
    this.settles++
    if (locs.length === 0) this.disk.delete(id)
    else this.disk.set(id, locs)
    if (this.dirty.has(id) && this.dirty.get(id) !== value) return
    this.loading.delete(id)
    this.dirty.delete(id)
    if (value == null) this.lru.delete(id)
    else this.lru.set(id, value)
  }
}

export class RecordCache {
  readonly execs: PointerTable<ExecRecord>
  readonly flows: PointerTable<FlowPointer>

  constructor (datastore: Datastore, capacity: number) {
    this.execs = new PointerTable(capacity, [[ACTIVE_PREFIX, 'a'], [TERMINAL_PREFIX, 't']], async id => (await loadExec(datastore, id))?.rec)
    this.flows = new PointerTable(Math.max(16, capacity >> 4), [[FLOW_PREFIX, 'f']], async id => loadFlowPointer(datastore, id))
  }
}
