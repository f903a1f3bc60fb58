/** `#/nodes`: this tab, its identity (and a picker), and the network's relays and tabs when connected. */
import { createResource, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import { useQflow } from '../bridge/context.js'
import { NEW_IDENTITY, SESSION_KEY } from '../kernel/identity.js'
import { LendPanel } from '../components/LendPanel.js'
import { PeersTable } from '../components/PeersTable.js'
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
        <Show when={q.network.addresses().length > 0} fallback={<p><small data-testid="tab-addresses" data-count="0">Not reachable yet: waiting for a relay reservation.</small></p>}>
          <details class="card" data-testid="tab-addresses" data-count={q.network.addresses().length}
            data-webrtc={String(q.network.addresses().some(a => a.includes('/webrtc')))}><summary>Reachable at {q.network.addresses().length} addresses</summary>
            <ul><For each={q.network.addresses()}>{a => <li><code>{a}</code></li>}</For></ul></details>
        </Show>
        <Show when={q.network.volunteer()}>{v => <LendPanel volunteer={v()} onLend={on => { void q.network.setLending(on) }} />}</Show>
        <Show when={q.network.peers().length > 0} fallback={<Empty>No peers yet.</Empty>}>
          <PeersTable peers={q.network.peers()} />
        </Show>
      </Show>
    </section>
  )
}
