/**
 * The draft as YAML or JSON text, kept in sync both ways: builder edits rewrite the text unless
 * the user is editing it; text that parses becomes the draft at once; text that does not parse
 * stays as typed, with the line and column of the problem, and the draft keeps its last good state.
 */
import { createEffect, createSignal, on, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import { flowToText, textToFlow } from '../kernel/flow-text.js'
import type { TextFormat, TextProblem } from '../kernel/flow-text.js'
import type { FlowDraft } from '../kernel/draft-ops.js'

export interface TextViewProps {
  doc: FlowDraft
  onChange: (doc: FlowDraft) => void
}

export function TextView (props: TextViewProps): JSX.Element {
  const [format, setFormat] = createSignal<TextFormat>('yaml')
  const [text, setText] = createSignal('')
  const [problem, setProblem] = createSignal<TextProblem>()
  let editing = false
  let area: HTMLTextAreaElement | undefined

  createEffect(on([() => props.doc, format], ([doc, f]) => {
    if (problem() != null) return // never overwrite text the user has not fixed yet
    if (!editing) setText(flowToText(doc, f))
  }))

  const input = (value: string): void => {
    editing = true
    setText(value)
    const parsed = textToFlow(value, format())
    if (!parsed.ok) { setProblem(parsed.problem); return }
    setProblem(undefined)
    if (parsed.doc != null && typeof parsed.doc === 'object' && !Array.isArray(parsed.doc)) props.onChange(parsed.doc as FlowDraft)
    else setProblem({ line: 1, column: 1, message: 'a flow must be a mapping (an object), not ' + (Array.isArray(parsed.doc) ? 'a list' : typeof parsed.doc) })
  }
  const blur = (): void => {
    editing = false
    if (problem() == null) setText(flowToText(props.doc, format()))
  }
  const jump = (): void => {
    const p = problem()
    if (p == null || area == null) return
    const lines = text().split('\n')
    const offset = lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1
    area.focus()
    area.setSelectionRange(offset, offset)
  }

  return (
    <section class="text-view" aria-label="Flow as text">
      <header>
        <label>Format <select value={format()} disabled={problem() != null} onChange={e => setFormat(e.currentTarget.value as TextFormat)} data-testid="text-format">
          <option value="yaml">YAML</option><option value="json">JSON</option>
        </select></label>
      </header>
      <Show when={problem()}>{p => (
        <p class="field-error text-error" role="alert" data-testid="text-error" data-line={p().line} data-column={p().column}>
          <button type="button" class="link" onClick={jump}>line {p().line}, column {p().column}</button>: {p().message}
        </p>
      )}</Show>
      <textarea ref={area} data-testid="flow-text" spellcheck={false} value={text()} aria-invalid={problem() != null}
        onInput={e => input(e.currentTarget.value)} onBlur={blur} rows="24" />
    </section>
  )
}
