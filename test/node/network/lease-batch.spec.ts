/**
 * Batched leases on real libp2p nodes: a holder of many executions renews them in a few signed
 * messages (≤ 500 leases each), its peers still see every lease's expiry advance, and when it
 * dies each lapsed execution is taken over by exactly one node (released ones by none). Messages
 * on the lease topic that are not valid batches are refused, counted, and change nothing.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { afterEach, describe, expect, it } from 'vitest'
import type { Lease, LeaseBatch } from '../../../src/network/index.js'
import { encodeLeaseBatch, leasesTopic, rendezvousWinner, signLeaseBatch } from '../../../src/network/index.js'
import { createIdentity } from '../../../src/trust/index.js'
import { nodeEd25519 } from '../../../node/platform/ed25519-node.js'
import { deferred } from '../../fixtures/engine.js'
import { CHECKPOINT_CID, startCluster } from './cluster.js'
import type { Cluster } from './cluster.js'
import type { NetworkNode } from '../../../node/platform/network-node.js'

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop(); cluster = undefined })

const N = 1200

/** Resolves once `done()` holds, checked after every lease this node accepts. */
function whenLeases (node: NetworkNode, onLease: (l: Lease) => void, done: () => boolean): Promise<void> {
  const d = deferred()
  const listener = (evt: Event): void => {
    onLease((evt as CustomEvent<Lease>).detail)
    if (done()) { node.leases.removeEventListener('lease:updated', listener); d.resolve() }
  }
  node.leases.addEventListener('lease:updated', listener)
  return d.promise
}

