/**
 * The Node composition root: builds an engine from the isomorphic core plus what this
 * platform provides: the durable IPFS-block store on disk (or memory), the sandbox, and trust
 * (the node identity, the validation pipeline, the DAO registry).
 *
 * Trust: every execution is admitted by a signed start operation (`pipeline.validate`) and
 * every step passes `validateStep` first (see `platform/trust-admission.ts`). Starts through
 * `engine.startExecution` are signed by the node identity for its local owner; `start(…,
 * { actor })` signs as another identity. The sandbox's `dao-approved` code policy is the DAO
 * registry of the trust store. Without a passphrase the state keyring's master key derives
 * from the node identity (`platform/trust-node.ts`). On a network, a step another node sends
 * runs only once this node's pipeline validated it against the admission it carries
 * (`validatePeerStep`: the executor's `authorize` hook).
 */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { builtinRegistry, createExecutionEngine, localDispatcher, memoryStateStore, randomIds, systemClock } from '../src/index.js'
import type { ActionRegistry, EngineInit, ExecutionEngine, StateStore } from '../src/index.js'
import { blockstoreSource, moduleRegistry, sandboxActions } from '../src/sandbox/index.js'
import type { CodePolicy, PooledSandboxHost, SandboxInit } from '../src/sandbox/index.js'
import type { HeliaStateStore, Keyring } from '../src/state/index.js'
import { validatePeerStep } from '../src/trust/index.js'
import type { DaoRegistry, SquidIdentity, TrustPipeline, ValidationPipeline } from '../src/trust/index.js'
// node:crypto sha256 for content ids (src/util/sha256.ts) before anything hashes
import './platform/sha256-node.js'
import { lockDataDir } from './platform/data-lock.js'
import { openNodeStateStore } from './platform/helia-node.js'
import { threadSandboxHost } from './platform/thread-sandbox-host.js'
import { admissionControl, admittedDispatcher, presetIds } from './platform/trust-admission.js'
import type { Admission, AdmitOptions } from './platform/trust-admission.js'
import { explainWrongKey, openNodeTrust } from './platform/trust-node.js'
import type { NodeTrustOptions } from './platform/trust-node.js'
import type { NodeTrustStore } from './platform/trust-store.js'
import { libp2pKeyOf } from '../src/network/index.js'
import type { QflowLibp2p } from '../src/network/index.js'
import { nodeLibp2pOptions } from './platform/libp2p-node.js'
import { startNetworkNode } from './platform/network-node.js'
import type { NetworkNode } from './platform/network-node.js'
import { DEFAULT_SUBNET, liveNodes } from './platform/network-runtime.js'
import type { NodeView, RuntimeNetworkInit } from './platform/network-runtime.js'
import { coordinatorTakeover } from './platform/network-takeover.js'
import type { CoordinatorTakeover, NetworkBlocks } from './platform/network-takeover.js'
import { openSubnetSecretsFile } from './platform/network-keys.js'
import { coordinatorFence } from './platform/network-fence.js'
import { attachNetworkEvents } from './platform/network-events.js'
import type { NetworkEvents } from './platform/network-events.js'
import type { Fence } from './platform/network-fence.js'
import { nodeAesGcm } from './platform/aes-gcm-cipher.js'
import { subnetKeyExchange, subnetKeyring } from '../src/network/index.js'
import type { SubnetKeyExchange, SubnetSecrets } from '../src/network/index.js'

/** `$QFLOW_DATA`, else `.qflow` in the current directory. */
export function defaultDataDir (env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.QFLOW_DATA != null && env.QFLOW_DATA !== '' ? env.QFLOW_DATA : '.qflow')
}

