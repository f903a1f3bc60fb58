/**
 * Coordinator leases: the coordinator of an execution gossips a renewable lease on
 * `qflow/<subnet>/leases` (`{ executionId, checkpoint, seq, expiresAt }`, renewed every
 * `leaseMs / 3`). A holder signs once per message, not per lease: each renewal tick's leases go
 * out as one `LeaseBatch` per ≤ 500 leases (`lease-wire.ts`), holds, releases and takeovers at
 * once, coalesced with whatever else waits to go out. When a lease lapses, every node of the
 * subnet computes the same successor by rendezvous hashing (highest sha-256(nodeId ‖ executionId)
 * among the live subnet nodes it knows, the lapsed holder excluded); the successor starts holding
 * the lease (seq + 1) and emits `lease:takeover` with the last checkpoint CID, from which the
 * composition resumes the execution (load the state by CID over bitswap, then carry on). When two
 * nodes' views differ and both take over, the higher `seq`, then the higher rendezvous rank, wins
 * and the other yields (`lease:lost`). With a quorum check installed (`requireQuorum`, the
 * partition fence's), a node takes nothing over while it cannot prove a majority of its subnet
 * (`lease:stalled`). A node re-sends its own leases (held, and released within `keepReleasedMs`)
 * when a peer subscribes to the topic, so a node that was cut off learns on reconnecting who
 * holds, or finished, what it had given up.
 */
import { leasesTopic } from '../../shared/network.js'
import type { Lease, LeaseEntry } from '../../shared/network.js'
import type { Clock } from '../interface/clock.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { chunkLeaseEntries, decodeLeaseBatch, encodeLeaseBatch, LEASES_PER_BATCH, signLeaseBatch } from './lease-wire.js'
import type { QflowLibp2p } from './libp2p-node.js'
import type { NodeSelector } from './selection.js'
import { leaseBeats, rendezvousWinner } from './lease-rendezvous.js'

export { leasesTopic }
export type { Lease, LeaseBatch, LeaseEntry } from '../../shared/network.js'
export { leaseBeats, rendezvousWeight, rendezvousWinner } from './lease-rendezvous.js'
export { chunkLeaseEntries, decodeLeaseBatch, encodeLeaseBatch, signLeaseBatch, LEASES_PER_BATCH, MAX_LEASES_PER_BATCH } from './lease-wire.js'

export interface LeaseEvents {
  'lease:takeover': CustomEvent<{ executionId: string, checkpoint?: string, previous: string }>
  'lease:lost': CustomEvent<{ executionId: string, holder: string }>
  'lease:lapsed': CustomEvent<{ executionId: string, holder: string, successor?: string }>
  /** A lease lapsed while this node cannot prove a majority: it takes nothing over (once per lapse). */
  'lease:stalled': CustomEvent<{ executionId: string, holder: string }>
  /** This node stopped renewing a lease it held (`drop`): it gave the execution up. */
  'lease:dropped': CustomEvent<{ executionId: string }>
  /** A newer lease of another node was accepted (one event per lease of a batch). */
  'lease:updated': CustomEvent<Lease>
  /** A message on the lease topic was refused (malformed, forged, another subnet's, old wire): nothing of it applied. */
  'lease:rejected': CustomEvent<{ from: string, reason: string }>
}

export interface LeaseInit {
  subnet: string
  /** Default 3000 ms. */
  leaseMs?: number
  /** Whether this node may take executions over (default true). */
  eligible?: boolean
  /** How long this node keeps (and re-sends to newcomers) a lease it released (default 100 × leaseMs). */
  keepReleasedMs?: number
  /** Most leases per signed message (default 500, at most 1024); 1 sends one message per lease (the unbatched cost, for comparison). */
  batchSize?: number
}

export interface LeaseComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  verifier: SignatureVerifier
  selector: Pick<NodeSelector, 'getAvailableNodes'>
  clock: Clock
}

/** Lease messages of this node since it was built. */
export interface LeaseStats {
  /** Batches this node signed and published, and the leases they carried. */
  published: number
  publishedLeases: number
  /** Batches of others accepted (verified), and the leases they carried. */
  received: number
  receivedLeases: number
  /** Messages refused (`lease:rejected`). */
  rejected: number
}

