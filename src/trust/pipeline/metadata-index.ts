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

/**
 * In memory, bounded: past `maxEntries` (default 100,000) the least recently indexed entries
 * are dropped (a long-running node indexes every execution it admits).
 */
export function memoryMetadataIndex (init: { maxEntries?: number } = {}): MetadataIndex {
  const max = init.maxEntries ?? 100_000
  const entries = new Map<string, IndexEntry>()
  const fields = new Map<Field, Map<string, Set<string>>>()
  const keyOf = (kind: string, id: string): string => `${kind}\n${id}`

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

  return {
    put (entry) {
      const key = keyOf(entry.kind, entry.id)
      const old = entries.get(key)
      if (old != null) { link(old, false); entries.delete(key) }
      const copy = { ...entry, tags: [...entry.tags] }
      entries.set(key, copy)
      link(copy, true)
      if (entries.size > max) {
        const [oldestKey, oldest] = entries.entries().next().value as [string, IndexEntry]
        link(oldest, false)
        entries.delete(oldestKey)
      }
    },
    get: (kind, id) => entries.get(keyOf(kind, id)),
    search (query) {
      const wanted: Array<[Field, string]> = []
      for (const f of ['kind', 'tag', 'category', 'owner', 'visibility', 'daoSubnet', 'flowId'] as const) {
        const v = query[f]
        if (v != null) wanted.push([f, v])
      }
      const sets = wanted.map(([f, v]) => fields.get(f)?.get(v) ?? new Set<string>()).sort((a, b) => a.size - b.size)
      const candidates = sets.length === 0 ? [...entries.keys()] : [...sets[0]].filter(k => sets.every(s => s.has(k)))
      return candidates.map(k => entries.get(k) as IndexEntry)
        .filter(e => query.viewer == null || canSee(e, query.viewer))
        .sort((a, b) => b.at - a.at)
    },
    get size () { return entries.size }
  }
}
