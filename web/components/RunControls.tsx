/** Pause, resume, abort and restore-from-checkpoint for one execution. */
import { createSignal, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { ExecutionState } from '../../shared/execution.js'
import type { ExecutionEngine } from '../../src/index.js'

export function RunControls (props: { state: ExecutionState, engine: ExecutionEngine }): JSX.Element {
  const [error, setError] = createSignal<string>()
  const [checkpoint, setCheckpoint] = createSignal('')
  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    setError(undefined)
    try { await fn() } catch (err: any) { setError(err?.message ?? String(err)) }
  }
  const id = (): string => props.state.executionId
  const s = (): string => props.state.status
  const live = (): boolean => s() === 'running' || s() === 'pending'
  return (
    <div class="run-controls" role="toolbar" aria-label="Execution controls">
      <button type="button" disabled={!live()} onClick={() => { void act(() => props.engine.pauseExecution(id())) }}>Pause</button>
      <button type="button" disabled={s() !== 'paused'} onClick={() => { void act(() => props.engine.resumeExecution(id())) }}>Resume</button>
      <button type="button" class="danger" disabled={!live() && s() !== 'paused'} onClick={() => { void act(() => props.engine.abortExecution(id(), 'aborted from the dashboard')) }}>Abort</button>
      <select value={checkpoint()} onChange={e => setCheckpoint(e.currentTarget.value)} aria-label="Checkpoint" disabled={props.state.checkpoints.length === 0}>
        <option value="">{props.state.checkpoints.length === 0 ? 'no checkpoints' : 'choose a checkpoint'}</option>
        <For each={props.state.checkpoints}>{c => <option value={c.checkpointId}>{c.stepId || '(start)'} · {new Date(c.timestamp).toLocaleTimeString()}</option>}</For>
      </select>
      <button type="button" disabled={checkpoint() === ''} onClick={() => { void act(() => props.engine.restoreCheckpoint(id(), checkpoint())) }}>Restore checkpoint</button>
      <Show when={error()}><span class="field-error" role="alert">{error()}</span></Show>
    </div>
  )
}
