/**
 * The old coordinator's side of a takeover (see src/network/ARCHITECTURE.md, "Partition safety").
 * When this node gives an execution up (the fence dropped its lease: no majority) or loses its
 * lease to another node, it releases the execution from its engine at once (nothing more runs or
 * is appended here). When the new holder ends the execution, its release names the final state;
 * this node fetches it (bitswap) and adopts it (`store.adoptCar`: its own diverged, non-terminal
 * copy is replaced), so its store shows the execution as the holder finished it. A node cut off
 * while that happened learns the release on reconnecting: holders re-send their leases to peers
 * that join the lease topic. A node that learns another node's lease for an execution its engine
 * runs (it recovered the execution after a restart, before it knew) yields it the same way.
 */
import { CID } from 'multiformats/cid'
import type { ExecutionEngine } from '../../src/index.js'
import type { CoordinatorLeases, Lease } from '../../src/network/index.js'
import type { HeliaStateStore } from '../../src/state/index.js'

export interface HandoverInit {
  engine: Pick<ExecutionEngine, 'release'>
  store: Pick<HeliaStateStore, 'adoptCar'>
  leases: CoordinatorLeases
  peerId: string
  /** The CAR of every block under `root` (fetched over bitswap when missing). */
  fetchCar: (root: CID) => Promise<Uint8Array>
  /** Runs `work` after the earlier lease work of the same execution. */
  queue: (executionId: string, work: () => Promise<void>, what: string) => void
}

/** Events: `execution:released` `{ executionId }`, `execution:adopted` `{ executionId, holder, replaced? }`. */
export interface Handover extends EventTarget {
  /** Executions released here whose final state is not adopted yet. */
  readonly pending: ReadonlySet<string>
  stop(): void
}

export function handover (init: HandoverInit): Handover {
  const { leases } = init
  const pending = new Set<string>()
  const target = new EventTarget()
  const emit = (type: string, detail: unknown): void => { target.dispatchEvent(new CustomEvent(type, { detail })) }

  const giveUp = (executionId: string): void => {
    if (pending.has(executionId)) return
    pending.add(executionId)
    init.queue(executionId, async () => {
      await init.engine.release(executionId)
      emit('execution:released', { executionId })
    }, 'releasing the given-up execution')
    // the holder may have finished it already (this node learnt that before it gave its copy up)
    const known = leases.get(executionId)
    if (known != null) adoptFinal(known)
  }
  const onGivenUp = (e: Event): void => { giveUp((e as CustomEvent<{ executionId: string }>).detail.executionId) }
  const onUpdated = (e: Event): void => {
    const lease = (e as CustomEvent<Lease>).detail
    // a lease taken over (seq > 0) or released by another node: if this engine runs it too, this
    // copy yields (a first lease, seq 0, is its coordinator's: only it can run that execution)
    if (lease.holder !== init.peerId && !pending.has(lease.executionId) && (lease.seq > 0 || lease.released === true)) {
      const { executionId } = lease
      init.queue(executionId, async () => {
        if (pending.has(executionId) || !await init.engine.release(executionId)) return
        pending.add(executionId)
        emit('execution:released', { executionId })
        const known = leases.get(executionId)
        if (known != null) adoptFinal(known)
      }, 'yielding an execution another node holds')
      return
    }
    adoptFinal(lease)
  }
  const adoptFinal = (lease: Lease): void => {
    if (!pending.has(lease.executionId) || lease.holder === init.peerId || lease.released !== true || lease.checkpoint == null) return
    const { executionId, holder, checkpoint } = lease
    init.queue(executionId, async () => {
      if (!pending.has(executionId)) return
      const result = await init.store.adoptCar(await init.fetchCar(CID.parse(checkpoint)))
      pending.delete(executionId)
      emit('execution:adopted', { executionId, holder, ...(result.replaced != null ? { replaced: result.replaced.toString() } : {}) })
    }, 'adopting the final state')
  }
  leases.addEventListener('lease:dropped', onGivenUp)
  leases.addEventListener('lease:lost', onGivenUp)
  leases.addEventListener('lease:updated', onUpdated)

  return Object.assign(target, {
    pending,
    stop () {
      leases.removeEventListener('lease:dropped', onGivenUp)
      leases.removeEventListener('lease:lost', onGivenUp)
      leases.removeEventListener('lease:updated', onUpdated)
    }
  })
}
