/**
 * Fencing for coordinators (partition safety). A node dispatches a step of an execution it
 * coordinates, and takes an execution over, only while it proves a strict majority of its subnet's
 * members (`network-quorum.ts`: members are remembered for `memberTtlMs` past their last contact,
 * so forgetting a peer never shrinks the denominator in time to matter). Without a majority for
 * `leaseMs · 2/3`, or back with one after more than `leaseMs / 2` without (a majority elsewhere
 * may have seen a lease lapse by then: leases are renewed every `leaseMs / 3`, so others see at
 * least 2/3 of a period left), it gives its executions up for good: it stops renewing
 * their leases (`leases.drop`, `execution:abandoned`) and never runs their steps again; results
 * that arrive for a given-up execution are never handed to the engine. So is an execution whose
 * lease another node won (`lease:lost`). The other side takes over only once it holds a majority:
 * at lease lapse when it is the majority, in a two-node subnet only on heal (or once a member has been
 * unreachable for `memberTtlMs`, by when this side gave up long ago). The engine copy of a given-up
 * execution is released by the takeover (network-takeover.ts), which later adopts the holder's
 * history. Steps the engine runs inline (`qflow.action.complete`, triggers) are not dispatched and
 * not fenced.
 */
import type { StepDispatcher, StepRequest, StepResult } from '../../src/interface/dispatcher.js'
import type { Clock } from '../../src/interface/clock.js'
import type { NetworkNode } from './network-node.js'
import { subnetQuorum } from './network-quorum.js'
import type { Quorum } from './network-quorum.js'

export interface FenceInit {
  /** The engine's events: the executions this node coordinates. */
  events: EventTarget
  net: Pick<NetworkNode, 'leases' | 'presence' | 'libp2p' | 'peerId' | 'selector'>
  subnet: string
  leaseMs: number
  /** How long an unreachable member still counts (default 10 × leaseMs; see network-quorum.ts). */
  memberTtlMs?: number
  clock: Clock
}

/** Events: `execution:abandoned` `{ executionId, reason: 'no-majority' | 'lease-lost' }`. */
export interface Fence extends EventTarget {
  /** Wraps the dispatcher the engine uses. */
  wrap(inner: StepDispatcher): StepDispatcher
  /** Executions this node gave up (or lost to another holder). */
  readonly abandoned: ReadonlySet<string>
  /** The subnet majority this fence checks. */
  readonly quorum: Quorum
  stop(): void
}

