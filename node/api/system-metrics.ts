/**
 * System metrics on a private prom-client `Registry` (never the global one, so two relays in
 * one process do not mix), fed by the engine's events:
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `qflow_executions_started_total` | counter | |
 * | `qflow_executions_finished_total` | counter | `status` (completed, failed, aborted) |
 * | `qflow_executions_active` | gauge | |
 * | `qflow_execution_duration_seconds` | histogram | `status` |
 * | `qflow_steps_total` | counter | `status` (completed, failed, retried) |
 * | `qflow_step_duration_seconds` | histogram | `action`, `status` |
 * | `qflow_errors_total` | counter | `type` (ErrorType), `scope` (step, execution) |
 * | `qflow_validation_cache_{hits,misses}` / `_hit_ratio` | gauge | (when a `validation` source is given) |
 * | `qflow_sandbox_workers` / `qflow_sandbox_workers_spawned` | gauge | `state` (when a `sandbox` source is given) |
 * | `qflow_peers` | gauge | (when a `peers` source is given) |
 *
 * Histograms use the same buckets so p50/p95/p99 are derivable (`histogram_quantile`); `json()`
 * gives the same figures with the quantiles estimated from the buckets.
 */
import { setMaxListeners } from 'node:events'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ExecutionEngine } from '../../src/index.js'

export interface SystemMetricsSources {
  /** The trust pipeline's validation cache (`pipeline.metrics().cache`). */
  validation?: () => { hits: number, misses: number }
  /** The sandbox pool (`PooledSandboxHost.stats()`). */
  sandbox?: () => { size: number, busy: number, queued: number, ready?: number, spawned?: number }
  /** Connected peers. */
  peers?: () => number
}

export interface SystemMetricsInit {
  engine: Pick<ExecutionEngine, 'events'>
  sources?: SystemMetricsSources
  /** Epoch ms (default `Date.now`). */
  now?: () => number
}

export interface Quantiles { count: number, sum: number, p50: number | null, p95: number | null, p99: number | null }

export interface SystemMetricsSnapshot {
  executions: { started: number, active: number, finished: Record<string, number>, durationSeconds: Quantiles }
  steps: { total: Record<string, number>, durationSeconds: Quantiles }
  errors: Record<string, number>
  validationCache?: { hits: number, misses: number, hitRate: number }
  sandbox?: Record<string, number>
  peers?: number
}

export interface SystemMetrics {
  readonly registry: Registry
  /** Prometheus text exposition. */
  text(): Promise<string>
  readonly contentType: string
  json(): Promise<SystemMetricsSnapshot>
  /** Stops listening to the engine. */
  close(): void
}

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

