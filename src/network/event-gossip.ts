/**
 * Execution monitoring over gossip: a coordinator publishes compact signed batches of its
 * executions' events (started, step started / completed / failed with the node that ran it,
 * completed / failed / aborted: ids, step ids, timestamps and error type, never data) on
 * `qflow/<subnet>/events` of the execution's subnet, and subscribers of its subnets verify and
 * re-emit them as `execution:event`.
 *
 * Rate bound: events are batched per subnet and one batch leaves at most every `flushMs`
 * (default 100 ms), so a busy node sends ≤ 1000/flushMs messages per second per subnet whatever
 * its event rate. A batch holds at most `maxBatch` step events (default 256); beyond that step
 * events are dropped (counted, and the next batch says how many) while execution-level events
 * are kept up to twice that. Order per execution is kept (one queue per subnet, batches signed
 * and published in sequence, receivers ignore batches older than the newest seen).
 *
 * Receivers accept a batch only when it is signed by the key of the node that published it and
 * that node announces the topic's subnet (presence): a node that never announces (a
 * coordinator-only node) is not heard.
 */
import type { MonitoringBatch, MonitoringEvent, RemoteExecutionEvent } from '../../shared/network.js'
import { executionEventsTopic } from '../../shared/network.js'
import type { ExecutionEngine } from '../engine/engine.js'
import type { Clock } from '../interface/clock.js'
import { Lru } from '../trust/lru.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { iterateEvents } from './event-iterator.js'
import type { EventIterator, IterateOptions } from './event-iterator.js'
import { decodeBatch, encodeEventRecord, signBatch } from './event-messages.js'
import type { QflowLibp2p } from './libp2p-node.js'
import type { NodeSelector } from './selection.js'

export interface ExecutionEventGossipInit {
  /** The node's subnets (its topics); the first is the subnet of executions that name none. */
  subnets: string[]
  /** Least time between two batches of one subnet (default 100 ms). */
  flushMs?: number
  /** Step events per batch (default 256). */
  maxBatch?: number
  /** Largest batch accepted from others (default 1024 events). */
  maxReceive?: number
}

export interface ExecutionEventGossipComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  verifier: SignatureVerifier
  clock: Clock
  /** Who announces which subnet (presence feeds it). */
  selector: Pick<NodeSelector, 'get'>
  /** The local engine whose executions are published; absent: this node only listens. */
  engine?: Pick<ExecutionEngine, 'events' | 'getExecutionStatus'>
}

export interface ExecutionEventGossipEvents {
  'execution:event': CustomEvent<RemoteExecutionEvent>
  'batch:rejected': CustomEvent<{ from: string, topic: string, reason: string }>
}

export interface ExecutionEventStats {
  /** Batches and events this node published, and events it left out over the rate bound. */
  published: number
  publishedEvents: number
  dropped: number
  /** Batches accepted from others, and rejected ones (malformed, forged, not a subnet member, replayed). */
  received: number
  rejected: number
}

export interface ExecutionEventGossip extends EventTarget {
  start(): void
  /** Publishes what is pending, then leaves the topics. */
  stop(): Promise<void>
  /** Publishes the pending events now (tests, shutdown). */
  flush(): Promise<void>
  /**
   * Remote events as an async iterator (bounded buffer: a slow consumer loses the oldest).
   *
   * @example
   * for await (const e of gossip.events({ subnet: 'acme', signal })) console.log(e.coordinator, e.executionId, e.kind)
   */
  events(options?: IterateOptions<RemoteExecutionEvent> & { subnet?: string }): EventIterator<RemoteExecutionEvent>
  stats(): ExecutionEventStats
}

export function executionEventGossip (init: ExecutionEventGossipInit, components: ExecutionEventGossipComponents): ExecutionEventGossip {
  return new GossipExecutionEvents(init, components)
}

interface Outbox { pending: MonitoringEvent[], steps: number, dropped: number, timer?: unknown }

const TERMINAL = { 'execution:completed': 'execution.completed', 'execution:failed': 'execution.failed', 'execution:aborted': 'execution.aborted' } as const
const TERMINAL_KINDS: ReadonlySet<string> = new Set(Object.values(TERMINAL))

