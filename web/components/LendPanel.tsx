/** "Lend this tab": the switch, what the tab announces, and the steps it has run for others. */
import { For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { VolunteerView } from '../kernel/network-seam.js'

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`
/** Tenths below 10 ms (a log step takes well under one), whole milliseconds above. */
const millis = (ms: number): string => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`

export function LendPanel (props: { volunteer: VolunteerView, onLend: (on: boolean) => void }): JSX.Element {
  const v = (): VolunteerView => props.volunteer
  return (
    <div class="card" data-testid="lend-panel" data-lending={String(v().lending)} data-steps-run={v().stepsRun}>
      <label><input type="checkbox" data-testid="lend-tab" checked={v().lending} onChange={e => props.onLend(e.currentTarget.checked)} /> Lend this tab</label>
      <small> · <span data-testid="steps-run">{v().stepsRun}</span> {v().stepsRun === 1 ? 'step' : 'steps'} run · {millis(v().cpuMs)} CPU given</small>
      <Show when={v().capabilities != null}>
        <p><small>Announces capabilities {(v().capabilities ?? []).join(', ')}; runs at most {plural(v().maxConcurrent ?? 1, 'step', 'steps')} at once.</small></p>
      </Show>
      <Show when={(v().recent ?? []).length > 0}>
        <table class="list" data-testid="lent-steps"><thead><tr><th>step</th><th>action</th><th>execution</th><th>result</th><th>time</th></tr></thead>
          <tbody><For each={v().recent}>{s => (
            <tr data-lent-step={s.stepId} data-ok={String(s.ok)}><td>{s.stepId}</td><td><code>{s.action}</code></td><td><code>{s.executionId.slice(0, 12)}…</code></td>
              <td>{s.ok ? 'completed' : 'failed'}</td><td>{millis(s.ms)}</td></tr>
          )}</For></tbody>
        </table>
      </Show>
    </div>
  )
}
