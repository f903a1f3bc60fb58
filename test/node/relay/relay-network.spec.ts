/**
 * Two real relay processes on loopback form a network: relay B bootstraps to relay A,
 * `qflow nodes` on A lists B with its capabilities, and a step needing a capability only B
 * has runs on B (the execution's `nodeAssignments` and the step's signed dispatch line); an
 * event published through A's API (`POST /api/v1/events`, gossipsub) starts B's flow triggered
 * by it, once per event id.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiCall, networkStarted, qflow, spawnRelay } from './relay-process.js'
import type { RelayProcess } from './relay-process.js'

const scratch = mkdtempSync(join(tmpdir(), 'qflow-relay-net-'))
const metadata = { tags: ['test'], category: 'test', visibility: 'private', requiredPermissions: [] }
const relays: RelayProcess[] = []
afterAll(async () => { for (const r of relays.splice(0)) await r.stop() })

const onB = {
  id: 'needs-gpu',
  name: 'Runs where the gpu is',
  steps: [
    { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
    { id: 'render', type: 'task', action: 'qflow.action.log', params: { message: 'rendered' }, requirements: { capabilities: ['gpu'] } },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: '${steps.render.output}' } }
  ],
  metadata
}


const onOrder = {
  id: 'on-order-paid',
  name: 'Ships a paid order',
  steps: [
    { id: 'paid', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'order.paid' } },
    { id: 'ship', type: 'task', action: 'qflow.action.complete', params: { output: { shipped: '${input.orderId}' } } }
  ],
  metadata
}

describe('relay network (two processes)', () => {
  let a: RelayProcess
  let b: RelayProcess
  let aNet: Record<string, any>
  let bNet: Record<string, any>
  let tokenA: string
  let tokenB: string

  beforeAll(async () => {
    a = await spawnRelay(['--data', join(scratch, 'a')])
    relays.push(a)
    aNet = await networkStarted(a)
    b = await spawnRelay(['--data', join(scratch, 'b'), '--bootstrap', aNet.addresses[0]], { QFLOW_NETWORKING_CAPABILITIES: 'gpu' })
    relays.push(b)
    bNet = await networkStarted(b)
    tokenA = readFileSync(a.ready.tokenFile!, 'utf8').trim()
    tokenB = readFileSync(b.ready.tokenFile!, 'utf8').trim()
    await a.waitForLog(l => l.msg === 'node joined' && l.nodeId === bNet.peerId)
  })

  it('lists the bootstrapped peer and runs a step on the node with the capability', async () => {
    expect(aNet.addresses.length).toBeGreaterThan(0)
    for (const addr of aNet.addresses) expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//)
    const nodes: any[] = (await apiCall(a.ready.url, tokenA, 'GET', '/api/v1/system/nodes')).body.nodes
    expect(nodes[0]).toMatchObject({ id: aNet.peerId, self: true, status: 'self' })
    expect(nodes.find(n => n.id === bNet.peerId)).toMatchObject({ status: 'connected', capabilities: ['gpu'], daoSubnets: ['public'] })

    const cli = await qflow(['nodes', '--api', a.ready.url, '--token', tokenA])
    expect(cli.code, cli.stderr).toBe(0)
    expect(cli.stdout).toMatch(/^NODE\s+STATUS\s+ADDRESSES$/m)
    expect(cli.stdout).toContain(`${aNet.peerId as string} (this relay)`)
    expect(cli.stdout).toMatch(new RegExp(`^${bNet.peerId as string}\\s+connected\\s+/ip4/127\\.0\\.0\\.1/`, 'm'))
    expect(cli.stdout).toMatch(new RegExp(`^${bNet.peerId as string}\\s+public\\s+gpu\\s`, 'm'))

    expect((await apiCall(a.ready.url, tokenA, 'POST', '/api/v1/flows', onB)).status).toBe(201)
    const run = await apiCall(a.ready.url, tokenA, 'POST', '/api/v1/flows/needs-gpu/start', { inputData: {} })
    expect(run.status, JSON.stringify(run.body)).toBeLessThan(300)
    const executionId: string = run.body.executionId
    await a.waitForLog(l => l.executionId === executionId && /execution (completed|failed)/.test(String(l.msg)))
    const status = await apiCall(a.ready.url, tokenA, 'GET', `/api/v1/executions/${executionId}`)
    expect(status.body.status).toBe('completed')
    expect(status.body.nodeAssignments).toEqual({ render: bNet.peerId })
    expect(status.body.output).toEqual({ message: 'rendered' })
    const events = await apiCall(a.ready.url, tokenA, 'GET', `/api/v1/executions/${executionId}/logs`)
    const render = events.body.events.find((e: any) => e.type === 'step.completed' && e.stepId === 'render')
    expect(render.logs[0]).toMatch(new RegExp(`^dispatch render replica 1: ran on node ${bNet.peerId as string} .*result signature [\\w-]{86}$`))
  })

  it('starts the flow of another relay whose trigger is an event published through the API, once per event id', async () => {
    expect((await apiCall(b.ready.url, tokenB, 'POST', '/api/v1/flows', onOrder)).status).toBe(201)
    const publish = async (id: string, orderId: number): Promise<void> => {
      const res = await apiCall(a.ready.url, tokenA, 'POST', '/api/v1/events', { event: 'order.paid', id, payload: { orderId } })
      expect(res.status, JSON.stringify(res.body)).toBe(202)
      expect(res.body).toEqual({ id, subnet: 'public', event: 'order.paid' })
    }
    const first = b.waitForLog(l => l.msg === 'execution completed' && l.flowId === onOrder.id)
    await publish('order-7-paid', 7)
    const done = await first
    // the same event again (a redelivery) starts nothing; the next one does
    await publish('order-7-paid', 7)
    const second = b.waitForLog(l => l.msg === 'execution completed' && l.flowId === onOrder.id && l.executionId !== done.executionId)
    await publish('order-8-paid', 8)
    await second
    const listed = await apiCall(b.ready.url, tokenB, 'GET', `/api/v1/executions?flowId=${onOrder.id}`)
    const outputs = await Promise.all(listed.body.executions.map(async (e: any) => (await apiCall(b.ready.url, tokenB, 'GET', `/api/v1/executions/${e.executionId as string}`)).body.output))
    expect(outputs.map(o => Number(o.shipped)).sort()).toEqual([7, 8])

    const refused = await apiCall(a.ready.url, tokenA, 'POST', '/api/v1/events', { event: 'order.paid', subnet: 'acme' })
    expect(refused).toMatchObject({ status: 400, body: { path: 'subnet' } })
    const bad = await apiCall(a.ready.url, tokenA, 'POST', '/api/v1/events', { event: '' })
    expect(bad).toMatchObject({ status: 400, body: { path: 'event' } })
  })
})