class GossipExecutionEvents extends EventTarget implements ExecutionEventGossip {
  private readonly subnets: readonly string[]
  private readonly flushMs: number
  private readonly maxBatch: number
  private readonly maxReceive: number
  private readonly outboxes = new Map<string, Outbox>()
  /** Subnet of each live local execution (null: one this node does not serve); a pending lookup holds the events that wait for it. */
  private readonly subnetOf = new Map<string, string | null | MonitoringEvent[]>()
  private readonly newest = new Lru<string, { ts: number, seq: number }>(4096)
  private readonly counts: ExecutionEventStats = { published: 0, publishedEvents: 0, dropped: 0, received: 0, rejected: 0 }
  private seq = 0
  private sending: Promise<void> = Promise.resolve()
  private running = false
  private listening?: AbortController
  private readonly onMessage = (evt: CustomEvent<any>): void => { void this.receive(evt.detail) }

  constructor (init: ExecutionEventGossipInit, private readonly c: ExecutionEventGossipComponents) {
    super()
    if (init.subnets.length === 0) throw new TypeError('executionEvents.subnets: a node serves at least one DAO subnet')
    this.subnets = [...init.subnets]
    this.flushMs = init.flushMs ?? 100
    this.maxBatch = init.maxBatch ?? 256
    this.maxReceive = init.maxReceive ?? 1024
    if (!(this.flushMs >= 0)) throw new TypeError('executionEvents.flushMs: must be a number >= 0')
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1 || this.maxBatch > 512) {
      throw new TypeError('executionEvents.maxBatch: must be an integer in [1, 512] (a batch holds up to twice that, receivers take 1024 by default)')
    }
  }

  start (): void {
    if (this.running) return
    this.running = true
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.addEventListener('message', this.onMessage)
    for (const s of this.subnets) pubsub.subscribe(executionEventsTopic(s))
    const engine = this.c.engine
    if (engine == null) return
    this.listening = new AbortController()
    const signal = this.listening.signal
    engine.events.addEventListener('log:appended', ({ detail }) => { this.fromLog(detail) }, { signal })
    // a step start is not a log event (the log records its outcome): the engine's event says when it began
    engine.events.addEventListener('step:started', ({ detail }) => {
      this.add(detail.executionId, { kind: 'step.started', executionId: detail.executionId, flowId: detail.flowId, at: this.c.clock.now(), stepId: detail.stepId, attempt: detail.attempt })
    }, { signal })
    for (const [type, kind] of Object.entries(TERMINAL)) {
      engine.events.addEventListener(type as keyof typeof TERMINAL, ({ detail }) => {
        const errorType = (detail as { error?: { type?: string } }).error?.type
        this.add(detail.executionId, { kind, executionId: detail.executionId, flowId: detail.flowId, at: this.c.clock.now(), ...(errorType != null ? { errorType } : {}) })
        this.forget(detail.executionId)
      }, { signal })
    }
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.listening?.abort()
    await this.flush()
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    for (const s of this.subnets) pubsub.unsubscribe(executionEventsTopic(s))
    this.subnetOf.clear()
  }

  async flush (): Promise<void> {
    for (const subnet of this.outboxes.keys()) this.send(subnet)
    await this.sending
  }

  events (options: IterateOptions<RemoteExecutionEvent> & { subnet?: string } = {}): EventIterator<RemoteExecutionEvent> {
    const { subnet, filter } = options
    return iterateEvents<RemoteExecutionEvent>(this, 'execution:event', {
      ...options,
      filter: (e) => (subnet == null || e.subnet === subnet) && (filter == null || filter(e))
    })
  }

  stats (): ExecutionEventStats { return { ...this.counts } }

  private fromLog (detail: { executionId: string, flowId: string, event: any }): void {
    const { executionId, flowId, event } = detail
    let e: MonitoringEvent
    switch (event.type) {
      case 'execution.started':
        this.subnetOf.set(executionId, this.served(event.context?.daoSubnet))
        e = { kind: 'execution.started', executionId, flowId, at: event.at }
        break
      case 'step.completed':
      case 'step.failed':
        e = {
          kind: event.type, executionId, flowId, at: event.at, stepId: event.stepId, attempt: event.attempt,
          ...(event.nodeId != null ? { nodeId: event.nodeId } : {}),
          ...(event.type === 'step.failed' && event.error?.type != null ? { errorType: event.error.type } : {})
        }
        break
      default:
        return
    }
    this.add(executionId, e)
  }

  /** The subnet an execution's events go to: its own when this node serves it (none: the first), else null. */
  private served (subnet: string | undefined): string | null {
    if (subnet == null) return this.subnets[0]
    return this.subnets.includes(subnet) ? subnet : null
  }

  private add (executionId: string, e: MonitoringEvent): void {
    const known = this.subnetOf.get(executionId)
    if (typeof known === 'string') { this.enqueue(known, e); return }
    if (known === null) return
    if (Array.isArray(known)) { known.push(e); return }
    // an execution this node did not start (recovered, taken over): look its subnet up, keep its events in order meanwhile
    const waiting = [e]
    this.subnetOf.set(executionId, waiting)
    this.c.engine?.getExecutionStatus(executionId).then(s => this.served(s.context.daoSubnet), () => null).then(subnet => {
      if (this.subnetOf.get(executionId) === waiting) this.subnetOf.set(executionId, subnet)
      if (subnet != null) for (const w of waiting) this.enqueue(subnet, w)
      if (waiting.some(w => TERMINAL_KINDS.has(w.kind))) this.subnetOf.delete(executionId)
    }, () => {})
  }

  private forget (executionId: string): void {
    // a pending lookup forgets the execution itself once it has placed its events
    if (!Array.isArray(this.subnetOf.get(executionId))) this.subnetOf.delete(executionId)
  }

  private enqueue (subnet: string, e: MonitoringEvent): void {
    if (!this.running) return
    let box = this.outboxes.get(subnet)
    if (box == null) { box = { pending: [], steps: 0, dropped: 0 }; this.outboxes.set(subnet, box) }
    const step = e.kind.startsWith('step.')
    if ((step && box.steps >= this.maxBatch) || box.pending.length >= this.maxBatch * 2) {
      box.dropped++
      this.counts.dropped++
    } else {
      box.pending.push(e)
      if (step) box.steps++
    }
    if (box.timer == null) {
      box.timer = this.c.clock.setTimeout(() => { this.send(subnet) }, this.flushMs)
      this.c.clock.unref?.(box.timer)
    }
  }

  /** Takes the subnet's pending events now and queues their batch behind the previous ones. */
  private send (subnet: string): void {
    const box = this.outboxes.get(subnet)
    if (box == null) return
    this.c.clock.clearTimeout(box.timer)
    this.outboxes.delete(subnet)
    if (box.pending.length === 0 && box.dropped === 0) return
    const seq = this.seq++
    const ts = this.c.clock.now()
    this.sending = this.sending.then(async () => {
      const batch = await signBatch(this.c.identity, { subnet, ts, seq, events: box.pending, ...(box.dropped > 0 ? { dropped: box.dropped } : {}) })
      await this.c.libp2p.services.pubsub.publish(executionEventsTopic(subnet), encodeEventRecord(batch))
      this.counts.published++
      this.counts.publishedEvents += box.pending.length
    }).catch(() => {
      // monitoring is best effort: a batch that cannot leave (node stopping) is not the engine's problem
    })
  }

  private async receive (msg: { type: string, topic: string, data: Uint8Array, from?: { toString(): string } }): Promise<void> {
    const subnet = this.subnets.find(s => executionEventsTopic(s) === msg.topic)
    if (subnet == null || !this.running) return
    const from = msg.from?.toString() ?? ''
    let batch: MonitoringBatch
    try {
      if (msg.type !== 'signed') throw new TypeError('batch: an unsigned gossip message')
      batch = await decodeBatch(msg.data, this.c.verifier, this.maxReceive)
      if (batch.nodeId !== from) throw new TypeError('batch.nodeId: not the node that published it')
      if (batch.subnet !== subnet) throw new TypeError(`batch.subnet: "${batch.subnet}" is not the topic's subnet "${subnet}"`)
      if (this.c.selector.get(from)?.daoSubnets.includes(subnet) !== true) throw new TypeError(`batch.nodeId: ${from} does not announce the subnet "${subnet}"`)
      const last = this.newest.get(from)
      if (last != null && (batch.ts < last.ts || (batch.ts === last.ts && batch.seq <= last.seq))) throw new TypeError('batch.seq: older than a batch already received (replayed)')
    } catch (err) {
      this.counts.rejected++
      this.safeDispatch('batch:rejected', { from, topic: msg.topic, reason: (err as Error).message })
      return
    }
    this.newest.set(from, { ts: batch.ts, seq: batch.seq })
    this.counts.received++
    for (const e of batch.events) this.safeDispatch('execution:event', { ...e, subnet, coordinator: from })
  }

  private safeDispatch (type: string, detail: unknown): void {
    try { this.dispatchEvent(new CustomEvent(type, { detail })) } catch { /* a listener's error is not the gossip's */ }
  }
}
