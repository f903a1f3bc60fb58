/**
 * Cron schedules: flows whose first step is `qflow.trigger.schedule` run once per tick of
 * `params.cron` in `params.timezone` (croner computes the ticks; time and timers come from the
 * injected Clock, so tests drive it by hand).
 *
 * Exactly one run per tick, across restarts: the last handled tick of each flow is written to
 * the {@link TickStore} BEFORE the run starts. A crash between the two loses that one run
 * rather than repeating it (at most once per tick); a restart never re-runs a recorded tick.
 *
 * Ticks that passed while the node was down (or asleep) follow the missed-tick policy:
 * `latest` (default) runs once for the most recent missed tick and skips older ones; `all`
 * runs every missed tick, at most `maxCatchUp` of them (the newest); `none` skips them all.
 * A flow seen for the first time has missed nothing: its baseline is the moment it is scheduled.
 */
import { Cron } from 'croner'
import type { FlowDefinition } from '../../shared/flow.js'
import type { Clock } from '../interface/clock.js'

export type MissedTickPolicy = 'latest' | 'all' | 'none'

/** Where the last handled tick (epoch ms) of each scheduled flow is kept. */
export interface TickStore {
  get(flowId: string): Promise<number | undefined>
  set(flowId: string, tick: number): Promise<void>
  delete(flowId: string): Promise<void>
}

export interface ScheduleSpec { cron: string, timezone?: string }

export interface SchedulerComponents {
  clock: Clock
  ticks: TickStore
  /** Starts one run of the flow for the tick (epoch ms). */
  run(flowId: string, tick: number): Promise<unknown>
  /** Reports a tick whose run could not start, or a store failure (the schedule carries on). */
  onError?(flowId: string, err: Error): void
}

export interface SchedulerInit {
  missedTicks?: MissedTickPolicy
  /** Upper bound of runs for missed ticks under `all` (default 10). */
  maxCatchUp?: number
}

export interface Scheduler {
  /** Schedules the flow when its first step is a schedule trigger, unschedules it otherwise. */
  syncFlow(flow: FlowDefinition): Promise<void>
  /** Stops the flow's schedule and forgets its last tick. */
  remove(flowId: string): Promise<void>
  /** Flow ids currently scheduled. */
  scheduled(): string[]
  /** The next tick of a scheduled flow (epoch ms). */
  nextTick(flowId: string): number | undefined
  /** Resolves once no tick is being handled (the next timers are armed). */
  idle(): Promise<void>
  /** Cancels every timer and waits for ticks being handled. */
  stop(): Promise<void>
}

/** Longest single timer: longer waits are re-armed (setTimeout overflows past 2^31 ms). */
const MAX_TIMER_MS = 24 * 3_600_000

/** The schedule of a flow, or undefined when its first step is not a schedule trigger. */
export function scheduleOf (flow: FlowDefinition): ScheduleSpec | undefined {
  const first = flow.steps[0]
  if (first?.action !== 'qflow.trigger.schedule') return undefined
  const { cron, timezone } = first.params as { cron?: unknown, timezone?: unknown }
  if (typeof cron !== 'string') return undefined
  return { cron, ...(typeof timezone === 'string' ? { timezone } : {}) }
}

/**
 * Checks a schedule the way the scheduler will use it: path-precise problems, empty when fine
 * (a pattern croner refuses, an unknown IANA time zone, a pattern with no future tick).
 */
export function checkSchedule (spec: ScheduleSpec, now: number, base = 'steps[0].params'): Array<{ path: string, message: string }> {
  let cron: Cron
  try {
    cron = new Cron(spec.cron, { paused: true })
  } catch (err) {
    return [{ path: `${base}.cron`, message: `not a valid cron pattern: ${(err as Error).message.replace(/^CronPattern: /, '')}` }]
  }
  try {
    if (spec.timezone != null) cron = new Cron(spec.cron, { paused: true, timezone: spec.timezone })
    if (cron.nextRun(new Date(now)) == null) return [{ path: `${base}.cron`, message: 'has no future tick' }]
  } catch {
    return [{ path: `${base}.timezone`, message: `not a known IANA time zone (e.g. Europe/Paris, UTC): '${spec.timezone ?? ''}'` }]
  } finally {
    cron.stop()
  }
  return []
}

interface Entry {
  spec: ScheduleSpec
  cron: Cron
  timer?: unknown
  next?: number
  /** Ticks of one flow are handled one after another. */
  chain: Promise<void>
}

