/**
 * The browser entry: starts the tab node (identity, IndexedDB state, Web Worker sandbox,
 * engine, and the libp2p network when a relay is configured), then mounts the dashboard on it.
 */
import { render } from 'solid-js/web'
import { createQflow, QflowProvider } from './bridge/context.js'
import { tabNetworkConfig } from './kernel/network-config.js'
import { createTabNode } from './kernel/tab-node.js'
import type { TabNode } from './kernel/tab-node.js'
import type { TabNetworkFactory } from './kernel/network-seam.js'
import { App } from './routes/App.js'
import './ui/styles.css'

declare global { interface Window { qflow?: { node: TabNode } } }

/**
 * The relays of the URL (`?relay=`), else of the page (`<meta name="qflow:relays">`, which a relay
 * serving the build may fill in), else of the build (`VITE_QFLOW_RELAYS`); a bad value or none
 * leaves the tab local, with the reason shown.
 */
const network: TabNetworkFactory = async (parts) => {
  const config = tabNetworkConfig({
    search: location.search,
    protocol: location.protocol,
    cores: navigator.hardwareConcurrency,
    builtInRelays: [document.querySelector<HTMLMetaElement>('meta[name="qflow:relays"]')?.content, import.meta.env.VITE_QFLOW_RELAYS].find(r => r != null && r.trim() !== '')
  })
  if (config.relays.length === 0) throw new Error('no relay configured (add ?relay=<multiaddr> to the address)')
  // libp2p is a chunk of its own: a tab without a relay never loads it
  const { libp2pTabNetwork } = await import('./platform/libp2p-tab-network.js')
  return await libp2pTabNetwork(config)(parts)
}

async function main (): Promise<void> {
  const root = document.getElementById('app')!
  try {
    const node = await createTabNode({ network })
    window.qflow = { node }
    addEventListener('pagehide', () => { void node.stop() })
    // a page restored from the back/forward cache has a stopped node: start afresh
    addEventListener('pageshow', (e) => { if (e.persisted) location.reload() })
    root.textContent = ''
    render(() => <QflowProvider value={createQflow(node)}><App /></QflowProvider>, root)
    performance.mark('qflow:interactive') // read by the dashboard benchmark
  } catch (err: any) {
    root.innerHTML = ''
    const p = Object.assign(document.createElement('p'), { className: 'state error', textContent: `The tab node could not start: ${err?.message ?? String(err)}` })
    p.setAttribute('role', 'alert')
    root.append(p)
  }
}

void main()
