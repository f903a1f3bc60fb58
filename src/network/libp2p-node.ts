/**
 * The libp2p node of a Qflow peer, built from parts each platform injects (transports, listen
 * addresses, extra services such as a circuit-relay server). The core services are fixed:
 * noise, yamux, identify, ping and gossipsub 17 (`allowPublishToZeroTopicPeers`, see STACK.md).
 * libp2p gets its own MemoryDatastore (the stream-handler race of libp2p 3.3.11).
 */
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PrivateKey, Transport } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'
import { libp2pPrivateKey } from '../trust/index.js'
import type { SquidIdentity } from '../trust/index.js'

export interface QflowServices extends Record<string, unknown> {
  pubsub: GossipSub
  identify: Identify
  ping: Ping
}

export type QflowLibp2p = Libp2p<QflowServices>

type Factory<T = unknown> = (components: any) => T

export interface QflowLibp2pInit {
  /** The node's key: `libp2pKeyOf(identity)` makes the peer id the identity's. */
  privateKey: PrivateKey
  /** Platform transports (Node: webSockets(); browser: webSockets, webRTC, circuitRelayTransport). */
  transports: Array<Factory<Transport>>
  /** Multiaddrs to listen on (Node: `/ip4/127.0.0.1/tcp/0/ws`; browser: `/p2p-circuit`, `/webrtc`). */
  listen?: string[]
  /** Extra services (e.g. `{ relay: circuitRelayServer() }` on Node). */
  services?: Record<string, Factory>
  connectionGater?: ConnectionGater
  gossipsub?: Partial<GossipsubOpts>
  /** Connection manager limits (libp2p defaults: 300 connections, 5 inbound per second per host, 10 pending). */
  connectionLimits?: ConnectionLimits
}

export interface ConnectionLimits {
  maxConnections?: number
  /** Inbound connections per second from one host (relays fronting many peers, and loopback tests, need more). */
  inboundConnectionThreshold?: number
  maxIncomingPendingConnections?: number
}

/** The libp2p private key of an sQuid identity (same key, so peer id = `identity.peerId`). */
export async function libp2pKeyOf (identity: SquidIdentity): Promise<PrivateKey> {
  return privateKeyFromProtobuf(await libp2pPrivateKey(identity))
}

/**
 * @example
 * const node = await createQflowLibp2p({ privateKey, transports: [webSockets()], listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
 */
export async function createQflowLibp2p (init: QflowLibp2pInit): Promise<QflowLibp2p> {
  return await createLibp2p(qflowLibp2pOptions(init) as any) as unknown as QflowLibp2p
}

/**
 * The same configuration as options, for a composition that lets another library create the node
 * (Helia: `withLibp2pLight(helia, qflowLibp2pOptions(init))`, then `startNetworkNode({ libp2p: helia.libp2p })`),
 * so bitswap and dispatch share one libp2p node. Its own MemoryDatastore is part of it.
 */
export function qflowLibp2pOptions (init: QflowLibp2pInit): Record<string, unknown> {
  return {
    privateKey: init.privateKey,
    datastore: new MemoryDatastore(),
    addresses: { listen: init.listen ?? [] },
    transports: init.transports,
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.connectionGater != null ? { connectionGater: init.connectionGater } : {}),
    connectionManager: { maxConnections: 300, ...init.connectionLimits },
    services: {
      ...init.services,
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        ...init.gossipsub,
        // IP colocation scoring is off: peers behind one relay (every browser tab) or one host share
        // an address, and gossipsub would graylist them past 10 (messages silently ignored). Sybil
        // resistance comes from signed announcements and the selector's reputation instead.
        scoreParams: { IPColocationFactorWeight: 0, ...init.gossipsub?.scoreParams }
      })
    }
  }
}
