/**
 * The tab's real network (`TabNetworkFactory`): a libp2p node in the tab (WebSockets to relays,
 * WebRTC to other tabs), dialing the configured relays in the background (never waited for: the
 * tab works locally while none is reachable), presence on the tab's DAO subnets, the node
 * selector and the remote dispatcher the engine uses for steps the tab cannot run itself.
 * "Lend this tab" serves `/qflow/dispatch/1.0.0` with the tab's local dispatcher (Web Worker
 * sandbox) and announces the tab with its capabilities and limits; switching it off stops
 * announcing, forgets the tab locally, refuses new requests and unhandles the protocol.
 * A lent tab runs another node's step only once its own pipeline validated it against the
 * admission the step carries (`validatePeerStep`, the executor's `authorize`).
 */
import type { Connection } from '@libp2p/interface'
import { systemClock } from '../../src/index.js'
import { bootstrapDialer, nodeSelector, presence as createPresence, remoteDispatcher, stepExecutor } from '../../src/network/index.js'
import type { Bootstrap, QflowLibp2p } from '../../src/network/index.js'
import { libp2pSigningKeyOf } from '../../src/network/identity-key.js'
import { replayCache, signatureVerifier, validatePeerStep } from '../../src/trust/index.js'
import { BROWSER_CAPABILITY } from '../kernel/network-config.js'
import type { TabNetworkConfig } from '../kernel/network-config.js'
import type { PeerView, TabNetwork, TabNetworkFactory } from '../kernel/network-seam.js'
import { tabDispatcher, volunteerLedger } from '../kernel/volunteer.js'
import { createBrowserLibp2p } from './libp2p-browser.js'

export interface Libp2pTabNetwork extends TabNetwork {
  libp2p: QflowLibp2p
}

const transportOf = (conn: Connection): NonNullable<PeerView['transport']> => {
  const names = conn.remoteAddr.getComponents().map(c => c.name)
  if (names.includes('webrtc')) return 'webrtc'
  if (names.includes('p2p-circuit')) return 'relayed'
  if (names.includes('ws') || names.includes('wss') || names.includes('tls')) return 'websockets'
  return 'other'
}

/** The best connection first: direct before relayed (limited). */
const bestConnection = (conns: Connection[]): Connection | undefined =>
  [...conns].sort((a, b) => Number(a.limits != null) - Number(b.limits != null))[0]

/**
 * @example
 * createTabNode({ network: libp2pTabNetwork(tabNetworkConfig({ search: location.search, protocol: location.protocol })) })
 */
