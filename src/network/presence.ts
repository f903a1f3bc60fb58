/**
 * Presence: each node subscribes to `qflow/<subnet>/nodes` for the subnets it serves only,
 * gossips a signed announcement every `announceIntervalMs` (and soon after a directly connected
 * peer subscribes to one of its topics), feeds verified announcements of others into the `NodeSelector`, and expires
 * nodes silent for `ttlMs`. It knows itself too, so selection may pick the local node.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_REPUTATION, nodesTopic } from '../../shared/network.js'
import type { NodeAnnouncement, QNETNode } from '../../shared/network.js'
import type { Clock } from '../interface/clock.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { decodeAnnouncement, encodeAnnouncement, signAnnouncement } from './announcement.js'
import type { QflowLibp2p } from './libp2p-node.js'
import type { NodeSelector } from './selection.js'

export interface PresenceInit {
  subnets: string[]
  /** False for a node that only coordinates: it listens but never announces itself (default true). */
  executes?: boolean
  capabilities: string[]
  region?: string
  memoryMB?: number
  cpuCores?: number
  /** Default 1000 ms. */
  announceIntervalMs?: number
  /** A node not heard from for this long (or 3 of its own periods, if longer) is forgotten (default 5 × the interval). */
  ttlMs?: number
  /**
   * Dial newly announced subnet peers while fewer than this many are connected (default 4), so
   * the subnet stays a mesh when its bootstrap node goes (0: rely on the bootstrap nodes alone).
   */
  connectTo?: number
  /** 0..1 (default 1). */
  performanceScore?: () => number
  /** 0..1 (default 0). */
  currentLoad?: () => number
}

export interface PresenceComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  verifier: SignatureVerifier
  selector: NodeSelector
  clock: Clock
}

export interface PresenceEvents {
  'node:joined': CustomEvent<QNETNode>
  'node:left': CustomEvent<{ nodeId: string, reason: 'expired' }>
  'announcement:rejected': CustomEvent<{ from: string, topic: string, reason: string }>
}

export interface Presence extends EventTarget {
  start(): Promise<void>
  stop(): Promise<void>
  /** Publishes this node's announcement on each of its subnets now. */
  announce(): Promise<void>
  /** Resolves once `count` nodes (self included) of `subnet` are known, or rejects on `signal`. */
  waitForNodes(subnet: string, count: number, options?: { signal?: AbortSignal }): Promise<void>
  /** Starts (true: announces now) or stops (false: forgets itself) announcing this node as an executor. */
  setExecutes(on: boolean): Promise<void>
  readonly subnets: readonly string[]
}

export function presence (init: PresenceInit, components: PresenceComponents): Presence {
  return new GossipPresence(init, components)
}

class GossipPresence extends EventTarget implements Presence {
  readonly subnets: readonly string[]
  private readonly interval: number
  private readonly ttl: number
  /** Per known node: the newest announcement's timestamp and when it must be heard from again. */
  private readonly newest = new Map<string, { timestamp: number, expiresAt: number }>()
  private timer: unknown
  private soon: unknown
  private running = false
  private executes: boolean
  private readonly onMessage = (evt: CustomEvent<any>): void => { void this.receive(evt.detail) }
  private readonly onSubscription = (evt: CustomEvent<any>): void => {
    const topics = new Set(this.subnets.map(nodesTopic))
    if ((evt.detail.subscriptions as Array<{ topic: string, subscribe: boolean }>).some(s => s.subscribe && topics.has(s.topic))) this.announceSoon()
  }

  constructor (private readonly init: PresenceInit, private readonly c: PresenceComponents) {
    super()
    if (init.subnets.length === 0) throw new TypeError('presence.subnets: a node serves at least one DAO subnet')
    for (const [i, s] of init.subnets.entries()) {
      if (typeof s !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(s)) throw new TypeError(`presence.subnets[${i}]: must be 1-64 letters, digits, '.', '_' or '-'`)
    }
    this.subnets = [...init.subnets]
    this.interval = init.announceIntervalMs ?? 1000
    this.ttl = init.ttlMs ?? this.interval * 5
    this.executes = init.executes !== false
  }