export interface CoordinatorLeases extends EventTarget {
  /** The lease period (ms). */
  readonly leaseMs: number
  start(): void
  stop(): void
  /**
   * Starts (or refreshes) holding the lease of an execution this node coordinates. When the newest
   * lease known is another node's (it took the execution over, or finished it), this node does
   * not contest it: it emits `lease:lost` and publishes nothing.
   */
  hold(executionId: string, checkpoint?: string): Promise<void>
  /** The execution ended: announce the release (with the final state's CID, when given); nobody takes it over. */
  release(executionId: string, checkpoint?: string): Promise<void>
  /** Stops renewing a lease without releasing it (this node gave the execution up: the lease lapses and a successor takes over). */
  drop(executionId: string): void
  /** Whether this node holds (and renews) the lease of `executionId`. */
  holds(executionId: string): boolean
  /** The executions whose leases this node holds. */
  holding(): string[]
  /** The newest lease known for an execution. */
  get(executionId: string): Lease | undefined
  /** The node that takes over `executionId` when the `excluded` nodes (the lapsed holder…) are gone (rendezvous hashing). */
  successor(executionId: string, excluded: readonly string[]): Promise<string | undefined>
  /** Takes leases over only while `check()` holds (this node proves a majority of its subnet); default: always. */
  requireQuorum(check: () => boolean): void
  /** Messages published, accepted and refused so far. */
  stats(): LeaseStats
}

const entryOf = (l: Lease): LeaseEntry => ({
  executionId: l.executionId,
  seq: l.seq,
  expiresAt: l.expiresAt,
  ...(l.checkpoint != null ? { checkpoint: l.checkpoint } : {}),
  ...(l.released === true ? { released: true as const } : {})
})

