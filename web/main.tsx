/**
 * The browser entry: starts the tab node (identity, IndexedDB state, Web Worker sandbox,
 * engine), then mounts the dashboard on it. The network attaches later, when available.
 */
import { render } from 'solid-js/web'
import { createQflow, QflowProvider } from './bridge/context.js'
import { createTabNode } from './kernel/tab-node.js'
import type { TabNode } from './kernel/tab-node.js'
import { App } from './routes/App.js'
import './ui/styles.css'

declare global { interface Window { qflow?: { node: TabNode } } }

async function main (): Promise<void> {
  const root = document.getElementById('app')!
  try {
    const node = await createTabNode()
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
