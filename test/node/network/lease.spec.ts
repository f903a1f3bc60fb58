/**
 * Coordinator leases: when the coordinator of an execution dies, its lease lapses and exactly
 * one live node of the subnet, the rendezvous-hashing winner, takes the execution over with the
 * last checkpoint CID; a released lease is never taken over.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { rendezvousWinner } from '../../../src/network/index.js'
import { deferred } from '../../fixtures/engine.js'
import { CHECKPOINT_CID, leaseSeen, startCluster } from './cluster.js'
import type { Cluster } from './cluster.js'

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop(); cluster = undefined })



describe('coordinator leases', () => {
  it('hands a dead coordinator\'s execution to exactly one successor, with its checkpoint', async () => {
    cluster = await startCluster({ executors: [{ leaseMs: 600 }, { leaseMs: 600 }, { leaseMs: 600 }], coordinator: { leaseMs: 600 } })
    const { coordinator, executors } = cluster
    const takeovers: Array<{ node: string, executionId: string, checkpoint?: string, previous: string }> = []
    const firstTakeover = deferred()
    for (const e of executors) {
      e.leases.addEventListener('lease:takeover', (evt) => {
        takeovers.push({ node: e.peerId, ...(evt as CustomEvent<{ executionId: string, checkpoint?: string, previous: string }>).detail })
        firstTakeover.resolve()
      })
    }
    await coordinator.leases.hold('exec-1', CHECKPOINT_CID)
    await coordinator.leases.hold('exec-done')
    await Promise.all(executors.map(async e => await leaseSeen(e, 'exec-1', l => l.holder === coordinator.peerId)))
    await coordinator.leases.release('exec-done')
    await Promise.all(executors.map(async e => await leaseSeen(e, 'exec-done', l => l.released === true)))

    await coordinator.stop()
    await firstTakeover.promise
    const winner = rendezvousWinner(executors.map(e => e.peerId), 'exec-1')
    // every other node learns the successor's lease
    await Promise.all(executors.filter(e => e.peerId !== winner).map(async e => await leaseSeen(e, 'exec-1', l => l.holder === winner)))
    expect(takeovers).toEqual([{ node: winner, executionId: 'exec-1', checkpoint: CHECKPOINT_CID, previous: coordinator.peerId }])
    for (const e of executors) expect(e.leases.get('exec-1')).toMatchObject({ holder: winner, seq: 1, checkpoint: CHECKPOINT_CID })
    expect(await executors[0].leases.successor('exec-1', [coordinator.peerId])).toBe(winner)
  })
})
