/**
 * Execution events and event triggers over per-subnet gossip, with real libp2p nodes on
 * loopback: A and B serve subnet alpha, C serves beta and is connected to A. Tests wait on
 * events (gossip deliveries, subscriptions, presence), never on sleeps.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FlowStep } from '../../../shared/flow.js'
import { executionEventsTopic, externalEventsTopic } from '../../../shared/network.js'
import type { RemoteExecutionEvent } from '../../../shared/network.js'
import { builtinRegistry, localDispatcher } from '../../../src/actions/index.js'
import { createExecutionEngine } from '../../../src/engine/engine.js'
import type { ExecutionEngine } from '../../../src/engine/engine.js'
import { systemClock } from '../../../src/interface/clock.js'
import { sequentialIds } from '../../../src/interface/ids.js'
import type { StateStore } from '../../../src/interface/state-store.js'
import { encodeEventRecord, signBatch, signExternalEvent } from '../../../src/network/index.js'
import { memoryStateStore } from '../../../src/state/memory-store.js'
import { createIdentity } from '../../../src/trust/index.js'
import type { SquidIdentity } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { attachNetworkEvents } from '../../../node/platform/network-events.js'
import type { NetworkEvents } from '../../../node/platform/network-events.js'
import { startNetworkNode } from '../../../node/platform/network-node.js'
import type { NetworkNode } from '../../../node/platform/network-node.js'
import { flow, log, start } from '../../fixtures/engine.js'
import { LOOPBACK_LIMITS } from './cluster.js'

interface Node { identity: SquidIdentity, net: NetworkNode, engine: ExecutionEngine, store: StateStore, gossip: NetworkEvents, heard: string[] }

async function startNode (name: string, subnets: string[], bootstrap: string[] = []): Promise<Node> {
  const identity = await createIdentity({ backend: nodeEd25519 })
  const clock = systemClock()
  const store = memoryStateStore({ now: () => clock.now() })
  const actions = builtinRegistry([])
  const local = localDispatcher(actions, { nodeId: identity.peerId })
  const net = await startNetworkNode({ identity, subnets, relay: false, announceIntervalMs: 500, connectionLimits: LOOPBACK_LIMITS, bootstrap, dispatcher: local })
  const engine = createExecutionEngine({ nodeId: identity.peerId }, { store, clock, actions, ids: sequentialIds(name), dispatcher: local })
  const gossip = await attachNetworkEvents({ engine, store, net, identity, subnets, monitoring: { flushMs: 20 } })
  const heard: string[] = []
  net.libp2p.services.pubsub.addEventListener('message', (evt) => { heard.push(evt.detail.topic) })
  return { identity, net, engine, store, gossip, heard }
}

/** Resolves once `node` knows that `peer` subscribes to `topic`. */
async function subscribed (node: Node, topic: string, peer: Node): Promise<void> {
  const pubsub = node.net.libp2p.services.pubsub
  const has = (): boolean => pubsub.getSubscribers(topic).map(String).includes(peer.net.peerId)
  if (has()) return
  await new Promise<void>(resolve => {
    const check = (): void => { if (has()) { pubsub.removeEventListener('subscription-change', check); resolve() } }
    pubsub.addEventListener('subscription-change', check)
  })
}

/** Resolves with the detail of the first `type` event on `target` matching `pred`. */
async function once<T> (target: EventTarget, type: string, pred: (d: T) => boolean = () => true): Promise<T> {
  return await new Promise<T>(resolve => {
    const listener = (evt: Event): void => {
      const d = (evt as CustomEvent<T>).detail
      if (pred(d)) { target.removeEventListener(type, listener); resolve(d) }
    }
    target.addEventListener(type, listener)
  })
}

const waitFor = (id: string, params: Record<string, unknown>): FlowStep => ({ id, type: 'event-trigger', action: 'qflow.trigger.event', params })

