/** `#/flows`: the flows of this node: search, create, import, export, versions, run. */
import { createSignal, For, Match, Show, Switch } from 'solid-js'
import type { JSX } from 'solid-js'
import type { FlowDefinition } from '../../shared/flow.js'
import { useQflow } from '../bridge/context.js'
import { draftKey } from '../bridge/draft-store.js'
import { FlowFilters, matches, NO_FILTER } from '../components/FlowFilters.js'
import { ImportPanel } from '../components/ImportPanel.js'
import { VersionHistory } from '../components/VersionHistory.js'
import { flowToText } from '../kernel/flow-text.js'
import { downloadText } from '../ui/download.js'
import { navigate } from '../ui/router.js'
import { Empty, ErrorBox, Loading } from '../ui/states.js'

export function FlowsRoute (): JSX.Element {
  const q = useQflow()
  const [filter, setFilter] = createSignal(NO_FILTER)
  const [history, setHistory] = createSignal<string>()
  const list = q.flows.list
  const create = (): void => navigate('builder', `flow-${crypto.randomUUID().slice(0, 8)}`)
  const exportFlow = (flow: FlowDefinition, format: 'yaml' | 'json'): void =>
    downloadText(`${flow.id}.${format}`, flowToText(flow, format), format === 'json' ? 'application/json' : 'text/yaml')
  const openVersion = async (flowId: string, versionId: string): Promise<void> => {
    const flow = await q.flows.get(flowId, versionId)
    if (flow == null) return
    localStorage.setItem(draftKey(flowId), JSON.stringify(flow))
    navigate('builder', flowId)
  }
  return (
    <section data-testid="flows-view">
      <header class="toolbar">
        <h2>Flows</h2>
        <button type="button" class="primary" onClick={create} data-testid="new-flow">New flow</button>
      </header>
      <ImportPanel actions={q.node.actions} owner={q.node.identity.id} onImport={async f => { await q.flows.save(f) }} />
      <Switch>
        <Match when={list.error}><ErrorBox error={list.error} title="Could not list the flows" /></Match>
        <Match when={list() == null}><Loading what="flows" /></Match>
        <Match when={list()!.length === 0}><Empty>No flows yet. Create one or import a JSON or YAML file.</Empty></Match>
        <Match when={list()}>{flows => (
          <>
            <FlowFilters flows={flows()} value={filter()} onChange={setFilter} />
            <Show when={flows().filter(f => matches(f, filter())).length > 0} fallback={<Empty>No flow matches the search.</Empty>}>
              <ul class="flow-list">
                <For each={flows().filter(f => matches(f, filter()))}>{flow => (
                  <li data-flow={flow.id}>
                    <div><a href={`#/builder/${encodeURIComponent(flow.id)}`}><strong>{flow.name}</strong></a> <small class="muted">{flow.id} · v{flow.version} · {flow.metadata.category} · {flow.metadata.visibility}</small></div>
                    <div class="tags"><For each={flow.metadata.tags}>{t => <span class="tag">{t}</span>}</For></div>
                    <div class="row-actions">
                      <button type="button" onClick={() => exportFlow(flow, 'yaml')}>Export YAML</button>
                      <button type="button" onClick={() => exportFlow(flow, 'json')}>Export JSON</button>
                      <button type="button" onClick={() => setHistory(h => h === flow.id ? undefined : flow.id)}>Versions</button>
                      <button type="button" class="danger" onClick={() => { if (confirm(`Delete ${flow.name} and all its versions?`)) void q.flows.remove(flow.id) }}>Delete</button>
                    </div>
                    <Show when={history() === flow.id}>
                      <VersionHistory load={() => q.flows.versions(flow.id)} onOpen={v => { void openVersion(flow.id, v.versionId) }} />
                    </Show>
                  </li>
                )}</For>
              </ul>
            </Show>
          </>
        )}</Match>
      </Switch>
    </section>
  )
}
