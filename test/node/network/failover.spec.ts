/**
 * Kill an executor mid-step: the step is reassigned to the next-best node, completes there once,
 * and the log keeps the attempt history. The killed node's run is aborted, never completed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { deferred, flow, start, task } from '../../fixtures/engine.js'
import { startCluster } from './cluster.js'
import type { Cluster } from './cluster.js'

interface Call { label: string, key: string, aborted: boolean, completed: boolean }

/** The first call anywhere blocks until aborted; later calls complete at once. */
function stickyFirst (calls: Call[], firstStarted: ReturnType<typeof deferred<string>>) {
  return (label: string): ActionDefinition => ({
    name: 'test.sticky',
    stepTypes: ['task'],
    async run (params, ctx) {
      const call: Call = { label, key: ctx.idempotencyKey, aborted: false, completed: false }
      calls.push(call)
      if (calls.length === 1) {
        firstStarted.resolve(label)
        await new Promise((resolve, reject) => {
          ctx.signal.addEventListener('abort', () => { call.aborted = true; reject(ctx.signal.reason) }, { once: true })
        })
      }
      call.completed = true
      return { label, n: params.n }
    }
  })
}

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop(); cluster = undefined })

describe('failover', () => {
  it('completes a step elsewhere when its executor dies mid-step, exactly once', async () => {
    const calls: Call[] = []
    const firstStarted = deferred<string>()
    const action = stickyFirst(calls, firstStarted)
    const labels = ['a', 'b', 'c']
    cluster = await startCluster({ executors: labels.map(l => ({ actions: [action(l)] })) })
    const { engine, store, executors } = cluster
    const id = await start(engine, flow([task('only', 'test.sticky', { n: 1 })]))
    const victimLabel = await firstStarted.promise
    const victim = executors[labels.indexOf(victimLabel)]
    await victim.stop()
    const state = await engine.waitForExecution(id)

    expect(state.status).toBe('completed')
    expect(state.nodeAssignments.only).not.toBe(victim.peerId)
    expect(executors.map(e => e.peerId)).toContain(state.nodeAssignments.only)
    const events = await store.readEvents(id)
    const completed = events.filter(e => e.type === 'step.completed')
    expect(completed).toHaveLength(1)
    expect(events.filter(e => e.type === 'step.failed')).toHaveLength(0)
    const logs = completed[0].type === 'step.completed' ? completed[0].logs ?? [] : []
    expect(logs[0]).toMatch(new RegExp(`try 1: node ${victim.peerId} failed \\(ExecutorLostError: .*\\); reassigning`))
    expect(logs[1]).toMatch(new RegExp(`ran on node ${state.nodeAssignments.only}`))
    // the victim's run was aborted and never completed; exactly one run completed, with the same idempotency key
    expect(calls.filter(c => c.completed)).toHaveLength(1)
    expect(calls[0]).toMatchObject({ label: victimLabel, completed: false, aborted: true })
    expect(new Set(calls.map(c => c.key)).size).toBe(1)
    // the dead node lost reputation
    expect(cluster.coordinator.selector.get(victim.peerId)?.reputation ?? 0).toBeLessThan(0.8)
  })

  it('fails the attempt with the history when every node it tries is lost', async () => {
    const hang: ActionDefinition = {
      name: 'test.hang',
      stepTypes: ['task'],
      run: async (_p, ctx) => await new Promise((_resolve, reject) => { ctx.signal.addEventListener('abort', () => { reject(ctx.signal.reason) }) })
    }
    cluster = await startCluster({
      executors: [{ actions: [hang], heartbeatMs: 60_000 }, { actions: [hang], heartbeatMs: 60_000 }],
      coordinator: { remote: { silenceMs: 300, maxAttempts: 2 } }
    })
    const id = await start(cluster.engine, flow([task('h', 'test.hang', {}, { retryPolicy: { maxAttempts: 1 } })]))
    const state = await cluster.engine.waitForExecution(id)
    expect(state.status).toBe('failed')
    const failed = (await cluster.store.readEvents(id)).filter(e => e.type === 'step.failed')
    expect(failed).toHaveLength(1)
    const logs = failed[0].type === 'step.failed' ? failed[0].logs ?? [] : []
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatch(/try 1: node \w+ failed \(ExecutorLostError: node \w+ fell silent for 300 ms\); reassigning/)
    expect(logs[1]).toMatch(/try 2: node \w+ failed \(ExecutorLostError/)
  })
})
