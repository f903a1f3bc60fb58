/**
 * The Node relay's libp2p parts: a WebSockets listener (loopback by default) and a
 * circuit-relay server so browser tabs can reach each other through this node.
 */
import './network-polyfills.js'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { PrivateKey } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { createQflowLibp2p, qflowLibp2pOptions } from '../../src/network/index.js'
import type { QflowLibp2p, QflowLibp2pInit } from '../../src/network/index.js'

export interface NodeLibp2pInit {
  privateKey: PrivateKey
  /** Default: `['/ip4/127.0.0.1/tcp/0/ws']` (an ephemeral loopback port). */
  listen?: string[]
  /** Run a circuit-relay v2 server (default true). */
  relay?: boolean
  gossipsub?: QflowLibp2pInit['gossipsub']
  connectionLimits?: QflowLibp2pInit['connectionLimits']
}

/**
 * @example
 * const libp2p = await createNodeLibp2p({ privateKey: await libp2pKeyOf(identity) })
 */
export async function createNodeLibp2p (init: NodeLibp2pInit): Promise<QflowLibp2p> {
  return await createQflowLibp2p(nodeLibp2pInit(init))
}

/**
 * The options of the same node, for Helia to create it (one libp2p for bitswap and dispatch):
 * `openNodeStateStore({ …, networking: { libp2p: nodeLibp2pOptions({ privateKey }) } })`.
 */
export function nodeLibp2pOptions (init: NodeLibp2pInit): Record<string, unknown> {
  return qflowLibp2pOptions(nodeLibp2pInit(init))
}

function nodeLibp2pInit (init: NodeLibp2pInit): QflowLibp2pInit {
  return {
    privateKey: init.privateKey,
    transports: [webSockets()],
    listen: init.listen ?? ['/ip4/127.0.0.1/tcp/0/ws'],
    services: init.relay === false ? {} : { relay: circuitRelayServer({ reservations: { maxReservations: 256 } }) },
    ...(init.gossipsub != null ? { gossipsub: init.gossipsub } : {}),
    ...(init.connectionLimits != null ? { connectionLimits: init.connectionLimits } : {})
  }
}
