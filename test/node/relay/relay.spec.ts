/**
 * `qflow relay` as a process: ready line, owner token, probes and dashboard, JSON logs,
 * config errors, graceful shutdown, and a restart on the same data directory that keeps a
 * waiting execution and a schedule (no tick runs twice).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { qflow, spawnRelay } from './relay-process.js'

const scratch = mkdtempSync(join(tmpdir(), 'qflow-relay-'))
const metadata = { tags: ['test'], category: 'test', visibility: 'private', requiredPermissions: [] }

const waiter = {
  id: 'waiter',
  name: 'Waits for go',
  steps: [
    { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
    { id: 'wait', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'go' } },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { got: '${steps.wait.output}' } } }
  ],
  metadata
}

const ticker = {
  id: 'ticker',
  name: 'Every second',
  steps: [
    { id: 'tick', type: 'event-trigger', action: 'qflow.trigger.schedule', params: { cron: '* * * * * *', timezone: 'UTC' } },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { at: '${input.scheduledAt}' } } }
  ],
  metadata
}

function client (url: string, token?: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(token != null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.text()
    return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text }
  }
}

describe('qflow relay (process)', () => {
  it('starts on an ephemeral port with an owner token, serves probes and the dashboard, logs JSON, stops on SIGTERM', async () => {
    const data = join(scratch, 'basic')
    const relay = await spawnRelay(['--data', data])
    try {
      expect(relay.ready).toMatchObject({ event: 'relay:ready', dataDir: data, tokenFile: join(data, 'owner.token') })
      expect(relay.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(statSync(join(data, 'owner.token')).mode & 0o777).toBe(0o600)
      const token = readFileSync(join(data, 'owner.token'), 'utf8').trim()
      const anonymous = client(relay.ready.url)
      expect((await anonymous('GET', '/health/live')).body).toEqual({ status: 'ok' })
      expect((await anonymous('GET', '/health/ready')).status).toBe(200)
      expect((await anonymous('GET', '/')).body).toMatch(/<html/i)
      expect((await anonymous('POST', '/api/v1/flows', waiter)).status).toBe(401)
      expect((await client(relay.ready.url, token)('POST', '/api/v1/flows', waiter)).status).toBe(201)
      const started = await relay.waitForLog(l => l.msg === 'relay started')
      expect(started).toMatchObject({ level: 30, url: relay.ready.url, dataDir: data })
    } finally {
      expect(await relay.stop()).toBe(0)
    }
    // the data directory was released: a second relay opens it
    const again = await spawnRelay(['--data', data])
    expect(await again.stop()).toBe(0)
  })

  it('runs in memory with --memory, prints its token in the ready line and logs to --log-file', async () => {
    const logFile = join(scratch, 'logs', 'relay.log')
    const relay = await spawnRelay(['--memory', '--log-file', logFile])
    let executionId: string
    try {
      expect(relay.ready.dataDir).toBeNull()
      expect(relay.ready.token).toMatch(/^[\w-]{43}$/)
      const api = client(relay.ready.url, relay.ready.token)
      expect((await api('POST', '/api/v1/flows', waiter)).status).toBe(201)
      executionId = (await api('POST', '/api/v1/flows/waiter/start', {})).body.executionId
    } finally {
      expect(await relay.stop()).toBe(0)
    }
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map(l => JSON.parse(l))
    expect(lines.map(l => l.msg)).toEqual(expect.arrayContaining(['relay started', 'execution started', 'relay stopping']))
    expect(lines.find(l => l.msg === 'step waiting for event')).toMatchObject({ executionId, flowId: 'waiter', stepId: 'wait', event: 'go' })
  })

  it('refuses a bad config with exit 2 and the path of each problem', async () => {
    const config = join(scratch, 'bad.yaml')
    writeFileSync(config, 'qflow:\n  networking:\n    port: 99999\n')
    const fromFile = await qflow(['relay', '--config', config, '--data', join(scratch, 'never')])
    expect(fromFile.code).toBe(2)
    expect(fromFile.stderr).toContain(`networking.port: must be an integer 0-65535 (from ${config})`)
    expect(fromFile.stdout).toBe('')
    const fromFlag = await qflow(['relay', '--port', 'eighty', '--data', join(scratch, 'never')])
    expect(fromFlag.code).toBe(2)
    expect(fromFlag.stderr).toContain('api.port: must be an integer 0-65535 (from command-line flag)')
    const fromEnv = await qflow(['relay', '--data', join(scratch, 'never')], { QFLOW_SCHEDULES_MISSED_TICKS: 'sometimes' })
    expect(fromEnv.code).toBe(2)
    expect(fromEnv.stderr).toContain('schedules.missedTicks: must be one of latest, all, none (from QFLOW_SCHEDULES_MISSED_TICKS)')
  })

  it('keeps a waiting execution and a schedule across a restart on the same data directory', async () => {
    const data = join(scratch, 'restart')
    const first = await spawnRelay(['--data', data])
    const token = readFileSync(join(data, 'owner.token'), 'utf8').trim()
    let api = client(first.ready.url, token)
    expect((await api('POST', '/api/v1/flows', waiter)).status).toBe(201)
    expect((await api('POST', '/api/v1/flows', ticker)).status).toBe(201)
    const { body: { executionId } } = await api('POST', '/api/v1/flows/waiter/start', { inputData: {} })
    await first.waitForLog(l => l.msg === 'step waiting for event' && l.executionId === executionId)
    await first.waitForLog(l => l.msg === 'scheduled run started' && l.flowId === 'ticker')
    expect(await first.stop()).toBe(0)
    const before = first.entries().filter(l => l.msg === 'scheduled run started').map(l => l.scheduledAt as string)
    const lastTick = JSON.parse(readFileSync(join(data, 'schedule-ticks.json'), 'utf8')).ticker as number
    expect(Date.parse(before[before.length - 1])).toBe(lastTick)

    const second = await spawnRelay(['--data', data])
    try {
      expect(second.ready.schedules).toEqual(['ticker'])
      api = client(second.ready.url, token)
      expect((await api('GET', `/api/v1/executions/${executionId}`)).body.status).toBe('running')
      const delivered = await api('POST', '/api/v1/flows/waiter/trigger', { event: 'go', payload: { n: 7 } })
      expect(delivered.body.delivered).toBe(1)
      await second.waitForLog(l => l.msg === 'execution completed' && l.executionId === executionId)
      const state = (await api('GET', `/api/v1/executions/${executionId}`)).body
      expect(state).toMatchObject({ status: 'completed', output: { got: { n: 7 } } })
      // the schedule goes on after the restart, from a tick later than the last one recorded
      const next = await second.waitForLog(l => l.msg === 'scheduled run started' && Date.parse(l.scheduledAt) > lastTick)
      expect(next.flowId).toBe('ticker')
    } finally {
      expect(await second.stop()).toBe(0)
    }
    const after = second.entries().filter(l => l.msg === 'scheduled run started').map(l => l.scheduledAt as string)
    const all = [...before, ...after]
    expect(new Set(all).size).toBe(all.length) // no tick ran twice
    expect([...all].sort()).toEqual(all) // in tick order
  })
})
