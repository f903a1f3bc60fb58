/**
 * Real libp2p nodes on 127.0.0.1 (WebSockets, port 0) in one process: a coordinator that runs an
 * engine over the remote dispatcher, and executors with their own actions. Executors bootstrap
 * to the coordinator; tests wait on presence events, never on sleeps.
 */
import { builtinRegistry, localDispatcher } from '../../../src/actions/index.js'
import { createExecutionEngine } from '../../../src/engine/engine.js'
import type { ExecutionEngine } from '../../../src/engine/engine.js'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { systemClock } from '../../../src/interface/clock.js'
import { sequentialIds } from '../../../src/interface/ids.js'
import type { StateStore } from '../../../src/interface/state-store.js'
import { memoryStateStore } from '../../../src/state/memory-store.js'
import { createIdentity } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { startNetworkNode } from '../../../node/platform/network-node.js'
import type { NetworkNode, NetworkNodeInit } from '../../../node/platform/network-node.js'
import type { Lease } from '../../../src/network/index.js'
import { deferred } from '../../fixtures/engine.js'

/** Every node of a test shares 127.0.0.1: libp2p's per-host inbound rate limit (5/s) would refuse most. */
export const LOOPBACK_LIMITS = { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 200 }

export interface ExecutorSpec extends Partial<Omit<NetworkNodeInit, 'identity' | 'dispatcher'>> {
  actions?: ActionDefinition[]
}

export interface Cluster {
  coordinator: NetworkNode
  engine: ExecutionEngine
  store: StateStore
  executors: NetworkNode[]
  stop(): Promise<void>
}

/** An executor node (its actions run locally, reported under its peer id). */
export async function startExecutor (spec: ExecutorSpec, bootstrap: string[]): Promise<NetworkNode> {
  const identity = await createIdentity({ backend: nodeEd25519 })
  const actions = builtinRegistry(spec.actions ?? [])
  const { actions: _a, ...rest } = spec
  return await startNetworkNode({
    subnets: ['alpha'],
    relay: false,
    announceIntervalMs: 500,
    connectionLimits: LOOPBACK_LIMITS,
    ...rest,
    identity,
    bootstrap,
    dispatcher: localDispatcher(actions, { nodeId: identity.peerId })
  })
}

export async function startCluster (options: { subnet?: string, executors: ExecutorSpec[], coordinator?: Partial<NetworkNodeInit> }): Promise<Cluster> {
  const subnet = options.subnet ?? 'alpha'
  const coordinator = await startNetworkNode({
    identity: await createIdentity({ backend: nodeEd25519 }),
    subnets: [subnet],
    relay: false,
    announceIntervalMs: 500,
    connectionLimits: LOOPBACK_LIMITS,
    remote: { silenceMs: 1500 },
    ...options.coordinator
  })
  const executors: NetworkNode[] = []
  try {
    for (const spec of options.executors) executors.push(await startExecutor({ subnets: [subnet], ...spec }, coordinator.addresses()))
    const expected = options.executors.filter(e => (e.subnets ?? [subnet]).includes(subnet)).length
    await coordinator.presence.waitForNodes(subnet, expected + (options.coordinator?.dispatcher != null ? 1 : 0), { signal: AbortSignal.timeout(15_000) })
  } catch (err) {
    await Promise.allSettled([coordinator.stop(), ...executors.map(async e => await e.stop())])
    throw err
  }
  const clock = systemClock()
  const store = memoryStateStore({ now: () => clock.now() })
  const engine = createExecutionEngine({ nodeId: coordinator.peerId }, {
    store,
    clock,
    // the coordinator validates flows against the actions its executors offer (it runs none itself)
    actions: builtinRegistry(options.executors.flatMap(e => e.actions ?? [])),
    ids: sequentialIds('n'),
    dispatcher: coordinator.dispatcher
  })
  return {
    coordinator,
    engine,
    store,
    executors,
    async stop () {
      await Promise.allSettled([coordinator.stop(), ...executors.map(async e => await e.stop())])
    }
  }
}

/** A checkpoint CID for leases in tests (what a holder's last published state would be). */
export const CHECKPOINT_CID = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/** Resolves with the first lease of `executionId` that `node` knows (now or once updated) passing `test`. */
export async function leaseSeen (node: NetworkNode, executionId: string, test: (l: Lease) => boolean): Promise<Lease> {
  const known = node.leases.get(executionId)
  if (known != null && test(known)) return known
  const d = deferred<Lease>()
  node.leases.addEventListener('lease:updated', (evt) => {
    const lease = (evt as CustomEvent<Lease>).detail
    if (lease.executionId === executionId && test(lease)) d.resolve(lease)
  })
  return await d.promise
}
