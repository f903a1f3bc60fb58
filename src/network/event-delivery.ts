/**
 * What a node does with an accepted external event, like `POST /api/v1/flows/:id/trigger` does
 * for one flow, over every local flow and execution of the event's subnet:
 * - resumes each active execution of that subnet waiting for the event (`engine.deliverEvent`,
 *   which checks the wait's filter);
 * - starts each local flow of that subnet whose first step is `qflow.trigger.event` with
 *   `params.event` equal to the event, with the payload as input (it must be an object), through
 *   `start` (the runtime's admission).
 *
 * Several nodes holding the same flow each start one execution: flows are deployed per node, and
 * nothing tells a node which others hold a flow (announcements do not list flows). Deploy a flow
 * on one node of the subnet for one run per event.
 *
 * An execution or flow without a subnet belongs to the node's first subnet (the dispatcher's
 * default); a subnet this node does not serve is never touched. Starts name no subnet: the
 * execution takes its flow's (admission refuses a start that claims another).
 */
import type { ExecutionContext } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'
import type { ExternalEvent } from '../../shared/network.js'
import type { ExecutionEngine } from '../engine/engine.js'
import type { StateStore } from '../interface/state-store.js'
import { Lru } from '../trust/lru.js'

export interface EventDeliveryComponents {
  engine: Pick<ExecutionEngine, 'deliverEvent' | 'getExecutionStatus'>
  store: Pick<StateStore, 'listFlows' | 'listExecutions'>
  /** Starts (admits) an execution of a flow; default `engine.startExecution` when the engine has it. */
  start(flowId: string, input: Record<string, unknown>, context: Partial<ExecutionContext>): Promise<string>
  /** The node's subnets; the first is the subnet of flows and executions that name none. */
  subnets: string[]
}

export interface DeliveryResult {
  /** Waiting executions the event resumed. */
  delivered: number
  /** Executions started, one per matching flow. */
  started: string[]
  /** Flows that matched but did not start, with the reason. */
  skipped: Array<{ flowId: string, reason: string }>
}

/** True when the flow's trigger is `event`. */
export function startsOn (flow: FlowDefinition, event: string): boolean {
  const first = flow.steps[0]
  return first?.action === 'qflow.trigger.event' && first.params?.event === event
}

export function eventDelivery (c: EventDeliveryComponents): (event: ExternalEvent) => Promise<DeliveryResult> {
  const fallback = c.subnets[0]
  const subnetOf = new Lru<string, string>(10_000)
  const executionSubnet = async (executionId: string): Promise<string | undefined> => {
    const known = subnetOf.get(executionId)
    if (known != null) return known
    try {
      const subnet = (await c.engine.getExecutionStatus(executionId)).context.daoSubnet ?? fallback
      subnetOf.set(executionId, subnet)
      return subnet
    } catch {
      return undefined // gone meanwhile: nothing to deliver to
    }
  }

  return async (e) => {
    const result: DeliveryResult = { delivered: 0, started: [], skipped: [] }
    if (!c.subnets.includes(e.subnet)) return result
    for (const { executionId } of await c.store.listExecutions({ active: true })) {
      if (await executionSubnet(executionId) !== e.subnet) continue
      result.delivered += await c.engine.deliverEvent(e.event, e.payload, { executionId })
    }
    const flows = (await c.store.listFlows()).filter(f => startsOn(f, e.event) && (f.metadata?.daoSubnet ?? fallback) === e.subnet)
    for (const flow of flows) {
      if (typeof e.payload !== 'object' || e.payload === null || Array.isArray(e.payload)) {
        result.skipped.push({ flowId: flow.id, reason: `payload: must be an object: it is the input of the execution "${e.event}" starts` })
        continue
      }
      try {
        result.started.push(await c.start(flow.id, e.payload as Record<string, unknown>, { triggerType: 'event', triggeredBy: e.identity }))
      } catch (err) {
        // one flow refusing (admission, a deleted flow) does not stop the others
        result.skipped.push({ flowId: flow.id, reason: `${(err as Error).name}: ${(err as Error).message}` })
      }
    }
    return result
  }
}
