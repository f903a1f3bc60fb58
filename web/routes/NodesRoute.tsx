/** `#/nodes`: this tab, its identity (and a picker), and the network's relays and tabs when connected. */
import { createResource, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { NEW_IDENTITY, SESSION_KEY } from '../kernel/identity.js'
import { Empty } from '../ui/states.js'

export function NodesRoute (): JSX.Element {
  const q = useQflow()
  const [identities] = createResource(() => q.node.identities())
  const switchTo = (id: string): void => { sessionStorage.setItem(SESSION_KEY, id); location.reload() }
  const newIdentity = (): void => { sessionStorage.setItem(SESSION_KEY, NEW_IDENTITY); location.reload() }
  return (
    <section data-testid="nodes-view">
      <h2>Nodes</h2>
      <div class="card" data-testid="this-node">
        <h3>This tab</h3>
        <dl>
          <dt>Identity</dt><dd><code data-testid="identity-id">{q.node.identity.id}</code></dd>
          <dt>Peer id</dt><dd><code data-testid="peer-id">{q.node.identity.peerId}</code></dd>
          <dt>State</dt><dd>IndexedDB (Helia blocks), database <code>qflow/{q.node.identity.peerId}</code></dd>
          <dt>Sandbox</dt><dd>Web Workers (QuickJS / WebAssembly)</dd>
        </dl>
        <label>Run this tab as <select value={q.node.identity.id} onChange={e => switchTo(e.currentTarget.value)} aria-label="Identity">
          <For each={identities() ?? []}>{i => <option value={i.id}>{i.name} ({i.id.slice(-8)})</option>}</For>
        </select></label> <button type="button" onClick={newIdentity}>New identity</button>
      </div>
      <Show when={q.network.attached()} fallback={<Empty><span data-testid="no-relay">No relay connected: this tab works on its local state only.{q.node.networkError != null ? ` (${q.node.networkError})` : ''}</span></Empty>}>
        <Show when={q.network.volunteer()}>{v => (
          <label class="card"><input type="checkbox" checked={v().lending} onChange={e => { void q.network.setLending(e.currentTarget.checked) }} /> Lend this tab
            <small> · {v().stepsRun} steps run · {Math.round(v().cpuMs)} ms CPU given</small></label>
        )}</Show>
        <Show when={q.network.peers().length > 0} fallback={<Empty>No peers yet.</Empty>}>
          <table class="list"><thead><tr><th>peer</th><th>kind</th><th>load</th><th>latency</th><th>reputation</th><th>subnets</th></tr></thead>
            <tbody><For each={q.network.peers()}>{p => (
              <tr><td><code>{p.id.slice(0, 10)}…{p.id.slice(-6)}</code></td><td>{p.kind}</td><td>{p.load != null ? `${Math.round(p.load * 100)}%` : '—'}</td>
                <td>{p.latencyMs != null ? `${p.latencyMs} ms` : '—'}</td><td>{p.reputation ?? '—'}</td><td>{(p.subnets ?? []).join(', ') || '—'}</td></tr>
            )}</For></tbody>
          </table>
        </Show>
      </Show>
    </section>
  )
}
