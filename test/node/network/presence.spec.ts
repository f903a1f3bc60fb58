/**
 * Presence on `qflow/<subnet>/nodes`: peers find each other through the bootstrap node and the
 * topic, silent nodes are forgotten, and announcements that are forged or published by another
 * peer are rejected.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { nodesTopic } from '../../../shared/network.js'
import { encodeAnnouncement, signAnnouncement } from '../../../src/network/index.js'
import { createIdentity } from '../../../src/trust/index.js'
import { deferred } from '../../fixtures/engine.js'
import { startCluster } from './cluster.js'
import type { Cluster } from './cluster.js'

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop(); cluster = undefined })

const fields = (subnet = 'alpha') => ({ addresses: [], capabilities: ['wasm'], performanceScore: 1, currentLoad: 0, daoSubnets: [subnet], timestamp: Date.now(), intervalMs: 500 })

describe('presence', () => {
  it('executors that only dialled the bootstrap node find each other on the subnet topic', async () => {
    cluster = await startCluster({ executors: [{ capabilities: ['x'] }, { region: 'eu' }, {}] })
    const ids = cluster.executors.map(e => e.peerId).sort()
    for (const e of cluster.executors) {
      await e.presence.waitForNodes('alpha', 3, { signal: AbortSignal.timeout(10_000) })
      expect((await e.selector.getAvailableNodes('alpha')).map(n => n.nodeId).sort()).toEqual(ids)
    }
    // the coordinator does not execute: it listens but never announces itself
    expect((await cluster.coordinator.selector.getAvailableNodes('alpha')).map(n => n.nodeId).sort()).toEqual(ids)
    const seen = cluster.coordinator.selector.get(cluster.executors[0].peerId)
    expect(seen).toMatchObject({ capabilities: ['x'], daoSubnets: ['alpha'], reputation: 0.8 })
    expect(seen?.address).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\/12D3KooW/)
    expect(cluster.coordinator.selector.get(cluster.executors[1].peerId)?.region).toBe('eu')
  })

  it('forgets a node that stops announcing', async () => {
    cluster = await startCluster({ executors: [{}, {}] })
    const victim = cluster.executors[1]
    const left = deferred<string>()
    cluster.coordinator.presence.addEventListener('node:left', (evt) => { left.resolve((evt as CustomEvent<{ nodeId: string }>).detail.nodeId) })
    await victim.stop()
    expect(await left.promise).toBe(victim.peerId)
    expect(cluster.coordinator.selector.get(victim.peerId)).toBeUndefined()
    expect(cluster.coordinator.selector.get(cluster.executors[0].peerId)).toBeDefined()
  })

  it('rejects announcements that are forged or speak for another node', async () => {
    cluster = await startCluster({ executors: [{}] })
    const rejected: string[] = []
    const two = deferred()
    cluster.coordinator.presence.addEventListener('announcement:rejected', (evt) => {
      rejected.push((evt as CustomEvent<{ reason: string }>).detail.reason)
      if (rejected.length === 2) two.resolve()
    })
    const pubsub = cluster.executors[0].libp2p.services.pubsub
    // signed by a key that is not the publishing peer's
    const stranger = await signAnnouncement(await createIdentity(), fields())
    await pubsub.publish(nodesTopic('alpha'), encodeAnnouncement(stranger))
    // altered after signing
    const mine = await signAnnouncement(await createIdentity(), fields())
    await pubsub.publish(nodesTopic('alpha'), encodeAnnouncement({ ...mine, capabilities: ['gpu'] }))
    await two.promise
    expect(rejected.sort()).toEqual([
      'announcement.signature: does not verify',
      'announcement: not published by the node it describes'
    ])
    expect(cluster.coordinator.selector.get(stranger.nodeId)).toBeUndefined()
    expect(cluster.coordinator.selector.get(mine.nodeId)).toBeUndefined()
  })
})
