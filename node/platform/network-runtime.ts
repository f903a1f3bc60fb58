/**
 * The runtime's network settings and the live-peers view of a started network node.
 * `createNodeRuntime({ network })` (node/runtime.ts) uses these: one libp2p node (Helia's on a
 * data directory, so bitswap and dispatch share it; its own in memory) carries presence,
 * dispatch and leases.
 */
import type { QflowLibp2p } from '../../src/network/index.js'
import type { NetworkNode, NetworkNodeInit } from './network-node.js'

/** Every `startNetworkNode` setting the runtime does not provide itself (identity, libp2p, dispatcher, clock). */
export interface RuntimeNetworkInit extends Partial<Omit<NetworkNodeInit, 'identity' | 'libp2p' | 'dispatcher' | 'clock'>> {
  /** DAO subnets this node serves (default `['default']`; the first one is steps' default). */
  subnets?: string[]
}

export const DEFAULT_SUBNET = 'default'

/** The WebSocket listen multiaddr of a host and port (`0.0.0.0:4001` → `/ip4/0.0.0.0/tcp/4001/ws`). */
export function wsListenAddress (host: string, port: number): string {
  const family = host.includes(':') ? 'ip6' : /^[\d.]+$/.test(host) ? 'ip4' : 'dns'
  return `/${family}/${host}/tcp/${port}/ws`
}

/** One row of `GET /api/v1/system/nodes` (what `qflow nodes` prints). */
export interface NodeView {
  id: string
  peerId: string
  /** `self` (this node), `connected` (an open connection), `known` (announced, not connected now). */
  status: 'self' | 'connected' | 'known'
  self: boolean
  identity?: string
  addresses: string[]
  capabilities: string[]
  daoSubnets: string[]
  performanceScore?: number
  currentLoad?: number
  /** The coordinator's measured round trip to the node (0 = unknown). */
  latencyMs?: number
  reputation?: number
  lastSeen?: string
  region?: string
}

/** This node first, then every announced node of its subnets, then connected peers that never announced. */
export async function liveNodes (net: Pick<NetworkNode, 'peerId' | 'selector' | 'addresses'> & { libp2p: QflowLibp2p }, self: { capabilities: string[], subnets: string[] }): Promise<NodeView[]> {
  const connected = new Set(net.libp2p.getConnections().map(c => c.remotePeer.toString()))
  const known = await net.selector.getAvailableNodes()
  const me = known.find(n => n.nodeId === net.peerId)
  const rows: NodeView[] = [{
    id: net.peerId,
    peerId: net.peerId,
    status: 'self',
    self: true,
    ...(me != null ? { identity: me.identity, performanceScore: me.performanceScore, currentLoad: me.currentLoad } : {}),
    addresses: net.addresses(),
    capabilities: self.capabilities,
    daoSubnets: self.subnets
  }]
  for (const n of known) {
    if (n.nodeId === net.peerId) continue
    rows.push({
      id: n.nodeId,
      peerId: n.nodeId,
      status: connected.has(n.nodeId) ? 'connected' : 'known',
      self: false,
      identity: n.identity,
      addresses: n.address !== '' ? [n.address] : [],
      capabilities: n.capabilities,
      daoSubnets: n.daoSubnets,
      performanceScore: n.performanceScore,
      currentLoad: n.currentLoad,
      latencyMs: n.latency,
      reputation: n.reputation,
      lastSeen: n.lastSeen,
      ...(n.region != null ? { region: n.region } : {})
    })
    connected.delete(n.nodeId)
  }
  for (const id of connected) {
    const addresses = net.libp2p.getConnections().filter(c => c.remotePeer.toString() === id).map(c => c.remoteAddr.toString())
    rows.push({ id, peerId: id, status: 'connected', self: false, addresses, capabilities: [], daoSubnets: [] })
  }
  return rows
}