export function coordinatorFence (init: FenceInit): Fence {
  const { net, clock } = init
  const abandoned = new Set<string>()
  /** Executions this node coordinates, and since when (a lease held for less time cannot have lapsed elsewhere for longer). */
  const held = new Map<string, number>()
  const changed = new EventTarget()
  const target = new EventTarget()
  const quorum = subnetQuorum({ net, subnet: init.subnet, leaseMs: init.leaseMs, clock, ...(init.memberTtlMs != null ? { memberTtlMs: init.memberTtlMs } : {}) })
  /** When a check first found this node without a majority (undefined: it has one). */
  let unsafeSince: number | undefined
  let timer: unknown
  let running = true

  const notify = (): void => { changed.dispatchEvent(new Event('change')) }
  const check = async (): Promise<void> => {
    await quorum.refresh()
    const now = clock.now()
    if (quorum.safe()) {
      // back after so long that a majority may have seen a lease lapse (renewed every leaseMs / 3,
      // others see ≥ 2/3 of a period left): give them up rather than race a successor
      if (unsafeSince != null) giveUpHeld(now, unsafeSince, init.leaseMs / 2)
      unsafeSince = undefined
    } else {
      unsafeSince ??= now
      // still cut off: give them up for good before this node could forget the members it cannot
      // reach (network-quorum.ts) and believe itself a majority again
      giveUpHeld(now, unsafeSince, init.leaseMs * 2 / 3)
    }
    notify()
  }
  const onRunning = (e: Event): void => {
    const { executionId } = (e as CustomEvent<{ executionId: string }>).detail
    if (!held.has(executionId)) held.set(executionId, clock.now())
  }
  const onEnded = (e: Event): void => { held.delete((e as CustomEvent<{ executionId: string }>).detail.executionId) }
  const RUNNING = ['execution:started', 'checkpoint:created']
  const ENDED = ['execution:completed', 'execution:failed', 'execution:aborted']
  for (const t of RUNNING) init.events.addEventListener(t, onRunning)
  for (const t of ENDED) init.events.addEventListener(t, onEnded)
  const giveUp = (executionId: string, reason: 'no-majority' | 'lease-lost'): void => {
    if (abandoned.has(executionId)) return
    abandoned.add(executionId)
    held.delete(executionId)
    net.leases.drop(executionId)
    target.dispatchEvent(new CustomEvent('execution:abandoned', { detail: { executionId, reason } }))
  }
  /** Gives up the leases held for at least `span` of the time without a majority since `since`. */
  const giveUpHeld = (now: number, since: number, span: number): void => {
    for (const id of new Set([...held.keys(), ...net.leases.holding()])) {
      if (net.leases.holds(id) && now - Math.max(since, held.get(id) ?? since) >= span) giveUp(id, 'no-majority')
    }
  }
  const onLost = (e: Event): void => { giveUp((e as CustomEvent<{ executionId: string }>).detail.executionId, 'lease-lost'); notify() }
  const onChange = (): void => { void check() }
  net.leases.addEventListener('lease:lost', onLost)
  net.leases.requireQuorum(() => running && quorum.safe())
  net.presence.addEventListener('node:joined', onChange)
  net.presence.addEventListener('node:left', onChange)
  net.libp2p.addEventListener('connection:open', onChange)
  net.libp2p.addEventListener('connection:close', onChange)
  net.libp2p.services.pubsub.addEventListener('subscription-change', onChange)
  const schedule = (): void => {
    timer = clock.setTimeout(() => { if (!running) return; void check().finally(schedule) }, Math.max(10, Math.floor(init.leaseMs / 6)))
    clock.unref?.(timer)
  }
  void check()
  schedule()

  /** Resolves once this node may run a step of `executionId`; never while it is abandoned. */
  const clear = async (executionId: string, signal: AbortSignal): Promise<void> => {
    await check() // (not a bare refresh: a node back from a long cut gives its leases up first)
    while (abandoned.has(executionId) || !quorum.safe()) await changeOrAbort(signal)
  }
  const changeOrAbort = async (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const done = (): void => { changed.removeEventListener('change', done); signal.removeEventListener('abort', abort); resolve() }
      const abort = (): void => { changed.removeEventListener('change', done); reject(signal.reason) }
      changed.addEventListener('change', done)
      signal.addEventListener('abort', abort, { once: true })
    })
  }

  return Object.assign(target, {
    abandoned,
    quorum,
    wrap: (inner: StepDispatcher): StepDispatcher => ({
      async dispatch (request: StepRequest, options: { signal: AbortSignal }): Promise<StepResult> {
        await clear(request.executionId, options.signal)
        const result = await inner.dispatch(request, options)
        // given up while the step ran: the holder's side owns the execution now; this answer is
        // never recorded here (the engine releases the execution, which aborts this wait)
        while (abandoned.has(request.executionId)) await changeOrAbort(options.signal)
        return result
      }
    }),
    stop () {
      running = false
      clock.clearTimeout(timer)
      for (const t of RUNNING) init.events.removeEventListener(t, onRunning)
      for (const t of ENDED) init.events.removeEventListener(t, onEnded)
      net.leases.removeEventListener('lease:lost', onLost)
      net.presence.removeEventListener('node:joined', onChange)
      net.presence.removeEventListener('node:left', onChange)
      net.libp2p.removeEventListener('connection:open', onChange)
      net.libp2p.removeEventListener('connection:close', onChange)
      net.libp2p.services.pubsub.removeEventListener('subscription-change', onChange)
      notify()
    }
  })
}
