/**
 * The browser tab node: the single browser composition root. It picks the tab's identity
 * (IndexedDB keystore, one identity per tab), opens that identity's durable Helia-IDB state
 * store, starts the Web Worker sandbox and the engine, and recovers unfinished executions.
 * It works with no relay; a network attaches later through `attachNetwork`.
 *
 * Nothing runs unvalidated (`tab-trust.ts`): every start, the dashboard's `engine.startExecution`
 * included, is a `flow-execution` operation the tab identity signs and its pipeline admits
 * (`admissionControl`), every step passes `validateStep` before it runs here or is dispatched
 * with its admission (`admittedDispatcher`), and a lent tab validates the steps others send it
 * (`peerStep`, given to the network factory).
 */
import { builtinRegistry, createExecutionEngine, localDispatcher, randomIds, systemClock } from '../../src/index.js'
import type { ActionRegistry, ExecutionEngine, StateStore } from '../../src/index.js'
import { sandboxActions } from '../../src/sandbox/index.js'
import { admissionControl, admittedDispatcher, presetIds } from '../../src/trust/index.js'
import type { Admission, SquidIdentity, ValidationPipeline } from '../../src/trust/index.js'
import { openBrowserStateStore } from '../platform/helia-browser.js'
import { idbKeystore } from '../platform/keystore-idb.js'
import { webWorkerSandboxHost } from '../platform/worker-sandbox-host.js'
import { pickIdentity, stateMasterKey } from './identity.js'
import type { TabNetwork, TabNetworkFactory } from './network-seam.js'
import { openTabTrust } from './tab-trust.js'
import { openTabTrustState } from './trust-state.js'
import type { TabTrustState } from './trust-state.js'

export interface TabNodeInit {
  /** Run as this identity (the picker); default: the tab's own or a free one. */
  identity?: string
  storage?: Pick<Storage, 'getItem' | 'setItem'>
  keystoreDatabase?: string
  /** The network (libp2p, relays, volunteer mode); absent or failing: local only. */
  network?: TabNetworkFactory
}

export interface TabNode {
  identity: SquidIdentity
  engine: ExecutionEngine
  store: StateStore
  actions: ActionRegistry
  trust: TabTrustState
  /** The tab's validation pipeline (its identity is an authority; the DAO registry is `trust.dao`'s). */
  pipeline: ValidationPipeline
  /** Starts as another identity or with an operation signed elsewhere; `engine.startExecution` admits as the tab identity. */
  admission: Admission
  /** Identities in this browser (for the picker). */
  identities(): Promise<Array<{ id: string, name: string, peerId: string }>>
  /** The network, once one is attached; absent: local only ("no relay connected"). */
  network?: TabNetwork
  /** Why the network factory failed, when it did. */
  networkError?: string
  /** Dispatches `network:attached` when a network plugs in. */
  events: EventTarget
  attachNetwork(network: TabNetwork): void
  stop(): Promise<void>
}

export async function createTabNode (init: TabNodeInit = {}): Promise<TabNode> {
  const keystore = await idbKeystore({ database: init.keystoreDatabase })
  const { identity, release } = await pickIdentity({ keystore, storage: init.storage ?? sessionStorage, wanted: init.identity })
  const state = await openBrowserStateStore({ identity: identity.peerId, masterKey: await stateMasterKey(identity) })
  const trust = await openTabTrustState(identity.peerId)
  const clock = systemClock()
  const tabTrust = await openTabTrust({ identity, dao: trust.dao.registry, clock })
  const pipeline = tabTrust.trust.pipeline
  const sandbox = webWorkerSandboxHost({ policy: trust.dao.registry })
  const actions = builtinRegistry(sandboxActions(sandbox))
  const local = localDispatcher(actions, { nodeId: identity.peerId })
  let network: TabNetwork | undefined
  let networkError: string | undefined
  try {
    network = await init.network?.({ identity, actions, local, peerStep: tabTrust.peerStep })
  } catch (err: any) {
    // the tab keeps working on its local state; the Nodes view shows why it is alone
    networkError = err?.message ?? String(err)
  }
  const ids = presetIds(randomIds())
  let admission: Admission | undefined
  const engine = createExecutionEngine({ nodeId: identity.peerId, checkpointInterval: 0 }, {
    store: state.store, clock, actions, ids, dispatcher: admittedDispatcher(pipeline, network?.dispatcher ?? local, () => admission, identity.id)
  })
  admission = admissionControl({
    engine, store: state.store, pipeline, ids, node: tabTrust.identity, ownerGrant: tabTrust.ownerGrant, checkOnBehalf: tabTrust.checkOnBehalf,
    onError: (message, err) => { console.error(`qflow: ${message}:`, err) }
  })
  await engine.start()
  const node: TabNode = {
    identity,
    engine,
    store: state.store,
    actions,
    trust,
    pipeline,
    admission,
    network,
    networkError,
    identities: async () => (await keystore.list()).map(({ id, name, peerId }) => ({ id, name, peerId })),
    events: new EventTarget(),
    attachNetwork (network) {
      node.network = network
      node.events.dispatchEvent(new Event('network:attached'))
    },
    async stop () {
      await node.network?.stop?.()
      await engine.stop()
      await sandbox.stop()
      await state.close()
      await trust.close()
      keystore.close()
      release()
    }
  }
  return node
}
