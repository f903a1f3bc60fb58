/**
 * Event triggers over gossip: a node publishes a signed external event `{ id, event, payload,
 * subnet }` on `qflow/<subnet>/triggers`; every node of the subnet (the publisher included)
 * verifies it and hands it to `deliver` once (event-delivery.ts: to waiting executions, and as a
 * new execution of local flows whose trigger is that event).
 *
 * Accepted only when signed by the key of the node that published it, that node announces the
 * subnet (presence; the publisher itself always counts), and it is no older than `maxAgeMs`
 * (default 10 min) nor more than `maxSkewMs` (default 1 min) ahead. Once per (publisher identity,
 * subnet, id): a redelivered or duplicated message is counted and dropped. The dedupe set is
 * bounded (`dedupeSize`, default 10,000, least recently seen evicted) and the age window bounds
 * what a replay can reach; a node restarted within the window forgets what it saw.
 *
 * Payloads are not encrypted: gossipsub forwards a topic only to its subscribers, the subnet's
 * nodes, but nothing stops another peer from subscribing. Publish nothing secret.
 */
import type { ExternalEvent } from '../../shared/network.js'
import { externalEventsTopic } from '../../shared/network.js'
import type { Clock } from '../interface/clock.js'
import { Lru } from '../trust/lru.js'
import { encodeCanonical } from '../trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { decodeExternalEvent, encodeEventRecord, signExternalEvent } from './event-messages.js'
import type { QflowLibp2p } from './libp2p-node.js'
import type { NodeSelector } from './selection.js'

export interface EventTriggersInit {
  subnets: string[]
  /** Events older than this are refused (default 600,000 ms). */
  maxAgeMs?: number
  /** Events dated further ahead than this are refused (default 60,000 ms). */
  maxSkewMs?: number
  /** Event keys remembered for deduplication (default 10,000). */
  dedupeSize?: number
}

export interface EventTriggersComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  verifier: SignatureVerifier
  clock: Clock
  selector: Pick<NodeSelector, 'get'>
  /** Acts on an accepted event (called once per event, one at a time). */
  deliver(event: ExternalEvent): Promise<unknown>
}

export interface EventTriggersEvents {
  /** Accepted and delivered: `result` is what `deliver` returned. */
  'event:delivered': CustomEvent<{ event: ExternalEvent, result: unknown }>
  'event:failed': CustomEvent<{ event: ExternalEvent, error: Error }>
  'event:duplicate': CustomEvent<{ id: string, from: string, subnet: string }>
  'event:rejected': CustomEvent<{ from: string, topic: string, reason: string }>
}

export interface EventTriggerStats {
  published: number
  delivered: number
  failed: number
  duplicates: number
  rejected: number
}

export interface PublishEventOptions {
  /** Default: the node's first subnet. */
  subnet?: string
  /** Default: a random UUID. Publishing the same id again is a duplicate everywhere. */
  id?: string
}

export interface EventTriggers extends EventTarget {
  start(): void
  stop(): void
  /**
   * Signs and publishes an event on one of this node's subnets, and delivers it here too.
   *
   * @example
   * await triggers.publishEvent('order.paid', { orderId: 42 }, { subnet: 'acme', id: 'order-42-paid' })
   */
  publishEvent(event: string, payload: unknown, options?: PublishEventOptions): Promise<ExternalEvent>
  stats(): EventTriggerStats
}

