/**
 * Opening the node a CLI command works on: its data directory (`--data`, `$QFLOW_DATA`,
 * else `./.qflow`) or, for `run --memory`, nothing on disk.
 */
import type { ExecutionState } from '../../shared/execution.js'
import type { ExecutionEngine } from '../../src/index.js'
import { createNodeRuntime, defaultDataDir } from '../runtime.js'
import type { NodeRuntime } from '../runtime.js'
import { CliError } from './io.js'

export interface DataOptions {
  data?: string
  memory?: boolean
  checkpointInterval?: string
}

export async function openRuntime (options: DataOptions, extra: { recover?: boolean } = {}): Promise<NodeRuntime> {
  if (options.memory === true && options.data != null) throw new CliError('use either --data <dir> or --memory, not both')
  const interval = options.checkpointInterval != null ? Number(options.checkpointInterval) : undefined
  if (interval != null && (!Number.isFinite(interval) || interval < 0)) throw new CliError(`--checkpoint-interval: must be a number of ms >= 0, got '${options.checkpointInterval}'`)
  try {
    return await createNodeRuntime({
      recover: extra.recover ?? false,
      // a local run trusts the code of the flow file its owner hands it; relays enforce DAO approval
      sandbox: { allowedModules: ['*'] },
      ...(interval != null ? { checkpointInterval: interval } : {}),
      ...(options.memory === true ? {} : { dataDir: options.data ?? defaultDataDir() })
    })
  } catch (err: any) {
    if (err?.name === 'DataDirLockedError' || err?.name === 'WrongKeyError') throw new CliError(err.message)
    throw err
  }
}

export function durableOf (runtime: NodeRuntime): NonNullable<NodeRuntime['durable']> {
  if (runtime.durable == null) throw new CliError('this command needs a data directory (--data <dir>)')
  return runtime.durable
}

/**
 * Resolves once the execution ended, or has nothing left to do here (paused, or only
 * waiting for events that someone has to deliver), and what it recorded is stored.
 */
export async function settled (engine: ExecutionEngine, executionId: string): Promise<ExecutionState> {
  const state = await idle(engine, executionId)
  await engine.persisted(executionId)
  return state
}

async function idle (engine: ExecutionEngine, executionId: string): Promise<ExecutionState> {
  const idle = (s: ExecutionState): boolean => s.status === 'completed' || s.status === 'failed' || s.status === 'aborted' || s.status === 'paused' ||
    (Object.values(s.steps).some(step => step.status === 'waiting') &&
      !Object.values(s.steps).some(step => step.status === 'running' || step.status === 'retrying' || step.status === 'pending' || step.waitingFor?.until != null))
  return await new Promise<ExecutionState>((resolve, reject) => {
    const check = (): void => {
      engine.getExecutionStatus(executionId).then(s => {
        if (!idle(s)) return
        engine.events.removeEventListener('log:appended', onEvent)
        resolve(s)
      }, reject)
    }
    const onEvent = (e: CustomEvent<{ executionId: string }>): void => { if (e.detail.executionId === executionId) check() }
    engine.events.addEventListener('log:appended', onEvent)
    check()
  })
}
