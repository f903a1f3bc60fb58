/** `#/metrics`: throughput, step latency percentiles and errors by type, since the page loaded. */
import { For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type uPlot from 'uplot'
import { useQflow } from '../bridge/context.js'
import { Chart } from '../components/Chart.js'
import { Empty } from '../ui/states.js'

export function MetricsRoute (): JSX.Element {
  const { metrics } = useQflow()
  const col = (k: 't' | 'finished' | 'p50' | 'p95' | 'p99'): number[] => metrics.series().map(p => p[k])
  const errors = (): Array<[string, number]> => Object.entries(metrics.errors()).sort((a, b) => b[1] - a[1])
  const max = (): number => Math.max(1, ...errors().map(e => e[1]))
  return (
    <section data-testid="metrics-view">
      <h2>Metrics</h2>
      <p class="muted">{metrics.totals().completed} completed · {metrics.totals().failed} failed · {metrics.totals().steps} steps (recent history and live).</p>
      <Show when={metrics.series().length > 0} fallback={<Empty>No execution has finished yet: run a flow to see charts.</Empty>}>
        <div class="charts">
          <Chart title="Executions finished per second" series={[{ label: 'finished', stroke: '#2563eb' }]} data={[col('t'), col('finished')] as uPlot.AlignedData} />
          <Chart title="Step latency (ms)" series={[{ label: 'p50', stroke: '#16a34a' }, { label: 'p95', stroke: '#d97706' }, { label: 'p99', stroke: '#dc2626' }]}
            data={[col('t'), col('p50'), col('p95'), col('p99')] as uPlot.AlignedData} />
        </div>
      </Show>
      <h3>Errors by type</h3>
      <Show when={errors().length > 0} fallback={<p class="muted">No errors.</p>}>
        <ul class="bars"><For each={errors()}>{([type, n]) => (
          <li><span>{type}</span><span class="hbar" style={{ width: `${n / max() * 60}%` }} /> {n}</li>
        )}</For></ul>
      </Show>
    </section>
  )
}
