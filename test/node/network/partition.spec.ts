/**
 * Partition safety in a two-node subnet (runtimes on data directories, real libp2p on 127.0.0.1):
 * neither side proves a majority of two while cut off, so the coordinator runs no step and the
 * other node takes nothing over; after heal the execution completes exactly once, and the old
 * coordinator's store holds the result the holder reached.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { flow, task } from '../../fixtures/engine.js'
import { nextEvent, openRuntime, startRuntimes, waitingFlow } from './takeover-cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

describe('partition and heal in a two-node subnet', () => {
  it('while cut off neither side runs or takes the execution over; after heal it completes once and both stores agree', async () => {
    const [a, b] = await startRuntimes(2, cleanup)
    const aNet = a.runtime.network!
    const bNet = b.runtime.network!
    await a.runtime.engine.registerFlow(waitingFlow)
    const prefetched: string[] = []
    bNet.takeover!.addEventListener('state:prefetched', (e) => { prefetched.push((e as CustomEvent).detail.checkpoint) })
    const takeovers: string[] = []
    bNet.leases.addEventListener('lease:takeover', (e) => { takeovers.push((e as CustomEvent).detail.executionId) })
    const completions: string[] = []
    for (const n of [a, b]) n.runtime.engine.events.addEventListener('execution:completed', (e) => { completions.push(`${n.peerId}:${(e as CustomEvent).detail.executionId as string}`) })

    const waitingAt = nextEvent(a.runtime.engine.events, 'step:waiting')
    const executionId = await a.runtime.start('waits-for-go', {})
    await waitingAt
    await aNet.takeover!.settled(executionId)
    const checkpoint = aNet.leases.get(executionId)!.checkpoint!
    // b, the only other node, is the successor-in-waiting: it holds the state before the cut
    if (!prefetched.includes(checkpoint)) await nextEvent(bNet.takeover!, 'state:prefetched', (d: any) => d.checkpoint === checkpoint)

    // partition: a's libp2p goes away; a keeps running and takes the event, but its next step is fenced
    const stalled = nextEvent(bNet.leases, 'lease:stalled', (d: any) => d.executionId === executionId)
    const gaveUp = nextEvent(aNet.fence!, 'execution:abandoned', (d: any) => d.executionId === executionId)
    const released = nextEvent(aNet.takeover!.handover, 'execution:released', (d: any) => d.executionId === executionId)
    const forgot = nextEvent(bNet.presence, 'node:left', (d: any) => d.nodeId === a.peerId)
    await aNet.libp2p.stop()
    expect(await a.runtime.engine.deliverEvent('go', { side: 'a' }, { executionId })).toBe(1)
    // b saw the lease lapse without a majority of two: it takes nothing over
    expect(await stalled).toMatchObject({ holder: a.peerId })
    expect(bNet.fence!.quorum.view()).toEqual({ members: 2, reachable: 1 })
    // a, without a majority either, gives the execution up and lets go of it without recording anything
    expect(await gaveUp).toMatchObject({ reason: 'no-majority' })
    await released
    expect(aNet.fence!.quorum.view()).toEqual({ members: 2, reachable: 1 })
    // presence forgets a (its TTL), the quorum does not: b still counts two members and has one
    await forgot
    expect(await bNet.fence!.quorum.refresh()).toEqual({ members: 2, reachable: 1 })
    expect(bNet.fence!.quorum.safe()).toBe(false)
    expect(takeovers).toEqual([])
    expect(completions).toEqual([])
    await expect(b.runtime.engine.getExecutionStatus(executionId)).rejects.toThrow()
    const aCut = await a.runtime.store.readEvents(executionId)
    expect(aCut.filter(e => e.type === 'step.completed' && e.stepId === 'last')).toEqual([])

    // heal: b proves a majority again and takes the execution over from the checkpoint it holds
    const tookOver = nextEvent(bNet.leases, 'lease:takeover', (d: any) => d.executionId === executionId)
    const adopted = nextEvent(aNet.takeover!.handover, 'execution:adopted', (d: any) => d.executionId === executionId)
    await aNet.libp2p.start()
    await aNet.libp2p.dial(multiaddr(bNet.addresses()[0]))
    expect(await tookOver).toMatchObject({ executionId, previous: a.peerId, checkpoint })
    await bNet.takeover!.settled(executionId)
    const done = b.runtime.engine.waitForExecution(executionId, { signal: AbortSignal.timeout(15_000) })
    expect(await b.runtime.engine.deliverEvent('go', { side: 'b' }, { executionId })).toBe(1)
    expect(await done).toMatchObject({ status: 'completed', output: { first: 1, got: { side: 'b' } } })

    // a adopts b's final state: one history in both stores, one completion overall
    expect(await adopted).toMatchObject({ holder: b.peerId, replaced: expect.any(String) })
    expect(completions).toEqual([`${b.peerId}:${executionId}`])
    expect(await a.runtime.engine.getExecutionStatus(executionId)).toMatchObject({ status: 'completed', output: { got: { side: 'b' } } })
    const bLog = await b.runtime.store.readEvents(executionId)
    expect(bLog.map(e => `${e.type}:${(e as { stepId?: string }).stepId ?? ''}`)).toEqual([
      'execution.started:', 'step.completed:first', 'checkpoint.created:', 'event.waiting:wait', 'event.received:wait', 'step.completed:last'
    ])
    expect(await a.runtime.store.readEvents(executionId)).toEqual(bLog)
    expect((await a.runtime.store.listExecutions({ active: true })).map(s => s.executionId)).not.toContain(executionId)
    // a runs new work again
    await a.runtime.engine.registerFlow(flow([task('one', 'qflow.action.transform', { output: { after: 'heal' } })], { id: 'after-heal' }))
    const fresh = await a.runtime.start('after-heal', {})
    expect(await a.runtime.engine.waitForExecution(fresh, { signal: AbortSignal.timeout(15_000) })).toMatchObject({ status: 'completed', output: { after: 'heal' } })
  })

  it('a coordinator that restarts recovers its execution; the other node takes it over once both are back, and the restarted copy yields', async () => {
    const [a, b] = await startRuntimes(2, cleanup)
    const bNet = b.runtime.network!
    await a.runtime.engine.registerFlow(waitingFlow)
    const prefetched: string[] = []
    bNet.takeover!.addEventListener('state:prefetched', (e) => { prefetched.push((e as CustomEvent).detail.checkpoint) })
    const waitingAt = nextEvent(a.runtime.engine.events, 'step:waiting')
    const executionId = await a.runtime.start('waits-for-go', {})
    await waitingAt
    await a.runtime.network!.takeover!.settled(executionId)
    const checkpoint = a.runtime.network!.leases.get(executionId)!.checkpoint!
    if (!prefetched.includes(checkpoint)) await nextEvent(bNet.takeover!, 'state:prefetched', (d: any) => d.checkpoint === checkpoint)

    // a stops without releasing; alone, b holds no majority of two and takes nothing over
    const stalled = nextEvent(bNet.leases, 'lease:stalled', (d: any) => d.executionId === executionId)
    await a.runtime.close()
    await stalled

    // a restarts on its data directory and recovers the execution (it waits for its event again)
    const a2 = await openRuntime(a.dataDir, [])
    cleanup.push(async () => { await a2.close() })
    expect((await a2.engine.getExecutionStatus(executionId)).status).toBe('running')
    const yielded = nextEvent(a2.network!.takeover!.handover, 'execution:released', (d: any) => d.executionId === executionId)
    const adopted = nextEvent(a2.network!.takeover!.handover, 'execution:adopted', (d: any) => d.executionId === executionId)
    const tookOver = nextEvent(bNet.leases, 'lease:takeover', (d: any) => d.executionId === executionId)
    await a2.network!.libp2p.dial(multiaddr(bNet.addresses()[0]))
    // both back: b proves a majority and takes over; a learns b's lease and lets its copy go
    expect(await tookOver).toMatchObject({ previous: a.peerId, checkpoint })
    await yielded
    expect(await a2.engine.deliverEvent('go', { side: 'a' }, { executionId })).toBe(0)
    await bNet.takeover!.settled(executionId)
    const done = b.runtime.engine.waitForExecution(executionId, { signal: AbortSignal.timeout(15_000) })
    expect(await b.runtime.engine.deliverEvent('go', { side: 'b' }, { executionId })).toBe(1)
    expect(await done).toMatchObject({ status: 'completed', output: { got: { side: 'b' } } })
    expect(await adopted).toMatchObject({ holder: b.peerId })
    expect(await a2.store.readEvents(executionId)).toEqual(await b.runtime.store.readEvents(executionId))
    expect(await a2.engine.getExecutionStatus(executionId)).toMatchObject({ status: 'completed', output: { got: { side: 'b' } } })
  })
})
