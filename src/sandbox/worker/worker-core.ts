/**
 * The worker side of the sandbox, shared by the Node (worker_threads) and browser (Web Worker)
 * entries: they only wire `post` and the message listener and say how QuickJS is instantiated.
 * Jobs run one after another; guest code only ever runs inside QuickJS or a WASM instance.
 */
import { ErrorType } from '../../../shared/errors.js'
import type { FetchReply, HostMessage, RunJob, WorkerMessage } from '../protocol.js'
import { functionRunner } from '../quickjs/function-runner.js'
import { quickJSInstances, type QuickJSFactory } from '../quickjs/instances.js'
import { runWasm } from '../wasm/wasm-runner.js'
import { logSink } from './log-sink.js'

export interface WorkerCoreInit {
  post(message: WorkerMessage): void
  /** Instantiates QuickJS on a given memory (compile the .wasm once, instantiate per call). */
  quickjs: QuickJSFactory
}

/** Returns the message handler. Posts `ready` once a context is warm for the first `warm` message. */
export function startWorkerCore (init: WorkerCoreInit): (message: HostMessage) => void {
  const { post } = init
  const runner = functionRunner(quickJSInstances(init.quickjs))
  const calls = new Map<number, { resolve(json: string): void, reject(err: Error): void }>()
  let nextCall = 0
  let ready = false
  /** Set once QuickJS state is suspect: no further job starts here (the host replaces us). */
  let broken = false
  /** Jobs and warm-ups run strictly in order. */
  let chain: Promise<void> = Promise.resolve()

  function fetchThroughHost (id: number, requestJson: string): Promise<string> {
    const call = ++nextCall
    return new Promise((resolve, reject) => {
      calls.set(call, { resolve, reject })
      post({ type: 'fetch', id, call, request: JSON.parse(requestJson) })
    })
  }

  function settleCall (reply: FetchReply): void {
    const pending = calls.get(reply.call)
    if (pending == null) return
    calls.delete(reply.call)
    if (reply.response != null) pending.resolve(reply.response)
    else pending.reject(Object.assign(new Error(reply.error?.message ?? 'fetch failed'), { name: reply.error?.name ?? 'Error' }))
  }

  async function warm (memoryBytes: number): Promise<void> {
    try {
      if (!await runner.recycle(memoryBytes)) throw new Error('no QuickJS context could be created')
      if (!ready) { ready = true; post({ type: 'ready' }) }
    } catch (err) {
      post({ type: 'fatal', message: `QuickJS failed to load: ${(err as Error)?.message ?? String(err)}` })
    }
  }

  async function run (job: RunJob): Promise<void> {
    if (broken) return
    const log = logSink(job.limits.logBytes, line => post({ type: 'log', id: job.id, line }))
    let retire = false
    try {
      const outcome = job.kind === 'wasm'
        ? runWasm(job, log)
        : await runner.run(job, { log: line => log.write(line), fetch: json => fetchThroughHost(job.id, json) })
      retire = outcome.retire === true
      post({ type: 'done', id: job.id, ...outcome })
    } catch (err) {
      retire = true
      post({ type: 'done', id: job.id, ok: false, retire, error: { type: ErrorType.EXECUTION_ERROR, name: 'Error', message: `sandbox worker failure: ${(err as Error)?.message ?? String(err)}` } })
    }
    calls.clear()
    // after the result is on its way: free this run's context and prepare the next one
    if (retire || (job.kind === 'function' && !await runner.recycle())) {
      broken = true
      if (!retire) post({ type: 'retire' })
    }
  }

  return (message: HostMessage) => {
    if (message.type === 'fetch-result') settleCall(message)
    else if (message.type === 'warm') chain = chain.then(() => warm(message.memoryBytes))
    else if (message.type === 'run') chain = chain.then(() => run(message))
  }
}