  async setExecutes (on: boolean): Promise<void> {
    this.executes = on
    if (on) await this.announce(); else this.c.selector.remove(this.c.identity.peerId)
  }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.addEventListener('message', this.onMessage)
    pubsub.addEventListener('subscription-change', this.onSubscription)
    for (const s of this.subnets) pubsub.subscribe(nodesTopic(s))
    if (this.executes) this.c.selector.upsert(this.self())
    await this.announce()
    this.schedule()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.c.clock.clearTimeout(this.timer)
    this.c.clock.clearTimeout(this.soon)
    const pubsub = this.c.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.removeEventListener('subscription-change', this.onSubscription)
    for (const s of this.subnets) pubsub.unsubscribe(nodesTopic(s))
  }

  async announce (): Promise<void> {
    if (!this.running || !this.executes) return
    const self = this.self()
    this.c.selector.upsert(self)
    const a = await signAnnouncement(this.c.identity, {
      addresses: this.c.libp2p.getMultiaddrs().map(m => m.toString()),
      capabilities: self.capabilities,
      performanceScore: self.performanceScore,
      currentLoad: self.currentLoad,
      daoSubnets: [...this.subnets],
      timestamp: this.c.clock.now(),
      intervalMs: this.interval,
      ...(this.init.region != null ? { region: this.init.region } : {}),
      ...(this.init.memoryMB != null ? { memoryMB: this.init.memoryMB } : {}),
      ...(this.init.cpuCores != null ? { cpuCores: this.init.cpuCores } : {})
    })
    const bytes = encodeAnnouncement(a)
    for (const s of this.subnets) {
      try {
        await this.c.libp2p.services.pubsub.publish(nodesTopic(s), bytes)
      } catch (err) {
        // a node stopping while it announces: the next round (or nobody) will care
        if (this.running) throw err
      }
    }
  }

  async waitForNodes (subnet: string, count: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    const enough = async (): Promise<boolean> => (await this.c.selector.getAvailableNodes(subnet)).length >= count
    if (await enough()) return
    await new Promise<void>((resolve, reject) => {
      const done = (): void => { this.removeEventListener('node:joined', check); options.signal?.removeEventListener('abort', abort) }
      const check = (): void => { void enough().then(ok => { if (ok) { done(); resolve() } }) }
      const abort = (): void => { done(); reject(options.signal?.reason) }
      this.addEventListener('node:joined', check)
      options.signal?.addEventListener('abort', abort, { once: true })
    })
  }

  private self (): QNETNode {
    return {
      nodeId: this.c.identity.peerId,
      identity: this.c.identity.id,
      address: this.c.libp2p.getMultiaddrs()[0]?.toString() ?? '',
      capabilities: [...this.init.capabilities],
      performanceScore: this.init.performanceScore?.() ?? 1,
      currentLoad: this.init.currentLoad?.() ?? 0,
      latency: 0,
      daoSubnets: [...this.subnets],
      lastSeen: new Date(this.c.clock.now()).toISOString(),
      reputation: 1,
      ...(this.init.region != null ? { region: this.init.region } : {}),
      ...(this.init.memoryMB != null ? { memoryMB: this.init.memoryMB } : {}),
      ...(this.init.cpuCores != null ? { cpuCores: this.init.cpuCores } : {})
    }
  }

  private async receive (msg: { type: string, topic: string, data: Uint8Array, from?: { toString(): string } }): Promise<void> {
    const subnet = this.subnets.find(s => nodesTopic(s) === msg.topic)
    if (subnet == null) return
    const from = msg.from?.toString() ?? ''
    let a: NodeAnnouncement
    try {
      a = await decodeAnnouncement(msg.data, this.c.verifier)
      if (msg.type !== 'signed' || from !== a.nodeId) throw new TypeError('announcement: not published by the node it describes')
      if (!a.daoSubnets.includes(subnet)) throw new TypeError(`announcement.daoSubnets: does not list "${subnet}", the topic's subnet`)
    } catch (err) {
      this.safeDispatch('announcement:rejected', { from, topic: msg.topic, reason: (err as Error).message })
      return
    }
    if (a.nodeId === this.c.identity.peerId || !this.running) return
    if ((this.newest.get(a.nodeId)?.timestamp ?? -1) >= a.timestamp) return
    this.newest.set(a.nodeId, { timestamp: a.timestamp, expiresAt: this.c.clock.now() + Math.max(this.ttl, 3 * a.intervalMs) })
    const known = this.c.selector.get(a.nodeId) != null
    const node: QNETNode = {
      nodeId: a.nodeId,
      identity: a.identity,
      address: a.addresses[0] ?? '',
      capabilities: a.capabilities,
      performanceScore: a.performanceScore,
      currentLoad: a.currentLoad,
      latency: 0,
      // only the subnets this node serves too: it never acts for the others
      daoSubnets: a.daoSubnets.filter(s => this.subnets.includes(s)),
      lastSeen: new Date(this.c.clock.now()).toISOString(),
      reputation: DEFAULT_REPUTATION,
      ...(a.region != null ? { region: a.region } : {}),
      ...(a.memoryMB != null ? { memoryMB: a.memoryMB } : {}),
      ...(a.cpuCores != null ? { cpuCores: a.cpuCores } : {})
    }
    this.c.selector.upsert(node)
    if (!known) {
      // no announcement back: a newcomer's direct peers answer its subscription (`announceSoon`),
      // everyone else within one interval; answering every join would cost O(n²) announcements
      this.safeDispatch('node:joined', node)
      this.connect(subnet, a)
    }
  }

  private connect (subnet: string, a: NodeAnnouncement): void {
    const want = this.init.connectTo ?? 4
    if (want <= 0 || a.addresses.length === 0) return
    const connected = new Set(this.c.libp2p.getConnections().map(conn => conn.remotePeer.toString()))
    if (connected.has(a.nodeId)) return
    let peers = 0
    for (const id of connected) if (this.c.selector.get(id)?.daoSubnets.includes(subnet) === true) peers++
    if (peers >= want) return
    let addr
    try { addr = multiaddr(a.addresses[0]) } catch { return }
    // best effort: a peer that cannot be dialled is still reachable through the relays
    this.c.libp2p.dial(addr, { signal: AbortSignal.timeout(5000) }).catch(() => {})
  }

  private schedule (): void {
    this.timer = this.c.clock.setTimeout(() => {
      if (!this.running) return
      this.expire()
      this.announce().catch(() => {}).finally(() => { if (this.running) this.schedule() })
    }, this.interval)
    this.c.clock.unref?.(this.timer)
  }

  /** Answers a newcomer quickly (at most one extra announcement per 50 ms). */
  private announceSoon (): void {
    if (this.soon != null || !this.running) return
    this.soon = this.c.clock.setTimeout(() => {
      this.soon = undefined
      this.announce().catch(() => {})
    }, 50)
    this.c.clock.unref?.(this.soon)
  }

  private expire (): void {
    const now = this.c.clock.now()
    for (const [nodeId, seen] of this.newest) {
      if (seen.expiresAt > now) continue
      this.newest.delete(nodeId)
      if (this.c.selector.remove(nodeId)) this.safeDispatch('node:left', { nodeId, reason: 'expired' as const })
    }
  }

  private safeDispatch (type: string, detail: unknown): void {
    try { this.dispatchEvent(new CustomEvent(type, { detail })) } catch { /* a listener's error is not presence's */ }
  }
}
