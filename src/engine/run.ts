/**
 * The live side of one execution: its folded state, its in-memory log and the handles of
 * the work it has in flight (action AbortControllers, timers, event waits).
 */
import type { ExecutionEvent, ExecutionState } from '../../shared/execution.js'
import type { RunState } from './run-state.js'
import { toExecutionState } from './run-state.js'
import type { StepHandle } from './step-handle.js'

export class Run {
  readonly events: ExecutionEvent[]
  state: RunState
  /** Per running step: aborts its action, wait or child. */
  readonly controllers = new Map<string, StepHandle>()
  readonly timers = new Map<string, unknown>()
  /** The tail of this execution's write chain: appends stay ordered. */
  persisted: Promise<void> = Promise.resolve()
  /** Appends issued and not yet stored. */
  writing = 0
  /** Index of `events[0]` in the log (non-zero when loaded from a snapshot). */
  historyFrom = 0
  /** When the last checkpoint was taken (engine clock). */
  lastCheckpointAt = Number.NEGATIVE_INFINITY
  /** Log index of the latest snapshot (0: none yet). */
  lastSnapshotIndex = 0
  private waiters: Array<(state: ExecutionState) => void> = []

  constructor (state: RunState, events: ExecutionEvent[]) {
    this.state = state
    this.events = events
  }

  get id (): string { return this.state.executionId }

  /** Resolves at the next terminal status; rejects with the signal's reason if it aborts first. */
  settled (signal?: AbortSignal): Promise<ExecutionState> {
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      if (signal == null) {
        this.waiters.push(resolve)
        return
      }
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(state => { signal.removeEventListener('abort', onAbort); resolve(state) })
    })
  }

  notifySettled (view?: ExecutionState): void {
    const waiters = this.waiters
    this.waiters = []
    if (waiters.length === 0) return
    view ??= toExecutionState(this.state)
    for (const w of waiters) w(view)
  }
}
