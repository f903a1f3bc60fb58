/**
 * Coordinator leases: the coordinator of an execution gossips a signed, renewable lease on
 * `qflow/<subnet>/leases` (`{ executionId, holder, checkpoint, seq, expiresAt }`, renewed every
 * `leaseMs / 3`). When a lease lapses, every node of the subnet computes the same successor by
 * rendezvous hashing (highest sha-256(nodeId ‖ executionId) among the live subnet nodes it knows,
 * the lapsed holder excluded); the successor starts holding the lease (seq + 1) and emits
 * `lease:takeover` with the last checkpoint CID, from which the composition resumes the execution
 * (load the state by CID over bitswap, then carry on). When two nodes' views differ and both take
 * over, the higher `seq`, then the higher rendezvous rank, wins and the other yields (`lease:lost`).
 * With a quorum check installed (`requireQuorum`, the partition fence's), a node takes nothing over
 * while it cannot prove a majority of its subnet (`lease:stalled`). A node re-sends its own leases
 * (held, and released within `keepReleasedMs`) when a peer subscribes to the topic, so a node that
 * was cut off learns on reconnecting who holds, or finished, what it had given up.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Clock } from '../interface/clock.js'
import { compact, peerIdFromPublicKey, publicKeyFromDidKey, toBase64url } from '../trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { domainBytes } from './domain-bytes.js'
import type { QflowLibp2p } from './libp2p-node.js'
import type { NodeSelector } from './selection.js'

export const leasesTopic = (subnet: string): string => `qflow/${subnet}/leases`

export interface Lease {
  v: 1
  executionId: string
  subnet: string
  holder: string
  identity: string
  /** CID of the holder's last published state (export manifest); on a release, of the final state. */
  checkpoint?: string
  seq: number
  expiresAt: number
  released?: boolean
  signature: string
}

export interface LeaseEvents {
  'lease:takeover': CustomEvent<{ executionId: string, checkpoint?: string, previous: string }>
  'lease:lost': CustomEvent<{ executionId: string, holder: string }>
  'lease:lapsed': CustomEvent<{ executionId: string, holder: string, successor?: string }>
  /** A lease lapsed while this node cannot prove a majority: it takes nothing over (once per lapse). */
  'lease:stalled': CustomEvent<{ executionId: string, holder: string }>
  /** This node stopped renewing a lease it held (`drop`): it gave the execution up. */
  'lease:dropped': CustomEvent<{ executionId: string }>
  /** A newer lease of another node was accepted. */
  'lease:updated': CustomEvent<Lease>
}

export interface LeaseInit {
  subnet: string
  /** Default 3000 ms. */
  leaseMs?: number
  /** Whether this node may take executions over (default true). */
  eligible?: boolean
  /** How long this node keeps (and re-sends to newcomers) a lease it released (default 100 × leaseMs). */
  keepReleasedMs?: number
}

export interface LeaseComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  verifier: SignatureVerifier
  selector: Pick<NodeSelector, 'getAvailableNodes'>
  clock: Clock
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
}

const enc = new TextEncoder()

function bytesToSign (fields: Omit<Lease, 'signature'>): Uint8Array {
  return domainBytes('qflow:lease:v1', fields)
}

/** Rendezvous weight of a node for an execution: the first 6 bytes of sha-256(nodeId ‖ 0 ‖ executionId). */
export function rendezvousWeight (nodeId: string, executionId: string): number {
  const h = sha256(enc.encode(`${nodeId}\u0000${executionId}`))
  return h[0] * 2 ** 40 + h[1] * 2 ** 32 + h[2] * 2 ** 24 + h[3] * 2 ** 16 + h[4] * 2 ** 8 + h[5]
}

export function rendezvousWinner (candidates: readonly string[], executionId: string): string | undefined {
  let best: string | undefined
  let weight = -1
  for (const c of candidates) {
    const w = rendezvousWeight(c, executionId)
    if (w > weight || (w === weight && best != null && c < best)) { best = c; weight = w }
  }
  return best
}

