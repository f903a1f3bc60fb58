/**
 * Gossip events wired onto networked runtimes (what node/runtime.ts is to do with
 * `attachNetworkEvents`): an event published by runtime A starts runtime B's flow through B's
 * admission, and B's execution is monitored from A. Real libp2p nodes on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { executionEventsTopic, externalEventsTopic } from '../../../shared/network.js'
import type { RemoteExecutionEvent } from '../../../shared/network.js'
import { ADMISSION_VARIABLE } from '../../../src/trust/pipeline/admission.js'
import { attachNetworkEvents } from '../../../node/platform/network-events.js'
import type { NetworkEvents } from '../../../node/platform/network-events.js'
import { createNodeRuntime } from '../../../node/runtime.js'
import type { NodeRuntime } from '../../../node/runtime.js'
import { flow, log } from '../../fixtures/engine.js'
import { LOOPBACK_LIMITS } from './cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

async function runtimeNode (bootstrap: string[]): Promise<{ runtime: NodeRuntime, gossip: NetworkEvents }> {
  const runtime = await createNodeRuntime({
    sandbox: false,
    network: { subnets: ['alpha'], listen: ['/ip4/127.0.0.1/tcp/0/ws'], relay: false, bootstrap, announceIntervalMs: 300, connectionLimits: LOOPBACK_LIMITS }
  })
  cleanup.push(async () => { await runtime.close() })
  const net = runtime.network!
  // the lines node/runtime.ts is to run once the engine and admission exist
  const gossip = await attachNetworkEvents({
    engine: runtime.engine, store: runtime.store, net, identity: runtime.identity, subnets: [...net.presence.subnets],
    start: async (flowId, input, context) => await runtime.start(flowId, input, { context }),
    monitoring: { flushMs: 20 }
  })
  cleanup.push(async () => { await gossip.stop() })
  return { runtime, gossip }
}

async function until (check: () => boolean, target: EventTarget, type: string): Promise<void> {
  if (check()) return
  await new Promise<void>(resolve => {
    const listener = (): void => { if (check()) { target.removeEventListener(type, listener); resolve() } }
    target.addEventListener(type, listener)
  })
}

describe('gossip events on networked runtimes', () => {
  it('an event from runtime A starts B\'s flow through B\'s admission; A watches B\'s execution run', async () => {
    const a = await runtimeNode([])
    const b = await runtimeNode(a.runtime.network!.addresses())
    const pubsubA = a.runtime.network!.libp2p.services.pubsub
    const pubsubB = b.runtime.network!.libp2p.services.pubsub
    const signal = AbortSignal.timeout(15_000)
    await Promise.all([
      a.runtime.network!.presence.waitForNodes('alpha', 2, { signal }),
      b.runtime.network!.presence.waitForNodes('alpha', 2, { signal }),
      until(() => pubsubA.getSubscribers(externalEventsTopic('alpha')).map(String).includes(b.runtime.network!.peerId), pubsubA, 'subscription-change'),
      until(() => pubsubB.getSubscribers(executionEventsTopic('alpha')).map(String).includes(a.runtime.network!.peerId), pubsubB, 'subscription-change')
    ])
    await b.runtime.engine.registerFlow(flow([{ id: 'hook', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'invoice.sent' } }, log('book')], { id: 'book-invoice' }))

    const seen: RemoteExecutionEvent[] = []
    const watched = new Promise<void>(resolve => {
      a.gossip.events.addEventListener('execution:event', (evt) => {
        const e = (evt as CustomEvent<RemoteExecutionEvent>).detail
        seen.push(e)
        if (e.kind === 'execution.completed') resolve()
      })
    })
    const delivered = new Promise<any>(resolve => { b.gossip.triggers.addEventListener('event:delivered', (evt) => { resolve((evt as CustomEvent).detail.result) }) })
    await a.gossip.publish('invoice.sent', { invoice: 7 }, { id: 'inv-7' })
    const result = await delivered
    expect(result.skipped).toEqual([])
    expect(result.started).toHaveLength(1)
    const state = await b.runtime.engine.waitForExecution(result.started[0])
    expect(state.status).toBe('completed')
    expect(state.context).toMatchObject({ triggerType: 'event', triggeredBy: a.runtime.identity.id, inputData: { invoice: 7 } })
    // admitted: the signed start operation is part of the execution
    expect(state.context.variables[ADMISSION_VARIABLE]).toBeDefined()

    await watched
    const kinds = seen.filter(e => e.executionId === state.executionId).map(e => e.kind)
    expect(kinds[0]).toBe('execution.started')
    expect(kinds.at(-1)).toBe('execution.completed')
    expect(seen.every(e => e.coordinator === b.runtime.network!.peerId)).toBe(true)
  }, 30_000)
})
