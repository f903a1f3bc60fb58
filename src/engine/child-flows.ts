/**
 * `qflow.module.flow`: child executions started by a step, watched until they end, and
 * aborted with the step that started them.
 */
import type { ExecutionState } from '../../shared/execution.js'
import type { ExecutionEngine } from './engine.js'
import { isTerminal } from './navigation.js'
import type { Run } from './run.js'

export class ChildFlows {
  /** `<parentExecutionId>/<stepId>` → child execution id. */
  private readonly children = new Map<string, string>()

  constructor (private readonly engine: ExecutionEngine, private readonly liveRun: (id: string) => Run | undefined) {}

  async start (run: Run, stepId: string, flowId: string, input: unknown): Promise<string> {
    const ctx = run.state.context
    const inputData = input != null && typeof input === 'object' && !Array.isArray(input) ? input as Record<string, unknown> : { value: input }
    return await this.engine.startExecution(flowId, {
      triggeredBy: ctx.triggeredBy, triggerType: 'event', inputData, variables: {}, permissions: ctx.permissions,
      ...(ctx.daoSubnet != null ? { daoSubnet: ctx.daoSubnet } : {})
    }, { parentExecutionId: run.id, parentStepId: stepId, bypassQueue: true })
  }

  /** Watches the child a step started; if it already ended (e.g. before a restart), settles now. */
  async watch (run: Run, stepId: string): Promise<void> {
    const childId = run.state.steps[stepId]?.childExecutionId
    if (childId == null) return
    this.children.set(`${run.id}/${stepId}`, childId)
    if (this.liveRun(childId) != null) return
    try {
      const child = await this.engine.getExecutionStatus(childId)
      if (child.status === 'completed' || child.status === 'failed' || child.status === 'aborted') this.settled(run, stepId, child)
    } catch (err) {
      const at = this.engine.clock.now()
      this.engine.record(run, [{
        type: 'step.failed', at, stepId, attempt: run.state.steps[stepId].attempt,
        error: { type: 'execution_error', message: `child execution ${childId} is lost: ${(err as Error).message}`, stepId, retryable: true, details: { childExecutionId: childId }, timestamp: new Date(at).toISOString() }
      }])
    }
  }

  /** Aborts the child of a cancelled step. */
  cancel (run: Run, stepId: string): void {
    const key = `${run.id}/${stepId}`
    const childId = this.children.get(key)
    if (childId == null) return
    this.children.delete(key)
    const child = this.liveRun(childId)
    if (child != null && !isTerminal(child.state)) this.engine.record(child, [{ type: 'execution.aborted', at: this.engine.clock.now(), reason: 'parent step cancelled' }])
  }

  /** A child ended: its output or error becomes the parent step's outcome. */
  settled (run: Run, stepId: string, child: ExecutionState): void {
    const s = run.state.steps[stepId]
    if (s == null || s.childExecutionId !== child.executionId || s.status !== 'running') return
    this.children.delete(`${run.id}/${stepId}`)
    const at = this.engine.clock.now()
    if (child.status === 'completed') {
      this.engine.record(run, [{ type: 'step.completed', at, stepId, attempt: s.attempt, output: child.output ?? null }])
      return
    }
    const cause = child.error
    this.engine.record(run, [{
      type: 'step.failed', at, stepId, attempt: s.attempt,
      error: {
        type: cause?.type ?? 'execution_error',
        message: `child execution ${child.executionId} ${child.status}${cause != null ? `: ${cause.message}` : ''}`,
        stepId, retryable: cause?.retryable ?? false, details: { childExecutionId: child.executionId }, timestamp: new Date(at).toISOString()
      }
    }])
  }
}
