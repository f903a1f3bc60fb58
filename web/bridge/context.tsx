/** One provider for the node and the stores built on its events; `useQflow()` reads it. */
import { createContext, useContext } from 'solid-js'
import type { JSX } from 'solid-js'
import type { TabNode } from '../kernel/tab-node.js'
import { createFlowsStore, type FlowsStore } from './flows-store.js'
import { createMetricsStore, type MetricsStore } from './metrics-store.js'
import { createRunsStore, type RunsStore } from './runs-store.js'
import { createNetworkStore, type NetworkStore } from './network-store.js'

export interface Qflow {
  node: TabNode
  flows: FlowsStore
  runs: RunsStore
  metrics: MetricsStore
  network: NetworkStore
}

const QflowContext = createContext<Qflow>()

export function createQflow (node: TabNode): Qflow {
  return { node, flows: createFlowsStore(node), runs: createRunsStore(node), metrics: createMetricsStore(node), network: createNetworkStore(node) }
}

export function QflowProvider (props: { value: Qflow, children: JSX.Element }): JSX.Element {
  return <QflowContext.Provider value={props.value}>{props.children}</QflowContext.Provider>
}

export function useQflow (): Qflow {
  const value = useContext(QflowContext)
  if (value == null) throw new Error('useQflow() must be called inside <QflowProvider>')
  return value
}
