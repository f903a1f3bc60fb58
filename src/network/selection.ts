/**
 * The seed's `NodeSelector`. Known nodes are indexed by subnet in selection order (base score
 * descending, `sorted-index.ts`) and by capability (sets). `select` walks the subnet's order from
 * the best node and stops as soon as no later node can beat the k-th pick; when a required
 * capability is rare it scores that capability's set instead. Nothing sorts the whole set:
 * selecting among 10,000 nodes stays under 100 µs (see test/bench/network.ts).
 */
import type { NodeMetrics, NodeSelectionCriteria, QNETNode } from '../../shared/network.js'
import { NoNodeAvailableError } from './errors.js'
import { baseScore, geoBonus, nodeQualifies, WEIGHTS } from './scoring.js'
import { SortedIndex } from './sorted-index.js'

export interface NodeSelectorInit {
  /** Nodes whose reputation is below this are never selected (default 0.5). */
  minReputation?: number
}

export interface NodeSelector {
  /**
   * The best node for `criteria`; rejects with `NoNodeAvailableError` naming why none qualifies.
   *
   * @example
   * const node = await selector.selectNode({ daoSubnet: 'acme', requiredCapabilities: ['wasm'], minPerformanceScore: 0, maxLatency: 0, resourceRequirements: {} })
   */
  selectNode(criteria: NodeSelectionCriteria): Promise<QNETNode>
  /** Every known node of the subnet (all nodes when omitted). */
  getAvailableNodes(daoSubnet?: string): Promise<QNETNode[]>
  /** Folds observed metrics into a node's entry (unknown nodes are ignored; reputation is clamped to 0..1). */
  updateNodeMetrics(nodeId: string, metrics: NodeMetrics): Promise<void>
  /** Synchronous: up to `count` best distinct nodes, best first (ties: smaller node id first). */
  select(criteria: NodeSelectionCriteria, count?: number): QNETNode[]
  /** Adds or replaces a node (its reputation and a measured latency survive a replacement). */
  upsert(node: QNETNode): void
  remove(nodeId: string): boolean
  get(nodeId: string): QNETNode | undefined
  readonly size: number
  readonly minReputation: number
}

export function nodeSelector (init: NodeSelectorInit = {}): NodeSelector {
  return new IndexedNodeSelector(init.minReputation ?? 0.5)
}

interface Entry { node: QNETNode, base: number, nodeId: string, caps: Set<string> }

const ALL = '\u0000all'
/** Score a capability's set directly when it is this many times smaller than the subnet's order. */
const RARE = 8

class IndexedNodeSelector implements NodeSelector {
  private readonly entries = new Map<string, Entry>()
  private readonly bySubnet = new Map<string, SortedIndex<Entry>>()
  private readonly byCapability = new Map<string, Set<Entry>>()
  /** Reputations of forgotten nodes: a node cannot launder a bad name by going silent (bounded). */
  private readonly remembered = new Map<string, number>()

  constructor (readonly minReputation: number) {}

  get size (): number { return this.entries.size }

  get (nodeId: string): QNETNode | undefined { return this.entries.get(nodeId)?.node }

  upsert (node: QNETNode): void {
    const copy: QNETNode = { ...node, capabilities: [...node.capabilities], daoSubnets: [...node.daoSubnets] }
    const past = this.remembered.get(node.nodeId)
    if (past != null) { copy.reputation = past; this.remembered.delete(node.nodeId) }
    const old = this.entries.get(node.nodeId)
    if (old != null) {
      copy.reputation = old.node.reputation
      if (copy.latency === 0) copy.latency = old.node.latency
      this.unindex(old)
    }
    const entry: Entry = { node: copy, base: baseScore(copy), nodeId: copy.nodeId, caps: new Set(copy.capabilities) }
    this.entries.set(entry.nodeId, entry)
    this.index(entry)
  }

  remove (nodeId: string): boolean {
    const old = this.entries.get(nodeId)
    if (old == null) return false
    this.unindex(old)
    this.entries.delete(nodeId)
    this.remembered.set(nodeId, old.node.reputation)
    if (this.remembered.size > 100_000) this.remembered.delete(this.remembered.keys().next().value as string)
    return true
  }

  async updateNodeMetrics (nodeId: string, metrics: NodeMetrics): Promise<void> {
    const entry = this.entries.get(nodeId)
    if (entry == null) return
    const node = entry.node
    if (metrics.performanceScore != null) node.performanceScore = metrics.performanceScore
    if (metrics.currentLoad != null) node.currentLoad = metrics.currentLoad
    if (metrics.latency != null) node.latency = metrics.latency
    if (metrics.reputation != null) node.reputation = Math.max(0, Math.min(1, metrics.reputation))
    const base = baseScore(node)
    if (base === entry.base) return
    // re-rank: out under the old key, in under the new one
    for (const s of this.subnetsOf(entry)) this.bySubnet.get(s)?.remove(entry, entry.base)
    entry.base = base
    for (const s of this.subnetsOf(entry)) this.bySubnet.get(s)?.insert(entry)
  }

