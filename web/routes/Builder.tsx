/**
 * The visual builder: palette, graph, step form, flow settings, problems and the text view, all
 * editing one draft with undo/redo. Save stores a new version; Run saves and starts it.
 */
import { createMemo, createSignal, Show } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import type { JSX } from 'solid-js'
import type { FlowDefinition } from '../../shared/flow.js'
import { createDraftStore, draftKey, stepIndexOf } from '../bridge/draft-store.js'
import { useQflow } from '../bridge/context.js'
import { FlowGraph } from '../components/FlowGraph.js'
import { FlowSettings } from '../components/FlowSettings.js'
import { Palette } from '../components/Palette.js'
import { Problems } from '../components/Problems.js'
import { RunDialog } from '../components/RunDialog.js'
import { StepForm } from '../components/StepForm.js'
import { TextView } from '../components/TextView.js'
import { addStep, connect, removeStep, updateStep } from '../kernel/draft-ops.js'
import type { FlowDraft } from '../kernel/draft-ops.js'
import { edgesOf, layoutSteps, stepKey } from '../kernel/flow-graph.js'
import type { DraftStep, Point } from '../kernel/flow-graph.js'
import { navigate } from '../ui/router.js'
import { ErrorBox } from '../ui/states.js'

export function Builder (props: { initial: FlowDraft, restored: boolean }): JSX.Element {
  const q = useQflow()
  const draft = createDraftStore(props.initial, q.node.actions, localStorage)
  const [selected, setSelected] = createSignal<string>()
  // per-step store: dragging one step re-runs only the computations that read that step
  const [moved, setMoved] = createStore<Record<string, Point>>({})
  const [message, setMessage] = createSignal<string | undefined>(props.restored ? 'Restored your unsaved draft.' : undefined)
  const [saveError, setSaveError] = createSignal<unknown>()
  const [running, setRunning] = createSignal(false)
  const steps = createMemo(() => (Array.isArray(draft.doc().steps) ? draft.doc().steps! : []) as DraftStep[])
  const edges = createMemo(() => edgesOf(steps()))
  const layout = createMemo(() => layoutSteps(steps(), edges()))
  const position = (key: string): Point => moved[key] ?? layout().get(key) ?? { x: 0, y: 0 }
  const selectedIndex = (): number => steps().findIndex((s, i) => stepKey(s, i) === selected())
  const stepIds = (): string[] => steps().map(s => s.id).filter((id): id is string => typeof id === 'string')

  const add = (type: string, action: string): void => {
    const { draft: next, id } = addStep(draft.doc(), type, action)
    draft.commit(next)
    setSelected(id)
  }
  const changeStep = (index: number, step: DraftStep, field: string): void => {
    const before = stepKey(steps()[index], index)
    draft.commit(updateStep(draft.doc(), index, step), `step:${index}:${field}`)
    if (selected() === before) setSelected(stepKey(step, index))
  }
  const remove = (index: number): void => { draft.commit(removeStep(draft.doc(), index)); setSelected(undefined) }
  const pick = (path: string): void => { const i = stepIndexOf(path); if (i >= 0 && steps()[i] != null) setSelected(stepKey(steps()[i], i)) }

  async function save (): Promise<boolean> {
    setSaveError(undefined)
    try {
      const flow = { ...draft.doc(), updatedAt: new Date().toISOString() } as FlowDefinition
      await q.flows.save(flow)
      localStorage.removeItem(draftKey(String(flow.id)))
      setMessage(`Saved ${flow.name} at ${new Date().toLocaleTimeString()}.`)
      return true
    } catch (err) {
      setSaveError(err)
      return false
    }
  }
  async function run (input: Record<string, unknown>): Promise<void> {
    if (!await save()) return
    const id = await q.runs.start(String(draft.doc().id), input)
    navigate('runs', id)
  }
  const onKey = (e: KeyboardEvent): void => {
    const t = e.target as HTMLElement
    if (t.closest('input, textarea, select') != null || !(e.ctrlKey || e.metaKey)) return
    if (e.key === 'z' && !e.shiftKey) { draft.undo(); e.preventDefault() } else if (e.key === 'y' || (e.key === 'Z' && e.shiftKey) || (e.key === 'z' && e.shiftKey)) { draft.redo(); e.preventDefault() }
  }

  return (
    <div class="builder" onKeyDown={onKey} data-testid="builder">
      <header class="toolbar">
        <h2>{String(draft.doc().name ?? '')}</h2>
        <button type="button" onClick={() => draft.undo()} disabled={!draft.canUndo()} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" onClick={() => draft.redo()} disabled={!draft.canRedo()} title="Redo (Ctrl+Y)">Redo</button>
        <button type="button" onClick={() => setMoved(reconcile({}))}>Auto layout</button>
        <button type="button" onClick={() => { void save() }} disabled={!draft.validation().valid} data-testid="save-flow">Save</button>
        <button type="button" class="primary" onClick={() => setRunning(true)} disabled={!draft.validation().valid} data-testid="run-flow">Run…</button>
        <Show when={message()}><span class="note" role="status">{message()}</span></Show>
      </header>
      <Show when={saveError()}><ErrorBox error={saveError()} title="Not saved" /></Show>
      <Show when={running()}><RunDialog onStart={run} onClose={() => setRunning(false)} /></Show>
      <Palette actions={q.node.actions.list()} onAdd={add} />
      <main class="canvas">
        <Show when={steps().length > 0} fallback={<p class="state empty" data-testid="empty">No steps yet: pick a step type and action from the palette.</p>}>
          <FlowGraph steps={steps()} edges={edges()} position={position} editable selected={selected()}
            errorsOf={i => draft.validation().byStep.get(i)} onSelect={i => setSelected(stepKey(steps()[i], i))}
            onMove={(key, to) => setMoved(key, to)} onDelete={remove}
            onConnect={(from, kind, to) => draft.commit(connect(draft.doc(), from, kind, to))} />
        </Show>
        <Problems errors={draft.validation().errors} onPick={pick} />
      </main>
      <aside class="side">
        <Show when={selectedIndex() >= 0} fallback={<FlowSettings doc={draft.doc()} onChange={(d, f) => draft.commit(d, `flow:${f}`)} />}>
          <button type="button" class="link" onClick={() => setSelected(undefined)}>← Flow settings</button>
          <StepForm step={steps()[selectedIndex()]} index={selectedIndex()} actions={q.node.actions} stepIds={stepIds()}
            errors={draft.validation().byStep.get(selectedIndex()) ?? []} onChange={(s, f) => changeStep(selectedIndex(), s, f)} onDelete={() => remove(selectedIndex())} />
        </Show>
        <TextView doc={draft.doc()} onChange={d => draft.commit(d, 'text')} />
      </aside>
    </div>
  )
}
