/**
 * The Qindex search index: flows and executions by their metadata (tags, category, owner,
 * visibility, DAO subnet), in memory, with one inverted map per field. A `viewer` limits
 * results to what that identity may see: public entries, its own, and its subnets'.
 */
export interface IndexEntry {
  kind: 'flow' | 'execution'
  id: string
  flowId: string
  owner: string
  /** Who started it (executions). */
  actor?: string
  tags: string[]
  category: string
  visibility: 'public' | 'dao-only' | 'private'
  daoSubnet?: string
  /** Epoch ms when indexed. */
  at: number
}

export interface IndexQuery {
  kind?: IndexEntry['kind']
  tag?: string
  category?: string
  owner?: string
  visibility?: IndexEntry['visibility']
  daoSubnet?: string
  flowId?: string
  /** Only what this identity may see. */
  viewer?: { id: string, subnets: readonly string[] }
}

export interface MetadataIndex {
  put(entry: IndexEntry): void
  get(kind: IndexEntry['kind'], id: string): IndexEntry | undefined
  /** Entries matching every given field, newest first. */
  search(query: IndexQuery): IndexEntry[]
  readonly size: number
}

type Field = 'kind' | 'tag' | 'category' | 'owner' | 'visibility' | 'daoSubnet' | 'flowId'

export function canSee (entry: IndexEntry, viewer: { id: string, subnets: readonly string[] }): boolean {
  // subnet isolation: a subnet's entries are its members' only, whatever their visibility
  if (entry.daoSubnet != null && !viewer.subnets.includes(entry.daoSubnet)) return false
  if (entry.visibility === 'private') return entry.owner === viewer.id || entry.actor === viewer.id
  return true
}

/** Whether two entries link the same field values (only `at` may differ). */
function sameFields (a: IndexEntry, b: IndexEntry): boolean {
  return a.flowId === b.flowId && a.owner === b.owner && a.actor === b.actor && a.category === b.category &&
    a.visibility === b.visibility && a.daoSubnet === b.daoSubnet && a.tags.length === b.tags.length && a.tags.every((t, i) => t === b.tags[i])
}

/**
 * In memory, bounded: past `maxEntries` (default 100,000) the least recently indexed entries
 * are dropped (a long-running node indexes every execution it admits).
 *
 * Recency is kept in a queue of `(key, sequence)` pairs; a re-indexed entry gets a new
 * sequence and its older pair is skipped when reached. (Evicting by deleting a `Map`'s first
 * entry and iterating it again walks over every deleted slot V8 has not compacted yet: ~18 µs
 * per put at 100k entries; re-indexing a flow whose fields did not change also leaves its
 * field sets alone.)
 */
export function memoryMetadataIndex (init: { maxEntries?: number } = {}): MetadataIndex {
  const max = init.maxEntries ?? 100_000
  const entries = new Map<string, { entry: IndexEntry, seq: number }>()
  const fields = new Map<Field, Map<string, Set<string>>>()
  const keyOf = (kind: string, id: string): string => `${kind}\n${id}`
  let order: Array<[string, number]> = []
  let head = 0
  let seq = 0

  function values (e: IndexEntry): Array<[Field, string]> {
    const out: Array<[Field, string]> = [['kind', e.kind], ['category', e.category], ['owner', e.owner], ['visibility', e.visibility], ['flowId', e.flowId]]
    if (e.daoSubnet != null) out.push(['daoSubnet', e.daoSubnet])
    for (const t of e.tags) out.push(['tag', t])
    return out
  }
  function link (e: IndexEntry, add: boolean): void {
    const key = keyOf(e.kind, e.id)
    for (const [field, value] of values(e)) {
      let byValue = fields.get(field)
      if (byValue == null) { byValue = new Map(); fields.set(field, byValue) }
      let set = byValue.get(value)
      if (set == null) { if (!add) continue; set = new Set(); byValue.set(value, set) }
      if (add) set.add(key)
      else { set.delete(key); if (set.size === 0) byValue.delete(value) }
    }
  }
  /** Drops the queue's stale pairs once they outnumber the live ones (amortised O(1) per put). */
  function compact (): void {
    if (order.length - head <= 2 * entries.size + 1024) return
    order = order.slice(head).filter(([key, s]) => entries.get(key)?.seq === s)
    head = 0
  }

  return {
    put (entry) {
      const key = keyOf(entry.kind, entry.id)
      const old = entries.get(key)
      const copy = { ...entry, tags: [...entry.tags] }
      if (old == null || !sameFields(old.entry, copy)) {
        if (old != null) link(old.entry, false)
        link(copy, true)
      }
      const s = ++seq
      entries.set(key, { entry: copy, seq: s })
      order.push([key, s])
      while (entries.size > max) {
        const [oldestKey, oldestSeq] = order[head++]
        const oldest = entries.get(oldestKey)
        if (oldest == null || oldest.seq !== oldestSeq) continue
        link(oldest.entry, false)
        entries.delete(oldestKey)
      }
      compact()
    },
    get: (kind, id) => entries.get(keyOf(kind, id))?.entry,
    search (query) {
      const wanted: Array<[Field, string]> = []
      for (const f of ['kind', 'tag', 'category', 'owner', 'visibility', 'daoSubnet', 'flowId'] as const) {
        const v = query[f]
        if (v != null) wanted.push([f, v])
      }
      const sets = wanted.map(([f, v]) => fields.get(f)?.get(v) ?? new Set<string>()).sort((a, b) => a.size - b.size)
      const candidates = sets.length === 0 ? [...entries.keys()] : [...sets[0]].filter(k => sets.every(s => s.has(k)))
      return candidates.map(k => (entries.get(k) as { entry: IndexEntry }).entry)
        .filter(e => query.viewer == null || canSee(e, query.viewer))
        .sort((a, b) => b.at - a.at)
    },
    get size () { return entries.size }
  }
}
