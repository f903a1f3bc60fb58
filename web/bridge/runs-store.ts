/**
 * Executions as Solid stores: the history (summaries from the state store) and, for each
 * execution being watched, its live state, refreshed on every engine event of that execution.
 */
import { createResource, createSignal, getOwner, onCleanup } from 'solid-js'
import type { Accessor, Resource } from 'solid-js'
import type { ExecutionEvent, ExecutionState } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'
import type { ExecutionSummary } from '../../src/index.js'
import type { TabNode } from '../kernel/tab-node.js'

export interface WatchedRun {
  state: Accessor<ExecutionState | undefined>
  flow: Accessor<FlowDefinition | undefined>
  log: Accessor<ExecutionEvent[]>
  error: Accessor<string | undefined>
}

export interface RunsStore {
  history: Resource<ExecutionSummary[]>
  watch(executionId: string): WatchedRun
  start(flowId: string, input: Record<string, unknown>): Promise<string>
}

const LIVE_EVENTS = ['log:appended'] as const

export function createRunsStore (node: TabNode): RunsStore {
  const [history, { refetch }] = createResource(async () =>
    (await node.store.listExecutions()).sort((a, b) => b.updatedAt - a.updatedAt))
  const watched = new Map<string, () => Promise<void>>()

  for (const type of LIVE_EVENTS) {
    node.engine.events.addEventListener(type, (evt) => { void watched.get(evt.detail.executionId)?.() })
  }
  for (const type of ['execution:started', 'execution:completed', 'execution:failed', 'execution:aborted', 'execution:paused'] as const) {
    node.engine.events.addEventListener(type, () => { void refetch() })
  }

  function watch (executionId: string): WatchedRun {
    const [state, setState] = createSignal<ExecutionState>()
    const [flow, setFlow] = createSignal<FlowDefinition>()
    const [log, setLog] = createSignal<ExecutionEvent[]>([])
    const [error, setError] = createSignal<string>()
    let pending = false
    let again = false
    const refresh = async (): Promise<void> => {
      // coalesce bursts of events into one read at a time
      if (pending) { again = true; return }
      pending = true
      try {
        do {
          again = false
          const events = await node.engine.getLog(executionId)
          const started = events.find(e => e.type === 'execution.started')
          if (started?.type === 'execution.started') setFlow(started.flow)
          setLog(events)
          setState(await node.engine.getExecutionStatus(executionId))
          setError(undefined)
        } while (again)
      } catch (err: any) {
        setError(err?.message ?? String(err))
      } finally {
        pending = false
      }
    }
    watched.set(executionId, refresh)
    if (getOwner() != null) onCleanup(() => { if (watched.get(executionId) === refresh) watched.delete(executionId) })
    void refresh()
    return { state, flow, log, error }
  }

  return {
    history,
    watch,
    async start (flowId, input) {
      const id = await node.engine.startExecution(flowId, { inputData: input, triggeredBy: node.identity.id, triggerType: 'manual' })
      void refetch()
      return id
    }
  }
}
