/**
 * Typed engine events: the one seam the API, WebSocket streams, the durable store and the
 * dashboard observe. Names are `domain:past-tense`.
 */
import type { ExecutionError } from '../../shared/errors.js'
import type { ExecutionEvent, ExecutionStatus } from '../../shared/execution.js'

export interface ExecutionEventDetail { executionId: string, flowId: string }
export interface StatusDetail extends ExecutionEventDetail { status: ExecutionStatus }
export interface StepDetail extends ExecutionEventDetail { stepId: string, attempt: number }

export interface EngineEvents {
  'execution:queued': StatusDetail
  'execution:started': StatusDetail
  'execution:paused': StatusDetail
  'execution:resumed': StatusDetail
  'execution:completed': StatusDetail & { output: unknown }
  'execution:failed': StatusDetail & { error: ExecutionError }
  'execution:aborted': StatusDetail
  'step:started': StepDetail & { action: string }
  'step:completed': StepDetail & { output: unknown, durationMs: number, nodeId?: string }
  'step:failed': StepDetail & { error: ExecutionError }
  'step:retried': StepDetail & { error: ExecutionError, delayMs: number }
  'step:waiting': StepDetail & { event: string }
  'checkpoint:created': ExecutionEventDetail & { checkpointId: string }
  'checkpoint:restored': ExecutionEventDetail & { checkpointId: string }
  'circuit:opened': { target: string, failures: number }
  'circuit:closed': { target: string }
  /** An unfinished execution found in the store could not be loaded to resume it. */
  'recovery:failed': ExecutionEventDetail & { message: string }
  /** Every event appended to an execution's log, with its index. */
  'log:appended': ExecutionEventDetail & { index: number, event: ExecutionEvent }
}

/**
 * An EventTarget with typed `CustomEvent`s that skips building events nobody listens to
 * (the engine emits on its hot path).
 */
export class TypedEventEmitter<Events extends { [K in keyof Events]: unknown }> extends EventTarget {
  private readonly counts = new Map<string, number>()

  override addEventListener<K extends keyof Events & string> (type: K, listener: ((evt: CustomEvent<Events[K]>) => void) | EventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    if (listener == null) return
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1)
    super.addEventListener(type, listener as EventListener, options)
    const signal = typeof options === 'object' ? options.signal : undefined
    const once = typeof options === 'object' && options.once === true
    if (once || signal != null) {
      // keep the count honest for listeners that remove themselves
      const dec = (): void => { this.counts.set(type, Math.max(0, (this.counts.get(type) ?? 1) - 1)) }
      if (signal != null) signal.addEventListener('abort', dec, { once: true })
      if (once) super.addEventListener(type, dec, { once: true })
    }
  }

  override removeEventListener<K extends keyof Events & string> (type: K, listener: ((evt: CustomEvent<Events[K]>) => void) | EventListenerObject | null, options?: boolean | EventListenerOptions): void {
    if (listener == null) return
    this.counts.set(type, Math.max(0, (this.counts.get(type) ?? 1) - 1))
    super.removeEventListener(type, listener as EventListener, options)
  }

  /** Whether anything listens at all (lets emitters skip building event details). */
  hasListeners (): boolean {
    for (const n of this.counts.values()) if (n > 0) return true
    return false
  }

  listenerCount (type: keyof Events & string): number {
    return this.counts.get(type) ?? 0
  }

  safeDispatchEvent<K extends keyof Events & string> (type: K, detail: Events[K]): void {
    if ((this.counts.get(type) ?? 0) === 0) return
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }
}
