/**
 * Fencing for coordinators (partition safety). A coordinator dispatches a step of an execution
 * only while no other group of its subnet can hold a majority: it reaches more than half of the
 * subnet nodes it knows (presence, itself included) or the unreachable ones are fewer than half.
 * A coordinator cut off from a would-be majority for long enough that its lease may have lapsed
 * elsewhere (`leaseMs · 2/3` past the last safe moment) gives its executions up: it stops renewing the lease
 * (`leases.drop`) and never dispatches that execution's steps again (they wait until the engine
 * stops). So is an execution whose lease another node won (`lease:lost`). The successor on the
 * majority side carries the execution on; nothing completes twice. Two-node subnets have no
 * majority to protect: there a partition lets both sides run (see ARCHITECTURE.md). Steps the
 * engine runs inline (`qflow.action.complete`, triggers) are not dispatched and not fenced.
 */
import type { StepDispatcher, StepRequest, StepResult } from '../../src/interface/dispatcher.js'
import type { Clock } from '../../src/interface/clock.js'
import type { NetworkNode } from './network-node.js'

export interface FenceInit {
  /** The engine's events: the executions this node coordinates. */
  events: EventTarget
  net: Pick<NetworkNode, 'leases' | 'presence' | 'libp2p' | 'peerId' | 'selector'>
  subnet: string
  leaseMs: number
  clock: Clock
}

/** Events: `execution:abandoned` `{ executionId, reason: 'no-majority' | 'lease-lost' }`. */
export interface Fence extends EventTarget {
  /** Wraps the dispatcher the engine uses. */
  wrap(inner: StepDispatcher): StepDispatcher
  /** Executions this node gave up (or lost to another holder). */
  readonly abandoned: ReadonlySet<string>
  stop(): void
}

export function coordinatorFence (init: FenceInit): Fence {
  const { net, clock } = init
  const abandoned = new Set<string>()
  const held = new Set<string>()
  const changed = new EventTarget()
  const target = new EventTarget()
  let lastSafe = clock.now()
  let timer: unknown
  let running = true
  /** Subnet nodes this node knows (presence, not expired) and how many of them it is connected to, itself included. */
  let view = { total: 1, reachable: 1 }

  const refresh = async (): Promise<void> => {
    const live = new Set(net.libp2p.getConnections().map(c => c.remotePeer.toString()))
    const known = (await net.selector.getAvailableNodes(init.subnet)).filter(n => n.nodeId !== net.peerId)
    view = { total: known.length + 1, reachable: 1 + known.filter(n => live.has(n.nodeId)).length }
  }
  /** No other group of the subnet can hold a majority: steps may run here. */
  const safe = (): boolean => (view.total - view.reachable) * 2 < view.total || view.reachable * 2 > view.total
  const notify = (): void => { changed.dispatchEvent(new Event('change')) }
  const check = async (): Promise<void> => {
    await refresh()
    const now = clock.now()
    if (safe()) lastSafe = now
    else if ((view.total - view.reachable) * 2 > view.total && now - lastSafe >= init.leaseMs * 2 / 3) {
      // the others may have taken these over by now: give them up for good
      for (const id of held) if (net.leases.holds(id)) giveUp(id, 'no-majority')
    }
    notify()
  }
  const onRunning = (e: Event): void => { held.add((e as CustomEvent<{ executionId: string }>).detail.executionId) }
  const onEnded = (e: Event): void => { held.delete((e as CustomEvent<{ executionId: string }>).detail.executionId) }
  const RUNNING = ['execution:started', 'checkpoint:created']
  const ENDED = ['execution:completed', 'execution:failed', 'execution:aborted']
  for (const t of RUNNING) init.events.addEventListener(t, onRunning)
  for (const t of ENDED) init.events.addEventListener(t, onEnded)
  const giveUp = (executionId: string, reason: 'no-majority' | 'lease-lost'): void => {
    if (abandoned.has(executionId)) return
    abandoned.add(executionId)
    net.leases.drop(executionId)
    target.dispatchEvent(new CustomEvent('execution:abandoned', { detail: { executionId, reason } }))
  }
  const onLost = (e: Event): void => { giveUp((e as CustomEvent<{ executionId: string }>).detail.executionId, 'lease-lost'); notify() }
  const onChange = (): void => { void check() }
  net.leases.addEventListener('lease:lost', onLost)
  net.presence.addEventListener('node:joined', onChange)
  net.presence.addEventListener('node:left', onChange)
  net.libp2p.addEventListener('connection:open', onChange)
  net.libp2p.addEventListener('connection:close', onChange)
  const schedule = (): void => {
    timer = clock.setTimeout(() => { if (!running) return; void check().finally(schedule) }, Math.max(10, Math.floor(init.leaseMs / 6)))
    clock.unref?.(timer)
  }
  schedule()

  /** Resolves once this node may run a step of `executionId`; never while it is abandoned. */
  const clear = async (executionId: string, signal: AbortSignal): Promise<void> => {
    await refresh()
    while (abandoned.has(executionId) || !safe()) {
      signal.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const done = (): void => { changed.removeEventListener('change', done); signal.removeEventListener('abort', abort); resolve() }
        const abort = (): void => { changed.removeEventListener('change', done); reject(signal.reason) }
        changed.addEventListener('change', done)
        signal.addEventListener('abort', abort, { once: true })
      })
    }
  }

  return Object.assign(target, {
    abandoned,
    wrap: (inner: StepDispatcher): StepDispatcher => ({
      async dispatch (request: StepRequest, options: { signal: AbortSignal }): Promise<StepResult> {
        await clear(request.executionId, options.signal)
        return await inner.dispatch(request, options)
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
      notify()
    }
  })
}
