/**
 * Lease rules for partitions (real libp2p nodes on 127.0.0.1): a node that cannot prove a majority
 * takes nothing over; a node never contests a lease another node holds; a node that joins the lease
 * topic late receives the leases others hold or released (so a node that was cut off learns them).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { NetworkNode } from '../../../node/platform/network-node.js'
import { CHECKPOINT_CID, leaseSeen, startCluster, startExecutor } from './cluster.js'
import type { Cluster } from './cluster.js'
import { nextEvent } from './takeover-cluster.js'

let cluster: Cluster | undefined
const extra: NetworkNode[] = []
afterEach(async () => {
  await Promise.allSettled(extra.splice(0).map(async n => await n.stop()))
  await cluster?.stop()
  cluster = undefined
})



describe('leases under partition rules', () => {
  it('a node without a majority takes a lapsed lease nowhere; once it has one, it takes it over', async () => {
    cluster = await startCluster({ executors: [{ leaseMs: 600 }], coordinator: { leaseMs: 600 } })
    const { coordinator, executors: [successor] } = cluster
    let majority = false
    successor.leases.requireQuorum(() => majority)
    const takeovers: string[] = []
    successor.leases.addEventListener('lease:takeover', (e) => { takeovers.push((e as CustomEvent).detail.executionId) })
    await coordinator.leases.hold('exec-q', CHECKPOINT_CID)
    await leaseSeen(successor, 'exec-q', l => l.holder === coordinator.peerId)

    const stalled = nextEvent(successor.leases, 'lease:stalled', (d: any) => d.executionId === 'exec-q')
    await coordinator.stop()
    expect(await stalled).toEqual({ executionId: 'exec-q', holder: coordinator.peerId })
    expect(takeovers).toEqual([])
    expect(successor.leases.holds('exec-q')).toBe(false)

    const tookOver = nextEvent(successor.leases, 'lease:takeover', (d: any) => d.executionId === 'exec-q')
    majority = true
    expect(await tookOver).toMatchObject({ previous: coordinator.peerId, checkpoint: CHECKPOINT_CID })
    expect(successor.leases.get('exec-q')).toMatchObject({ holder: successor.peerId, seq: 1 })
  })

  it('never contests another node\'s lease; a late joiner receives the leases held and released before it came', async () => {
    cluster = await startCluster({ executors: [{ leaseMs: 600 }], coordinator: { leaseMs: 600 } })
    const { coordinator, executors: [other] } = cluster
    await coordinator.leases.hold('exec-held', CHECKPOINT_CID)
    await leaseSeen(other, 'exec-held', l => l.holder === coordinator.peerId)
    const lost = nextEvent(other.leases, 'lease:lost', (d: any) => d.executionId === 'exec-held')
    await other.leases.hold('exec-held')
    expect(await lost).toEqual({ executionId: 'exec-held', holder: coordinator.peerId })
    expect(other.leases.holds('exec-held')).toBe(false)
    expect(other.leases.get('exec-held')).toMatchObject({ holder: coordinator.peerId, seq: 0 })

    await coordinator.leases.hold('exec-done')
    await coordinator.leases.release('exec-done', CHECKPOINT_CID)
    const late = await startExecutor({ leaseMs: 600 }, coordinator.addresses())
    extra.push(late)
    expect(await leaseSeen(late, 'exec-done', l => l.released === true)).toMatchObject({ holder: coordinator.peerId, checkpoint: CHECKPOINT_CID, seq: 1 })
    expect(await leaseSeen(late, 'exec-held', l => l.holder === coordinator.peerId)).toMatchObject({ checkpoint: CHECKPOINT_CID })
  })
})
