/** The stored versions of a flow, newest first; one can be opened in the builder. */
import { createResource, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { FlowVersion } from '../../src/index.js'
import { ErrorBox, Loading } from '../ui/states.js'

export function VersionHistory (props: { load: () => Promise<FlowVersion[]>, onOpen: (v: FlowVersion) => void }): JSX.Element {
  const [versions] = createResource(props.load)
  return (
    <div class="versions" data-testid="versions">
      <Show when={!versions.loading} fallback={<Loading what="versions" />}>
        <Show when={!versions.error} fallback={<ErrorBox error={versions.error} />}>
          <ol reversed>
            <For each={[...(versions() ?? [])].reverse()}>{v => (
              <li><code title={v.versionId}>{v.versionId.slice(0, 12)}…</code> {new Date(v.createdAt).toLocaleString()} <button type="button" class="link" onClick={() => props.onOpen(v)}>open</button></li>
            )}</For>
          </ol>
        </Show>
      </Show>
    </div>
  )
}
