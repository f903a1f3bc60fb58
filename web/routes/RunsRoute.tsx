/** `#/runs`: execution history, newest first. */
import { For, Match, Switch } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { Badge, Empty, ErrorBox, Loading } from '../ui/states.js'

export function RunsRoute (): JSX.Element {
  const q = useQflow()
  const h = q.runs.history
  return (
    <section data-testid="runs-view">
      <h2>Executions</h2>
      <Switch>
        <Match when={h.error}><ErrorBox error={h.error} title="Could not read the history" /></Match>
        <Match when={h() == null}><Loading what="executions" /></Match>
        <Match when={h()!.length === 0}><Empty>No executions yet: open a flow and press Run.</Empty></Match>
        <Match when={h()}>{list => (
          <table class="list"><thead><tr><th>execution</th><th>flow</th><th>status</th><th>updated</th></tr></thead>
            <tbody><For each={list()}>{r => (
              <tr data-execution={r.executionId}>
                <td><a href={`#/runs/${encodeURIComponent(r.executionId)}`}>{r.executionId}</a></td>
                <td>{r.flowId}</td><td><Badge status={r.status} /></td><td>{new Date(r.updatedAt).toLocaleString()}</td>
              </tr>
            )}</For></tbody>
          </table>
        )}</Match>
      </Switch>
    </section>
  )
}
