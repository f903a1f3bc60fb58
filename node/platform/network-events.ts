/**
 * Per-subnet gossip events of a networked Node runtime (src/network/ARCHITECTURE.md, "Execution
 * events and event triggers"): the engine's executions are published for monitoring on
 * `qflow/<subnet>/events`, others' are verified and re-emitted (`events`), and signed external
 * events on `qflow/<subnet>/triggers` resume waiting executions and start local flows whose
 * trigger is that event (through `start`: the runtime's admission).
 *
 * @example
 * const gossip = await attachNetworkEvents({ engine, store, net, identity, subnets: ['acme'], start: (flowId, input, context) => runtime.start(flowId, input, { context }) })
 * for await (const e of gossip.events.events({ subnet: 'acme', signal })) console.log(e)
 * await gossip.publish('order.paid', { orderId: 42 }, { subnet: 'acme' })
 */
import { systemClock } from '../../src/interface/clock.js'
import type { Clock } from '../../src/interface/clock.js'
import type { ExecutionContext } from '../../shared/execution.js'
import { eventDelivery, eventTriggers, executionEventGossip } from '../../src/network/index.js'
import type {
  EventTriggers, EventTriggersInit, ExecutionEventGossip, ExecutionEventGossipInit, NodeSelector, QflowLibp2p
} from '../../src/network/index.js'
import type { ExecutionEngine, StateStore } from '../../src/index.js'
import { signatureVerifier } from '../../src/trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../../src/trust/index.js'
import { nodeEd25519 } from './ed25519-node.js'

export interface NetworkEventsInit {
  engine: Pick<ExecutionEngine, 'events' | 'getExecutionStatus' | 'deliverEvent' | 'startExecution'>
  store: Pick<StateStore, 'listFlows' | 'listExecutions'>
  net: { libp2p: QflowLibp2p, selector: Pick<NodeSelector, 'get'> }
  identity: SquidIdentity
  /** The node's subnets (the runtime's `network.subnets`); the first is the default one. */
  subnets: string[]
  /** Starts an event-triggered execution (default `engine.startExecution`, which the runtime admits). */
  start?: (flowId: string, input: Record<string, unknown>, context: Partial<ExecutionContext>) => Promise<string>
  /** Publish this node's executions for monitoring (default true). */
  publishExecutions?: boolean
  monitoring?: Omit<ExecutionEventGossipInit, 'subnets'>
  triggers?: Omit<EventTriggersInit, 'subnets'>
  verifier?: SignatureVerifier
  clock?: Clock
}

export interface NetworkEvents {
  /** Remote monitoring events (`execution:event`, `events({ subnet })`), and this node's publishing. */
  events: ExecutionEventGossip
  /** Event triggers (`event:delivered`, `event:rejected`, …). */
  triggers: EventTriggers
  /** Publishes an external event on a subnet (delivered here too). */
  publish: EventTriggers['publishEvent']
  stop(): Promise<void>
}

export async function attachNetworkEvents (init: NetworkEventsInit): Promise<NetworkEvents> {
  const { engine, store, net, identity, subnets } = init
  const clock = init.clock ?? systemClock()
  const verifier = init.verifier ?? await signatureVerifier({ backend: nodeEd25519 })
  const parts = { libp2p: net.libp2p, identity, verifier, clock, selector: net.selector }
  const events = executionEventGossip({ ...init.monitoring, subnets }, { ...parts, ...(init.publishExecutions !== false ? { engine } : {}) })
  const start = init.start ?? (async (flowId, input, context) => await engine.startExecution(flowId, { ...context, inputData: input }))
  const triggers = eventTriggers({ ...init.triggers, subnets }, { ...parts, deliver: eventDelivery({ engine, store, start, subnets }) })
  events.start()
  triggers.start()
  // a libp2p node stopped and started again forgot its topics: join them again
  const rejoin = (): void => {
    triggers.stop()
    triggers.start()
    void events.stop().then(() => { events.start() })
  }
  net.libp2p.addEventListener('start', rejoin)
  return {
    events,
    triggers,
    publish: async (event, payload, options) => await triggers.publishEvent(event, payload, options),
    async stop () {
      net.libp2p.removeEventListener('start', rejoin)
      triggers.stop()
      await events.stop()
    }
  }
}
