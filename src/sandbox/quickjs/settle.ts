/**
 * Drives a called guest function to its end: pumps promise jobs (in batches, checking the
 * deadline), waits on granted host calls in between, and turns the settled promise into JSON
 * text or a classified error.
 */
import type { QuickJSHandle } from 'quickjs-emscripten-core'
import { ErrorType } from '../../../shared/errors.js'
import type { FunctionJob, GuestError } from '../protocol.js'
import { readGuestError } from './guest-error.js'
import type { PreparedContext } from './prepared-context.js'

export type FunctionOutcome = { ok: true, output: string, retire?: boolean } | { ok: false, error: GuestError, retire?: boolean }

/**
 * Time granted to read a failing guest's error (its getters run) after its own budget ran out.
 * The memory allowance only lifts QuickJS's per-allocation cap; the instance's memory is fixed.
 */
const CLEANUP_MS = 50
const CLEANUP_BYTES = 4 * 1024 * 1024
const JOB_BATCH = 256
const encoder = new TextEncoder()

/** Pumps promise jobs (and waits on granted host calls) until the guest's promise settles. */
export async function settle (p: PreparedContext, promise: QuickJSHandle, job: FunctionJob): Promise<FunctionOutcome> {
  const { runtime, context, state } = p
  try {
    for (;;) {
      const settled = context.getPromiseState(promise)
      if (settled.type !== 'pending' && Date.now() > state.deadline) {
        // e.g. a host callback (console.log's JSON) was interrupted and the guest then returned
        settled.type === 'fulfilled' ? settled.value.dispose() : settled.error.dispose()
        return interrupted('the deadline passed before the function returned')
      }
      if (settled.type === 'fulfilled') return fulfilled(p, settled.value, job)
      if (settled.type === 'rejected') return failure(p, settled.error, job)
      if (runtime.hasPendingJob()) {
        // in batches: a chain of tiny jobs may not reach QuickJS's own interrupt poll soon
        const ran = runtime.executePendingJobs(JOB_BATCH)
        if (ran.error != null) return failure(p, ran.error, job)
        if (Date.now() > state.deadline) return interrupted('interrupted between promise jobs')
        continue
      }
      if (state.pending.size === 0) {
        return { ok: false, error: { type: ErrorType.EXECUTION_ERROR, name: 'Error', message: 'the function never returns: it awaits a promise nothing can settle' } }
      }
      await waitForHost(p)
      if (Date.now() > state.deadline) return interrupted('interrupted while waiting for a host call')
    }
  } finally {
    promise.dispose()
  }
}

function interrupted (message: string): FunctionOutcome {
  return { ok: false, error: { type: ErrorType.TIMEOUT_ERROR, name: 'InternalError', message } }
}

function waitForHost (p: PreparedContext): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, Math.max(0, p.state.deadline - Date.now() + 1))
    function done (): void { clearTimeout(timer); p.state.wake = undefined; resolve() }
    p.state.wake = done
  })
}

function fulfilled (p: PreparedContext, value: QuickJSHandle, job: FunctionJob): FunctionOutcome {
  const { context, builtins } = p
  // stringify runs guest code (toJSON, getters): still under the deadline and memory limit
  const json = value.consume(v => context.callFunction(builtins.stringify, builtins.JSON, v))
  if (json.error != null) return failure(p, json.error, job)
  return json.value.consume(h => {
    if (context.typeof(h) !== 'string') return { ok: true, output: 'null' }
    const limit = job.limits.outputBytes
    const length = context.getProp(h, 'length').consume(n => context.getNumber(n))
    // UTF-8 never takes fewer bytes than UTF-16 code units: a long string is rejected unread
    if (length > limit) return tooLarge(limit)
    const output = context.getString(h)
    if (encoder.encode(output).byteLength > limit) return tooLarge(limit)
    return { ok: true, output }
  })
}

function tooLarge (limit: number): FunctionOutcome {
  return { ok: false, error: { type: ErrorType.RESOURCE_EXHAUSTED, name: 'OutputTooLarge', message: `output larger than ${limit} bytes` } }
}

export function failure (p: PreparedContext, handle: QuickJSHandle, job: FunctionJob): FunctionOutcome {
  const { runtime, context, state } = p
  const deadlinePassed = Date.now() > state.deadline
  state.deadline = Date.now() + CLEANUP_MS
  runtime.setMemoryLimit(job.limits.memoryBytes + CLEANUP_BYTES)
  try {
    return { ok: false, error: readGuestError(context, handle, deadlinePassed, state.memoryFull?.() === true) }
  } finally {
    handle.dispose()
  }
}
