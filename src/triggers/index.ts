/**
 * Triggers that start executions by themselves (isomorphic, clock-driven): cron schedules.
 * Webhooks and event triggers arrive through the API (`node/api`).
 */
export { checkSchedule, cronScheduler, memoryTickStore, scheduleOf } from './scheduler.js'
export type { MissedTickPolicy, ScheduleSpec, Scheduler, SchedulerComponents, SchedulerInit, TickStore } from './scheduler.js'
