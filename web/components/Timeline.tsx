/** Steps in the order they started: a bar per step over the run's time span, with attempts and node. */
import { For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { ExecutionState, StepSummary } from '../../shared/execution.js'

const ms = (a?: string, b?: string): number | undefined => a != null && b != null ? Date.parse(b) - Date.parse(a) : undefined

export function Timeline (props: { state: ExecutionState, selected?: string, onSelect: (stepId: string) => void }): JSX.Element {
  const rows = (): Array<[string, StepSummary]> => Object.entries(props.state.steps)
    .filter(([, s]) => s.startedAt != null)
    .sort((a, b) => Date.parse(a[1].startedAt!) - Date.parse(b[1].startedAt!))
  const t0 = (): number => Date.parse(props.state.startTime)
  const span = (): number => Math.max(1, Math.max(...rows().map(([, s]) => Date.parse(s.endedAt ?? s.startedAt!)), t0() + 1) - t0())
  return (
    <Show when={rows().length > 0} fallback={<p class="state empty">No step has started yet.</p>}>
      <table class="timeline" data-testid="timeline">
        <thead><tr><th>step</th><th>state</th><th>duration</th><th>attempts</th><th>node</th><th class="bar-col">time</th></tr></thead>
        <tbody>
          <For each={rows()}>{([id, s]) => {
            const d = (): number | undefined => ms(s.startedAt, s.endedAt)
            const left = (): number => (Date.parse(s.startedAt!) - t0()) / span() * 100
            return (
              <tr class={props.selected === id ? 'selected' : ''} data-step-row={id} data-status={s.status} onClick={() => props.onSelect(id)}>
                <td><button type="button" class="link" onClick={() => props.onSelect(id)}>{id}</button></td>
                <td><span class={`badge status-${s.status}`}>{s.status}</span></td>
                <td>{d() != null ? `${d()} ms` : '…'}</td>
                <td>{s.attempts}{s.attempts > 1 ? ` (${s.attempts - 1} retr${s.attempts === 2 ? 'y' : 'ies'})` : ''}</td>
                <td class="node-id" title={s.nodeId} data-node={s.nodeId ?? ''}>{s.nodeId != null ? s.nodeId.slice(0, 8) + '…' + s.nodeId.slice(-6) : '—'}</td>
                <td class="bar-col"><div class={`bar status-${s.status}`} style={{ 'margin-left': `${left()}%`, width: `${Math.max(1, (d() ?? 0) / span() * 100)}%` }} /></td>
              </tr>
            )
          }}</For>
        </tbody>
      </table>
    </Show>
  )
}