export interface NodeRuntimeInit extends EngineInit {
  /** Keep state in this directory (durable); absent: in memory. */
  dataDir?: string
  /**
   * Encrypts the node identity's key file and wraps the data keys. Without it the data keys
   * are wrapped by a key derived from the node identity (or by `<dataDir>/master.key` in a
   * data directory created before identities).
   */
  passphrase?: string
  /** Resume every non-terminal execution of the data directory on start (default true). */
  recover?: boolean
  /** The config's `sandbox` section for function/wasm steps (worker threads); `false`: no sandbox. */
  sandbox?: SandboxInit | false
  /** The code whitelist consulted in `dao-approved` mode (default: the DAO registry, `trust.dao`). */
  codePolicy?: CodePolicy
  /** The validation pipeline's options (authorities besides the node, rate limit, allow-list, skew). */
  trust?: NodeTrustOptions
  /**
   * History retention on a data directory: terminal executions older than `maxAgeMs` or beyond
   * the newest `maxCount` are pruned and unreferenced blocks collected, at start and then every
   * `everyMs` (default hourly). Absent: history is kept.
   */
  retention?: { maxAgeMs?: number, maxCount?: number, everyMs?: number }
  /**
   * Join the peer-to-peer network: one libp2p node (Helia's on a data directory, so bitswap
   * shares it) with presence, the dispatch executor and coordinator leases; the engine's
   * dispatcher becomes the trusted remote dispatcher (steps run on the node the selector picks,
   * here when this node is best). The engine's `nodeId` defaults to the peer id. Absent: local only.
   */
  network?: RuntimeNetworkInit
}

export interface NodeRuntime {
  engine: ExecutionEngine
  actions: ActionRegistry
  store: StateStore
  /** The durable store and its keyring, when running on a data directory. */
  durable?: { store: HeliaStateStore, keyring: Keyring, dataDir: string }
  sandbox?: PooledSandboxHost
  /** The node's sQuid identity: persisted in `<dataDir>/trust/node/`, ephemeral in memory. */
  identity: SquidIdentity
  /** The validation pipeline every start and step goes through (also `trust.pipeline.pipeline`). */
  pipeline: ValidationPipeline
  /**
   * Trust parts: the pipeline with its grant verifier, revocation list and metadata index; the
   * DAO registry (membership, code approvals); the trust store on a data directory.
   */
  trust: { pipeline: TrustPipeline, dao: DaoRegistry, store?: NodeTrustStore }
  /**
   * Admits and starts an execution: signs the start as `options.actor` (default the node, for
   * its local owner) or takes a start operation signed elsewhere (`options.operation`), runs
   * `pipeline.validate` (rejects with `ValidationFailedError`: nothing is started), and resolves
   * with the execution id.
   *
   * @example
   * const id = await runtime.start('report', { month: '2026-01' }, { actor: alice, grants })
   */
  start(flowId: string, input?: Record<string, unknown>, options?: AdmitOptions): Promise<string>
  /**
   * The started network node (with `init.network`), its live peers (this node first), and on a
   * data directory the subnet-key exchange and the coordinator takeover.
   */
  network?: NetworkNode & { nodes(): Promise<NodeView[]>, keys?: SubnetKeyExchange, takeover?: CoordinatorTakeover, fence?: Fence, events?: NetworkEvents }
  close(): Promise<void>
}

/** Applies the retention policy now and periodically; returns its stop function. */
function retain (store: HeliaStateStore, policy: NonNullable<NodeRuntimeInit['retention']>): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve()
  const run = (): void => {
    running = store.prune({ maxAgeMs: policy.maxAgeMs, maxCount: policy.maxCount }).catch((err: Error) => {
      // retention is housekeeping: a failure is reported and retried at the next tick
      process.stderr.write(`qflow: retention failed: ${err.message}\n`)
    })
  }
  run()
  const timer = setInterval(run, policy.everyMs ?? 3_600_000)
  timer.unref()
  return async () => {
    clearInterval(timer)
    await running
  }
}

export async function createNodeRuntime (init: NodeRuntimeInit = {}): Promise<NodeRuntime> {
  const clock = systemClock()
  const closers: Array<() => Promise<void>> = []
  const closeAll = async (): Promise<void> => { for (const close of closers.splice(0)) await close() }
  try {
    return await build(init, clock, closers, closeAll)
  } catch (err) {
    await closeAll()
    throw err
  }
}

