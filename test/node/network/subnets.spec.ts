/**
 * Subnet isolation and refusals: a node of subnet beta, connected to alpha's coordinator, never
 * receives alpha's gossip or work; a node refuses steps of subnets it does not serve and actions
 * its policy disallows, and refused steps run nowhere.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { nodesTopic } from '../../../shared/network.js'
import type { ActionDefinition } from '../../../src/interface/action.js'
import { dispatchSessions, DispatchRefusedError, leasesTopic, sendStep } from '../../../src/network/index.js'
import { createIdentity, signatureVerifier } from '../../../src/trust/index.js'
import { systemClock } from '../../../src/interface/clock.js'
import { flow, run, task } from '../../fixtures/engine.js'
import { startCluster, startExecutor } from './cluster.js'
import type { Cluster } from './cluster.js'
import type { NetworkNode } from '../../../node/platform/network-node.js'

const ran: string[] = []
const echo = (label: string, name = 'test.echo'): ActionDefinition => ({
  name,
  stepTypes: ['task'],
  run: (params) => { ran.push(label); return { label, params } }
})

let cluster: Cluster | undefined
let extra: NetworkNode[] = []
afterEach(async () => {
  await Promise.allSettled([cluster?.stop(), ...extra.map(async n => await n.stop())])
  cluster = undefined; extra = []; ran.length = 0
})

describe('DAO subnets', () => {
  it('a node of subnet beta never receives, sees or runs subnet alpha work', async () => {
    cluster = await startCluster({ executors: [{ actions: [echo('a1')] }, { actions: [echo('a2')] }] })
    const beta = await startExecutor({ subnets: ['beta'], actions: [echo('b1')] }, cluster.coordinator.addresses())
    extra.push(beta)
    const heard: string[] = []
    beta.libp2p.services.pubsub.addEventListener('message', (evt) => { heard.push(evt.detail.topic) })
    // a second beta node dials both: beta's gossip works, and beta is connected to alpha's coordinator
    const beta2 = await startExecutor({ subnets: ['beta'], actions: [echo('b2')] }, [...beta.addresses(), ...cluster.coordinator.addresses()])
    extra.push(beta2)
    await beta.presence.waitForNodes('beta', 2, { signal: AbortSignal.timeout(10_000) })
    expect(beta.libp2p.getConnections().map(c => c.remotePeer.toString())).toContain(cluster.coordinator.peerId)

    const state = await run(cluster.engine, flow([1, 2, 3, 4].map(i => task(`s${i}`, 'test.echo', { i }))))
    expect(state.status).toBe('completed')
    // a later alpha announcement round happened while beta was connected
    await cluster.coordinator.presence.announce()
    await cluster.executors[0].presence.announce()

    expect(ran.filter(l => l.startsWith('b'))).toEqual([])
    expect(heard).toContain(nodesTopic('beta'))
    expect(Object.values(state.nodeAssignments)).not.toContain(beta.peerId)
    expect(heard.filter(t => !t.startsWith('qflow/beta/'))).toEqual([])
    expect((await beta.selector.getAvailableNodes()).map(n => n.nodeId).sort()).toEqual([beta.peerId, beta2.peerId].sort())
    expect(cluster.coordinator.libp2p.services.pubsub.getSubscribers(nodesTopic('alpha')).map(String)).not.toContain(beta.peerId)
    const alphaKnown = (await cluster.coordinator.selector.getAvailableNodes()).map(n => n.nodeId)
    expect(alphaKnown).not.toContain(beta.peerId)
    expect(alphaKnown).not.toContain(beta2.peerId)
    expect(beta.libp2p.services.pubsub.getTopics().sort()).toEqual([leasesTopic('beta'), nodesTopic('beta')])
  })

  it('refuses a step of a subnet the node does not serve, even when asked directly', async () => {
    cluster = await startCluster({ executors: [{ actions: [echo('a1')] }] })
    const beta = await startExecutor({ subnets: ['beta'], actions: [echo('b1')] }, cluster.coordinator.addresses())
    extra.push(beta)
    const coordinatorIdentity = await createIdentity()
    const target = { ...(await beta.selector.getAvailableNodes('beta'))[0], address: beta.addresses()[0] }
    const attempt = sendStep({ sessions: dispatchSessions({ libp2p: cluster.coordinator.libp2p }), identity: coordinatorIdentity, verifier: await signatureVerifier(), clock: systemClock() }, target, {
      executionId: 'e1', flowId: 'f1', stepId: 's1', attempt: 1, idempotencyKey: 'e1:s1:1', replica: 1, daoSubnet: 'alpha',
      step: task('s1', 'test.echo'), params: {}, deadlineMs: 5000
    }, { signal: AbortSignal.timeout(10_000), silenceMs: 2000 })
    await expect(attempt).rejects.toMatchObject({ name: DispatchRefusedError.NAME, code: 'subnet_not_served' })
    expect(ran).toEqual([])
  })

  it('refuses actions its policy disallows; the step fails with the refusals in its log', async () => {
    cluster = await startCluster({
      executors: [
        { actions: [echo('p1', 'test.secret')], policy: { allowActions: ['qflow.*'] } },
        { actions: [echo('p2', 'test.secret')], policy: { denyActions: ['test.secret'] } }
      ]
    })
    const state = await run(cluster.engine, flow([task('s', 'test.secret', {}, { retryPolicy: { maxAttempts: 1 } })]))
    expect(state.status).toBe('failed')
    expect(ran).toEqual([])
    const failed = (await cluster.store.readEvents(state.executionId)).flatMap(e => e.type === 'step.failed' ? [e] : [])
    expect(failed).toHaveLength(1)
    const logs = failed[0].logs ?? []
    expect(logs.filter(l => l.includes('DispatchRefusedError') && l.includes('does not allow action "test.secret"'))).toHaveLength(2)
    expect(failed[0].error.message).toMatch(/^no node of subnet "alpha" can run step s \(2 excluded/)
  })
})
