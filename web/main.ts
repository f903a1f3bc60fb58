/**
 * The browser composition root. For now it builds an in-memory node in the tab and runs the
 * demo flow; the dashboard, IndexedDB state, Web Worker sandbox and libp2p arrive with their
 * issues and are injected here.
 */
import demoFlow from '../shared/examples/hello-world.yaml?raw'
import { builtinRegistry, createExecutionEngine, loadFlow, localDispatcher, memoryStateStore, randomIds, systemClock } from '../src/index.js'

async function main (): Promise<void> {
  const status = document.getElementById('status')!
  const result = document.getElementById('result')!
  const actions = builtinRegistry()
  const engine = createExecutionEngine({ nodeId: 'tab' }, {
    store: memoryStateStore(), clock: systemClock(), actions, ids: randomIds(), dispatcher: localDispatcher(actions, { nodeId: 'tab' })
  })
  const { flow } = loadFlow(demoFlow, { now: new Date().toISOString(), fileName: 'hello-world.yaml', actions })
  await engine.registerFlow(flow)
  const id = await engine.startExecution(flow.id, { inputData: { name: 'browser tab' } })
  const state = await engine.waitForExecution(id)
  status.textContent = `Demo flow ${state.flowId}: ${state.status}`
  result.textContent = JSON.stringify(state.output, null, 2)
}

void main()
