/**
 * The monitoring publisher's rate bound and subnet routing, on a hand-driven clock with a
 * recording pubsub (no sockets): batches leave at most every `flushMs`, step events beyond
 * `maxBatch` are dropped and counted, execution-level events are kept, an execution of a
 * subnet the node does not serve is never published, and a recovered execution's events wait
 * for its subnet lookup in order.
 */
import { describe, expect, it } from 'vitest'
import { executionEventsTopic } from '../../../shared/network.js'
import type { MonitoringBatch } from '../../../shared/network.js'
import { TypedEventEmitter } from '../../../src/engine/events.js'
import type { EngineEvents } from '../../../src/engine/events.js'
import { decodeBatch, executionEventGossip } from '../../../src/network/index.js'
import { createIdentity, signatureVerifier } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import { deferred } from '../../fixtures/engine.js'

/** The engine's event side, driven by hand (with an output the gossip must never carry). */
class EngineEventsForTest {
  readonly events = new TypedEventEmitter<EngineEvents>()
  private index = 0
  constructor (private readonly lookups: Record<string, Promise<string | undefined>>) {}
  async getExecutionStatus (id: string): Promise<any> {
    const subnet = this.lookups[id]
    if (subnet == null) throw new Error(`no execution ${id}`)
    return { context: { daoSubnet: await subnet } }
  }

  started (executionId: string, flowId: string, daoSubnet: string | undefined): void {
    const context = { triggeredBy: 'x', triggerType: 'manual', inputData: { secret: 1 }, variables: {}, permissions: [], ...(daoSubnet != null ? { daoSubnet } : {}) }
    this.events.safeDispatchEvent('log:appended', { executionId, flowId, index: this.index++, event: { type: 'execution.started', at: 1, executionId, flow: {} as any, context: context as any } })
  }

  stepCompleted (executionId: string, flowId: string, stepId: string): void {
    this.events.safeDispatchEvent('log:appended', { executionId, flowId, index: this.index++, event: { type: 'step.completed', at: 2, stepId, attempt: 1, output: { secret: 1 }, nodeId: 'n1' } })
  }

  terminal (executionId: string, flowId: string, type: 'execution:completed' | 'execution:failed'): void {
    const error = { type: 'execution_error', message: 'secret', retryable: false, details: {}, timestamp: '' }
    this.events.dispatchEvent(new CustomEvent(type, { detail: { executionId, flowId, status: type === 'execution:completed' ? 'completed' : 'failed', output: 1, error } }))
  }
}

async function setup (subnets = ['alpha', 'beta'], lookups: Record<string, Promise<string | undefined>> = {}) {
  const clock = fakeClock()
  const identity = await createIdentity({ backend: nodeEd25519 })
  const verifier = await signatureVerifier({ backend: nodeEd25519 })
  const published: Array<{ topic: string, batch: MonitoringBatch }> = []
  const pending: Array<Promise<void>> = []
  const pubsub = {
    addEventListener () {},
    removeEventListener () {},
    subscribe () {},
    unsubscribe () {},
    async publish (topic: string, bytes: Uint8Array) {
      const p = decodeBatch(bytes, verifier).then(batch => { published.push({ topic, batch }) })
      pending.push(p)
      await p
    }
  }
  const engine = new EngineEventsForTest(lookups)
  const gossip = executionEventGossip({ subnets, flushMs: 100, maxBatch: 10 }, {
    libp2p: { services: { pubsub } } as any, identity, verifier, clock, selector: { get: () => undefined }, engine: engine as any
  })
  gossip.start()
  const sent = async (): Promise<void> => { await gossip.flush(); await Promise.all(pending) }
  return { clock, gossip, engine, published, sent }
}

describe('execution event gossip: rate bound and routing', () => {
  it('sends one batch per flush period whatever the event rate; drops step events over maxBatch, keeps execution events', async () => {
    const { clock, gossip, engine, published, sent } = await setup()
    engine.started('e1', 'f1', 'alpha')
    for (let i = 0; i < 25; i++) engine.stepCompleted('e1', 'f1', `s${i}`)
    engine.terminal('e1', 'f1', 'execution:completed')
    expect(published).toHaveLength(0)
    await clock.advance(100)
    await sent()
    expect(published).toHaveLength(1)
    const [{ topic, batch }] = published
    expect(topic).toBe(executionEventsTopic('alpha'))
    expect(batch.events.map(e => e.kind)).toEqual(['execution.started', ...Array(10).fill('step.completed'), 'execution.completed'])
    expect(batch.dropped).toBe(15)
    expect(gossip.stats()).toMatchObject({ published: 1, publishedEvents: 12, dropped: 15 })

    // a steady 1,000 events per second for one second leaves as ≤ 1000 / flushMs + 1 batches
    engine.started('e2', 'f1', 'alpha')
    for (let ms = 0; ms < 1000; ms += 10) {
      for (let i = 0; i < 10; i++) engine.stepCompleted('e2', 'f1', `t${ms + i}`)
      await clock.advance(10)
    }
    await sent()
    const more = published.length - 1
    expect(more).toBeGreaterThanOrEqual(10)
    expect(more).toBeLessThanOrEqual(11)
    expect(published.map(p => p.batch.seq)).toEqual([...published.keys()])
    await gossip.stop()
  })

  it('publishes each execution on its own subnet, executions naming none on the first, never a subnet it does not serve', async () => {
    const { clock, engine, published, sent, gossip } = await setup()
    engine.started('a', 'f', 'beta')
    engine.started('b', 'f', undefined)
    engine.started('c', 'f', 'gamma')
    engine.stepCompleted('c', 'f', 's1')
    await clock.advance(100)
    await sent()
    const bySubnet = Object.fromEntries(published.map(p => [p.batch.subnet, p.batch.events.map(e => e.executionId)]))
    expect(bySubnet).toEqual({ beta: ['a'], alpha: ['b'] })
    await gossip.stop()
  })

  it('a recovered execution (no start seen) waits for its subnet lookup, its events kept in order', async () => {
    const lookup = deferred<string | undefined>()
    const { clock, engine, published, sent, gossip } = await setup(['alpha', 'beta'], { r1: lookup.promise })
    engine.stepCompleted('r1', 'f', 's1')
    engine.stepCompleted('r1', 'f', 's2')
    engine.terminal('r1', 'f', 'execution:failed')
    await clock.advance(100)
    await sent()
    expect(published).toHaveLength(0)
    lookup.resolve('beta')
    await lookup.promise
    await clock.advance(100)
    await sent()
    expect(published.map(p => [p.batch.subnet, p.batch.events.map(e => e.stepId ?? e.kind)])).toEqual([['beta', ['s1', 's2', 'execution.failed']]])
    expect(published[0].batch.events[2].errorType).toBe('execution_error')
    await gossip.stop()
  })
})