export function coordinatorLeases (init: LeaseInit, c: LeaseComponents): CoordinatorLeases {
  const leaseMs = init.leaseMs ?? 3000
  const keepReleasedMs = init.keepReleasedMs ?? 100 * leaseMs
  const batchSize = init.batchSize ?? LEASES_PER_BATCH
  let quorum: () => boolean = () => true
  /** Lapsed leases seen while without quorum (`lease:stalled` once each). */
  const stalled = new Set<string>()
  let resendTimer: unknown
  const topic = leasesTopic(init.subnet)
  const me = c.identity.peerId
  const leases = new Map<string, Lease>()
  const mine = new Map<string, Lease>()
  /** Lapsed leases waiting for their successor: who is out, and until when the expected one may show up. */
  const waiting = new Map<string, { excluded: Set<string>, expected?: string, until: number }>()
  const counts: LeaseStats = { published: 0, publishedLeases: 0, received: 0, receivedLeases: 0, rejected: 0 }
  const target = new EventTarget()
  let timer: unknown
  let running = false
  const emit = (type: keyof LeaseEvents, detail: unknown): void => { target.dispatchEvent(new CustomEvent(type, { detail })) }

  /** Records a lease of this node: held (renewed from now on) unless released. */
  const own = (entry: LeaseEntry): void => {
    const lease: Lease = { ...entry, subnet: init.subnet, holder: me, identity: c.identity.id }
    leases.set(entry.executionId, lease)
    if (entry.released === true) mine.delete(entry.executionId); else mine.set(entry.executionId, lease)
  }

  /**
   * Signs and gossips this node's newest leases of `ids`, one batch per chunk. With nobody
   * subscribed to the topic nothing is signed: a lone node spends nothing per renewal, and
   * `resend` sends what a newcomer needs.
   */
  const transmit = async (ids: readonly string[]): Promise<void> => {
    if (c.libp2p.services.pubsub.getSubscribers(topic).length === 0) return
    const entries: LeaseEntry[] = []
    for (const id of ids) {
      const lease = leases.get(id)
      if (lease?.holder === me) entries.push(entryOf(lease)) // else another node's lease won meanwhile
    }
    for (const chunk of chunkLeaseEntries(entries, batchSize)) {
      if (!running) return // stopped: it left the topic
      const bytes = encodeLeaseBatch(await signLeaseBatch(c.identity, init.subnet, chunk))
      // a publish that fails (node stopping) is like a message lost: the next renewal carries the lease again
      await c.libp2p.services.pubsub.publish(topic, bytes).then(() => { counts.published++; counts.publishedLeases += chunk.length }, () => {})
    }
  }

  /**
   * The outbox: leases waiting to go out. One batch is in flight at a time; what is queued
   * meanwhile (holds of many executions, a tick's renewals and takeovers) goes out together next,
   * so a burst costs a few signatures and an idle node sends at once (after the current microtask).
   */
  const outbox = new Set<string>()
  let waiters: Array<{ resolve: () => void, reject: (err: unknown) => void }> = []
  let pumping = false
  const pump = async (): Promise<void> => {
    while (outbox.size > 0) {
      const ids = [...outbox]
      outbox.clear()
      const done = waiters
      waiters = []
      try {
        await transmit(ids)
        for (const w of done) w.resolve()
      } catch (err) {
        for (const w of done) w.reject(err)
      }
    }
    pumping = false
  }
  const send = async (ids: readonly string[]): Promise<void> => {
    if (ids.length === 0) return
    for (const id of ids) outbox.add(id)
    await new Promise<void>((resolve, reject) => {
      waiters.push({ resolve, reject })
      if (!pumping) { pumping = true; queueMicrotask(() => { void pump() }) }
    })
  }

  /** Applies one verified lease of another node, exactly as a single-lease message was applied. */
  const apply = (lease: Lease): void => {
    const known = leases.get(lease.executionId)
    if (known != null && !leaseBeats(lease, known)) return
    leases.set(lease.executionId, lease)
    waiting.delete(lease.executionId)
    stalled.delete(lease.executionId)
    if (mine.has(lease.executionId) && lease.holder !== me) {
      mine.delete(lease.executionId)
      emit('lease:lost', { executionId: lease.executionId, holder: lease.holder })
    }
    emit('lease:updated', lease)
  }

  const receive = async (evt: CustomEvent<any>): Promise<void> => {
    const msg = evt.detail
    if (msg.topic !== topic) return
    const from = msg.type === 'signed' ? String(msg.from) : 'unknown'
    let batch
    try {
      if (msg.type !== 'signed') throw new TypeError('leaseBatch: unsigned gossip message (no publisher to check)')
      batch = await decodeLeaseBatch(msg.data, c.verifier, { subnet: init.subnet, from })
    } catch (err) {
      counts.rejected++
      emit('lease:rejected', { from, reason: (err as Error).message })
      return
    }
    counts.received++
    counts.receivedLeases += batch.leases.length
    const { subnet, holder, identity } = batch
    for (const entry of batch.leases) apply({ ...entry, subnet, holder, identity })
  }
  const onMessage = (evt: CustomEvent<any>): void => { void receive(evt) }

  /** A peer joined the topic: re-send this node's own leases (it may have missed them while cut off). */
  const resend = (): void => {
    const now = c.clock.now()
    const ids: string[] = []
    for (const lease of [...leases.values()]) {
      if (lease.holder !== me || (lease.released === true && now - lease.expiresAt > keepReleasedMs)) continue
      // one still held goes out with a fresh expiry, as a renewal would; a dropped or released
      // one keeps its own (it lapsed or ended)
      if (mine.has(lease.executionId)) own({ ...entryOf(lease), expiresAt: now + leaseMs })
      ids.push(lease.executionId)
    }
    void send(ids).catch(() => {}) // a signing failure: the next renewal tick sends the held ones again
  }
  const onSubscription = (evt: CustomEvent<any>): void => {
    if (!(evt.detail.subscriptions as Array<{ topic: string, subscribe: boolean }>).some(s => s.subscribe && s.topic === topic)) return
    if (resendTimer != null || !running) return
    // soon, not now: the newcomer's subscription is known before its stream is writable
    resendTimer = c.clock.setTimeout(() => { resendTimer = undefined; if (running) resend() }, 50)
    c.clock.unref?.(resendTimer)
  }

  const successor = async (executionId: string, excluded: readonly string[]): Promise<string | undefined> => {
    const live = (await c.selector.getAvailableNodes(init.subnet)).map(n => n.nodeId).filter(id => !excluded.includes(id))
    if (init.eligible !== false && !live.includes(me) && !excluded.includes(me)) live.push(me)
    return rendezvousWinner(live, executionId)
  }

  const tick = async (): Promise<void> => {
    const now = c.clock.now()
    const out: string[] = []
    for (const lease of [...mine.values()]) {
      // every tick (leaseMs / 3): a lease others hold always has ≥ 2/3 of a period left, so a holder
      // cut off that gives up within leaseMs / 2 (the fence) does so before anyone sees it lapse
      if (lease.expiresAt - now <= leaseMs * 3 / 4) { own({ ...entryOf(lease), expiresAt: now + leaseMs }); out.push(lease.executionId) }
    }
    const takeovers: Array<{ executionId: string, checkpoint?: string, previous: string }> = []
    const majority = quorum()
    for (const lease of [...leases.values()]) {
      if (lease.released === true && now - lease.expiresAt > keepReleasedMs) { leases.delete(lease.executionId); continue }
      if (lease.holder === me || lease.released === true || lease.expiresAt > now) continue
      if (!majority) {
        // a node that cannot prove a majority takes nothing over: the holder may be running on the other side
        if (!stalled.has(lease.executionId)) { stalled.add(lease.executionId); emit('lease:stalled', { executionId: lease.executionId, holder: lease.holder }) }
        continue
      }
      let w = waiting.get(lease.executionId)
      if (w != null && w.until > now) continue
      const first = w == null
      w ??= { excluded: new Set([lease.holder]), until: 0 }
      // the expected successor never took over within a lease period: it is out too
      if (w.expected != null) w.excluded.add(w.expected)
      const next = await successor(lease.executionId, [...w.excluded])
      if (first) emit('lease:lapsed', { executionId: lease.executionId, holder: lease.holder, ...(next != null ? { successor: next } : {}) })
      if (next === me && init.eligible !== false) {
        waiting.delete(lease.executionId)
        const checkpoint = lease.checkpoint != null ? { checkpoint: lease.checkpoint } : {}
        own({ executionId: lease.executionId, seq: lease.seq + 1, expiresAt: now + leaseMs, ...checkpoint })
        out.push(lease.executionId)
        takeovers.push({ executionId: lease.executionId, previous: lease.holder, ...checkpoint })
      } else {
        waiting.set(lease.executionId, { ...w, ...(next != null ? { expected: next } : {}), until: now + leaseMs })
      }
    }
    try {
      // the tick's renewals and takeovers in as few signed messages as the chunking allows
      await send(out)
    } finally {
      // this node holds them now (it renews them), announced or not: the composition resumes them
      for (const t of takeovers) emit('lease:takeover', t)
    }
  }

  const schedule = (): void => {
    timer = c.clock.setTimeout(() => {
      if (!running) return
      void tick().finally(() => { if (running) schedule() })
    }, Math.max(10, Math.floor(leaseMs / 3)))
    c.clock.unref?.(timer)
  }

  return Object.assign(target, {
    leaseMs,
    start () {
      if (running) return
      running = true
      c.libp2p.services.pubsub.addEventListener('message', onMessage)
      c.libp2p.services.pubsub.addEventListener('subscription-change', onSubscription)
      c.libp2p.services.pubsub.subscribe(topic)
      schedule()
    },
    stop () {
      running = false
      waiting.clear()
      stalled.clear()
      c.clock.clearTimeout(timer)
      c.clock.clearTimeout(resendTimer)
      resendTimer = undefined
      c.libp2p.services.pubsub.removeEventListener('message', onMessage)
      c.libp2p.services.pubsub.removeEventListener('subscription-change', onSubscription)
      c.libp2p.services.pubsub.unsubscribe(topic)
    },
    async hold (executionId: string, checkpoint?: string) {
      const known = leases.get(executionId)
      if (known != null && known.holder !== me) {
        mine.delete(executionId)
        emit('lease:lost', { executionId, holder: known.holder })
        return
      }
      own({ executionId, seq: known?.seq ?? 0, expiresAt: c.clock.now() + leaseMs, ...(checkpoint != null ? { checkpoint } : {}) })
      await send([executionId])
    },
    async release (executionId: string, checkpoint?: string) {
      const seq = leases.get(executionId)?.seq ?? 0
      own({ executionId, seq: seq + 1, expiresAt: c.clock.now(), released: true, ...(checkpoint != null ? { checkpoint } : {}) })
      await send([executionId])
    },
    drop (executionId: string) {
      if (mine.delete(executionId)) emit('lease:dropped', { executionId })
    },
    requireQuorum (check: () => boolean) { quorum = check },
    holds: (executionId: string) => mine.has(executionId),
    holding: () => [...mine.keys()],
    get: (executionId: string) => leases.get(executionId),
    successor,
    stats: () => ({ ...counts })
  })
}
