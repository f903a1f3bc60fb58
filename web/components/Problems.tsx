/** Every validation problem of the draft, by path; clicking one selects its step. */
import { For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { PathError } from '../../shared/errors.js'

export function Problems (props: { errors: PathError[], onPick: (path: string) => void }): JSX.Element {
  return (
    <section class="problems" aria-label="Problems" data-testid="problems">
      <Show when={props.errors.length > 0} fallback={<p class="ok" data-testid="flow-valid">The flow is valid.</p>}>
        <h4>{props.errors.length} problem{props.errors.length === 1 ? '' : 's'}</h4>
        <ul>
          <For each={props.errors}>{e => (
            <li><button type="button" class="link" data-path={e.path} onClick={() => props.onPick(e.path)}>{e.path}</button>: {e.message}</li>
          )}</For>
        </ul>
      </Show>
    </section>
  )
}
