/**
 * Coordinator takeover between networked runtimes: the coordinator holds a lease per running
 * execution with its state's CID; when it dies, the rendezvous successor fetches the blocks over
 * bitswap, opens them with the subnet key it received sealed to its identity, and completes the
 * execution from the last checkpoint.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { flow, task } from '../../fixtures/engine.js'
import { nextEvent, startRuntimes, SUBNET, waitingFlow } from './takeover-cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

describe('coordinator takeover (runtimes on data directories)', () => {
  it('a successor completes the execution of a coordinator that died mid-execution', async () => {
    const [a, b, c] = await startRuntimes(3, cleanup)
    await a.runtime.engine.registerFlow(waitingFlow)
    const waitingAt = nextEvent<{ executionId: string }>(a.runtime.engine.events, 'step:waiting')
    // whichever of b and c is the successor prefetches the state of the lease it saw last
    const prefetched = [b, c].map(n => ({ n, seen: [] as string[] }))
    for (const p of prefetched) p.n.runtime.network!.takeover!.addEventListener('state:prefetched', (e) => { p.seen.push((e as CustomEvent).detail.checkpoint) })
    const executionId = await a.runtime.start('waits-for-go', {})
    await waitingAt
    await a.runtime.network!.takeover!.settled(executionId)
    const lease = a.runtime.network!.leases.get(executionId)!
    expect(lease).toMatchObject({ holder: a.peerId, subnet: SUBNET })
    expect(lease.checkpoint).toMatch(/^bafy/)

    const successorId = await b.runtime.network!.leases.successor(executionId, [a.peerId])
    const successor = successorId === b.peerId ? b : c
    const other = successor === b ? c : b
    const mine = prefetched.find(p => p.n === successor)!
    if (!mine.seen.includes(lease.checkpoint!)) await nextEvent(successor.runtime.network!.takeover!, 'state:prefetched', (d: any) => d.checkpoint === lease.checkpoint)
    expect(prefetched.find(p => p.n === other)!.seen).toEqual([])
    const tookOver = nextEvent(successor.runtime.network!.leases, 'lease:takeover', (d: any) => d.executionId === executionId)
    const gaveUp = nextEvent(a.runtime.network!.fence!, 'execution:abandoned', (d: any) => d.executionId === executionId)

    await a.runtime.close() // the coordinator stops: no release, its lease lapses
    expect(await tookOver).toMatchObject({ executionId, previous: a.peerId, checkpoint: lease.checkpoint })
    await successor.runtime.network!.takeover!.settled(executionId)
    expect(await successor.runtime.engine.getExecutionStatus(executionId)).toMatchObject({ status: 'running', completedSteps: ['first'] })
    const done = successor.runtime.engine.waitForExecution(executionId, { signal: AbortSignal.timeout(15_000) })
    expect(await successor.runtime.engine.deliverEvent('go', { ok: true }, { executionId })).toBe(1)
    expect(await done).toMatchObject({ status: 'completed', output: { first: 1, got: { ok: true } } })

    const log = await successor.runtime.store.readEvents(executionId)
    // one history: what the coordinator wrote, then what the successor did (nothing ran twice)
    expect(log.map(e => `${e.type}:${(e as { stepId?: string }).stepId ?? ''}`)).toEqual([
      'execution.started:', 'step.completed:first', 'checkpoint.created:', 'event.waiting:wait', 'event.received:wait', 'step.completed:last'
    ])
    // the other node never ran it
    await expect(other.runtime.engine.getExecutionStatus(executionId)).rejects.toThrow()
    // state at rest on the successor is sealed with the subnet key, which it holds sealed on disk
    expect((await successor.runtime.durable!.keyring.list(SUBNET)).length).toBeGreaterThan(0)
  })
})

describe('partition and heal (runtimes on data directories)', () => {
  it('a coordinator cut off from its subnet gives the execution up; the majority completes it once; after heal its store holds that result', async () => {
    const [a, b, c] = await startRuntimes(3, cleanup)
    await a.runtime.engine.registerFlow(waitingFlow)
    const waitingAt = nextEvent<{ executionId: string }>(a.runtime.engine.events, 'step:waiting')
    const executionId = await a.runtime.start('waits-for-go', {})
    await waitingAt
    await a.runtime.network!.takeover!.settled(executionId)
    const checkpoint = a.runtime.network!.leases.get(executionId)!.checkpoint!
    const successor = await b.runtime.network!.leases.successor(executionId, [a.peerId]) === b.peerId ? b : c
    const seen: string[] = []
    successor.runtime.network!.takeover!.addEventListener('state:prefetched', (e) => { seen.push((e as CustomEvent).detail.checkpoint) })
    if (!seen.includes(checkpoint)) await nextEvent(successor.runtime.network!.takeover!, 'state:prefetched', (d: any) => d.checkpoint === checkpoint)

    // partition: a's libp2p goes away; a keeps running and its event arrives there
    const tookOver = nextEvent(successor.runtime.network!.leases, 'lease:takeover', (d: any) => d.executionId === executionId)
    const gaveUp = nextEvent(a.runtime.network!.fence!, 'execution:abandoned', (d: any) => d.executionId === executionId)
    await a.runtime.network!.libp2p.stop()
    expect(await a.runtime.engine.deliverEvent('go', { side: 'a' }, { executionId })).toBe(1)
    await tookOver
    await successor.runtime.network!.takeover!.settled(executionId)
    const done = successor.runtime.engine.waitForExecution(executionId, { signal: AbortSignal.timeout(15_000) })
    expect(await successor.runtime.engine.deliverEvent('go', { side: 'majority' }, { executionId })).toBe(1)
    expect(await done).toMatchObject({ status: 'completed', output: { got: { side: 'majority' } } })
    // a gave the execution up (its lease could lapse elsewhere) and never ran the step after the event
    expect(await gaveUp).toMatchObject({ reason: 'no-majority' })
    expect(a.runtime.network!.leases.holds(executionId)).toBe(false)

    // heal: a's libp2p comes back and runs new work again, but never the execution it gave up;
    // the successor re-sends its (released) lease to a, which adopts the final state it names
    const adopted = nextEvent(a.runtime.network!.takeover!.handover, 'execution:adopted', (d: any) => d.executionId === executionId)
    await a.runtime.network!.libp2p.start()
    await a.runtime.network!.libp2p.dial(multiaddr(successor.runtime.network!.addresses()[0]))
    await a.runtime.engine.registerFlow(flow([task('one', 'qflow.action.transform', { output: { after: 'heal' } })], { id: 'after-heal' }))
    const fresh = await a.runtime.start('after-heal', {})
    expect(await a.runtime.engine.waitForExecution(fresh, { signal: AbortSignal.timeout(15_000) })).toMatchObject({ status: 'completed', output: { after: 'heal' } })
    const log = await successor.runtime.store.readEvents(executionId)
    expect(log.filter(e => e.type === 'step.completed' && e.stepId === 'last')).toHaveLength(1)
    // after heal a's copy is the successor's: its diverged tail (the event it took while cut off) is replaced
    expect(await adopted).toMatchObject({ holder: successor.peerId, replaced: expect.any(String) })
    expect(await a.runtime.engine.getExecutionStatus(executionId)).toMatchObject({ status: 'completed', output: { got: { side: 'majority' } } })
    const aLog = await a.runtime.store.readEvents(executionId)
    expect(aLog).toEqual(log)
    expect(aLog.filter(e => e.type === 'step.completed' && e.stepId === 'last')).toHaveLength(1)
    expect(JSON.stringify(aLog)).not.toContain('"side":"a"')
    expect((await a.runtime.store.listExecutions({ active: true })).map(s => s.executionId)).not.toContain(executionId)
  })
})
