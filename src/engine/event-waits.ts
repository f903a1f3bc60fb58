/**
 * Executions suspended on `qflow.trigger.event`, indexed by event name. Delivery checks
 * the step's optional `filter` (JSONata over the scope plus `event`, the payload) and
 * records `event.received`.
 */
import { toExecutionError } from '../errors.js'
import { evaluateExpression } from '../expr/index.js'
import type { ExecutionEngine } from './engine.js'
import type { Run } from './run.js'
import { expressionScope } from './step-runner.js'

interface Wait { run: Run, stepId: string }

export class EventWaits {
  private readonly byEvent = new Map<string, Map<string, Wait>>()

  constructor (private readonly engine: ExecutionEngine) {}

  add (run: Run, stepId: string): void {
    const event = run.state.steps[stepId]?.waitingFor?.event
    if (event == null) return
    let waits = this.byEvent.get(event)
    if (waits == null) {
      waits = new Map()
      this.byEvent.set(event, waits)
    }
    waits.set(`${run.id}/${stepId}`, { run, stepId })
  }

  remove (run: Run, stepId: string): void {
    for (const waits of this.byEvent.values()) waits.delete(`${run.id}/${stepId}`)
  }

  removeRun (run: Run): void {
    for (const waits of this.byEvent.values()) {
      for (const [key, w] of waits) if (w.run === run) waits.delete(key)
    }
  }

  clear (): void {
    this.byEvent.clear()
  }

  async deliver (event: string, payload: unknown, executionId?: string): Promise<number> {
    const waits = this.byEvent.get(event)
    if (waits == null) return 0
    let taken = 0
    for (const [key, w] of [...waits]) {
      if (executionId != null && w.run.id !== executionId) continue
      const s = w.run.state.steps[w.stepId]
      if (s?.status !== 'waiting' || s.waitingFor?.event !== event) {
        waits.delete(key)
        continue
      }
      waits.delete(key) // claimed: a concurrent delivery cannot take it too
      const attempt = s.attempt
      const filter = s.waitingFor.filter
      if (filter != null) {
        let pass: boolean
        try {
          pass = Boolean(await evaluateExpression(filter, { ...expressionScope(w.run, w.stepId, attempt), event: payload } as any, this.engine.expressions))
        } catch (err) {
          if (w.run.state.steps[w.stepId]?.attempt === attempt) {
            this.engine.record(w.run, [{ type: 'step.failed', at: this.engine.clock.now(), stepId: w.stepId, attempt, error: toExecutionError(err, this.engine.clock.now(), { stepId: w.stepId }) }])
          }
          continue
        }
        const still = w.run.state.steps[w.stepId]
        if (still?.status !== 'waiting' || still.attempt !== attempt) continue
        if (!pass) {
          waits.set(key, w)
          continue
        }
      }
      this.engine.record(w.run, [{ type: 'event.received', at: this.engine.clock.now(), stepId: w.stepId, event, payload: payload ?? null }])
      taken++
    }
    return taken
  }
}
