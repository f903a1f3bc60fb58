/**
 * Composes a networked Qflow node on Node.js: libp2p (WebSockets + circuit-relay server),
 * bootstrap dialing, presence on the node's subnets, the node selector, the dispatch executor
 * (running steps through the given local dispatcher) and the remote dispatcher the engine uses.
 *
 * @example
 * const net = await startNetworkNode({ identity, subnets: ['acme'], dispatcher: localDispatcher(actions, { nodeId: identity.peerId }) })
 * const engine = createExecutionEngine(init, { ...components, dispatcher: net.dispatcher })
 */
import './network-polyfills.js'
import { systemClock } from '../../src/interface/clock.js'
import type { Clock } from '../../src/interface/clock.js'
import type { StepDispatcher } from '../../src/interface/dispatcher.js'
import {
  bootstrapDialer, coordinatorLeases, libp2pKeyOf, nodeSelector, presence as createPresence, remoteDispatcher, stepExecutor
} from '../../src/network/index.js'
import type {
  Bootstrap, CoordinatorLeases, Executor, ExecutorInit, NodeSelector, Presence, QflowLibp2p, RemoteDispatcher, RemoteDispatcherInit
} from '../../src/network/index.js'
import { replayCache, signatureVerifier } from '../../src/trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../../src/trust/index.js'
import { nodeEd25519 } from './ed25519-node.js'
import { createNodeLibp2p } from './libp2p-node.js'
import type { NodeLibp2pInit } from './libp2p-node.js'

export interface NetworkNodeInit {
  identity: SquidIdentity
  /**
   * An existing node built from `qflowLibp2pOptions` (e.g. `helia.libp2p`, so bitswap shares it);
   * default: a new one (`createNodeLibp2p`). A given node is not stopped by `stop()`.
   */
  libp2p?: QflowLibp2p
  /** DAO subnets this node serves (the first is the default for steps that name none). */
  subnets: string[]
  /** Default `['/ip4/127.0.0.1/tcp/0/ws']`. */
  listen?: string[]
  /** Multiaddrs (with `/p2p/<id>`) to dial and keep dialing. */
  bootstrap?: string[]
  /** Runs steps assigned to this node; omit for a coordinator that never executes. */
  dispatcher?: StepDispatcher
  capabilities?: string[]
  policy?: ExecutorInit['policy']
  authorize?: ExecutorInit['authorize']
  region?: string
  /** 0..1 (default 1). */
  performanceScore?: number
  /** Circuit-relay server (default true). */
  relay?: boolean
  connectionLimits?: NodeLibp2pInit['connectionLimits']
  gossipsub?: NodeLibp2pInit['gossipsub']
  announceIntervalMs?: number
  ttlMs?: number
  /** Subnet peers to dial beyond the bootstrap nodes (default 4). */
  connectTo?: number
  heartbeatMs?: number
  minReputation?: number
  remote?: Omit<RemoteDispatcherInit, 'daoSubnet'>
  /** Coordinator lease period on the first subnet (default 3000 ms). */
  leaseMs?: number
  /**
   * Whether this node may win lapsed leases (default true). A node that cannot resume an
   * execution (no durable store, no takeover) must not: it would renew the lease forever.
   */
  leaseEligible?: boolean
  clock?: Clock
  /** Default: node:crypto Ed25519 (synchronous, no thread-pool hop per signature). */
  verifier?: SignatureVerifier
}

export interface NetworkNode {
  libp2p: QflowLibp2p
  selector: NodeSelector
  presence: Presence
  executor?: Executor
  /** The engine's `StepDispatcher`: selects, dispatches, fails over, votes. */
  dispatcher: RemoteDispatcher
  /** Coordinator leases of the first subnet (hold, release, `lease:takeover`). */
  leases: CoordinatorLeases
  peerId: string
  /** Dialable multiaddrs (with `/p2p/<peer id>`). */
  addresses(): string[]
  stop(): Promise<void>
}