async function build (init: NodeRuntimeInit, clock: ReturnType<typeof systemClock>,
  closers: Array<() => Promise<void>>, closeAll: () => Promise<void>): Promise<NodeRuntime> {
  let store: StateStore = memoryStateStore()
  let durable: NodeRuntime['durable']
  let blocks: Parameters<typeof blockstoreSource>[0] | undefined
  const dataDir = init.dataDir != null ? resolve(init.dataDir) : undefined
  if (dataDir != null) {
    await mkdir(dataDir, { recursive: true })
    closers.unshift(await lockDataDir(dataDir))
  }
  const trust = await openNodeTrust({ ...init.trust, clock, ...(dataDir != null ? { dataDir } : {}), ...(init.passphrase != null ? { passphrase: init.passphrase } : {}) })
  closers.unshift(trust.close)
  const nodeId = init.nodeId ?? (init.network != null ? trust.identity.peerId : 'local')
  const privateKey = init.network != null ? await libp2pKeyOf(trust.identity) : undefined
  const netInit = init.network
  let libp2p: QflowLibp2p | undefined
  let blocksNet: NetworkBlocks | undefined
  let secrets: SubnetSecrets | undefined
  let keyExchange: SubnetKeyExchange | undefined
  const subnets = netInit?.subnets ?? [DEFAULT_SUBNET]
  if (dataDir != null) {
    const keys = init.passphrase != null ? { passphrase: init.passphrase } : trust.stateMasterKey != null ? { masterKey: trust.stateMasterKey } : {}
    if (netInit != null) secrets = await openSubnetSecretsFile(dataDir, trust.identity)
    const shared = secrets
    const networking = privateKey != null && netInit != null && shared != null
      ? {
          networking: {
            libp2p: nodeLibp2pOptions({ privateKey, ...pick(netInit) }) as any,
            keyring: (local: Keyring) => subnetKeyring({ subnets, local, secrets: shared, cipher: nodeAesGcm(), missing: async (subnet) => { await askMembers(network, keyExchange, subnet) } })
          }
        }
      : {}
    const opened = await openNodeStateStore({ dataDir, ...keys, ...networking }).catch((err: unknown) => { throw explainWrongKey(err, dataDir, trust.stateMasterKey != null) })
    closers.unshift(opened.close)
    store = opened.store
    blocks = opened.blockstore
    durable = { store: opened.store, keyring: opened.keyring, dataDir }
    // withLibp2pLight adds `libp2p` to Helia; its type does not list it
    libp2p = (opened.helia as unknown as { libp2p?: QflowLibp2p } | undefined)?.libp2p
    blocksNet = opened.helia?.blockstore as unknown as NetworkBlocks | undefined
  }
  let sandbox: PooledSandboxHost | undefined
  if (init.sandbox !== false) {
    sandbox = threadSandboxHost({
      ...(init.sandbox != null ? { config: init.sandbox } : {}),
      policy: init.codePolicy ?? trust.dao,
      ...(blocks != null ? { registry: moduleRegistry({ blocks: blockstoreSource(blocks) }) } : {})
    })
    const host = sandbox
    closers.unshift(async () => { await host.stop() })
  }
  const actions = builtinRegistry(sandbox != null ? sandboxActions(sandbox) : [])
  const pipeline = trust.trust.pipeline
  const ids = presetIds(randomIds())
  let admission: Admission | undefined
  const local = localDispatcher(actions, { nodeId })
  let network: NetworkNode | undefined
  if (netInit != null) {
    const { subnets: _subnets, authorize: extra, ...rest } = netInit
    // a step another node sends is validated by this node's own pipeline against the admission it carries
    const peerStep = { pipeline, isMember: (subnet: string, id: string) => trust.dao.isMember(subnet, id), self: trust.identity.id }
    const authorize: NonNullable<RuntimeNetworkInit['authorize']> = async (payload, envelope) => {
      await validatePeerStep(peerStep, payload, envelope.actor)
      await extra?.(payload, envelope)
    }
    network = await startNetworkNode({ ...rest, subnets, leaseEligible: durable != null, identity: trust.identity, ...(libp2p != null ? { libp2p } : {}), dispatcher: local, clock, authorize })
    const net = network
    closers.unshift(async () => { await net.stop() })
    if (secrets != null) {
      const exchange = subnetKeyExchange({ libp2p: net.libp2p, identity: trust.identity, secrets, isMember: (subnet, did) => trust.dao.isMember(subnet, did) })
      await exchange.start()
      keyExchange = exchange
      closers.unshift(async () => { await exchange.stop() })
    }
  }
  const { network: _network, ...engineInit } = init
  // a coordinator cut off from its subnet's majority runs none of its executions' steps (network-fence.ts)
  const events = new EventTarget()
  let fence: Fence | undefined
  if (network != null && durable != null) {
    const f = coordinatorFence({ events, net: network, subnet: subnets[0], leaseMs: netInit?.leaseMs ?? 3000, clock })
    fence = f
    closers.unshift(async () => { f.stop() })
  }
  const remote = network != null ? (fence?.wrap(network.dispatcher) ?? network.dispatcher) : local
  const engine = createExecutionEngine({ ...(durable != null ? { checkpointInterval: 0 } : {}), ...engineInit, nodeId }, {
    store, clock, actions, ids, dispatcher: admittedDispatcher(pipeline, remote, () => admission, trust.identity.id)
  })
  if (fence != null) forward(engine.events, events, ['execution:started', 'checkpoint:created', 'execution:completed', 'execution:failed', 'execution:aborted'])
  admission = admissionControl({ engine, store, pipeline, ids, node: trust.identity, ownerGrant: trust.ownerGrant, checkOnBehalf: trust.checkOnBehalf })
  // execution events for monitoring and event triggers, gossiped per subnet (network-events.ts)
  let gossip: NetworkEvents | undefined
  if (network != null) {
    const admitted = admission
    const g = await attachNetworkEvents({
      engine, store, net: network, identity: trust.identity, subnets, clock,
      start: async (flowId, input, context) => await admitted.start(flowId, input, { context })
    })
    gossip = g
    closers.unshift(async () => { await g.stop() })
  }
  let takeover: CoordinatorTakeover | undefined
  if (network != null && durable != null && blocksNet != null && keyExchange != null) {
    const t = coordinatorTakeover({
      engine, net: network, store: durable.store, blocks: blocksNet, keys: keyExchange, subnet: subnets[0],
      hasPeers: async () => (await network.selector.getAvailableNodes(subnets[0])).some(n => n.nodeId !== network.peerId),
      onError: (message, err) => {
        const causes = Array.isArray((err as { errors?: unknown[] })?.errors) ? ` (${(err as { errors: Error[] }).errors.map(e => e?.message).join('; ')})` : ''
        process.stderr.write(`qflow: ${message}: ${(err as Error)?.message ?? String(err)}${causes}\n`)
      }
    })
    takeover = t
    closers.unshift(async () => { await t.stop() })
  }
  if (init.recover !== false) await engine.start()
  if (durable != null && init.retention != null) closers.unshift(retain(durable.store, init.retention))
  const admit = admission
  return {
    engine,
    actions,
    store,
    ...(durable != null ? { durable } : {}),
    ...(sandbox != null ? { sandbox } : {}),
    identity: trust.identity,
    pipeline,
    trust: { pipeline: trust.trust, dao: trust.dao, ...(trust.store != null ? { store: trust.store } : {}) },
    start: async (flowId, input, options) => await admit.start(flowId, input, options),
    ...(network != null ? { network: Object.assign(withNodes(network, { ...netInit, subnets }), { ...(keyExchange != null ? { keys: keyExchange } : {}), ...(fence != null ? { fence } : {}), ...(takeover != null ? { takeover } : {}), ...(gossip != null ? { events: gossip } : {}) }) } : {}),
    close: async () => {
      await engine.stop()
      await closeAll()
    }
  }
}

