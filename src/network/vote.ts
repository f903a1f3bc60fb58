/**
 * Majority vote over redundant replicas. Each outcome is named by the CID of its dag-cbor
 * (`{ ok, output }` or `{ ok, error: { name, message } }`); the outcome more than half of the k
 * replicas agree on wins. Nodes with another outcome are the losers (they lose reputation); a
 * replica that never produced an outcome (no node, lost executors) votes for nothing.
 */
import { cidOfValue } from '../trust/index.js'
import { NoConsensusError } from './errors.js'
import { wireSafe } from './wire.js'

export interface ReplicaOutcome {
  /** '' when no node produced an outcome. */
  nodeId: string
  ok: boolean
  output?: unknown
  error?: any
  logs: string[]
  /** Filled by `tally`. */
  hash: string
}

export interface Vote {
  winner: ReplicaOutcome
  winners: string[]
  losers: string[]
  /** One log line per replica and the verdict. */
  lines: string[]
}

export function outcomeHash (o: ReplicaOutcome): string {
  return cidOfValue(wireSafe(o.ok ? { ok: true, output: o.output } : { ok: false, error: { name: String(o.error?.name), message: String(o.error?.message) } }))
}

export function tally (outcomes: ReplicaOutcome[], k: number): Vote {
  const groups = new Map<string, ReplicaOutcome[]>()
  for (const o of outcomes) {
    if (o.nodeId === '') continue
    o.hash = outcomeHash(o)
    const g = groups.get(o.hash)
    if (g == null) groups.set(o.hash, [o]); else g.push(o)
  }
  let best: ReplicaOutcome[] = []
  for (const g of groups.values()) if (g.length > best.length) best = g
  const lines = outcomes.map((o, i) => o.nodeId === ''
    ? `vote replica ${i + 1}: no outcome`
    : `vote replica ${i + 1}: node ${o.nodeId} → ${o.hash}`)
  if (best.length * 2 <= k) {
    const counts = [...groups.values()].map(g => g.length).join('/')
    lines.push(`vote: no majority of ${k} (groups ${counts || 'none'})`)
    return {
      winner: { nodeId: '', ok: false, error: new NoConsensusError(`no majority among ${k} replicas (agreeing groups: ${counts || 'none'})`, { k }), logs: [], hash: '' },
      winners: [],
      losers: [],
      lines
    }
  }
  const winners = best.map(o => o.nodeId)
  const losers = outcomes.filter(o => o.nodeId !== '' && o.hash !== best[0].hash).map(o => o.nodeId)
  lines.push(`vote: ${best.length} of ${k} agree on ${best[0].hash}${losers.length > 0 ? `; outvoted: ${losers.join(', ')}` : ''}`)
  return { winner: best[0], winners, losers, lines }
}
