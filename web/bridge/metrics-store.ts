/**
 * Metrics of this node: executions finished per second, step latency percentiles per second and
 * errors by type. Starts from the stored history of recent executions, then follows engine events.
 */
import { createSignal } from 'solid-js'
import type { Accessor } from 'solid-js'
import type { TabNode } from '../kernel/tab-node.js'

export interface MetricsPoint { t: number, finished: number, p50: number, p95: number, p99: number }
export interface MetricsStore {
  series: Accessor<MetricsPoint[]>
  errors: Accessor<Record<string, number>>
  totals: Accessor<{ completed: number, failed: number, steps: number }>
}

/** Seconds with data that are kept (the charts' span). */
const KEEP = 300
/** Executions read from the store at start. */
const HISTORY = 100

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

export function createMetricsStore (node: TabNode): MetricsStore {
  const buckets = new Map<number, { finished: number, durations: number[] }>()
  const [series, setSeries] = createSignal<MetricsPoint[]>([])
  const [errors, setErrors] = createSignal<Record<string, number>>({})
  const [totals, setTotals] = createSignal({ completed: 0, failed: 0, steps: 0 })
  const bucket = (at: number): { finished: number, durations: number[] } => {
    const t = Math.floor(at / 1000)
    let b = buckets.get(t)
    if (b == null) {
      b = { finished: 0, durations: [] }
      buckets.set(t, b)
      const keys = [...buckets.keys()].sort((x, y) => x - y)
      for (const key of keys.slice(0, Math.max(0, keys.length - KEEP))) buckets.delete(key)
    }
    return b
  }
  const publish = (): void => {
    setSeries([...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, b]) => {
      const sorted = [...b.durations].sort((x, y) => x - y)
      return { t, finished: b.finished, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) }
    }))
  }
  const step = (at: number, ms: number): void => { bucket(at).durations.push(ms); setTotals(t => ({ ...t, steps: t.steps + 1 })) }
  const finished = (at: number, ok: boolean): void => {
    bucket(at).finished++
    setTotals(t => ok ? { ...t, completed: t.completed + 1 } : { ...t, failed: t.failed + 1 })
  }
  const error = (type: string): void => { setErrors(all => ({ ...all, [type]: (all[type] ?? 0) + 1 })) }

  const ev = node.engine.events
  ev.addEventListener('step:completed', (e) => { step(Date.now(), e.detail.durationMs); publish() })
  ev.addEventListener('execution:completed', () => { finished(Date.now(), true); publish() })
  ev.addEventListener('execution:failed', (e) => { finished(Date.now(), false); error(e.detail.error.type); publish() })
  ev.addEventListener('step:retried', (e) => { error(`${e.detail.error.type} (retried)`) })

  /** Folds the stored logs of recent finished executions in (live events count from now on). */
  async function backfill (): Promise<void> {
    const recent = (await node.store.listExecutions()).filter(s => s.status === 'completed' || s.status === 'failed')
      .sort((a, b) => b.updatedAt - a.updatedAt).slice(0, HISTORY)
    for (const summary of recent) {
      const state = await node.engine.getExecutionStatus(summary.executionId)
      for (const st of Object.values(state.steps)) {
        if (st.status === 'completed' && st.startedAt != null && st.endedAt != null) step(Date.parse(st.endedAt), Date.parse(st.endedAt) - Date.parse(st.startedAt))
      }
      finished(Date.parse(state.endTime ?? state.startTime), state.status === 'completed')
      if (state.error != null) error(state.error.type)
    }
    publish()
  }
  backfill().catch((err: Error) => {
    // metrics are a view: an unreadable history leaves the charts to live events
    console.error('qflow: metrics history could not be read: %s', err.message)
  })
  return { series, errors, totals }
}
