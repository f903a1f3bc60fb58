/**
 * Group commit. Operations submitted while a commit is in flight (or within the same tick)
 * are committed together (one journal entry, or one write in place: see `journal.ts`), so
 * durability costs one round of I/O per batch, not per execution. Operations
 * with the same key (one execution, one flow) run in submission order; different keys are
 * prepared concurrently, a few at a time. `exclusive(fn)` runs `fn` with no commit in flight
 * (GC, import, re-encryption).
 */
import { StoreClosedError } from './errors.js'
import type { Tx } from './tx.js'

export interface CommitOp<T> {
  /** Serialisation key: `x:<executionId>` or `f:<flowId>`. */
  key: string
  /** Reads through `tx`, does the work, then stages its writes synchronously (or throws). */
  run(tx: Tx): Promise<T>
}

export interface GroupCommitOptions {
  /** Most operations in one batch (default 1024). */
  maxBatch?: number
  /**
   * How long the first operation of an idle writer waits for company, in ms. 0 (default)
   * waits one microtask: no added latency; batches still form while a commit is in flight.
   */
  delayMs?: number
}

export interface GroupWriterHooks {
  /** Runs after each batch has been answered, still holding the writer (starts journal compaction). */
  afterBatch?: () => Promise<void>
}

export interface CommitStats {
  batches: number
  ops: number
  largestBatch: number
  /** Failed background maintenance (journal compactions; each is retried). */
  maintenanceErrors: number
}

/** Keys whose operations are prepared concurrently within one batch. */
const PREPARE_WINDOW = 8

interface Entry {
  op?: CommitOp<unknown>
  fn?: () => Promise<unknown>
  resolve: (value: any) => void
  reject: (err: unknown) => void
  ok?: boolean
  value?: unknown
  error?: unknown
}

export class GroupWriter {
  readonly stats: CommitStats = { batches: 0, ops: 0, largestBatch: 0, maintenanceErrors: 0 }
  private queue: Entry[] = []
  private draining = false
  private closed = false
  private readonly maxBatch: number
  private readonly delayMs: number

  constructor (private readonly newTx: () => Tx, private readonly commit: (tx: Tx) => Promise<void>,
    options: GroupCommitOptions = {}, private readonly hooks: GroupWriterHooks = {}) {
    this.maxBatch = options.maxBatch ?? 1024
    this.delayMs = options.delayMs ?? 0
  }

  async submit<T> (op: CommitOp<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError()
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve, reject })
      this.kick()
    })
  }

  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError()
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject })
      this.kick()
    })
  }

  /** Waits for everything submitted so far, then refuses new work. */
  async close (): Promise<void> {
    if (this.closed) return
    await this.exclusive(async () => { this.closed = true })
  }

  private kick (): void {
    if (this.draining) return
    this.draining = true
    if (this.delayMs > 0) setTimeout(() => { void this.drain() }, this.delayMs)
    else queueMicrotask(() => { void this.drain() })
  }

  private async drain (): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const first = this.queue[0]
        if (first.fn != null) {
          this.queue.shift()
          await first.fn().then(first.resolve, first.reject)
          continue
        }
        let n = 1
        while (n < this.queue.length && n < this.maxBatch && this.queue[n].fn == null) n++
        await this.runBatch(this.queue.splice(0, n))
        // the batch's callers already have their answer: a failure here only delays maintenance
        await this.hooks.afterBatch?.().catch(() => { this.stats.maintenanceErrors++ })
      }
    } finally {
      this.draining = false
    }
  }

  private async runBatch (batch: Entry[]): Promise<void> {
    const tx = this.newTx()
    const groups = new Map<string, Entry[]>()
    for (const entry of batch) {
      const key = (entry.op as CommitOp<unknown>).key
      const group = groups.get(key)
      if (group == null) groups.set(key, [entry])
      else group.push(entry)
    }
    // a few keys at a time: enough to overlap reads that miss the cache, few enough that other
    // work waiting in the microtask queue (expression evaluations, the engine) is not starved
    // behind one slice of every operation of a large batch at each of its awaits
    const queue = [...groups.values()]
    let next = 0
    const prepare = async (): Promise<void> => {
      while (next < queue.length) {
        for (const entry of queue[next++]) {
          try {
            entry.value = await (entry.op as CommitOp<unknown>).run(tx)
            entry.ok = true
          } catch (err) {
            entry.error = err
          }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(PREPARE_WINDOW, queue.length) }, prepare))
    this.stats.batches++
    this.stats.ops += batch.length
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length)
    try {
      if (!tx.empty) await this.commit(tx)
    } catch (err) {
      for (const entry of batch) entry.reject(entry.ok === true ? err : entry.error)
      return
    }
    for (const entry of batch) {
      if (entry.ok === true) entry.resolve(entry.value)
      else entry.reject(entry.error)
    }
  }
}
