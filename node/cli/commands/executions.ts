import type { ExecutionState } from '../../../shared/execution.js'
import { EXIT } from '../io.js'
import type { Output } from '../io.js'
import { openRuntime, settled } from '../data.js'
import type { DataOptions } from '../data.js'
import { formatState } from '../format.js'

/** `qflow executions`: the executions of the data directory, newest first. */
export async function executionsCommand (options: DataOptions & { active?: boolean, json?: boolean }, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    const list = (await runtime.store.listExecutions(options.active === true ? { active: true } : {})).sort((a, b) => b.updatedAt - a.updatedAt)
    if (options.json === true) {
      io.out(JSON.stringify(list, null, 2))
    } else if (list.length === 0) {
      io.out('no executions')
    } else {
      io.out(`${'EXECUTION'.padEnd(44)} ${'FLOW'.padEnd(24)} ${'STATUS'.padEnd(10)} UPDATED`)
      for (const e of list) io.out(`${e.executionId.padEnd(44)} ${e.flowId.padEnd(24)} ${e.status.padEnd(10)} ${new Date(e.updatedAt).toISOString()}`)
    }
    return EXIT.ok
  } finally {
    await runtime.close()
  }
}

/** `qflow status <id>`: one execution's state, with its checkpoints. */
export async function statusCommand (executionId: string, options: DataOptions & { json?: boolean }, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    const state = await runtime.engine.getExecutionStatus(executionId)
    print(state, options, io)
    return EXIT.ok
  } finally {
    await runtime.close()
  }
}

/** `qflow resume <id>`: picks an interrupted or paused execution up and runs it as far as it goes. */
export async function resumeCommand (executionId: string, options: DataOptions & { json?: boolean }, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    await runtime.engine.resumeExecution(executionId)
    const state = await settled(runtime.engine, executionId)
    print(state, options, io)
    return state.status === 'completed' ? EXIT.ok : EXIT.failed
  } finally {
    await runtime.close()
  }
}

/** `qflow restore <id> <checkpoint>`: rolls back to the checkpoint and runs on from there. */
export async function restoreCommand (executionId: string, checkpointId: string, options: DataOptions & { json?: boolean }, io: Output): Promise<number> {
  const runtime = await openRuntime(options)
  try {
    await runtime.engine.restoreCheckpoint(executionId, checkpointId)
    const state = await settled(runtime.engine, executionId)
    print(state, options, io)
    return state.status === 'completed' ? EXIT.ok : EXIT.failed
  } finally {
    await runtime.close()
  }
}

function print (state: ExecutionState, options: { json?: boolean }, io: Output): void {
  if (options.json === true) {
    io.out(JSON.stringify(state, null, 2))
    return
  }
  for (const line of formatState(state)) io.out(line)
  if (state.checkpoints.length > 0) {
    io.out('checkpoints:')
    for (const c of state.checkpoints) io.out(`  ${c.checkpointId}  at ${c.stepId || '(start)'}  ${c.timestamp}`)
  }
}