export function systemMetrics (init: SystemMetricsInit): SystemMetrics {
  const now = init.now ?? Date.now
  const registry = new Registry()
  const registers = [registry]
  const started = new Counter({ name: 'qflow_executions_started_total', help: 'Executions started', registers })
  const finished = new Counter({ name: 'qflow_executions_finished_total', help: 'Executions that reached a terminal status', labelNames: ['status'], registers })
  const active = new Gauge({ name: 'qflow_executions_active', help: 'Executions started and not finished (seen by this process)', registers })
  const execDuration = new Histogram({ name: 'qflow_execution_duration_seconds', help: 'Execution wall time, start to terminal status', labelNames: ['status'], buckets: LATENCY_BUCKETS, registers })
  const steps = new Counter({ name: 'qflow_steps_total', help: 'Step attempts by outcome', labelNames: ['status'], registers })
  const stepDuration = new Histogram({ name: 'qflow_step_duration_seconds', help: 'Step attempt duration', labelNames: ['action', 'status'], buckets: LATENCY_BUCKETS, registers })
  const errors = new Counter({ name: 'qflow_errors_total', help: 'Failures by ErrorType', labelNames: ['type', 'scope'], registers })
  const { validation, sandbox, peers } = init.sources ?? {}
  if (validation != null) {
    new Gauge({ name: 'qflow_validation_cache_hits', help: 'Validation cache hits', registers, collect () { this.set(validation().hits) } })
    new Gauge({ name: 'qflow_validation_cache_misses', help: 'Validation cache misses', registers, collect () { this.set(validation().misses) } })
    new Gauge({ name: 'qflow_validation_cache_hit_ratio', help: 'Validation cache hits / lookups', registers, collect () { this.set(hitRate(validation())) } })
  }
  if (sandbox != null) {
    new Gauge({
      name: 'qflow_sandbox_workers', help: 'Sandbox worker pool', labelNames: ['state'], registers,
      collect () {
        const s = sandbox()
        this.set({ state: 'size' }, s.size)
        this.set({ state: 'busy' }, s.busy)
        this.set({ state: 'queued' }, s.queued)
        if (s.ready != null) this.set({ state: 'ready' }, s.ready)
      }
    })
    new Gauge({ name: 'qflow_sandbox_workers_spawned', help: 'Sandbox workers spawned since start', registers, collect () { this.set(sandbox().spawned ?? 0) } })
  }
  if (peers != null) new Gauge({ name: 'qflow_peers', help: 'Connected peers', registers, collect () { this.set(peers()) } })

  const execStarts = new Map<string, number>()
  const stepStarts = new Map<string, { at: number, action: string }>()
  const stepKey = (d: { executionId: string, stepId: string, attempt: number }): string => `${d.executionId}\n${d.stepId}#${d.attempt}`
  const endStep = (d: { executionId: string, stepId: string, attempt: number }, status: string, durationMs?: number): void => {
    const key = stepKey(d)
    const start = stepStarts.get(key)
    stepStarts.delete(key)
    steps.inc({ status })
    const ms = durationMs ?? (start != null ? now() - start.at : undefined)
    if (ms != null) stepDuration.observe({ action: start?.action ?? 'unknown', status }, Math.max(0, ms) / 1000)
  }
  const endExecution = (executionId: string, status: string): void => {
    finished.inc({ status })
    const at = execStarts.get(executionId)
    if (at != null) {
      execStarts.delete(executionId)
      active.dec()
      execDuration.observe({ status }, Math.max(0, now() - at) / 1000)
    }
  }

  const { events } = init.engine
  const controller = new AbortController()
  // one signal removes every engine listener of this collector: more than the default 10 is by design
  setMaxListeners(Infinity, controller.signal)
  const on = <K extends Parameters<typeof events.addEventListener>[0]>(type: K, fn: (detail: any) => void): void => {
    events.addEventListener(type, ((evt: CustomEvent) => { fn(evt.detail) }) as never, { signal: controller.signal })
  }
  on('execution:started', (d: { executionId: string }) => {
    if (execStarts.has(d.executionId)) return
    started.inc()
    active.inc()
    execStarts.set(d.executionId, now())
  })
  on('execution:completed', (d: { executionId: string }) => { endExecution(d.executionId, 'completed') })
  on('execution:failed', (d: { executionId: string, error: { type: string } }) => {
    errors.inc({ type: d.error.type, scope: 'execution' })
    endExecution(d.executionId, 'failed')
  })
  on('execution:aborted', (d: { executionId: string }) => { endExecution(d.executionId, 'aborted') })
  on('step:started', (d: { executionId: string, stepId: string, attempt: number, action: string }) => {
    stepStarts.set(stepKey(d), { at: now(), action: d.action })
  })
  on('step:completed', (d: { executionId: string, stepId: string, attempt: number, durationMs: number }) => { endStep(d, 'completed', d.durationMs) })
  on('step:failed', (d: { executionId: string, stepId: string, attempt: number, error: { type: string } }) => {
    errors.inc({ type: d.error.type, scope: 'step' })
    endStep(d, 'failed')
  })
  on('step:retried', () => { steps.inc({ status: 'retried' }) })

  return {
    registry,
    contentType: registry.contentType,
    text: async () => await registry.metrics(),
    async json () {
      const byLabel = async (c: Counter<string> | Gauge<string>, label: string): Promise<Record<string, number>> => {
        const out: Record<string, number> = {}
        for (const v of (await c.get()).values) {
          const key = String(v.labels[label] ?? '')
          out[key] = (out[key] ?? 0) + v.value
        }
        return out
      }
      const total = async (c: Counter<string> | Gauge<string>): Promise<number> => (await c.get()).values.reduce((a, v) => a + v.value, 0)
      const snapshot: SystemMetricsSnapshot = {
        executions: {
          started: await total(started),
          active: await total(active),
          finished: await byLabel(finished, 'status'),
          durationSeconds: quantiles(await execDuration.get())
        },
        steps: { total: await byLabel(steps, 'status'), durationSeconds: quantiles(await stepDuration.get()) },
        errors: await byLabel(errors, 'type')
      }
      if (validation != null) {
        const v = validation()
        snapshot.validationCache = { hits: v.hits, misses: v.misses, hitRate: hitRate(v) }
      }
      if (sandbox != null) {
        const s = sandbox()
        snapshot.sandbox = Object.fromEntries(Object.entries(s).filter(([, n]) => typeof n === 'number'))
      }
      if (peers != null) snapshot.peers = peers()
      return snapshot
    },
    close: () => { controller.abort() }
  }
}

function hitRate (v: { hits: number, misses: number }): number {
  return v.hits + v.misses === 0 ? 0 : v.hits / (v.hits + v.misses)
}

/** Count, sum and quantiles of a histogram (all label sets merged), interpolated within buckets. */
function quantiles (metric: Awaited<ReturnType<Histogram<string>['get']>>): Quantiles {
  const buckets = new Map<number, number>()
  let count = 0
  let sum = 0
  for (const v of metric.values) {
    if (v.metricName?.endsWith('_bucket') === true) {
      const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le)
      buckets.set(le, (buckets.get(le) ?? 0) + v.value)
    } else if (v.metricName?.endsWith('_count') === true) count += v.value
    else if (v.metricName?.endsWith('_sum') === true) sum += v.value
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0])
  const q = (p: number): number | null => {
    if (count === 0) return null
    const rank = p * count
    let prevLe = 0
    let prevCount = 0
    for (const [le, cumulative] of sorted) {
      if (cumulative >= rank) {
        if (!Number.isFinite(le)) return prevLe // beyond the last finite bucket: its bound is the best estimate
        const inBucket = cumulative - prevCount
        return inBucket === 0 ? le : prevLe + (le - prevLe) * (rank - prevCount) / inBucket
      }
      prevLe = le
      prevCount = cumulative
    }
    return prevLe
  }
  return { count, sum, p50: q(0.5), p95: q(0.95), p99: q(0.99) }
}
