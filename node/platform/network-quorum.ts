/**
 * The subnet majority a node must prove before it dispatches a step of an execution it
 * coordinates or takes an execution over (partition safety; network-fence.ts uses it).
 * - **Members**: this node and every peer it reached as a lease participant of the subnet (announced
 *   through presence, connected, subscribed to `qflow/<subnet>/leases`); tabs lending themselves
 *   execute but take nothing over, so they are not members. A member stays counted for `memberTtlMs`
 *   (default 10 × leaseMs) after it was last reachable, whatever presence does: a node cut off
 *   cannot shrink the denominator to win a majority alone until long after the holder on the other
 *   side gave its executions up (2/3 of a lease without a majority).
 * - **Reachable**: members presence knows now, with an open connection, subscribed to the lease topic.
 * - **Safe** ⇔ reachable (self included) × 2 > members. Two nodes: both must see each other.
 * The majorities of two nodes intersect when they count the same members: a full mesh (presence
 * `connectTo` ≥ the subnet's size − 1; default 4) gives that.
 */
import { leasesTopic } from '../../src/network/index.js'
import type { Clock } from '../../src/interface/clock.js'
import type { NetworkNode } from './network-node.js'

export interface QuorumInit {
  net: Pick<NetworkNode, 'libp2p' | 'peerId' | 'selector'>
  subnet: string
  leaseMs: number
  /** How long a member that cannot be reached still counts (default 10 × leaseMs). */
  memberTtlMs?: number
  clock: Clock
}

export interface QuorumView {
  /** Members counted, this node included. */
  members: number
  /** Of them reachable now, this node included. */
  reachable: number
}

export interface Quorum {
  /** Recomputes the view from presence, connections and lease-topic subscriptions. */
  refresh(): Promise<QuorumView>
  /** The view of the last `refresh`. */
  view(): QuorumView
  /** Whether the last view is a strict majority. */
  safe(): boolean
  /** Peer ids of the counted members other than this node. */
  members(): string[]
}

export function subnetQuorum (init: QuorumInit): Quorum {
  const { net, clock } = init
  const memberTtlMs = init.memberTtlMs ?? 10 * init.leaseMs
  if (!(memberTtlMs > init.leaseMs)) throw new TypeError(`quorum.memberTtlMs: must exceed leaseMs (${init.leaseMs}), got ${memberTtlMs}`)
  const topic = leasesTopic(init.subnet)
  /** Member → when it was last reachable. */
  const lastReached = new Map<string, number>()
  let current: QuorumView = { members: 1, reachable: 1 }

  return {
    async refresh () {
      const known = await net.selector.getAvailableNodes(init.subnet)
      const connected = new Set(net.libp2p.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))
      const subscribed = new Set(net.libp2p.services.pubsub.getSubscribers(topic).map(p => p.toString()))
      const now = clock.now()
      let reachable = 1
      for (const n of known) {
        if (n.nodeId === net.peerId || !connected.has(n.nodeId) || !subscribed.has(n.nodeId)) continue
        lastReached.set(n.nodeId, now)
        reachable++
      }
      for (const [id, at] of lastReached) if (now - at > memberTtlMs) lastReached.delete(id)
      current = { members: 1 + lastReached.size, reachable }
      return current
    },
    view: () => current,
    safe: () => current.reachable * 2 > current.members,
    members: () => [...lastReached.keys()]
  }
}
