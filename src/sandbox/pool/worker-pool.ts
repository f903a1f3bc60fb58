/**
 * A warm pool of sandbox workers. Each worker runs one job at a time; a job that outlives its
 * backstop, is aborted, or whose worker dies takes the worker with it, and a fresh worker
 * replaces it, so the next job always finds a clean one. Consecutive start failures stop the
 * respawning (a broken install must not spin) until the next job asks again.
 */
import { ErrorType } from '../../../shared/errors.js'
import { AbortError, StepError } from '../../errors.js'
import { executionError, fromGuestError, resourceExhausted, sandboxTimeout } from '../errors.js'
import type { GuestRequest, RunJob, WorkerMessage } from '../protocol.js'
import type { SpawnWorker, WorkerPort } from './worker-port.js'

export interface PoolJobHooks {
  signal?: AbortSignal
  /** The guest's time limit (reported in the TIMEOUT_ERROR). */
  limitMs: number
  /** When, after the job is posted, the worker is terminated if it has not answered. */
  backstopMs: number
  onLog(line: string): void
  /** Performs a granted fetch; resolves with the response as JSON text. */
  onFetch?(request: GuestRequest): Promise<string>
}

export interface PoolStats { size: number, ready: number, busy: number, queued: number, spawned: number, replaced: number }

