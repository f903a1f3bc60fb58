/**
 * Steps of one flow run on three different real libp2p nodes; the log records each assignment
 * (nodeAssignments, step events' nodeId) and the request/result signatures.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { flow, run, task } from '../../fixtures/engine.js'
import { startCluster } from './cluster.js'
import type { Cluster } from './cluster.js'

const whoami = (label: string): ActionDefinition => ({
  name: 'test.whoami',
  stepTypes: ['task'],
  run: (params, ctx) => { ctx.log(`ran on ${label}`); return { label, value: params.value } }
})

let cluster: Cluster | undefined
afterEach(async () => { await cluster?.stop(); cluster = undefined })

describe('remote dispatch over /qflow/dispatch/1.0.0', () => {
  it('runs the steps of one flow on three different nodes and logs assignments and signatures', async () => {
    cluster = await startCluster({
      executors: ['a', 'b', 'c'].map(label => ({ capabilities: [`cap-${label}`], actions: [whoami(label)] }))
    })
    const byLabel = new Map(['a', 'b', 'c'].map((l, i) => [l, cluster!.executors[i].peerId]))
    const f = flow(['a', 'b', 'c'].map(l => task(`s-${l}`, 'test.whoami', { value: l }, { requirements: { capabilities: [`cap-${l}`] } })))
    const state = await run(cluster.engine, f)
    expect(state.status).toBe('completed')
    for (const l of ['a', 'b', 'c']) {
      expect(state.nodeAssignments[`s-${l}`]).toBe(byLabel.get(l))
    }
    expect(new Set(Object.values(state.nodeAssignments)).size).toBe(3)
    const events = await cluster.store.readEvents(state.executionId)
    const completed = events.filter(e => e.type === 'step.completed')
    expect(completed).toHaveLength(3)
    for (const e of completed) {
      if (e.type !== 'step.completed') continue
      const label = e.stepId.slice(2)
      expect(e.nodeId).toBe(byLabel.get(label))
      expect(e.output).toEqual({ label, value: label })
      expect(e.logs?.[0]).toMatch(new RegExp(`ran on node ${byLabel.get(label)!} \\(did:key:z6Mk\\w+\\); request signature [\\w-]{86}; result signature [\\w-]{86}`))
      expect(e.logs).toContain(`ran on ${label}`)
    }
  })

  it('answers a repeated request (same idempotency key) without running the step again', async () => {
    let runs = 0
    const counter: ActionDefinition = { name: 'test.count', stepTypes: ['task'], run: () => ({ run: ++runs }) }
    cluster = await startCluster({ executors: [{ actions: [counter] }] })
    const { dispatchSessions, sendStep } = await import('../../../src/network/index.js')
    const { createIdentity, signatureVerifier } = await import('../../../src/trust/index.js')
    const { systemClock } = await import('../../../src/interface/clock.js')
    const c = { sessions: dispatchSessions({ libp2p: cluster.coordinator.libp2p }), identity: await createIdentity(), verifier: await signatureVerifier(), clock: systemClock() }
    const node = (await cluster.coordinator.selector.getAvailableNodes('alpha'))[0]
    const payload = { executionId: 'e1', flowId: 'f1', stepId: 's1', attempt: 1, idempotencyKey: 'e1:s1:1', replica: 1, daoSubnet: 'alpha', step: task('s1', 'test.count'), params: {}, deadlineMs: 5000 }
    const first = await sendStep(c, node, payload, { signal: AbortSignal.timeout(10_000), silenceMs: 2000 })
    const again = await sendStep(c, node, payload, { signal: AbortSignal.timeout(10_000), silenceMs: 2000 })
    const next = await sendStep(c, node, { ...payload, attempt: 2, idempotencyKey: 'e1:s1:2' }, { signal: AbortSignal.timeout(10_000), silenceMs: 2000 })
    expect(runs).toBe(2)
    expect(first.result.output).toEqual({ run: 1 })
    expect(again.result.output).toEqual({ run: 1 })
    expect(again.request.signature).not.toBe(first.request.signature)
    expect(again.result.request).toBe(again.request.signature)
    expect(next.result.output).toEqual({ run: 2 })
    c.sessions.close()
  })

  it('runs a step on the coordinator itself when it is the best node (no network round trip)', async () => {
    const { builtinRegistry, localDispatcher } = await import('../../../src/actions/index.js')
    const self = builtinRegistry([whoami('self')])
    cluster = await startCluster({
      executors: [{ actions: [whoami('remote')] }],
      coordinator: { capabilities: ['cap-self'], dispatcher: localDispatcher(self) }
    })
    const state = await run(cluster.engine, flow([
      task('here', 'test.whoami', { value: 1 }, { requirements: { capabilities: ['cap-self'] } }),
      task('there', 'test.whoami', { value: 2 }, { requirements: { capabilities: [] } })
    ]))
    expect(state.status).toBe('completed')
    expect(state.nodeAssignments.here).toBe(cluster.coordinator.peerId)
    const events = await cluster.store.readEvents(state.executionId)
    const here = events.find(e => e.type === 'step.completed' && e.stepId === 'here')
    expect(here).toMatchObject({ output: { label: 'self', value: 1 }, nodeId: cluster.coordinator.peerId })
    expect(here?.type === 'step.completed' ? here.logs?.[0] : '').toBe(`dispatch here replica 1: ran on this node ${cluster.coordinator.peerId}`)
  })
})
