/** Relays and peers the tab knows: kind, connection (WebRTC, relayed, WebSockets), load, latency, reputation, subnets. */
import { For } from 'solid-js'
import type { JSX } from 'solid-js'
import type { PeerView } from '../kernel/network-seam.js'

export function PeersTable (props: { peers: PeerView[] }): JSX.Element {
  return (
    <table class="list" data-testid="peers"><thead><tr><th>peer</th><th>kind</th><th>connection</th><th>load</th><th>latency</th><th>reputation</th><th>subnets</th><th>capabilities</th></tr></thead>
      <tbody><For each={props.peers}>{p => (
        <tr data-peer={p.id} data-kind={p.kind} data-transport={p.transport ?? ''} data-connected={String(p.connected ?? false)}>
          <td><code title={p.id}>{p.id.slice(0, 10)}…{p.id.slice(-6)}</code></td><td>{p.kind}</td>
          <td>{p.connected === true ? (p.transport ?? 'connected') : 'not connected'}</td>
          <td>{p.load != null ? `${Math.round(p.load * 100)}%` : '—'}</td>
          <td>{p.latencyMs != null ? `${p.latencyMs} ms` : '—'}</td><td>{p.reputation ?? '—'}</td>
          <td>{(p.subnets ?? []).join(', ') || '—'}</td><td>{(p.capabilities ?? []).join(', ') || '—'}</td></tr>
      )}</For></tbody>
    </table>
  )
}