export function cronScheduler (components: SchedulerComponents, init: SchedulerInit = {}): Scheduler {
  const { clock, ticks } = components
  const policy = init.missedTicks ?? 'latest'
  const maxCatchUp = init.maxCatchUp ?? 10
  const entries = new Map<string, Entry>()
  let stopped = false
  const report = (flowId: string, err: unknown): void => { components.onError?.(flowId, err instanceof Error ? err : new Error(String(err))) }

  /** Ticks in (after, until], oldest first, at most `limit` of the newest. */
  const ticksBetween = (cron: Cron, after: number, until: number, limit: number): number[] =>
    // previousRuns excludes its reference: ask from just past `until`, then keep (after, until]
    cron.previousRuns(limit + 1, new Date(until + 1000)).map(d => d.getTime())
      .filter(t => t > after && t <= until).sort((a, b) => a - b).slice(-limit)

  const arm = (flowId: string, entry: Entry): void => {
    if (stopped || entries.get(flowId) !== entry) return
    const next = entry.cron.nextRun(new Date(clock.now()))?.getTime()
    entry.next = next
    if (next == null) return // the pattern has no future tick
    const handle = clock.setTimeout(() => {
      entry.timer = undefined
      entry.chain = entry.chain.then(async () => { await wake(flowId, entry) })
    }, Math.min(MAX_TIMER_MS, Math.max(0, next - clock.now())))
    clock.unref?.(handle)
    entry.timer = handle
  }

  /** Handles every tick due now under the policy, then arms the next timer. */
  const wake = async (flowId: string, entry: Entry): Promise<void> => {
    if (stopped || entries.get(flowId) !== entry) return
    try {
      const now = clock.now()
      const last = await ticks.get(flowId)
      if (last == null) {
        await ticks.set(flowId, now) // first sight: the baseline, nothing was missed
      } else {
        // the newest due tick is the one the timer was set for; older ones were missed
        const due = ticksBetween(entry.cron, last, now, policy === 'all' ? maxCatchUp : 1)
        const run = policy === 'all' ? due : due.slice(-1)
        const timerTick = entry.next != null && entry.next <= now ? entry.next : undefined
        for (const tick of run) {
          if (policy === 'none' && tick !== timerTick) continue
          await ticks.set(flowId, tick) // recorded before the run starts: never twice
          await components.run(flowId, tick).catch((err: unknown) => { report(flowId, err) })
        }
        const newest = due[due.length - 1]
        if (newest != null && newest > (await ticks.get(flowId) ?? 0)) await ticks.set(flowId, newest)
      }
    } catch (err) {
      report(flowId, err)
    }
    arm(flowId, entry)
  }

  const unschedule = (flowId: string): Entry | undefined => {
    const entry = entries.get(flowId)
    if (entry == null) return undefined
    if (entry.timer != null) clock.clearTimeout(entry.timer)
    entry.cron.stop()
    entries.delete(flowId)
    return entry
  }

  return {
    async syncFlow (flow) {
      const spec = scheduleOf(flow)
      const current = entries.get(flow.id)
      if (spec == null) {
        await this.remove(flow.id)
        return
      }
      if (current != null && current.spec.cron === spec.cron && current.spec.timezone === spec.timezone) return
      const previous = unschedule(flow.id)
      const cron = new Cron(spec.cron, { paused: true, ...(spec.timezone != null ? { timezone: spec.timezone } : {}) })
      const entry: Entry = { spec, cron, chain: previous?.chain ?? Promise.resolve() }
      entries.set(flow.id, entry)
      // a changed pattern starts afresh: ticks of the new pattern before now were never due
      const rebase = previous != null ? async () => { await ticks.set(flow.id, clock.now()) } : async () => {}
      entry.chain = entry.chain.then(rebase).then(async () => { await wake(flow.id, entry) }).catch((err: unknown) => { report(flow.id, err) })
      await entry.chain
    },
    async remove (flowId) {
      const entry = unschedule(flowId)
      await entry?.chain
      await ticks.delete(flowId)
    },
    scheduled: () => [...entries.keys()],
    nextTick: (flowId) => entries.get(flowId)?.next,
    async idle () {
      for (;;) {
        const chains = [...entries.values()].map(e => e.chain)
        await Promise.all(chains)
        if ([...entries.values()].every((e, i) => e.chain === chains[i])) return
      }
    },
    async stop () {
      stopped = true
      const chains = [...entries.values()].map(e => e.chain)
      for (const id of [...entries.keys()]) unschedule(id)
      await Promise.all(chains)
    }
  }
}

/** A TickStore in memory (ephemeral nodes and tests). */
export function memoryTickStore (): TickStore & { entries: Map<string, number> } {
  const entries = new Map<string, number>()
  return {
    entries,
    get: async (id) => entries.get(id),
    set: async (id, tick) => { entries.set(id, tick) },
    delete: async (id) => { entries.delete(id) }
  }
}
