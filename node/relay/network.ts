/**
 * The relay's peer-to-peer settings from its config: a WebSocket listener on
 * `networking.host:networking.port` (embedded default 0.0.0.0:4001), a circuit-relay server,
 * the config's bootstrap peers, subnets (default `public`, the one tabs join) and capabilities.
 */
import type { QflowConfig } from '../../shared/config.js'
import { wsListenAddress } from '../platform/network-runtime.js'
import type { RuntimeNetworkInit } from '../platform/network-runtime.js'

/** Relays of one host reach each other over loopback: libp2p's per-host inbound limit (5/s) would refuse them. */
const RELAY_LIMITS = { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 200 }

export function relayNetworkInit (config: QflowConfig): RuntimeNetworkInit {
  const { subnets, capabilities } = config.networking
  return {
    listen: [wsListenAddress(config.networking.host, config.networking.port)],
    bootstrap: config.networking.bootstrap,
    relay: true,
    connectionLimits: RELAY_LIMITS,
    subnets,
    capabilities
  }
}

/**
 * Logs peers joining and leaving the node's subnets (`node joined` / `node left`), lease
 * takeovers, and where steps went (`step dispatched` / `step failed over`); returns the stop function.
 */
export function logNetworkEvents (net: { presence: EventTarget, leases: EventTarget, dispatcher: EventTarget }, logger: { info: (o: object, msg: string) => void, warn: (o: object, msg: string) => void }): () => void {
  const joined = (e: Event): void => {
    const n = (e as CustomEvent<{ nodeId: string, capabilities: string[], daoSubnets: string[] }>).detail
    logger.info({ nodeId: n.nodeId, capabilities: n.capabilities, subnets: n.daoSubnets }, 'node joined')
  }
  const left = (e: Event): void => { logger.info({ nodeId: (e as CustomEvent<{ nodeId: string }>).detail.nodeId }, 'node left') }
  const takeover = (e: Event): void => {
    const d = (e as CustomEvent<{ executionId: string, previous: string, checkpoint?: string }>).detail
    logger.info({ executionId: d.executionId, previous: d.previous, checkpoint: d.checkpoint ?? null }, 'lease taken over')
  }
  const accepted = (e: Event): void => {
    const d = (e as CustomEvent<{ stepId: string, replica: number, nodeId: string, idempotencyKey: string }>).detail
    logger.info({ stepId: d.stepId, replica: d.replica, nodeId: d.nodeId, idempotencyKey: d.idempotencyKey }, 'step dispatched')
  }
  const failedOver = (e: Event): void => {
    const d = (e as CustomEvent<{ stepId: string, replica: number, nodeId: string, reason: string }>).detail
    logger.warn({ stepId: d.stepId, replica: d.replica, nodeId: d.nodeId, reason: d.reason }, 'step failed over')
  }
  net.dispatcher.addEventListener('dispatch:accepted', accepted)
  net.dispatcher.addEventListener('dispatch:failed-over', failedOver)
  net.presence.addEventListener('node:joined', joined)
  net.presence.addEventListener('node:left', left)
  net.leases.addEventListener('lease:takeover', takeover)
  return () => {
    net.dispatcher.removeEventListener('dispatch:accepted', accepted)
    net.dispatcher.removeEventListener('dispatch:failed-over', failedOver)
    net.presence.removeEventListener('node:joined', joined)
    net.presence.removeEventListener('node:left', left)
    net.leases.removeEventListener('lease:takeover', takeover)
  }
}
