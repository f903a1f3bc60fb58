/**
 * Schedules inside a relay (in-process, fake clock): flows created, updated and deleted through
 * the API are (re)scheduled at once, bad patterns are refused with the flow, and a restart on
 * the same data directory follows the missed-tick policy.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../node/config/load.js'
import { startRelay } from '../../../node/relay/index.js'
import type { Relay } from '../../../node/relay/index.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import type { FakeClock } from '../../fixtures/fake-clock.js'

const T0 = Date.parse('2026-03-01T10:00:00.000Z')
const MIN = 60_000
const scratch = mkdtempSync(join(tmpdir(), 'qflow-relay-schedules-'))
const open: Relay[] = []

afterEach(async () => { for (const r of open.splice(0)) await r.close() })

async function relay (clock: FakeClock, flags: Record<string, unknown>): Promise<Relay> {
  const { config } = await loadConfig({ env: {}, cwd: scratch, flags: { api: { port: 0 }, logging: { level: 'silent' }, ...flags } })
  const r = await startRelay(config, { clock, network: false, runtime: { sandbox: false } })
  open.push(r)
  return r
}

const flow = (cron: string, timezone?: string): Record<string, unknown> => ({
  id: 'report',
  name: 'Report',
  steps: [
    { id: 'tick', type: 'event-trigger', action: 'qflow.trigger.schedule', params: { cron, ...(timezone != null ? { timezone } : {}) } },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { at: '${input.scheduledAt}' } } }
  ],
  metadata: { tags: [], category: 'ops', visibility: 'private', requiredPermissions: [] }
})

async function call (r: Relay, method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(r.url + path, { method, headers: { authorization: `Bearer ${r.token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() }
}

/** The scheduledAt of every execution the relay completes from now on. */
function completions (r: Relay): string[] {
  const seen: string[] = []
  r.runtime.engine.events.addEventListener('execution:completed', (e) => { seen.push((e.detail.output as { at: string }).at) })
  return seen
}

/** Resolves once `n` executions of the relay completed (counting from the call). */
async function completed (r: Relay, n: number): Promise<void> {
  let left = n
  if (left <= 0) return
  await new Promise<void>(resolve => {
    const on = (): void => { if (--left === 0) { r.runtime.engine.events.removeEventListener('execution:completed', on); resolve() } }
    r.runtime.engine.events.addEventListener('execution:completed', on)
  })
}

/** Moves the clock `steps` × `ms`, letting the scheduler handle each tick before the next step. */
async function advance (r: Relay, clock: FakeClock, ms: number, steps = 1): Promise<void> {
  for (let i = 0; i < steps; i++) {
    await clock.advance(ms)
    await r.scheduler.idle()
  }
}

describe('relay schedules', () => {
  it('schedules a flow created through the API, follows its update and stops at its deletion', async () => {
    const clock = fakeClock(T0)
    const r = await relay(clock, { memory: true })
    const seen = completions(r)
    expect((await call(r, 'POST', '/api/v1/flows', flow('*/15 * * * *'))).status).toBe(201)
    expect(r.scheduler.scheduled()).toEqual(['report'])
    let done = completed(r, 2)
    await advance(r, clock, 15 * MIN, 2)
    await done
    expect(seen).toEqual(['2026-03-01T10:15:00.000Z', '2026-03-01T10:30:00.000Z'])

    expect((await call(r, 'PUT', '/api/v1/flows/report', flow('0 12 * * *', 'Europe/Paris'))).status).toBe(200)
    expect(new Date(r.scheduler.nextTick('report') as number).toISOString()).toBe('2026-03-01T11:00:00.000Z')
    done = completed(r, 1)
    await advance(r, clock, 30 * MIN)
    await done
    expect(seen).toEqual(['2026-03-01T10:15:00.000Z', '2026-03-01T10:30:00.000Z', '2026-03-01T11:00:00.000Z'])

    expect((await call(r, 'DELETE', '/api/v1/flows/report')).status).toBe(204)
    expect(r.scheduler.scheduled()).toEqual([])
    expect(clock.pending()).toBe(0)
  })

  it('refuses a flow whose cron pattern or time zone cannot be scheduled, naming the path', async () => {
    const r = await relay(fakeClock(T0), { memory: true })
    const badCron = await call(r, 'POST', '/api/v1/flows', flow('every morning'))
    expect(badCron.status).toBe(400)
    expect(JSON.stringify(badCron.body)).toContain('steps[0].params.cron')
    const badZone = await call(r, 'POST', '/api/v1/flows', flow('0 9 * * *', 'Atlantis/Capital'))
    expect(badZone.status).toBe(400)
    expect(JSON.stringify(badZone.body)).toContain('steps[0].params.timezone')
    expect((await call(r, 'GET', '/api/v1/flows')).body.flows).toEqual([])
  })

  for (const [policy, expected] of [
    ['latest', ['2026-03-01T11:45:00.000Z']],
    ['all', ['2026-03-01T11:00:00.000Z', '2026-03-01T11:15:00.000Z', '2026-03-01T11:30:00.000Z', '2026-03-01T11:45:00.000Z']],
    ['none', []]
  ] as const) {
    it(`after a restart on the same data directory runs missed ticks per the '${policy}' policy, each tick once`, async () => {
      const clock = fakeClock(T0)
      const data = join(scratch, `restart-${policy}`)
      const first = await relay(clock, { dataDir: data, schedules: { missedTicks: policy } })
      const before = completions(first)
      expect((await call(first, 'POST', '/api/v1/flows', flow('*/15 * * * *'))).status).toBe(201)
      const done = completed(first, 3)
      await advance(first, clock, 15 * MIN, 3)
      await done
      expect(before).toEqual(['2026-03-01T10:15:00.000Z', '2026-03-01T10:30:00.000Z', '2026-03-01T10:45:00.000Z'])
      await first.close()

      await clock.advance(65 * MIN) // down from 10:45 to 11:50
      const { config } = await loadConfig({ env: {}, cwd: scratch, flags: { dataDir: data, api: { port: 0 }, logging: { level: 'silent' }, schedules: { missedTicks: policy } } })
      const second = await startRelay(config, { clock, network: false, runtime: { sandbox: false } })
      open.push(second)
      const started = (await call(second, 'GET', '/api/v1/executions?flowId=report')).body.executions.length
      expect(started).toBe(3 + expected.length)
      const ticksOf = async (): Promise<string[]> => {
        const list = (await call(second, 'GET', '/api/v1/executions?flowId=report')).body.executions as Array<{ executionId: string }>
        const states = await Promise.all(list.map(async e => (await call(second, 'GET', `/api/v1/executions/${e.executionId}`)).body))
        return states.map(s => s.context.inputData.scheduledAt as string).sort()
      }
      expect(await ticksOf()).toEqual([...before, ...expected])
      const next = completed(second, 1)
      await advance(second, clock, 10 * MIN)
      await next
      expect(await ticksOf()).toEqual([...before, ...expected, '2026-03-01T12:00:00.000Z'])
    })
  }
})
