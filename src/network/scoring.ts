/**
 * Pure node scoring (documented in ARCHITECTURE.md). A node's score is in [0, 1.1]:
 *
 *   score = 0.30·performance + 0.30·reputation + 0.25·(1 − load) + 0.15·latencyFactor + geoBonus
 *   latencyFactor = 1 / (1 + latency / 50 ms)        (unknown latency, 0, counts as 1)
 *   geoBonus      = 0.1 · (1 − i / n) when the node's region is the i-th of n preferred regions
 *
 * Filters (a node failing any is not a candidate): subnet membership, not excluded, reputation ≥
 * the selector's threshold, performance ≥ `minPerformanceScore`, known latency ≤ `maxLatency`,
 * every required capability, memory and cores ≥ the requirements.
 */
import type { NodeSelectionCriteria, QNETNode } from '../../shared/network.js'

export const WEIGHTS = { performance: 0.30, reputation: 0.30, load: 0.25, latency: 0.15, geo: 0.1 } as const
export const LATENCY_SCALE_MS = 50

const clamp01 = (x: number): number => x < 0 ? 0 : x > 1 ? 1 : x

export function nodeScore (node: QNETNode, geographicPreference?: readonly string[]): number {
  return baseScore(node) + geoBonus(node, geographicPreference)
}

/** The score without the geographic bonus (what the selector's indexes sort by). */
export function baseScore (node: QNETNode): number {
  const latencyFactor = node.latency > 0 ? 1 / (1 + node.latency / LATENCY_SCALE_MS) : 1
  return WEIGHTS.performance * clamp01(node.performanceScore) +
    WEIGHTS.reputation * clamp01(node.reputation) +
    WEIGHTS.load * (1 - clamp01(node.currentLoad)) +
    WEIGHTS.latency * latencyFactor
}

export function geoBonus (node: QNETNode, geographicPreference?: readonly string[]): number {
  if (geographicPreference == null || geographicPreference.length === 0 || node.region == null) return 0
  const i = geographicPreference.indexOf(node.region)
  return i >= 0 ? WEIGHTS.geo * (1 - i / geographicPreference.length) : 0
}

/** True when `node` passes every filter except subnet and exclusion (the selector's indexes do those). */
export function nodeQualifies (node: QNETNode, criteria: NodeSelectionCriteria, minReputation: number): boolean {
  if (node.reputation < minReputation) return false
  if (node.performanceScore < criteria.minPerformanceScore) return false
  if (criteria.maxLatency > 0 && Number.isFinite(criteria.maxLatency) && node.latency > criteria.maxLatency) return false
  const req = criteria.resourceRequirements
  if (req.minMemoryMB != null && (node.memoryMB ?? 0) < req.minMemoryMB) return false
  if (req.minCpuCores != null && (node.cpuCores ?? 0) < req.minCpuCores) return false
  return true
}
