/**
 * Three relay processes on loopback: A coordinates, B and C can run `cpu` steps. The relay the
 * step went to is killed (SIGKILL) mid-step; A reassigns the step to the other one, the execution
 * completes, and the log holds one completion with the attempt history.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { apiCall, networkStarted, spawnRelay } from './relay-process.js'
import type { RelayProcess } from './relay-process.js'

const scratch = mkdtempSync(join(tmpdir(), 'qflow-relay-failover-'))
const relays: RelayProcess[] = []
afterAll(async () => { for (const r of relays.splice(0)) await r.stop() })
const sandboxEnv = { QFLOW_SANDBOX_ALLOWED_MODULES: '*' }

const crunch = {
  id: 'crunch',
  name: 'Long computation on a cpu node',
  steps: [
    { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
    { id: 'sum', type: 'task', action: 'qflow.action.function', params: { code: 'let s = 0; for (let i = 0; i < 20000000; i++) s = (s + i) % 1000003; return { s }' }, requirements: { capabilities: ['cpu'] } }
  ],
  metadata: { tags: ['test'], category: 'test', visibility: 'private', requiredPermissions: [] }
}

describe('relay failover (three processes)', () => {
  it('a step whose executor relay is killed mid-step completes on the other one, once', async () => {
    const a = await spawnRelay(['--data', join(scratch, 'a')], sandboxEnv)
    relays.push(a)
    const aNet = await networkStarted(a)
    const executors: Record<string, RelayProcess> = {}
    for (const name of ['b', 'c']) {
      const r = await spawnRelay(['--data', join(scratch, name), '--bootstrap', aNet.addresses[0]], { ...sandboxEnv, QFLOW_NETWORKING_CAPABILITIES: 'cpu' })
      relays.push(r)
      executors[(await networkStarted(r)).peerId] = r
    }
    for (const id of Object.keys(executors)) await a.waitForLog(l => l.msg === 'node joined' && l.nodeId === id)
    const token = readFileSync(a.ready.tokenFile!, 'utf8').trim()
    expect((await apiCall(a.ready.url, token, 'POST', '/api/v1/flows', crunch)).status).toBe(201)
    const run = await apiCall(a.ready.url, token, 'POST', '/api/v1/flows/crunch/start', { inputData: {} })
    expect(run.status, JSON.stringify(run.body)).toBeLessThan(300)
    const executionId: string = run.body.executionId

    const first = await a.waitForLog(l => l.msg === 'step dispatched' && l.stepId === 'sum')
    const victim = executors[first.nodeId]
    expect(victim).toBeDefined()
    victim.child.kill('SIGKILL')
    const survivor = Object.keys(executors).find(id => id !== first.nodeId)!

    await a.waitForLog(l => l.executionId === executionId && /execution (completed|failed)/.test(String(l.msg)))
    const status = await apiCall(a.ready.url, token, 'GET', `/api/v1/executions/${executionId}`)
    expect(status.body.status).toBe('completed')
    expect(status.body.nodeAssignments).toEqual({ sum: survivor })
    const failedOver = a.entries().filter(l => l.msg === 'step failed over' && l.stepId === 'sum')
    expect(failedOver.map(l => l.nodeId)).toEqual([first.nodeId])
    const events = (await apiCall(a.ready.url, token, 'GET', `/api/v1/executions/${executionId}/logs`)).body.events
    const completions = events.filter((e: any) => e.type === 'step.completed' && e.stepId === 'sum')
    expect(completions).toHaveLength(1)
    expect(completions[0].logs[0]).toMatch(new RegExp(`try 1: node ${first.nodeId as string} failed \\(ExecutorLostError`))
    expect(completions[0].logs[1]).toMatch(new RegExp(`ran on node ${survivor}`))
  }, 60_000) // three relay processes start in ~15 s on a loaded 2-core machine
})