export function eventTriggers (init: EventTriggersInit, components: EventTriggersComponents): EventTriggers {
  if (init.subnets.length === 0) throw new TypeError('eventTriggers.subnets: a node serves at least one DAO subnet')
  const c = components
  const subnets = [...init.subnets]
  const maxAge = init.maxAgeMs ?? 600_000
  const maxSkew = init.maxSkewMs ?? 60_000
  const seen = new Lru<string, true>(init.dedupeSize ?? 10_000)
  const counts: EventTriggerStats = { published: 0, delivered: 0, failed: 0, duplicates: 0, rejected: 0 }
  const target = new EventTarget()
  let queue: Promise<void> = Promise.resolve()
  let running = false
  const emit = (type: keyof EventTriggersEvents, detail: unknown): void => {
    try { target.dispatchEvent(new CustomEvent(type, { detail })) } catch { /* a listener's error is not ours */ }
  }

  /** Once per key, in arrival order. */
  const accept = (e: ExternalEvent): void => {
    const key = `${e.identity}\n${e.subnet}\n${e.id}`
    if (seen.get(key) != null) {
      counts.duplicates++
      emit('event:duplicate', { id: e.id, from: e.nodeId, subnet: e.subnet })
      return
    }
    seen.set(key, true)
    queue = queue.then(async () => {
      try {
        const result = await c.deliver(e)
        counts.delivered++
        emit('event:delivered', { event: e, result })
      } catch (err) {
        counts.failed++
        emit('event:failed', { event: e, error: err as Error })
      }
    })
  }

  const receive = async (msg: { type: string, topic: string, data: Uint8Array, from?: { toString(): string } }): Promise<void> => {
    const subnet = subnets.find(s => externalEventsTopic(s) === msg.topic)
    if (subnet == null || !running) return
    const from = msg.from?.toString() ?? ''
    let e: ExternalEvent
    try {
      if (msg.type !== 'signed') throw new TypeError('externalEvent: an unsigned gossip message')
      e = await decodeExternalEvent(msg.data, c.verifier)
      if (e.nodeId !== from) throw new TypeError('externalEvent.nodeId: not the node that published it')
      if (e.subnet !== subnet) throw new TypeError(`externalEvent.subnet: "${e.subnet}" is not the topic's subnet "${subnet}"`)
      if (c.selector.get(from)?.daoSubnets.includes(subnet) !== true) throw new TypeError(`externalEvent.nodeId: ${from} does not announce the subnet "${subnet}"`)
      const now = c.clock.now()
      if (e.at < now - maxAge) throw new TypeError(`externalEvent.at: older than ${maxAge} ms`)
      if (e.at > now + maxSkew) throw new TypeError(`externalEvent.at: more than ${maxSkew} ms ahead`)
    } catch (err) {
      counts.rejected++
      emit('event:rejected', { from, topic: msg.topic, reason: (err as Error).message })
      return
    }
    accept(e)
  }
  const onMessage = (evt: CustomEvent<any>): void => { void receive(evt.detail) }

  return Object.assign(target, {
    start () {
      if (running) return
      running = true
      c.libp2p.services.pubsub.addEventListener('message', onMessage)
      for (const s of subnets) c.libp2p.services.pubsub.subscribe(externalEventsTopic(s))
    },
    stop () {
      if (!running) return
      running = false
      c.libp2p.services.pubsub.removeEventListener('message', onMessage)
      for (const s of subnets) c.libp2p.services.pubsub.unsubscribe(externalEventsTopic(s))
    },
    async publishEvent (event: string, payload: unknown, options: PublishEventOptions = {}): Promise<ExternalEvent> {
      const subnet = options.subnet ?? subnets[0]
      if (!subnets.includes(subnet)) throw new TypeError(`publishEvent.subnet: this node does not serve "${subnet}" (it serves ${subnets.join(', ')})`)
      if (typeof event !== 'string' || event.length === 0 || event.length > 256) throw new TypeError('publishEvent.event: must be a string of 1-256 characters')
      const id = options.id ?? globalThis.crypto.randomUUID()
      if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw new TypeError('publishEvent.id: must be a string of 1-256 characters')
      try { encodeCanonical(payload ?? null) } catch (err) { throw new TypeError(`publishEvent.payload: not encodable as dag-cbor (${(err as Error).message})`) }
      const signed = await signExternalEvent(c.identity, { id, event, payload: payload ?? null, subnet, at: c.clock.now() })
      const bytes = encodeEventRecord(signed)
      await c.libp2p.services.pubsub.publish(externalEventsTopic(subnet), bytes)
      counts.published++
      accept(signed)
      return signed
    },
    stats: () => ({ ...counts })
  })
}
