/** Asks for the run's input as JSON; text that does not parse stays, with the reason. */
import { createSignal, Show } from 'solid-js'
import type { JSX } from 'solid-js'

export function RunDialog (props: { onStart: (input: Record<string, unknown>) => Promise<void>, onClose: () => void }): JSX.Element {
  const [text, setText] = createSignal('{\n  "name": "world"\n}')
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  const start = async (): Promise<void> => {
    let input: unknown
    try { input = JSON.parse(text()) } catch (err: any) { setError(`input: ${err.message}`); return }
    if (input == null || typeof input !== 'object' || Array.isArray(input)) { setError('input: must be a JSON object'); return }
    setBusy(true)
    try { await props.onStart(input as Record<string, unknown>) } catch (err: any) { setError(err?.message ?? String(err)) } finally { setBusy(false) }
  }
  return (
    <div class="dialog" role="dialog" aria-label="Run the flow" data-testid="run-dialog">
      <label for="run-input">Input (JSON)</label>
      <textarea id="run-input" rows="6" value={text()} onInput={e => { setText(e.currentTarget.value); setError(undefined) }} />
      <Show when={error()}><p class="field-error" role="alert">{error()}</p></Show>
      <div class="actions">
        <button type="button" onClick={() => props.onClose()}>Cancel</button>
        <button type="button" class="primary" disabled={busy()} onClick={() => { void start() }} data-testid="start-run">{busy() ? 'Starting…' : 'Start'}</button>
      </div>
    </div>
  )
}
