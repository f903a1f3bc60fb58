/**
 * The relay's cron schedules: the isomorphic scheduler (`src/triggers`) with its ticks kept in
 * the data directory (or in memory), every stored flow scheduled at start, and the engine's
 * `registerFlow` / `deleteFlow` hooked so that flows created, updated or deleted through the
 * API are (re)scheduled at once. A bad cron pattern or time zone is refused with the flow,
 * as an `InvalidFlowError` naming `steps[0].params.cron` / `.timezone`.
 */
import type { QflowConfig } from '../../shared/config.js'
import type { FlowDefinition } from '../../shared/flow.js'
import { InvalidFlowError } from '../../src/index.js'
import type { Clock, ExecutionEngine, StateStore } from '../../src/index.js'
import { checkSchedule, cronScheduler, memoryTickStore, scheduleOf } from '../../src/triggers/index.js'
import type { Scheduler } from '../../src/triggers/index.js'
import type { RelayLogger } from './logger.js'
import { fileTickStore } from './tick-file.js'

export interface RelaySchedulesInit {
  engine: ExecutionEngine
  store: Pick<StateStore, 'listFlows'>
  clock: Clock
  logger: RelayLogger
  config: QflowConfig['schedules']
  /** Ticks persist here; absent: in memory. */
  dataDir?: string
}

export interface RelaySchedules {
  scheduler: Scheduler
  /** The engine with `registerFlow` / `deleteFlow` keeping the schedules in step. */
  engine: ExecutionEngine
  stop(): Promise<void>
}

export async function relaySchedules (init: RelaySchedulesInit): Promise<RelaySchedules> {
  const { engine, clock } = init
  const log = init.logger.child({ component: 'scheduler' })
  const scheduler = cronScheduler({
    clock,
    ticks: init.dataDir != null ? await fileTickStore(init.dataDir) : memoryTickStore(),
    run: async (flowId, tick) => {
      const scheduledAt = new Date(tick).toISOString()
      const executionId = await engine.startExecution(flowId, { triggerType: 'schedule', inputData: { scheduledAt } })
      log.info({ flowId, executionId, scheduledAt }, 'scheduled run started')
    },
    onError: (flowId, err) => { log.error({ flowId, err }, 'scheduled run could not start') }
  }, { missedTicks: init.config.missedTicks, maxCatchUp: init.config.maxCatchUp })

  for (const flow of await init.store.listFlows()) {
    const spec = scheduleOf(flow)
    if (spec == null) continue
    const issues = checkSchedule(spec, clock.now())
    if (issues.length > 0) {
      // a stored flow with a schedule this relay cannot honour: say so, keep the others running
      log.error({ flowId: flow.id, issues }, 'flow not scheduled')
      continue
    }
    await scheduler.syncFlow(flow)
  }

  const registerFlow = async (flow: FlowDefinition): ReturnType<ExecutionEngine['registerFlow']> => {
    const spec = scheduleOf(flow)
    const issues = spec != null ? checkSchedule(spec, clock.now()) : []
    if (issues.length > 0) throw new InvalidFlowError(issues)
    const version = await engine.registerFlow(flow)
    await scheduler.syncFlow(flow)
    return version
  }
  const deleteFlow = async (flowId: string): Promise<boolean> => {
    const deleted = await engine.deleteFlow(flowId)
    await scheduler.remove(flowId)
    return deleted
  }
  const hooked = new Proxy(engine, {
    get (target, prop) {
      if (prop === 'registerFlow') return registerFlow
      if (prop === 'deleteFlow') return deleteFlow
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
  return { scheduler, engine: hooked, stop: async () => { await scheduler.stop() } }
}
