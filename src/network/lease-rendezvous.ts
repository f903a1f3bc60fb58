/**
 * Who holds an execution's lease: rendezvous hashing picks the successor of a lapsed holder (every
 * node computes the same one from the live nodes it knows), and `leaseBeats` orders two leases of
 * one execution (higher seq, then higher rendezvous rank, then, same holder, later expiry).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { Lease } from '../../shared/network.js'

const enc = new TextEncoder()

/** Rendezvous weight of a node for an execution: the first 6 bytes of sha-256(nodeId ‖ 0 ‖ executionId). */
export function rendezvousWeight (nodeId: string, executionId: string): number {
  const h = sha256(enc.encode(`${nodeId}\u0000${executionId}`))
  return h[0] * 2 ** 40 + h[1] * 2 ** 32 + h[2] * 2 ** 24 + h[3] * 2 ** 16 + h[4] * 2 ** 8 + h[5]
}

export function rendezvousWinner (candidates: readonly string[], executionId: string): string | undefined {
  let best: string | undefined
  let weight = -1
  for (const c of candidates) {
    const w = rendezvousWeight(c, executionId)
    if (w > weight || (w === weight && best != null && c < best)) { best = c; weight = w }
  }
  return best
}

/** True when `a` beats `b` for the same execution: higher seq, then higher rendezvous rank, then (same holder) later expiry. */
export const leaseBeats = (a: Lease, b: Lease): boolean => a.seq > b.seq ||
  (a.seq === b.seq && a.holder !== b.holder && rendezvousWeight(a.holder, a.executionId) > rendezvousWeight(b.holder, b.executionId)) ||
  (a.seq === b.seq && a.holder === b.holder && a.expiresAt > b.expiresAt)
