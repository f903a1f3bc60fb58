/**
 * Runs one `function` job in a fresh QuickJS context (prepared ahead, on an instance sized to
 * the job's memory limit): applies the limits, builds the guest function from its body, calls
 * it with `input` and `ctx`, and hands the promise to `settle`. The interrupt handler stops
 * runaway JavaScript at the deadline; the host terminates the worker if that ever fails.
 */
import type { QuickJSHandle } from 'quickjs-emscripten-core'
import type { FunctionJob } from '../protocol.js'
import { disposeContext, installFetch, prepareContext, type GuestHooks, type PreparedContext } from './prepared-context.js'
import { FETCH_GLUE } from './fetch-glue.js'
import { hostFailure } from './guest-error.js'
import { failure, settle, type FunctionOutcome } from './settle.js'
import type { QuickJSInstance, QuickJSInstances } from './instances.js'

export type { FunctionOutcome }

export interface FunctionRunner {
  /** Runs in the context prepared ahead (or a new one); the used context is kept for {@link recycle}. */
  run(job: FunctionJob, hooks: GuestHooks): Promise<FunctionOutcome>
  /**
   * Frees the last used context and prepares the next one (for `memoryBytes`, default the last
   * job's limit); called after the result is posted, so neither cost is on the caller's path.
   * False when QuickJS refused: retire the worker.
   */
  recycle(memoryBytes?: number): Promise<boolean>
}

const PAGE = 65536

interface Slot { instance: QuickJSInstance, prepared: PreparedContext }

export function functionRunner (instances: QuickJSInstances): FunctionRunner {
  let next: Slot | undefined
  let used: Slot | undefined
  let lastBytes: number | undefined

  return {
    async run (job, hooks) {
      lastBytes = job.limits.memoryBytes
      const instance = await instances.get(job.limits.memoryBytes)
      if (next != null && next.instance !== instance) { disposeContext(next.prepared); next = undefined }
      const prepared = next?.prepared ?? prepareContext(instance.qjs)
      next = undefined
      used = { instance, prepared }
      prepared.state.hooks = hooks
      prepared.state.memoryFull = () => instance.memory.buffer.byteLength >= instance.maxPages * PAGE
      try {
        return await execute(prepared, job)
      } catch (err) {
        return { ok: false, error: hostFailure(err), retire: true }
      }
    },
    async recycle (memoryBytes = lastBytes) {
      const done = used
      used = undefined
      if (done != null) {
        if (!disposeContext(done.prepared)) return false
        instances.release(done.instance)
      }
      if (memoryBytes == null) return true
      try {
        const instance = await instances.get(memoryBytes)
        if (next?.instance !== instance) {
          if (next != null) disposeContext(next.prepared)
          next = { instance, prepared: prepareContext(instance.qjs) }
        }
        return true
      } catch {
        return false
      }
    }
  }
}

async function execute (p: PreparedContext, job: FunctionJob): Promise<FunctionOutcome> {
  const { runtime, context, state, builtins } = p
  runtime.setMemoryLimit(job.limits.memoryBytes)
  runtime.setMaxStackSize(job.limits.stackBytes)
  state.logBudget = job.limits.logBytes
  state.deadline = Date.now() + job.limits.timeMs
  if (job.fetch) installFetch(p, FETCH_GLUE)
  const owned: QuickJSHandle[] = []
  try {
    const made = call(p, owned, builtins.AsyncFunction, context.undefined, 'input', 'ctx', job.code)
    if (made.error != null) return failure(p, made.error, job)
    const input = call(p, owned, builtins.parse, builtins.JSON, job.input)
    if (input.error != null) return failure(p, input.error, job)
    const ctx = call(p, owned, builtins.parse, builtins.JSON, job.context)
    if (ctx.error != null) return failure(p, ctx.error, job)
    context.setProp(ctx.value, 'log', builtins.consoleLog)
    context.callFunction(builtins.freeze, context.undefined, ctx.value).dispose()
    const called = context.callFunction(made.value, context.undefined, input.value, ctx.value)
    if (called.error != null) return failure(p, called.error, job)
    return await settle(p, called.value, job)
  } finally {
    for (const h of owned) h.dispose()
  }
}

/** Calls `fn` with string arguments; the value handle (on success) joins `owned`. */
function call (p: PreparedContext, owned: QuickJSHandle[], fn: QuickJSHandle, self: QuickJSHandle, ...texts: string[]): { value: QuickJSHandle, error?: undefined } | { error: QuickJSHandle } {
  const { context } = p
  const args = texts.map(t => context.newString(t))
  try {
    const result = context.callFunction(fn, self, ...args)
    if (result.error != null) return { error: result.error }
    owned.push(result.value)
    return { value: result.value }
  } finally {
    for (const a of args) a.dispose()
  }
}

