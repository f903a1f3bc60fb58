/**
 * Step deadlines on one clock timer. Arming and clearing a platform timer per step costs
 * more than the rest of a trivial step; here each step only adds and removes a map entry,
 * and one timer stays armed for the earliest deadline (re-armed only when an earlier one
 * arrives, or when it fires). Deadlines fire exactly on time.
 */
import type { Clock } from '../interface/clock.js'

interface Entry { at: number, fire: () => void }

export class Deadlines {
  private readonly entries = new Map<number, Entry>()
  private seq = 0
  private handle: unknown
  private armedAt = Number.POSITIVE_INFINITY

  constructor (private readonly clock: Clock) {}

  /** Calls `fire` after `ms` unless removed first; returns a token for `remove`. */
  add (ms: number, fire: () => void): number {
    const token = ++this.seq
    const at = this.clock.now() + ms
    this.entries.set(token, { at, fire })
    if (at < this.armedAt) this.arm(at)
    return token
  }

  remove (token: number): void {
    this.entries.delete(token)
  }

  private arm (at: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle)
    this.armedAt = at
    this.handle = this.clock.setTimeout(() => { this.sweep() }, Math.max(0, at - this.clock.now()))
    // a deadline alone must not keep a process alive once its work is gone (the timer stays
    // armed after the last step ended, until its time)
    this.clock.unref?.(this.handle)
  }

  private sweep (): void {
    this.handle = undefined
    this.armedAt = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    let next = Number.POSITIVE_INFINITY
    const due: Entry[] = []
    for (const [token, entry] of this.entries) {
      if (entry.at <= now) {
        this.entries.delete(token)
        due.push(entry)
      } else if (entry.at < next) next = entry.at
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next)
    for (const entry of due) entry.fire()
  }

  clear (): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle)
    this.handle = undefined
    this.armedAt = Number.POSITIVE_INFINITY
    this.entries.clear()
  }
}
