/**
 * Cancellation of one step attempt. The AbortSignal handed to actions is created only when
 * an action reads it (most trivial actions never do, and AbortController is costly on the
 * hot path); the engine's own waits subscribe with `onAbort`.
 */
export class StepHandle {
  aborted = false
  reason: unknown
  private controller?: AbortController
  private listeners?: Array<(reason: unknown) => void>

  get signal (): AbortSignal {
    if (this.controller == null) {
      this.controller = new AbortController()
      if (this.aborted) this.controller.abort(this.reason)
    }
    return this.controller.signal
  }

  abort (reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    this.controller?.abort(reason)
    const listeners = this.listeners
    this.listeners = undefined
    if (listeners != null) for (const l of listeners) l(reason)
  }

  onAbort (listener: (reason: unknown) => void): void {
    if (this.aborted) listener(this.reason)
    else (this.listeners ??= []).push(listener)
  }

  /** Settles like `work`, or rejects with the abort reason as soon as the step is aborted. */
  race<T> (work: Promise<T>): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason)
    return new Promise<T>((resolve, reject) => {
      this.onAbort(reject)
      work.then(resolve, reject)
    })
  }
}
