/**
 * Dials the configured bootstrap peers on start and again (every `retryMs`) while one is not
 * connected. libp2p's own @libp2p/bootstrap only dials once through peer discovery and is not a
 * direct dependency; this is the few lines Qflow needs.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from '../interface/clock.js'
import type { QflowLibp2p } from './libp2p-node.js'

export interface BootstrapInit {
  /** Multiaddrs ending in `/p2p/<peer id>`. */
  peers: string[]
  /** Default 2000 ms. */
  retryMs?: number
}

export interface Bootstrap {
  start(): Promise<void>
  stop(): void
}

export function bootstrapDialer (init: BootstrapInit, c: { libp2p: QflowLibp2p, clock: Clock }): Bootstrap {
  const addrs: Multiaddr[] = init.peers.map((p, i) => {
    try {
      const ma = multiaddr(p)
      if (ma.getComponents().find(x => x.name === 'p2p') == null) throw new Error('it must end in /p2p/<peer id>')
      return ma
    } catch (err) {
      throw new TypeError(`bootstrap[${i}]: "${p}" is not a dialable multiaddr: ${(err as Error).message}`)
    }
  })
  let timer: unknown
  let running = false
  const peerOf = (ma: Multiaddr): string => ma.getComponents().find(x => x.name === 'p2p')?.value ?? ''
  const dialMissing = async (): Promise<void> => {
    const connected = new Set(c.libp2p.getConnections().map(conn => conn.remotePeer.toString()))
    await Promise.all(addrs.filter(ma => !connected.has(peerOf(ma)) && peerOf(ma) !== c.libp2p.peerId.toString())
      .map(async ma => await c.libp2p.dial(ma, { signal: AbortSignal.timeout(5000) }).catch(() => {
        // unreachable for now: retried on the next round
      })))
  }
  const loop = (): void => {
    timer = c.clock.setTimeout(() => {
      if (!running) return
      void dialMissing().finally(() => { if (running) loop() })
    }, init.retryMs ?? 2000)
    c.clock.unref?.(timer)
  }
  return {
    async start () {
      if (running) return
      running = true
      await dialMissing()
      loop()
    },
    stop () {
      running = false
      c.clock.clearTimeout(timer)
    }
  }
}