export async function startNetworkNode (init: NetworkNodeInit): Promise<NetworkNode> {
  const clock = init.clock ?? systemClock()
  const { identity } = init
  const verifier = init.verifier ?? await signatureVerifier({ backend: nodeEd25519 })
  const selector = nodeSelector(init.minReputation != null ? { minReputation: init.minReputation } : {})
  const owned = init.libp2p == null
  const libp2p = init.libp2p ?? await createNodeLibp2p({ privateKey: await libp2pKeyOf(identity), ...(init.listen != null ? { listen: init.listen } : {}), relay: init.relay ?? true,
    ...(init.connectionLimits != null ? { connectionLimits: init.connectionLimits } : {}),
    ...(init.gossipsub != null ? { gossipsub: init.gossipsub } : {}) })
  if (libp2p.peerId.toString() !== identity.peerId) {
    if (owned) await libp2p.stop()
    throw new TypeError(`libp2p: its peer id ${libp2p.peerId.toString()} is not the identity's (${identity.peerId}); build it with libp2pKeyOf(identity)`)
  }
  let executor: Executor | undefined
  let bootstrap: Bootstrap | undefined
  try {
    if (init.dispatcher != null) {
      executor = stepExecutor({
        subnets: init.subnets,
        ...(init.policy != null ? { policy: init.policy } : {}),
        ...(init.authorize != null ? { authorize: init.authorize } : {}),
        ...(init.heartbeatMs != null ? { heartbeatMs: init.heartbeatMs } : {})
      }, { libp2p, identity, verifier, replay: replayCache(clock), dispatcher: init.dispatcher, clock })
      await executor.start()
    }
    const ex = executor
    const presence = createPresence({
      subnets: init.subnets,
      capabilities: init.capabilities ?? [],
      executes: ex != null,
      ...(init.region != null ? { region: init.region } : {}),
      ...(init.announceIntervalMs != null ? { announceIntervalMs: init.announceIntervalMs } : {}),
      ...(init.ttlMs != null ? { ttlMs: init.ttlMs } : {}),
      ...(init.connectTo != null ? { connectTo: init.connectTo } : {}),
      performanceScore: () => init.performanceScore ?? 1,
      currentLoad: () => ex?.load() ?? 0
    }, { libp2p, identity, verifier, selector, clock })
    const dispatcher = remoteDispatcher({ daoSubnet: init.subnets[0], ...init.remote },
      { libp2p, identity, verifier, clock, selector, ...(init.dispatcher != null ? { local: init.dispatcher } : {}) })
    await presence.start()
    const leases = coordinatorLeases({ subnet: init.subnets[0], ...(init.leaseMs != null ? { leaseMs: init.leaseMs } : {}), ...(init.leaseEligible === false ? { eligible: false } : {}) },
      { libp2p, identity, verifier, selector, clock })
    leases.start()
    if (init.bootstrap != null && init.bootstrap.length > 0) {
      bootstrap = bootstrapDialer({ peers: init.bootstrap }, { libp2p, clock })
      await bootstrap.start()
    }
    // a libp2p node stopped and started again (e.g. after a network outage) forgot its topics: join them again
    const rejoin = (): void => {
      void (async () => {
        leases.stop()
        leases.start()
        await presence.stop()
        await presence.start()
      })().catch(() => { /* the node stopped again meanwhile: the next start rejoins */ })
    }
    libp2p.addEventListener('start', rejoin)
    return {
      libp2p,
      selector,
      presence,
      ...(executor != null ? { executor } : {}),
      dispatcher,
      leases,
      peerId: identity.peerId,
      addresses: () => libp2p.getMultiaddrs().map(m => m.toString()),
      async stop () {
        libp2p.removeEventListener('start', rejoin)
        bootstrap?.stop()
        dispatcher.close()
        leases.stop()
        await presence.stop()
        await executor?.stop()
        if (owned) await libp2p.stop()
      }
    }
  } catch (err) {
    bootstrap?.stop()
    if (owned) await libp2p.stop(); else await executor?.stop()
    throw err
  }
}