describe('execution events and event triggers on subnet gossip', () => {
  let a: Node, b: Node, c: Node
  beforeAll(async () => {
    a = await startNode('a', ['alpha'])
    b = await startNode('b', ['alpha'], a.net.addresses())
    c = await startNode('c', ['beta'], a.net.addresses())
    const signal = AbortSignal.timeout(15_000)
    await Promise.all([
      a.net.presence.waitForNodes('alpha', 2, { signal }),
      b.net.presence.waitForNodes('alpha', 2, { signal }),
      subscribed(a, executionEventsTopic('alpha'), b),
      subscribed(a, externalEventsTopic('alpha'), b),
      subscribed(b, externalEventsTopic('alpha'), a)
    ])
    // beta's node is connected to alpha's (its bootstrap node): isolation is by topic, not by wire
    await c.net.libp2p.dial(multiaddr(a.net.addresses()[0]), { signal })
  }, 30_000)
  afterAll(async () => {
    for (const n of [a, b, c]) if (n != null) { await n.gossip.stop(); await n.net.stop() }
  })

  it('A\'s execution events reach B of the same subnet in order, compact; C of subnet beta receives nothing', async () => {
    const controller = new AbortController()
    const seen: RemoteExecutionEvent[] = []
    const collected = (async () => {
      for await (const e of b.gossip.events.events({ subnet: 'alpha', signal: controller.signal })) {
        seen.push(e)
        if (e.kind === 'execution.completed') return
      }
    })()
    const id = await start(a.engine, flow([log('one'), log('two')], { id: 'monitored' }), { secret: 'do not gossip' })
    expect((await a.engine.waitForExecution(id)).status).toBe('completed')
    await collected
    controller.abort()

    const mine = seen.filter(e => e.executionId === id)
    expect(mine.every(e => e.coordinator === a.net.peerId && e.subnet === 'alpha' && e.flowId === 'monitored')).toBe(true)
    const kinds = mine.map(e => `${e.kind}${e.stepId != null ? ':' + e.stepId : ''}`)
    expect(kinds[0]).toBe('execution.started')
    expect(kinds.at(-1)).toBe('execution.completed')
    for (const step of ['one', 'two']) {
      expect(kinds.indexOf(`step.started:${step}`)).toBeGreaterThan(0)
      expect(kinds.indexOf(`step.completed:${step}`)).toBeGreaterThan(kinds.indexOf(`step.started:${step}`))
    }
    expect(kinds.indexOf('step.completed:one')).toBeLessThan(kinds.indexOf('step.started:two'))
    expect(mine.find(e => e.kind === 'step.completed')?.nodeId).toBe(a.net.peerId)
    expect(mine.map(e => e.at)).toEqual([...mine.map(e => e.at)].sort((x, y) => x - y))
    // ids, step ids, timestamps, node ids only: no input, output, logs
    const keys = new Set(mine.flatMap(e => Object.keys(e)))
    expect([...keys].every(k => ['kind', 'executionId', 'flowId', 'at', 'stepId', 'attempt', 'nodeId', 'errorType', 'subnet', 'coordinator'].includes(k))).toBe(true)
    expect(JSON.stringify(mine)).not.toContain('do not gossip')

    // beta never joined alpha's topics, so it heard none of it
    expect(c.heard.filter(t => !t.startsWith('qflow/beta/'))).toEqual([])
    expect(c.gossip.events.stats().received).toBe(0)
    expect(a.net.libp2p.services.pubsub.getSubscribers(executionEventsTopic('alpha')).map(String)).not.toContain(c.net.peerId)
    expect(c.net.libp2p.services.pubsub.getTopics().filter(t => !t.startsWith('qflow/beta/'))).toEqual([])
    expect(a.gossip.events.stats()).toMatchObject({ dropped: 0 })
    expect(a.gossip.events.stats().publishedEvents).toBeGreaterThanOrEqual(mine.length)
  })

  it('an event on the topic starts B\'s flow with that trigger once (published twice) and resumes B\'s waiting execution', async () => {
    const trigger = waitFor('paid', { event: 'order.paid' })
    await b.engine.registerFlow(flow([trigger, log('ship')], { id: 'on-paid' }))
    await c.engine.registerFlow(flow([trigger, log('ship')], { id: 'on-paid-beta' }))
    const waiting = once(b.engine.events, 'step:waiting')
    const waiter = await start(b.engine, flow([log('before'), waitFor('approval', { event: 'order.paid', filter: 'event.orderId = 42' }), log('after')], { id: 'waiter' }))
    await waiting

    const deliveredOnB = once<{ event: { id: string }, result: any }>(b.gossip.triggers, 'event:delivered', d => d.event.id === 'paid-42')
    const syncOnB = once<{ event: { id: string } }>(b.gossip.triggers, 'event:delivered', d => d.event.id === 'sync-1')
    const duplicateOnB = once<{ id: string }>(b.gossip.triggers, 'event:duplicate', d => d.id === 'paid-42')
    const signed = await a.gossip.publish('order.paid', { orderId: 42 }, { id: 'paid-42' })
    // the very same signed message again, as a redelivery would bring it
    await a.net.libp2p.services.pubsub.publish(externalEventsTopic('alpha'), encodeEventRecord(signed))
    await a.gossip.publish('other.event', {}, { id: 'sync-1' })
    const first = await deliveredOnB
    await Promise.all([syncOnB, duplicateOnB])

    expect(first.result.delivered).toBe(1)
    expect(first.result.started).toHaveLength(1)
    expect(b.gossip.triggers.stats()).toMatchObject({ duplicates: 1, rejected: 0 })
    const runs = await b.store.listExecutions({ flowId: 'on-paid' })
    expect(runs.map(r => r.executionId)).toEqual(first.result.started)
    const started = await b.engine.waitForExecution(first.result.started[0])
    expect(started.status).toBe('completed')
    expect(started.context).toMatchObject({ triggerType: 'event', triggeredBy: a.identity.id, inputData: { orderId: 42 } })
    const resumed = await b.engine.waitForExecution(waiter)
    expect(resumed.status).toBe('completed')
    expect(resumed.steps.approval.output).toEqual({ orderId: 42 })
    // subnet beta never saw it
    expect(await c.store.listExecutions({ flowId: 'on-paid-beta' })).toEqual([])
    expect(c.gossip.triggers.stats()).toMatchObject({ delivered: 0, duplicates: 0, rejected: 0 })
  })

  it('forged, tampered and malformed events are ignored and counted', async () => {
    await b.engine.registerFlow(flow([waitFor('t', { event: 'forged.event' }), log('x')], { id: 'on-forged' }))
    const before = b.gossip.triggers.stats().rejected
    const rejections: string[] = []
    const threeRejected = new Promise<void>(resolve => {
      b.gossip.triggers.addEventListener('event:rejected', (evt) => {
        rejections.push((evt as CustomEvent<{ reason: string }>).detail.reason)
        if (rejections.length === 3) resolve()
      })
    })
    const batchRejected = once<{ reason: string }>(b.gossip.events, 'batch:rejected')
    const topic = externalEventsTopic('alpha')
    const pubsub = a.net.libp2p.services.pubsub
    const mallory = await createIdentity({ backend: nodeEd25519 })
    // signed by another key than the publisher's
    await pubsub.publish(topic, encodeEventRecord(await signExternalEvent(mallory, { id: 'f1', event: 'forged.event', payload: {}, subnet: 'alpha', at: Date.now() })))
    // A's own record, altered after signing
    const genuine = await signExternalEvent(a.identity, { id: 'f2', event: 'forged.event', payload: { amount: 1 }, subnet: 'alpha', at: Date.now() })
    await pubsub.publish(topic, encodeEventRecord({ ...genuine, payload: { amount: 1000 } }))
    await pubsub.publish(topic, Uint8Array.of(0xff, 0x00))
    const batch = await signBatch(a.identity, { subnet: 'alpha', ts: Date.now(), seq: 1e9, events: [{ kind: 'execution.started', executionId: 'x', flowId: 'y', at: 1 }] })
    await pubsub.publish(executionEventsTopic('alpha'), encodeEventRecord({ ...batch, events: [{ ...batch.events[0], executionId: 'forged' }] }))
    await threeRejected
    // verification is asynchronous: the three may be judged in any order
    for (const reason of [/nodeId: not the node that published it/, /signature: does not verify/, /not dag-cbor/]) {
      expect(rejections.filter(r => reason.test(r))).toHaveLength(1)
    }
    expect((await batchRejected).reason).toMatch(/signature: does not verify/)
    expect(b.gossip.triggers.stats().rejected - before).toBe(3)
    expect(b.gossip.events.stats().rejected).toBeGreaterThanOrEqual(1)
    expect(await b.store.listExecutions({ flowId: 'on-forged' })).toEqual([])
  })

  it('a node of another subnet publishing on alpha\'s topic is refused: it does not announce alpha', async () => {
    await subscribed(c, externalEventsTopic('alpha'), a)
    const refused = once<{ from: string, reason: string }>(a.gossip.triggers, 'event:rejected', d => d.from === c.net.peerId)
    const record = await signExternalEvent(c.identity, { id: 'intruder-1', event: 'order.paid', payload: { orderId: 42 }, subnet: 'alpha', at: Date.now() })
    const sent = await c.net.libp2p.services.pubsub.publish(externalEventsTopic('alpha'), encodeEventRecord(record))
    expect(sent.recipients.map(String)).toContain(a.net.peerId)
    expect((await refused).reason).toMatch(/does not announce the subnet "alpha"/)
  })

  it('refuses to publish on a subnet the node does not serve, or a payload gossip cannot carry', async () => {
    await expect(a.gossip.publish('x', {}, { subnet: 'beta' })).rejects.toThrow(/publishEvent.subnet: this node does not serve "beta"/)
    await expect(a.gossip.publish('x', { f: () => 1 })).rejects.toThrow(/publishEvent.payload/)
    await expect(a.gossip.publish('', {})).rejects.toThrow(/publishEvent.event/)
  })
})
