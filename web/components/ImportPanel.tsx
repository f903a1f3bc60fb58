/** Import a flow from a JSON or YAML file or pasted text; problems are listed and the text kept. */
import { createSignal, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { PathError } from '../../shared/errors.js'
import type { FlowDefinition } from '../../shared/flow.js'
import { loadFlow } from '../../src/index.js'
import type { ActionRegistry } from '../../src/index.js'

export interface ImportPanelProps { actions: ActionRegistry, owner: string, onImport: (flow: FlowDefinition) => Promise<void> }

export function ImportPanel (props: ImportPanelProps): JSX.Element {
  const [text, setText] = createSignal('')
  const [fileName, setFileName] = createSignal('pasted.yaml')
  const [problems, setProblems] = createSignal<PathError[]>([])
  const submit = async (): Promise<void> => {
    setProblems([])
    try {
      const { flow } = loadFlow(text(), { now: new Date().toISOString(), fileName: fileName(), actions: props.actions })
      if (flow.owner === 'local') flow.owner = props.owner
      await props.onImport(flow)
      setText('')
    } catch (err: any) {
      setProblems(Array.isArray(err?.errors) ? err.errors : [{ path: err?.line != null ? `line ${err.line}, column ${err.column}` : '(file)', message: err?.reason ?? err?.message ?? String(err) }])
    }
  }
  const readFile = async (file: File | undefined): Promise<void> => {
    if (file == null) return
    setFileName(file.name)
    setText(await file.text())
  }
  return (
    <details class="import-panel">
      <summary>Import JSON or YAML</summary>
      <input type="file" accept=".json,.yaml,.yml,application/json,text/yaml" aria-label="Flow file" onChange={e => { void readFile(e.currentTarget.files?.[0]) }} />
      <textarea rows="8" aria-label="Flow text to import" placeholder="…or paste a flow here" value={text()} onInput={e => setText(e.currentTarget.value)} />
      <button type="button" onClick={() => { void submit() }} disabled={text().trim() === ''} data-testid="import-flow">Import</button>
      <Show when={problems().length > 0}>
        <ul class="field-error" role="alert"><For each={problems()}>{p => <li>{p.path}: {p.message}</li>}</For></ul>
      </Show>
    </details>
  )
}