export function libp2pTabNetwork (config: TabNetworkConfig): TabNetworkFactory {
  return async ({ identity, local, peerStep }) => {
    if (config.relays.length === 0) throw new Error('no relay configured (add ?relay=<multiaddr> to the address)')
    const clock = systemClock()
    const events = new EventTarget()
    const changed = (): void => { events.dispatchEvent(new Event('change')) }
    const libp2p = await createBrowserLibp2p({ privateKey: await libp2pSigningKeyOf(identity), allowInsecureDial: config.allowInsecureDial })
    const relayIds = new Set(config.relays.map(r => r.slice(r.lastIndexOf('/p2p/') + 5)))
    const verifier = await signatureVerifier()
    const selector = nodeSelector()
    const cpuCores = navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : undefined
    const deviceMemory = (navigator as { deviceMemory?: number }).deviceMemory
    const memoryMB = deviceMemory != null ? Math.round(deviceMemory * 1024) : undefined
    const ledger = volunteerLedger(local, { now: () => performance.now(), onChange: changed })
    let lending = false
    const executor = stepExecutor({
      subnets: config.subnets,
      maxConcurrent: config.maxConcurrent,
      authorize: async (payload, envelope) => {
        // a coordinator that kept its session open after the tab withdrew is refused (and fails over)
        if (!lending) throw Object.assign(new Error('this tab is no longer lent'), { code: 'withdrawn', type: 'resource_exhausted' })
        // the step runs only if this tab's own pipeline admits it, against the admission it carries
        await validatePeerStep(peerStep, payload, envelope.actor)
      }
    }, { libp2p, identity, verifier, replay: replayCache(clock), dispatcher: ledger.served, clock })
    const presence = createPresence({
      subnets: config.subnets,
      capabilities: config.capabilities,
      executes: false,
      ...(cpuCores != null ? { cpuCores } : {}),
      ...(memoryMB != null ? { memoryMB } : {}),
      currentLoad: () => executor.load()
    }, { libp2p, identity, verifier, selector, clock })
    const remote = remoteDispatcher({ daoSubnet: config.subnets[0] }, { libp2p, identity, verifier, clock, selector, local })
    let bootstrap: Bootstrap | undefined
    try {
      await presence.start()
      bootstrap = bootstrapDialer({ peers: config.relays }, { libp2p, clock })
      // in the background: an unreachable relay is retried, the tab does not wait for it
      void bootstrap.start().catch(() => {})
    } catch (err) {
      await libp2p.stop()
      throw err
    }
    for (const type of ['connection:open', 'connection:close', 'self:peer:update']) libp2p.addEventListener(type as any, changed)
    presence.addEventListener('node:joined', changed)
    presence.addEventListener('node:left', changed)

    const peers = (): PeerView[] => {
      const views = new Map<string, PeerView>()
      for (const id of relayIds) views.set(id, { id, kind: 'relay', connected: false })
      for (const node of selector.select({ daoSubnet: config.subnets[0], requiredCapabilities: [], minPerformanceScore: 0, maxLatency: 0, resourceRequirements: {}, excludeNodes: [identity.peerId] }, Number.MAX_SAFE_INTEGER)) {
        views.set(node.nodeId, {
          id: node.nodeId,
          kind: node.capabilities.includes(BROWSER_CAPABILITY) ? 'tab' : 'node',
          load: node.currentLoad,
          ...(node.latency > 0 ? { latencyMs: Math.round(node.latency) } : {}),
          reputation: Math.round(node.reputation * 100) / 100,
          subnets: node.daoSubnets,
          capabilities: node.capabilities,
          connected: false
        })
      }
      for (const conn of libp2p.getConnections()) {
        const id = conn.remotePeer.toString()
        const view = views.get(id) ?? { id, kind: relayIds.has(id) ? 'relay' : 'node' }
        const best = bestConnection(libp2p.getConnections(conn.remotePeer))
        views.set(id, { ...view, connected: true, ...(best != null ? { transport: transportOf(best) } : {}) })
      }
      return [...views.values()]
    }

    const network: Libp2pTabNetwork = {
      libp2p,
      dispatcher: tabDispatcher(local, remote, { capabilities: config.capabilities, ...(cpuCores != null ? { cpuCores } : {}), ...(memoryMB != null ? { memoryMB } : {}) }),
      peers,
      addresses: () => libp2p.getMultiaddrs().map(m => m.toString()),
      addEventListener: (type, listener) => { events.addEventListener(type, listener) },
      removeEventListener: (type, listener) => { events.removeEventListener(type, listener) },
      volunteer: () => ({
        lending,
        stepsRun: ledger.stepsRun(),
        cpuMs: ledger.cpuMs(),
        capabilities: [...config.capabilities],
        maxConcurrent: config.maxConcurrent,
        recent: ledger.recent()
      }),
      async setLending (on) {
        if (on === lending) return
        if (on) {
          await executor.start()
          lending = true
          await presence.setExecutes(true)
        } else {
          lending = false
          await presence.setExecutes(false)
          await executor.stop()
        }
        changed()
      },
      async stop () {
        lending = false
        bootstrap?.stop()
        remote.close()
        await presence.stop()
        await executor.stop()
        await libp2p.stop()
      }
    }
    return network
  }
}
