/** `#/runs/<id>`: the run live: the graph coloured by step state, controls, timeline, step details. */
import { createMemo, createSignal, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { FlowGraph } from '../components/FlowGraph.js'
import { RunControls } from '../components/RunControls.js'
import { StepDetails } from '../components/StepDetails.js'
import { Timeline } from '../components/Timeline.js'
import { edgesOf, layoutSteps } from '../kernel/flow-graph.js'
import type { DraftStep } from '../kernel/flow-graph.js'
import { Badge, ErrorBox, Loading } from '../ui/states.js'

export function RunRoute (props: { executionId: string }): JSX.Element {
  const q = useQflow()
  const run = q.runs.watch(props.executionId)
  const [selected, setSelected] = createSignal<string>()
  const steps = createMemo(() => (run.flow()?.steps ?? []) as DraftStep[])
  const edges = createMemo(() => edgesOf(steps()))
  const layout = createMemo(() => layoutSteps(steps(), edges()))
  return (
    <Show when={run.state()} fallback={<Show when={run.error()} fallback={<Loading what="the execution" />}>{e => <ErrorBox error={e()} title="Could not load the execution" />}</Show>}>
      {state => (
        <div class="run" data-testid="run-view" data-status={state().status}>
          <header class="toolbar">
            <h2>{run.flow()?.name ?? state().flowId}</h2>
            <Badge status={state().status} />
            <code class="muted">{state().executionId}</code>
            <progress max={steps().length} value={Object.values(state().steps).filter(s => s.status === 'completed' || s.status === 'skipped').length}
              aria-label="Steps finished" title="Steps finished" />
            <small class="muted" data-testid="log-length" data-count={run.log().length}>{run.log().length} events</small>
            <a href={`#/builder/${encodeURIComponent(state().flowId)}`}>Edit flow</a>
          </header>
          <RunControls state={state()} engine={q.node.engine} />
          <Show when={state().error}>{e => <ErrorBox error={e()} title={`Failed (${e().type})`} />}</Show>
          <div class="run-body">
            <FlowGraph steps={steps()} edges={edges()} position={k => layout().get(k) ?? { x: 0, y: 0 }} selected={selected()}
              statusOf={id => state().steps[id]?.status ?? 'pending'} onSelect={i => setSelected(String(steps()[i].id))} />
            <div>
              <Timeline state={state()} selected={selected()} onSelect={setSelected} />
              <Show when={selected()}>{id => <StepDetails stepId={id()} step={run.flow()?.steps.find(s => s.id === id())} summary={state().steps[id()]} />}</Show>
              <Show when={state().output !== undefined}><h4>Run output</h4><pre data-testid="run-output">{JSON.stringify(state().output, null, 2)}</pre></Show>
            </div>
          </div>
        </div>
      )}
    </Show>
  )
}
