/**
 * The cron scheduler (src/triggers) on a fake clock: one run per tick, the tick recorded
 * before its run starts, and the missed-tick policies after a restart on the same tick store.
 */
import { describe, expect, it } from 'vitest'
import type { FlowDefinition } from '../../../shared/flow.js'
import { checkSchedule, cronScheduler, memoryTickStore } from '../../../src/triggers/index.js'
import type { MissedTickPolicy, TickStore } from '../../../src/triggers/index.js'
import { fakeClock } from '../../fixtures/fake-clock.js'
import type { FakeClock } from '../../fixtures/fake-clock.js'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')
const MIN = 60_000
const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 16)

function scheduled (id: string, cron: string, timezone?: string): FlowDefinition {
  return {
    id, name: id, version: '1', owner: 'o', createdAt: '', updatedAt: '',
    steps: [
      { id: 'tick', type: 'event-trigger', action: 'qflow.trigger.schedule', params: { cron, ...(timezone != null ? { timezone } : {}) } },
      { id: 'done', type: 'task', action: 'qflow.action.complete', params: {} }
    ],
    metadata: { tags: [], category: 't', visibility: 'private', requiredPermissions: [] }
  } as unknown as FlowDefinition
}

function harness (clock: FakeClock, ticks: TickStore, missedTicks: MissedTickPolicy = 'latest', maxCatchUp = 10) {
  const runs: string[] = []
  const recordedFirst: boolean[] = []
  const scheduler = cronScheduler({
    clock,
    ticks,
    run: async (flowId, tick) => {
      recordedFirst.push(await ticks.get(flowId) === tick)
      runs.push(`${flowId}@${iso(tick)}`)
    }
  }, { missedTicks, maxCatchUp })
  return { scheduler, runs, recordedFirst }
}

describe('cron scheduler', () => {
  it('runs once per tick, recording each tick before its run starts', async () => {
    const clock = fakeClock(T0)
    const { scheduler, runs, recordedFirst } = harness(clock, memoryTickStore())
    await scheduler.syncFlow(scheduled('f', '*/5 * * * *'))
    expect(runs).toEqual([]) // first sight: nothing was missed
    expect(scheduler.nextTick('f')).toBe(T0 + 5 * MIN)
    await clock.advance(5 * MIN)
    expect(runs).toEqual(['f@00:05'])
    await clock.advance(15 * MIN)
    expect(runs).toEqual(['f@00:05', 'f@00:10', 'f@00:15', 'f@00:20'])
    expect(recordedFirst.every(Boolean)).toBe(true)
    await scheduler.stop()
    await clock.advance(60 * MIN)
    expect(runs).toHaveLength(4)
  })

  it('follows the time zone of the schedule', async () => {
    const clock = fakeClock(T0)
    const { scheduler, runs } = harness(clock, memoryTickStore())
    await scheduler.syncFlow(scheduled('paris', '0 9 * * *', 'Europe/Paris'))
    expect(new Date(scheduler.nextTick('paris') as number).toISOString()).toBe('2026-01-01T08:00:00.000Z')
    await clock.advance(9 * 60 * MIN)
    expect(runs).toEqual(['paris@08:00'])
    await scheduler.stop()
  })

  it('stops a removed schedule and reschedules an updated one', async () => {
    const clock = fakeClock(T0)
    const { scheduler, runs } = harness(clock, memoryTickStore())
    await scheduler.syncFlow(scheduled('a', '*/5 * * * *'))
    await scheduler.syncFlow(scheduled('a', '*/10 * * * *'))
    await clock.advance(10 * MIN)
    expect(runs).toEqual(['a@00:10'])
    await clock.advance(4 * MIN)
    await scheduler.syncFlow(scheduled('a', '*/7 * * * *')) // at 00:14: the new pattern's ticks up to now (00:07, 00:14) are not run
    await clock.advance(7 * MIN)
    expect(runs).toEqual(['a@00:10', 'a@00:21'])
    await scheduler.remove('a')
    await clock.advance(60 * MIN)
    expect(runs).toEqual(['a@00:10', 'a@00:21'])
    expect(scheduler.scheduled()).toEqual([])
    await scheduler.stop()
  })

  const restart = async (policy: MissedTickPolicy, maxCatchUp = 10): Promise<string[]> => {
    const clock = fakeClock(T0)
    const ticks = memoryTickStore()
    const first = harness(clock, ticks, policy, maxCatchUp)
    await first.scheduler.syncFlow(scheduled('f', '*/5 * * * *'))
    await clock.advance(20 * MIN)
    await first.scheduler.stop()
    expect(first.runs).toEqual(['f@00:05', 'f@00:10', 'f@00:15', 'f@00:20'])
    await clock.advance(27 * MIN) // down from 00:20 to 00:47: 00:25 … 00:45 were missed
    const second = harness(clock, ticks, policy, maxCatchUp)
    await second.scheduler.syncFlow(scheduled('f', '*/5 * * * *'))
    const caughtUp = [...second.runs]
    await clock.advance(3 * MIN)
    expect(second.runs.slice(caughtUp.length)).toEqual(['f@00:50'])
    await second.scheduler.stop()
    return caughtUp
  }

  it('after a restart runs once for the most recent missed tick by default', async () => {
    expect(await restart('latest')).toEqual(['f@00:45'])
  })

  it("runs every missed tick under 'all', at most maxCatchUp (the newest)", async () => {
    expect(await restart('all', 3)).toEqual(['f@00:35', 'f@00:40', 'f@00:45'])
    expect(await restart('all')).toEqual(['f@00:25', 'f@00:30', 'f@00:35', 'f@00:40', 'f@00:45'])
  })

  it("skips missed ticks under 'none'", async () => {
    expect(await restart('none')).toEqual([])
  })

  it('never runs a recorded tick again when restarted at the same moment', async () => {
    const clock = fakeClock(T0)
    const ticks = memoryTickStore()
    const first = harness(clock, ticks)
    await first.scheduler.syncFlow(scheduled('f', '*/5 * * * *'))
    await clock.advance(5 * MIN)
    await first.scheduler.stop()
    const second = harness(clock, ticks)
    await second.scheduler.syncFlow(scheduled('f', '*/5 * * * *'))
    expect(first.runs).toEqual(['f@00:05'])
    expect(second.runs).toEqual([])
    await second.scheduler.stop()
  })

  it('reports a run that cannot start and keeps the schedule going', async () => {
    const clock = fakeClock(T0)
    const errors: string[] = []
    let calls = 0
    const scheduler = cronScheduler({
      clock,
      ticks: memoryTickStore(),
      run: async () => { calls++; if (calls === 1) throw new Error('engine busy') },
      onError: (flowId, err) => { errors.push(`${flowId}: ${err.message}`) }
    })
    await scheduler.syncFlow(scheduled('f', '*/5 * * * *'))
    await clock.advance(10 * MIN)
    expect(errors).toEqual(['f: engine busy'])
    expect(calls).toBe(2)
    await scheduler.stop()
  })

  it('checks patterns and time zones with path-precise messages', () => {
    expect(checkSchedule({ cron: '*/5 * * * *', timezone: 'Europe/Paris' }, T0)).toEqual([])
    expect(checkSchedule({ cron: 'every minute' }, T0)).toEqual([{ path: 'steps[0].params.cron', message: expect.stringMatching(/^not a valid cron pattern/) }])
    expect(checkSchedule({ cron: '* * * * *', timezone: 'Mars/Olympus' }, T0)).toEqual([{ path: 'steps[0].params.timezone', message: expect.stringContaining('IANA time zone') }])
  })
})