export interface WorkerPool {
  /** Spawns the workers now instead of on the first job. */
  start(): void
  run(job: DistributiveOmit<RunJob, 'id'>, hooks: PoolJobHooks): Promise<string>
  stop(): void
  stats(): PoolStats
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

interface Waiting { job: DistributiveOmit<RunJob, 'id'>, hooks: PoolJobHooks, resolve(output: string): void, reject(err: Error): void }
interface Active extends Waiting { id: number, cleanup(): void }
interface Slot { port: WorkerPort, ready: boolean, active?: Active }

const MAX_START_FAILURES = 3

export interface WorkerPoolInit {
  spawn: SpawnWorker
  /** Workers kept warm. */
  size: number
  /** The memory limit most jobs use: each new worker prepares a QuickJS context for it. */
  memoryBytes: number
}

export function workerPool ({ spawn, size, memoryBytes }: WorkerPoolInit): WorkerPool {
  const slots: Slot[] = []
  const queue: Waiting[] = []
  let nextId = 0
  let startFailures = 0
  let spawned = 0
  let replaced = 0
  let stopped = false

  function fill (): void {
    while (!stopped && slots.length < size && startFailures < MAX_START_FAILURES) {
      const slot: Slot = { port: spawn(), ready: false }
      spawned++
      slot.port.onMessage = message => onMessage(slot, message)
      slot.port.onExit = error => drop(slot, workerDeath(error), true)
      slots.push(slot)
      slot.port.post({ type: 'warm', memoryBytes })
    }
  }

  function onMessage (slot: Slot, m: WorkerMessage): void {
    const active = slot.active
    if (m.type === 'ready') { slot.ready = true; startFailures = 0; dispatch(); return }
    if (m.type === 'fatal') { drop(slot, new Error(m.message), true); return }
    if (m.type === 'retire') { retire(slot); return }
    if (active == null || m.id !== active.id) return
    if (m.type === 'log') active.hooks.onLog(String(m.line))
    else if (m.type === 'fetch') void relayFetch(slot, active, m.call, m.request)
    else if (m.type === 'done') {
      active.cleanup()
      slot.active = undefined
      if (m.ok) active.resolve(m.output)
      else active.reject(fromGuestError(m.error))
      if (m.retire === true) drop(slot, undefined, false)
      dispatch()
    }
  }

  async function relayFetch (slot: Slot, active: Active, call: number, request: GuestRequest): Promise<void> {
    let reply
    try {
      if (active.hooks.onFetch == null) throw Object.assign(new Error('network access is not granted'), { name: 'PermissionDeniedError' })
      reply = { response: await active.hooks.onFetch(request) }
    } catch (err) {
      const e = err as Error
      reply = { error: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? err) } }
    }
    if (slot.active === active) slot.port.post({ type: 'fetch-result', id: active.id, call, ...reply })
  }

  /** The worker starts nothing after `retire`: a job already handed to it goes back to the queue front. */
  function retire (slot: Slot): void {
    const active = slot.active
    slot.active = undefined
    if (active != null) {
      active.cleanup()
      queue.unshift(active)
    }
    drop(slot, undefined, false)
  }

  /** Removes a worker: terminates it, fails its job with `error`, and refills the pool. */
  function drop (slot: Slot, error: Error | undefined, died: boolean): void {
    const index = slots.indexOf(slot)
    if (index === -1) return
    slots.splice(index, 1)
    slot.port.onMessage = undefined
    slot.port.onExit = undefined
    slot.port.terminate()
    if (died && !slot.ready) startFailures++
    replaced++
    const active = slot.active
    slot.active = undefined
    if (active != null) {
      active.cleanup()
      active.reject(error ?? executionError('the sandbox worker was replaced'))
    }
    fill()
    if (slots.length === 0 && startFailures >= MAX_START_FAILURES) {
      const cause = executionError(`sandbox workers fail to start: ${error?.message ?? 'unknown error'}`, {}, true)
      for (const w of queue.splice(0)) w.reject(cause)
    }
    dispatch()
  }

  function dispatch (): void {
    for (const slot of slots) {
      if (queue.length === 0) break
      if (slot.ready && slot.active == null) assign(slot, queue.shift() as Waiting)
    }
    for (const slot of slots) slot.port.setBusy?.(slot.active != null || queue.length > 0)
  }

  function assign (slot: Slot, waiting: Waiting): void {
    const id = ++nextId
    const { hooks } = waiting
    const timer = setTimeout(() => drop(slot, sandboxTimeout(hooks.limitMs, 'terminated'), false), hooks.backstopMs)
    const onAbort = (): void => drop(slot, new AbortError('the sandbox run was aborted'), false)
    hooks.signal?.addEventListener('abort', onAbort, { once: true })
    slot.active = { ...waiting, id, cleanup: () => { clearTimeout(timer); hooks.signal?.removeEventListener('abort', onAbort) } }
    slot.port.post({ ...waiting.job, id } as RunJob)
  }

  return {
    start () { stopped = false; fill() },
    run (job, hooks) {
      return new Promise<string>((resolve, reject) => {
        if (stopped) { reject(executionError('the sandbox is stopped')); return }
        if (hooks.signal?.aborted === true) { reject(new AbortError('the sandbox run was aborted')); return }
        const waiting: Waiting = { job, hooks, resolve, reject }
        const leave = (): void => {
          const i = queue.indexOf(waiting)
          if (i !== -1) { queue.splice(i, 1); reject(new AbortError('the sandbox run was aborted')) }
        }
        hooks.signal?.addEventListener('abort', leave, { once: true })
        waiting.resolve = (v) => { hooks.signal?.removeEventListener('abort', leave); resolve(v) }
        waiting.reject = (e) => { hooks.signal?.removeEventListener('abort', leave); reject(e) }
        queue.push(waiting)
        if (startFailures >= MAX_START_FAILURES && slots.length === 0) startFailures = 0
        fill()
        dispatch()
      })
    },
    stop () {
      stopped = true
      for (const slot of slots.splice(0)) {
        slot.port.onMessage = undefined
        slot.port.onExit = undefined
        slot.port.terminate()
        slot.active?.cleanup()
        slot.active?.reject(new AbortError('the sandbox stopped'))
      }
      for (const w of queue.splice(0)) w.reject(new AbortError('the sandbox stopped'))
    },
    stats: () => ({
      size: slots.length,
      ready: slots.filter(s => s.ready).length,
      busy: slots.filter(s => s.active != null).length,
      queued: queue.length,
      spawned,
      replaced
    })
  }
}

/** How a worker that died by itself failed its job: Node reports its heap limit by code. */
export function workerDeath (error: Error & { code?: string }): StepError {
  if (error?.code === 'ERR_WORKER_OUT_OF_MEMORY') return resourceExhausted(`the sandbox worker ran out of memory: ${error.message}`)
  return new StepError(ErrorType.EXECUTION_ERROR, `the sandbox worker crashed: ${error?.message ?? String(error)}`, { retryable: true })
}
