/**
 * Takeover of a node-signed execution of a DAO subnet's flow, with no `trust.authorities`
 * configured anywhere: the successor validates the remaining steps with the admitting member as
 * voucher (peer authority), and so does any member it dispatches them to.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { nextEvent, startRuntimes, SUBNET, waitingFlow } from './takeover-cluster.js'

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => { for (const f of cleanup.splice(0).reverse()) await f().catch(() => {}) })

/** The waiting flow of the takeover tests, in the DAO subnet. */
const daoFlow = { ...waitingFlow, id: 'dao-waits', metadata: { ...waitingFlow.metadata, visibility: 'private' as const, daoSubnet: SUBNET } }

describe('peer authority on a successor', () => {
  it('a successor completes a node-signed execution of a DAO flow its admitting member started, with no authorities configured', async () => {
    const [a, b, c] = await startRuntimes(3, cleanup)
    await a.runtime.engine.registerFlow(daoFlow)
    const waitingAt = nextEvent<{ executionId: string }>(a.runtime.engine.events, 'step:waiting')
    const executionId = await a.runtime.start('dao-waits', {})
    await waitingAt
    await a.runtime.network!.takeover!.settled(executionId)
    const lease = a.runtime.network!.leases.get(executionId)!
    const successor = await b.runtime.network!.leases.successor(executionId, [a.peerId]) === b.peerId ? b : c
    const seen: string[] = []
    successor.runtime.network!.takeover!.addEventListener('state:prefetched', (e) => { seen.push((e as CustomEvent).detail.checkpoint) })
    if (!seen.includes(lease.checkpoint!)) await nextEvent(successor.runtime.network!.takeover!, 'state:prefetched', (d: any) => d.checkpoint === lease.checkpoint)
    const tookOver = nextEvent(successor.runtime.network!.leases, 'lease:takeover', (d: any) => d.executionId === executionId)

    await a.runtime.close()
    await tookOver
    await successor.runtime.network!.takeover!.settled(executionId)
    const done = successor.runtime.engine.waitForExecution(executionId, { signal: AbortSignal.timeout(15_000) })
    expect(await successor.runtime.engine.deliverEvent('go', { ok: true }, { executionId })).toBe(1)
    const state = await done
    expect(state).toMatchObject({ status: 'completed', output: { first: 1, got: { ok: true } } })
    // the admission is a's own start; the successor validated 'last' against it
    const operation = state.context.variables['qflow:admission'] as { operationId: string, actor: string }
    expect(operation.actor).toBe(a.runtime.identity.id)
    expect(state.context.variables['qflow:admitted-by']).toBe(a.runtime.identity.id)
    const checks = await successor.runtime.pipeline.getValidationHistory(operation.operationId)
    expect(checks.filter(h => h.check === 'step:last').map(h => h.valid)).toContain(true)
    expect(checks.every(h => h.valid)).toBe(true)
  })
})
