/**
 * An `EventTarget`'s events of one type as an async iterator with a bounded buffer: a slow
 * consumer loses the oldest events (counted in `dropped`), never the producer's time or memory.
 * Hand-written (20 lines): the libraries that do this (it-pushable, p-event) are not direct
 * dependencies, and neither bounds its buffer.
 */
export interface IterateOptions<T> {
  /** Ends the iteration (no error). */
  signal?: AbortSignal
  /** Events kept for a slow consumer (default 1024). */
  bufferSize?: number
  /** Only events for which this is true. */
  filter?: (detail: T) => boolean
}

export interface EventIterator<T> extends AsyncIterableIterator<T> {
  /** Events dropped because the consumer fell `bufferSize` behind. */
  readonly dropped: number
}

export function iterateEvents<T> (target: EventTarget, type: string, options: IterateOptions<T> = {}): EventIterator<T> {
  const max = Math.max(1, options.bufferSize ?? 1024)
  const queue: T[] = []
  let wake: (() => void) | undefined
  let done = options.signal?.aborted === true
  let dropped = 0
  const listener = (evt: Event): void => {
    const detail = (evt as CustomEvent<T>).detail
    if (options.filter != null && !options.filter(detail)) return
    if (queue.length >= max) { queue.shift(); dropped++ }
    queue.push(detail)
    wake?.()
  }
  const finish = (): void => {
    done = true
    target.removeEventListener(type, listener)
    options.signal?.removeEventListener('abort', finish)
    wake?.()
  }
  if (!done) {
    target.addEventListener(type, listener)
    options.signal?.addEventListener('abort', finish, { once: true })
  }
  const it: EventIterator<T> = {
    get dropped () { return dropped },
    async next (): Promise<IteratorResult<T>> {
      while (queue.length === 0 && !done) await new Promise<void>(resolve => { wake = resolve })
      wake = undefined
      if (queue.length > 0) return { done: false, value: queue.shift() as T }
      return { done: true, value: undefined }
    },
    async return (): Promise<IteratorResult<T>> {
      finish()
      queue.length = 0
      return { done: true, value: undefined }
    },
    [Symbol.asyncIterator] () { return it }
  }
  return it
}
