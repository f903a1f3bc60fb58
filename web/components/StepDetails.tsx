/** One step of a run: its params (input), output, error and logs. */
import { Show, For } from 'solid-js'
import type { JSX } from 'solid-js'
import type { StepSummary } from '../../shared/execution.js'
import type { FlowStep } from '../../shared/flow.js'

const json = (v: unknown): string => JSON.stringify(v, null, 2) ?? 'undefined'

export function StepDetails (props: { stepId: string, step?: FlowStep, summary?: StepSummary }): JSX.Element {
  return (
    <section class="step-details" data-testid="step-details" aria-label={`Step ${props.stepId}`}>
      <h3>{props.stepId} <Show when={props.summary}>{s => <span class={`badge status-${s().status}`}>{s().status}</span>}</Show></h3>
      <h4>Input (params)</h4>
      <pre>{json(props.step?.params ?? {})}</pre>
      <Show when={props.summary?.output !== undefined}><h4>Output</h4><pre data-testid="step-output">{json(props.summary?.output)}</pre></Show>
      <Show when={props.summary?.error}>{e => <><h4>Error</h4><pre class="error">{e().type}: {e().message}</pre></>}</Show>
      <h4>Logs</h4>
      <Show when={(props.summary?.logs?.length ?? 0) > 0} fallback={<p class="muted">No logs.</p>}>
        <pre class="logs"><For each={props.summary?.logs}>{l => <>{l}{'\n'}</>}</For></pre>
      </Show>
    </section>
  )
}