describe('batched coordinator leases', () => {
  it('renews many leases in few messages; each lapsed one is taken over exactly once', async () => {
    cluster = await startCluster({ executors: [{ leaseMs: 1000 }, { leaseMs: 1000 }], coordinator: { leaseMs: 1000 } })
    const { coordinator, executors } = cluster
    const ids = Array.from({ length: N }, (_, i) => `exec-${i}`)
    const topic = leasesTopic('alpha')
    // every message the first executor receives on the lease topic, with the leases it carries
    const messages: Array<{ from: string, leases: number }> = []
    executors[0].libp2p.services.pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic !== topic || evt.detail.type !== 'signed') return
      messages.push({ from: evt.detail.from.toString(), leases: (dagCbor.decode(evt.detail.data) as LeaseBatch).leases.length })
    })
    // each executor sees every lease, then sees each one's expiry move past the first it saw
    const first = executors.map(() => new Map<string, number>())
    const renewed = executors.map(() => new Set<string>())
    const seenRenewed = executors.map(async (e, i) => await whenLeases(e, (l) => {
      if (l.holder !== coordinator.peerId) return
      const was = first[i].get(l.executionId)
      if (was == null) first[i].set(l.executionId, l.expiresAt)
      else if (l.expiresAt > was) renewed[i].add(l.executionId)
    }, () => renewed[i].size === N))
    const takeovers: Array<{ node: string, executionId: string, checkpoint?: string }> = []
    const allTakenOver = deferred()
    for (const e of executors) {
      e.leases.addEventListener('lease:takeover', (evt) => {
        const { executionId, checkpoint } = (evt as CustomEvent<{ executionId: string, checkpoint?: string }>).detail
        takeovers.push({ node: e.peerId, executionId, ...(checkpoint != null ? { checkpoint } : {}) })
        if (takeovers.length === N / 2) allTakenOver.resolve()
      })
    }

    await Promise.all(ids.map(async id => await coordinator.leases.hold(id, CHECKPOINT_CID)))
    await Promise.all(seenRenewed)
    const fromHolder = messages.filter(m => m.from === coordinator.peerId)
    const carried = fromHolder.reduce((n, m) => n + m.leases, 0)
    expect(carried).toBeGreaterThanOrEqual(2 * N) // the holds and at least one renewal of each
    for (const m of fromHolder) expect(m.leases).toBeLessThanOrEqual(500)
    // one message per lease was the unbatched wire: here 1,200 leases go in 3 messages a round
    expect(fromHolder.length * 100).toBeLessThanOrEqual(carried)
    expect(coordinator.leases.stats()).toMatchObject({ rejected: 0 })
    expect(executors[0].leases.stats().receivedLeases).toBeGreaterThanOrEqual(2 * N)

    // half the executions end; the holder dies holding the other half
    const ended = ids.filter((_, i) => i % 2 === 1)
    const held = ids.filter((_, i) => i % 2 === 0)
    const seenReleased = executors.map(async (e) => {
      const released = new Set<string>()
      await whenLeases(e, (l) => { if (l.released === true) released.add(l.executionId) }, () => released.size === ended.length)
    })
    await Promise.all(ended.map(async id => await coordinator.leases.release(id)))
    await Promise.all(seenReleased)
    await coordinator.stop()
    await allTakenOver.promise
    // every node learns each successor's lease (so no second takeover can be pending)
    const winners = new Map(held.map(id => [id, rendezvousWinner(executors.map(e => e.peerId), id)!]))
    await Promise.all(executors.map(async (e) => {
      const others = held.filter(id => winners.get(id) !== e.peerId)
      const known = (): boolean => others.every(id => e.leases.get(id)?.holder === winners.get(id))
      if (!known()) await whenLeases(e, () => {}, known)
    }))
    expect(takeovers.map(t => t.executionId).sort()).toEqual([...held].sort())
    for (const t of takeovers) expect(t).toEqual({ node: winners.get(t.executionId), executionId: t.executionId, checkpoint: CHECKPOINT_CID })
    for (const e of executors) {
      for (const id of held) expect(e.leases.get(id)).toMatchObject({ holder: winners.get(id), seq: 1, checkpoint: CHECKPOINT_CID })
      for (const id of ended) expect(e.leases.get(id)).toMatchObject({ holder: coordinator.peerId, released: true })
    }
    // the successors announced their takeovers batched too
    const fromSuccessor = messages.filter(m => m.from === executors[1].peerId)
    expect(fromSuccessor.length * 100).toBeLessThanOrEqual(fromSuccessor.reduce((n, m) => n + m.leases, 0))
  })

  it('refuses what is not a valid lease batch: counted, nothing applied', async () => {
    cluster = await startCluster({ executors: [{ leaseMs: 600 }], coordinator: { leaseMs: 600 } })
    const { coordinator, executors: [peer] } = cluster
    const reasons: Array<{ from: string, reason: string }> = []
    const three = deferred()
    coordinator.leases.addEventListener('lease:rejected', (evt) => {
      reasons.push((evt as CustomEvent<{ from: string, reason: string }>).detail)
      if (reasons.length === 3) three.resolve()
    })
    const publish = async (data: Uint8Array): Promise<void> => { await peer.libp2p.services.pubsub.publish(leasesTopic('alpha'), data) }
    await publish(new Uint8Array([0xff, 0x01]))
    // the first wire's single lease, and a batch that speaks for another node
    await publish(dagCbor.encode({ v: 1, executionId: 'x', subnet: 'alpha', holder: peer.peerId, identity: 'did:key:z', seq: 0, expiresAt: 1, signature: 'x' }))
    const other = await createIdentity({ backend: nodeEd25519 })
    await publish(encodeLeaseBatch(await signLeaseBatch(other, 'alpha', [{ executionId: 'x', seq: 5, expiresAt: 1 }])))
    await three.promise
    expect(reasons.map(r => r.from)).toEqual([peer.peerId, peer.peerId, peer.peerId])
    expect(reasons[0].reason).toMatch(/^leaseBatch: not dag-cbor/)
    expect(reasons[1].reason).toBe('leaseBatch.v: must be 2 (got 1)')
    expect(reasons[2].reason).toBe('leaseBatch.holder: is not the gossip publisher')
    expect(coordinator.leases.get('x')).toBeUndefined()
    expect(coordinator.leases.stats()).toMatchObject({ rejected: 3, received: 0 })
  })
})