/** The libp2p settings of a runtime network (for Helia to build the node). */
function pick (n: RuntimeNetworkInit): Omit<Parameters<typeof nodeLibp2pOptions>[0], 'privateKey'> {
  return {
    ...(n.listen != null ? { listen: n.listen } : {}),
    relay: n.relay ?? true,
    ...(n.connectionLimits != null ? { connectionLimits: n.connectionLimits } : {}),
    ...(n.gossipsub != null ? { gossipsub: n.gossipsub } : {})
  }
}

function withNodes (net: NetworkNode, init: RuntimeNetworkInit): NetworkNode & { nodes(): Promise<NodeView[]> } {
  const self = { capabilities: init.capabilities ?? [], subnets: init.subnets ?? [DEFAULT_SUBNET] }
  return Object.assign(net, { nodes: async () => await liveNodes(net, self) })
}

/** Asks the connected members of `subnet` for its secrets until one answers. */
async function askMembers (net: NetworkNode | undefined, keys: SubnetKeyExchange | undefined, subnet: string): Promise<void> {
  if (net == null || keys == null) return
  const peers = (await net.selector.getAvailableNodes(subnet)).map(n => n.nodeId).filter(id => id !== net.peerId)
  for (const peer of peers) {
    try {
      await keys.request(peer, subnet)
      return
    } catch {
      // a peer that refuses or is gone: ask the next one
    }
  }
}

/** Re-dispatches the engine's events the fence follows (it is built before the engine). */
function forward (from: ExecutionEngine['events'], to: EventTarget, types: string[]): void {
  for (const type of types) {
    from.addEventListener(type as 'execution:started', (e) => { to.dispatchEvent(new CustomEvent(type, { detail: (e as CustomEvent).detail })) })
  }
}
