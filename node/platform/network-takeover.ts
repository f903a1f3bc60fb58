/**
 * Coordinator takeover for a networked runtime on a data directory (see src/network/ARCHITECTURE.md,
 * "Coordinator takeover"):
 * - coordinator: holds a lease for every execution it runs; after the start and each checkpoint
 *   it puts the execution's export manifest (`store.exportManifest`: the record with log head and
 *   snapshots, one block; every block below it is already in the shared blockstore) where bitswap
 *   serves it and re-announces the lease with that CID; the terminal event releases the lease,
 *   naming the final manifest.
 * - the successor-in-waiting (rendezvous winner with the holder excluded): on every lease update
 *   it fetches the subnet's secrets from the holder (`/qflow/subnet-key/1.0.0`, sealed to it, DAO
 *   members only) and the manifest's blocks over bitswap, so nothing is needed from a dead holder.
 * - on `lease:takeover`: it reads the blocks below the manifest (local by now, else bitswap),
 *   imports them as a CAR (`store.importCar`: verified, pointer moves forward only) and resumes
 *   the execution (`engine.resumeExecution`: the engine's recovery path from the last checkpoint).
 * - the coordinator that gave an execution up (network-handover.ts): releases it from its engine and
 *   adopts the final state the new holder's release names.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CarWriter } from '@ipld/car/writer'
import { CID } from 'multiformats/cid'
import type { ExecutionEngine } from '../../src/index.js'
import type { SubnetKeyExchange } from '../../src/network/index.js'
import { walkGraph } from '../../src/state/graph.js'
import type { HeliaStateStore } from '../../src/state/index.js'
import { handover } from './network-handover.js'
import type { Handover } from './network-handover.js'
import type { NetworkNode } from './network-node.js'

/** What Helia's networked blockstore offers (a missing block is fetched over bitswap). */
export interface NetworkBlocks {
  get(cid: CID, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array> | Promise<Uint8Array>
  put(cid: CID, bytes: Uint8Array): Promise<unknown>
}

export interface TakeoverInit {
  engine: ExecutionEngine
  net: Pick<NetworkNode, 'leases' | 'peerId' | 'presence'>
  store: HeliaStateStore
  blocks: NetworkBlocks
  keys: SubnetKeyExchange
  /** Subnet whose leases these are (the node's first). */
  subnet: string
  /**
   * Whether another node of the subnet is alive to take over (default: assume so). Without one,
   * publishing checkpoints would be work nobody can use; the next checkpoint after a peer
   * appears publishes again.
   */
  hasPeers?: () => boolean | Promise<boolean>
  /** Longest wait for one block over bitswap (default 10 s). */
  fetchTimeoutMs?: number
  /**
   * Least time between two state publications of one execution (default leaseMs / 6): the
   * checkpoints in between are covered by the next one. Each publication signs and gossips a lease
   * and makes the successor fetch the new blocks; a takeover resumes from the last one published.
   */
  publishIntervalMs?: number
  /** Failures of background work (prefetch, publish, takeover) that have no caller. */
  onError?: (message: string, err: unknown) => void
}

/** Events: `state:prefetched` `{ executionId, checkpoint }` (this node holds that state whole, keys included). */
export interface CoordinatorTakeover extends EventTarget {
  /** Resolves when the queued lease work of `executionId` is done (tests, shutdown). */
  settled(executionId?: string): Promise<void>
  /** The given-up side: `execution:released`, `execution:adopted` (network-handover.ts). */
  readonly handover: Handover
  stop(): Promise<void>
}

const TERMINAL = ['execution:completed', 'execution:failed', 'execution:aborted'] as const

async function bytesOf (value: AsyncIterable<Uint8Array> | Promise<Uint8Array>): Promise<Uint8Array> {
  if (value instanceof Promise) return await value
  const chunks: Uint8Array[] = []
  for await (const chunk of value) chunks.push(chunk)
  return chunks.length === 1 ? chunks[0] : concat(chunks)
}

export function coordinatorTakeover (init: TakeoverInit): CoordinatorTakeover {
  const { engine, net, store, blocks, keys } = init
  const leases = net.leases
  const timeout = init.fetchTimeoutMs ?? 10_000
  const onError = init.onError ?? (() => {})
  const controller = new AbortController()
  const queues = new Map<string, Promise<void>>()
  const finished = new Set<string>()
  const keysFrom = new Set<string>()
  /** The checkpoint last prefetched per execution (renewals repeat it), and the last one fetched whole. */
  const prefetched = new Map<string, string>()
  const complete = new Map<string, string>()
  const prefetching = new Map<string, { ctl: AbortController, run: Promise<void> }>()
  const target = new EventTarget()
  let stopped = false

  const queue = (executionId: string, work: () => Promise<void>, what: string): void => {
    const next = (queues.get(executionId) ?? Promise.resolve()).then(async () => {
      if (!stopped) await work()
    }).catch((err: unknown) => { if (!stopped) onError(`${what} of ${executionId} failed`, err) })
    queues.set(executionId, next)
    void next.then(() => { if (queues.get(executionId) === next) queues.delete(executionId) })
  }
  const get = async (cid: CID): Promise<Uint8Array> => await bytesOf(blocks.get(cid, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(timeout)]) }))

  /** Puts the export manifest (one block: the blocks below it are in the shared blockstore) where bitswap serves it; resolves with its CID. */
  const publishState = async (executionId: string): Promise<string> => {
    await engine.persisted(executionId)
    const root = await store.exportManifest(executionId)
    await blocks.put(root.cid, root.bytes)
    return root.cid.toString()
  }

  /** Executions with a publish queued and not started yet: it will publish their newest state. */
  const publishQueued = new Set<string>()
  const publishInterval = init.publishIntervalMs ?? leases.leaseMs / 6
  const lastPublished = new Map<string, number>()
  /** Wakes the interval wait of an execution (it ended: its release goes first). */
  const wake = new Map<string, () => void>()
  const spaced = async (executionId: string): Promise<void> => {
    const wait = (lastPublished.get(executionId) ?? Number.NEGATIVE_INFINITY) + publishInterval - Date.now()
    if (wait <= 0 || controller.signal.aborted) return
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); wake.delete(executionId); controller.signal.removeEventListener('abort', done); resolve() }
      const timer = setTimeout(done, wait)
      timer.unref?.()
      wake.set(executionId, done)
      controller.signal.addEventListener('abort', done)
    })
  }
  const hold = (executionId: string): void => {
    // checkpoints arrive faster than they are worth gossiping: one queued publish covers them all
    if (finished.has(executionId) || publishQueued.has(executionId)) return
    publishQueued.add(executionId)
    queue(executionId, async () => {
      await spaced(executionId)
      publishQueued.delete(executionId)
      if (finished.has(executionId) || (init.hasPeers != null && !await init.hasPeers())) return
      lastPublished.set(executionId, Date.now())
      await leases.hold(executionId, await publishState(executionId))
    }, 'publishing the lease')
  }
  const onProgress = (e: Event): void => { hold((e as CustomEvent<{ executionId: string }>).detail.executionId) }
  const onEnd = (e: Event): void => {
    const { executionId } = (e as CustomEvent<{ executionId: string }>).detail
    finished.add(executionId)
    lastPublished.delete(executionId)
    wake.get(executionId)?.()
    queue(executionId, async () => {
      // a lease others saw names the final state: a node that gave the execution up adopts it
      const final = leases.get(executionId) != null ? await publishState(executionId) : undefined
      await leases.release(executionId, final)
    }, 'releasing the lease')
  }

  const ensureKeys = async (holder: string): Promise<void> => {
    if (keysFrom.has(holder)) return
    await keys.request(holder, init.subnet, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(timeout)]) })
    keysFrom.add(holder)
  }
  const fetchAll = async (root: CID): Promise<Map<string, { cid: CID, bytes: Uint8Array }>> => {
    const got = new Map<string, { cid: CID, bytes: Uint8Array }>()
    await walkGraph(get, [root], { leaves: true, signal: controller.signal, onBlock: (cid, bytes) => { got.set(cid.toString(), { cid, bytes }) } })
    return got
  }
  /** Block keys held here whole (with everything below them) per execution, from the last complete prefetch. */
  const held = new Map<string, Set<string>>()
  /** Fetches what is new below `root` (logs and snapshots are immutable: a block held whole stays whole). */
  const prefetch = async (executionId: string, root: CID, signal: AbortSignal): Promise<void> => {
    const read = async (cid: CID): Promise<Uint8Array> => await bytesOf(blocks.get(cid, { signal: AbortSignal.any([controller.signal, signal, AbortSignal.timeout(timeout)]) }))
    const seen = new Set(held.get(executionId))
    await walkGraph(read, [root], { leaves: true, seen, signal })
    held.set(executionId, seen)
  }

  /** The successor-in-waiting keeps the keys and blocks it would need. */
  const onUpdated = (e: Event): void => {
    const lease = (e as CustomEvent<{ executionId: string, holder: string, checkpoint?: string, released?: boolean }>).detail
    if (lease.released === true) { prefetched.delete(lease.executionId); complete.delete(lease.executionId); held.delete(lease.executionId); return }
    if (lease.holder === net.peerId || lease.checkpoint == null) return
    const { executionId, holder } = lease
    const checkpoint = lease.checkpoint
    if (prefetched.get(executionId) === checkpoint) return
    prefetched.set(executionId, checkpoint)
    const previous = prefetching.get(executionId)
    const ctl = new AbortController()
    const run = (async () => {
      await previous?.run
      if (ctl.signal.aborted || stopped) return
      if (await leases.successor(executionId, [holder]) !== net.peerId) return
      await ensureKeys(holder)
      await prefetch(executionId, CID.parse(checkpoint), ctl.signal)
      complete.set(executionId, checkpoint)
      target.dispatchEvent(new CustomEvent('state:prefetched', { detail: { executionId, checkpoint } }))
    })().catch((err: unknown) => { if (!ctl.signal.aborted && !stopped) onError(`prefetching the state of ${executionId} failed`, err) })
    const entry = { ctl, run }
    prefetching.set(executionId, entry)
    void run.finally(() => { if (prefetching.get(executionId) === entry) prefetching.delete(executionId) })
  }

  const carOf = async (root: CID, got: Map<string, { cid: CID, bytes: Uint8Array }>): Promise<Uint8Array> => {
    const { writer, out } = CarWriter.create([root])
    const chunks: Uint8Array[] = []
    const drain = (async () => { for await (const c of out) chunks.push(c) })()
    for (const block of got.values()) await writer.put(block)
    await writer.close()
    await drain
    return concat(chunks)
  }
  const importState = async (root: CID): Promise<any> => {
    const got = await fetchAll(root)
    await store.importCar(await carOf(root, got))
    return dagCbor.decode(got.get(root.toString())!.bytes)
  }
  const given = handover({ engine, store, leases, peerId: net.peerId, queue, fetchCar: async (root) => await carOf(root, await fetchAll(root)) })

  const onTakeover = (e: Event): void => {
    const { executionId, checkpoint, previous } = (e as CustomEvent<{ executionId: string, checkpoint?: string, previous: string }>).detail
    const pending = prefetching.get(executionId)
    queue(executionId, async () => {
      // the newest state is fetched from whoever still has it; when nobody does (the holder died
      // right after a checkpoint), the last state prefetched whole is resumed instead
      pending?.ctl.abort()
      held.delete(executionId)
      const candidates = [...new Set([checkpoint, complete.get(executionId)].filter((c): c is string => c != null))]
      if (candidates.length === 0) throw new Error(`the lease of ${previous} named no checkpoint: there is no state to resume`)
      let manifest: any
      let lastErr: unknown
      for (const cid of candidates) {
        try {
          manifest = await importState(CID.parse(cid))
          break
        } catch (err) {
          lastErr = err
        }
      }
      if (manifest == null) throw lastErr
      if (['completed', 'failed', 'aborted'].includes(String(manifest?.exec?.status))) return
      await engine.resumeExecution(executionId)
      hold(executionId)
    }, 'taking over')
  }

  engine.events.addEventListener('execution:started', onProgress)
  engine.events.addEventListener('checkpoint:created', onProgress)
  for (const type of TERMINAL) engine.events.addEventListener(type, onEnd)
  leases.addEventListener('lease:updated', onUpdated)
  leases.addEventListener('lease:takeover', onTakeover)

  return Object.assign(target, {
    handover: given,
    async settled (executionId?: string) {
      if (executionId != null) { await queues.get(executionId); return }
      await Promise.all([...queues.values()])
    },
    async stop () {
      stopped = true
      controller.abort()
      given.stop()
      engine.events.removeEventListener('execution:started', onProgress)
      engine.events.removeEventListener('checkpoint:created', onProgress)
      for (const type of TERMINAL) engine.events.removeEventListener(type, onEnd)
      leases.removeEventListener('lease:updated', onUpdated)
      leases.removeEventListener('lease:takeover', onTakeover)
      for (const p of prefetching.values()) p.ctl.abort()
      await Promise.all([...queues.values(), ...[...prefetching.values()].map(p => p.run)])
    }
  })
}

function concat (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.length }
  return out
}
