/**
 * Structured JSON logs (pino) on stderr or appended to a file, and the engine events they
 * record: every line about an execution carries `executionId` and `flowId`, step lines `stepId`.
 */
import { setMaxListeners } from 'node:events'
import { pino } from 'pino'
import type { Logger } from 'pino'
import type { QflowConfig } from '../../shared/config.js'
import type { ExecutionEngine } from '../../src/index.js'

export type RelayLogger = Logger

export interface RelayLog {
  logger: Logger
  /** Flushes and closes the destination. */
  close(): Promise<void>
}

export function relayLogger (config: QflowConfig['logging']): RelayLog {
  const destination = pino.destination({
    dest: config.file ?? 2,
    sync: false,
    ...(config.file != null ? { mkdir: true, append: true } : {})
  })
  const logger = pino({ level: config.level, base: { name: 'qflow:relay' }, timestamp: pino.stdTimeFunctions.isoTime }, destination)
  return {
    logger,
    close: async () => {
      await new Promise<void>((resolve) => {
        logger.flush(() => {
          // stderr stays open for the process; a file is closed
          if (config.file == null) { resolve(); return }
          destination.once('close', () => { resolve() })
          destination.end()
        })
      })
    }
  }
}

/** Logs the engine's execution and step events; returns the function that stops it. */
export function logEngineEvents (engine: ExecutionEngine, logger: Logger): () => void {
  const log = logger.child({ component: 'engine' })
  const controller = new AbortController()
  setMaxListeners(Infinity, controller.signal) // one signal removes every listener below
  const opts = { signal: controller.signal }
  // only levels that are written get listeners: the engine skips building events nobody listens to
  const on: typeof engine.events.addEventListener = (type, listener) => { engine.events.addEventListener(type, listener, opts) }
  if (logger.isLevelEnabled('error')) {
    on('recovery:failed', (e) => { log.error({ executionId: e.detail.executionId, flowId: e.detail.flowId, reason: e.detail.message }, 'execution could not be recovered') })
  }
  if (logger.isLevelEnabled('warn')) {
    on('execution:failed', (e) => { log.warn({ executionId: e.detail.executionId, flowId: e.detail.flowId, stepId: e.detail.error.stepId, error: e.detail.error }, 'execution failed') })
    on('step:failed', (e) => { log.warn({ executionId: e.detail.executionId, flowId: e.detail.flowId, stepId: e.detail.stepId, attempt: e.detail.attempt, error: e.detail.error }, 'step failed') })
  }
  if (logger.isLevelEnabled('info')) {
    on('execution:started', (e) => { log.info({ executionId: e.detail.executionId, flowId: e.detail.flowId }, 'execution started') })
    on('execution:completed', (e) => { log.info({ executionId: e.detail.executionId, flowId: e.detail.flowId }, 'execution completed') })
    on('execution:aborted', (e) => { log.info({ executionId: e.detail.executionId, flowId: e.detail.flowId }, 'execution aborted') })
    on('execution:paused', (e) => { log.info({ executionId: e.detail.executionId, flowId: e.detail.flowId }, 'execution paused') })
    on('step:retried', (e) => { log.info({ executionId: e.detail.executionId, flowId: e.detail.flowId, stepId: e.detail.stepId, attempt: e.detail.attempt, delayMs: e.detail.delayMs }, 'step retried') })
    on('step:waiting', (e) => { log.info({ executionId: e.detail.executionId, flowId: e.detail.flowId, stepId: e.detail.stepId, event: e.detail.event }, 'step waiting for event') })
  }
  if (logger.isLevelEnabled('debug')) {
    on('step:started', (e) => { log.debug({ executionId: e.detail.executionId, flowId: e.detail.flowId, stepId: e.detail.stepId, attempt: e.detail.attempt, action: e.detail.action }, 'step started') })
    on('step:completed', (e) => { log.debug({ executionId: e.detail.executionId, flowId: e.detail.flowId, stepId: e.detail.stepId, attempt: e.detail.attempt, durationMs: e.detail.durationMs }, 'step completed') })
  }
  return () => { controller.abort() }
}