export function coordinatorLeases (init: LeaseInit, c: LeaseComponents): CoordinatorLeases {
  const leaseMs = init.leaseMs ?? 3000
  const keepReleasedMs = init.keepReleasedMs ?? 100 * leaseMs
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
  const target = new EventTarget()
  let timer: unknown
  let running = false
  const emit = (type: keyof LeaseEvents, detail: unknown): void => { target.dispatchEvent(new CustomEvent(type, { detail })) }

  /**
   * Signs and gossips a lease of this node. With nobody subscribed to the topic it is only kept
   * (unsigned: `signature` ''): a lone node spends nothing per renewal, and `resend` signs what a
   * newcomer needs, with a fresh expiry.
   */
  const sign = async (fields: Omit<Lease, 'signature' | 'v' | 'holder' | 'identity' | 'subnet'>, held: boolean): Promise<Lease> => {
    const unsigned = compact({ v: 1 as const, subnet: init.subnet, holder: me, identity: c.identity.id, ...fields })
    const audience = c.libp2p.services.pubsub.getSubscribers(topic).length > 0
    const lease: Lease = { ...unsigned, signature: audience ? toBase64url(await c.identity.sign(bytesToSign(unsigned))) : '' }
    leases.set(lease.executionId, lease)
    if (held) mine.set(lease.executionId, lease); else mine.delete(lease.executionId)
    if (audience) await c.libp2p.services.pubsub.publish(topic, dagCbor.encode(lease)).catch(() => {})
    return lease
  }
  const publish = async (fields: Omit<Lease, 'signature' | 'v' | 'holder' | 'identity' | 'subnet'>): Promise<Lease> => await sign(fields, fields.released !== true)

  /** True when `a` beats `b` for the same execution. */
  const beats = (a: Lease, b: Lease): boolean => a.seq > b.seq ||
    (a.seq === b.seq && a.holder !== b.holder && rendezvousWeight(a.holder, a.executionId) > rendezvousWeight(b.holder, b.executionId)) ||
    (a.seq === b.seq && a.holder === b.holder && a.expiresAt > b.expiresAt)

  const receive = async (evt: CustomEvent<any>): Promise<void> => {
    const msg = evt.detail
    if (msg.topic !== topic || msg.type !== 'signed') return
    let lease: Lease
    try {
      lease = dagCbor.decode(msg.data)
      if (lease?.v !== 1 || typeof lease.executionId !== 'string' || lease.subnet !== init.subnet) return
      if (peerIdFromPublicKey(publicKeyFromDidKey(lease.identity)) !== lease.holder || msg.from.toString() !== lease.holder) return
      const { signature, ...unsigned } = lease
      if (!await c.verifier.verify(lease.identity, signature, bytesToSign(unsigned))) return
    } catch {
      return // not a lease: ignored like any other noise on the topic
    }
    const known = leases.get(lease.executionId)
    if (known != null && !beats(lease, known)) return
    leases.set(lease.executionId, lease)
    waiting.delete(lease.executionId)
    stalled.delete(lease.executionId)
    if (mine.has(lease.executionId) && lease.holder !== me) {
      mine.delete(lease.executionId)
      emit('lease:lost', { executionId: lease.executionId, holder: lease.holder })
    }
    emit('lease:updated', lease)
  }
  const onMessage = (evt: CustomEvent<any>): void => { void receive(evt) }

  /** A peer joined the topic: re-send this node's own leases (it may have missed them while cut off). */
  const resend = (): void => {
    const now = c.clock.now()
    for (const lease of [...leases.values()]) {
      if (lease.holder !== me || (lease.released === true && now - lease.expiresAt > keepReleasedMs)) continue
      if (lease.signature !== '') {
        void c.libp2p.services.pubsub.publish(topic, dagCbor.encode(lease)).catch(() => {})
        continue
      }
      // kept unsigned while nobody listened: sign it now; one still held and renewed gets a fresh
      // expiry as a renewal would, a dropped or released one keeps its own (it lapsed or ended)
      const { signature: _unsigned, v: _v, holder: _holder, identity: _identity, subnet: _subnet, ...fields } = lease
      const renewed = mine.get(lease.executionId) === lease
      void sign(renewed ? { ...fields, expiresAt: now + leaseMs } : fields, renewed).catch(() => {})
    }
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
    for (const lease of [...mine.values()]) {
      // every tick (leaseMs / 3): a lease others hold always has ≥ 2/3 of a period left, so a holder
      // cut off that gives up within leaseMs / 2 (the fence) does so before anyone sees it lapse
      if (lease.expiresAt - now <= leaseMs * 3 / 4) await publish({ executionId: lease.executionId, seq: lease.seq, expiresAt: now + leaseMs, ...(lease.checkpoint != null ? { checkpoint: lease.checkpoint } : {}) })
    }
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
        await publish({ executionId: lease.executionId, seq: lease.seq + 1, expiresAt: now + leaseMs, ...(lease.checkpoint != null ? { checkpoint: lease.checkpoint } : {}) })
        emit('lease:takeover', { executionId: lease.executionId, previous: lease.holder, ...(lease.checkpoint != null ? { checkpoint: lease.checkpoint } : {}) })
      } else {
        waiting.set(lease.executionId, { ...w, ...(next != null ? { expected: next } : {}), until: now + leaseMs })
      }
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
      const seq = known?.seq ?? 0
      await publish({ executionId, seq, expiresAt: c.clock.now() + leaseMs, ...(checkpoint != null ? { checkpoint } : {}) })
    },
    async release (executionId: string, checkpoint?: string) {
      const seq = leases.get(executionId)?.seq ?? 0
      await publish({ executionId, seq: seq + 1, expiresAt: c.clock.now(), released: true, ...(checkpoint != null ? { checkpoint } : {}) })
    },
    drop (executionId: string) {
      if (mine.delete(executionId)) emit('lease:dropped', { executionId })
    },
    requireQuorum (check: () => boolean) { quorum = check },
    holds: (executionId: string) => mine.has(executionId),
    holding: () => [...mine.keys()],
    get: (executionId: string) => leases.get(executionId),
    successor
  })
}