  async getAvailableNodes (daoSubnet?: string): Promise<QNETNode[]> {
    return (this.bySubnet.get(daoSubnet ?? ALL)?.items ?? []).map(e => ({ ...e.node }))
  }

  async selectNode (criteria: NodeSelectionCriteria): Promise<QNETNode> {
    const [best] = this.select(criteria, 1)
    if (best == null) throw this.noneError(criteria)
    return best
  }

  select (criteria: NodeSelectionCriteria, count = 1): QNETNode[] {
    const order = this.bySubnet.get(criteria.daoSubnet ?? ALL)
    if (order == null || count < 1) return []
    const required = criteria.resourceRequirements.capabilities != null && criteria.resourceRequirements.capabilities.length > 0
      ? [...criteria.requiredCapabilities, ...criteria.resourceRequirements.capabilities]
      : criteria.requiredCapabilities
    let rare: Set<Entry> | undefined
    for (const c of required) {
      const set = this.byCapability.get(c)
      if (set == null) return []
      if (set.size * RARE < order.size && (rare == null || set.size < rare.size)) rare = set
    }
    const excluded = criteria.excludeNodes != null && criteria.excludeNodes.length > 0 ? new Set(criteria.excludeNodes) : undefined
    const geo = criteria.geographicPreference
    const maxBonus = geo != null && geo.length > 0 ? WEIGHTS.geo : 0
    const subnet = criteria.daoSubnet
    const best: Entry[] = []
    const scores: number[] = []
    const consider = (e: Entry): void => {
      if (excluded?.has(e.nodeId) === true) return
      if (subnet != null && rare != null && !e.node.daoSubnets.includes(subnet)) return
      for (const r of required) if (!e.caps.has(r)) return
      if (!nodeQualifies(e.node, criteria, this.minReputation)) return
      const score = e.base + (maxBonus > 0 ? geoBonus(e.node, geo) : 0)
      let i = best.length
      while (i > 0 && (scores[i - 1] < score || (scores[i - 1] === score && best[i - 1].nodeId > e.nodeId))) i--
      if (i >= count) return
      best.splice(i, 0, e)
      scores.splice(i, 0, score)
      if (best.length > count) { best.pop(); scores.pop() }
    }
    if (rare != null) {
      for (const e of rare) consider(e)
    } else {
      for (const e of order.items) {
        // later entries score at most their base + the bonus: none can beat the k-th pick
        if (best.length === count && e.base + maxBonus < scores[count - 1]) break
        consider(e)
      }
    }
    return best.map(e => ({ ...e.node }))
  }

  private noneError (criteria: NodeSelectionCriteria): NoNodeAvailableError {
    const known = this.bySubnet.get(criteria.daoSubnet ?? ALL)?.size ?? 0
    const where = criteria.daoSubnet != null ? `subnet "${criteria.daoSubnet}"` : 'any subnet'
    return new NoNodeAvailableError(known === 0
      ? `no node is known in ${where}`
      : `none of the ${known} nodes known in ${where} qualifies (capabilities [${criteria.requiredCapabilities.join(', ')}], ` +
        `minPerformanceScore ${criteria.minPerformanceScore}, maxLatency ${criteria.maxLatency}, excluded ${criteria.excludeNodes?.length ?? 0}, minReputation ${this.minReputation})`,
    { daoSubnet: criteria.daoSubnet, known })
  }

  private subnetsOf (entry: Entry): string[] {
    return [ALL, ...entry.node.daoSubnets]
  }

  private index (entry: Entry): void {
    for (const s of this.subnetsOf(entry)) {
      let order = this.bySubnet.get(s)
      if (order == null) { order = new SortedIndex(); this.bySubnet.set(s, order) }
      order.insert(entry)
    }
    for (const c of entry.caps) {
      let set = this.byCapability.get(c)
      if (set == null) { set = new Set(); this.byCapability.set(c, set) }
      set.add(entry)
    }
  }

  private unindex (entry: Entry): void {
    for (const s of this.subnetsOf(entry)) {
      const order = this.bySubnet.get(s)
      if (order == null) continue
      order.remove(entry)
      if (order.size === 0) this.bySubnet.delete(s)
    }
    for (const c of entry.caps) {
      const set = this.byCapability.get(c)
      if (set == null) continue
      set.delete(entry)
      if (set.size === 0) this.byCapability.delete(c)
    }
  }
}
