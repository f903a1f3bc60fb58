/**
 * Engine benchmarks (issue 2): in-memory store, local dispatcher, real timers.
 * - per-step overhead of a 40-step sequential flow of trivial steps
 * - executions/s of a 3-step flow with 1,000 concurrent executions
 * - start latency p50/p99 (startExecution until the started event is stored)
 */
import type { FlowDefinition, FlowStep } from '../../shared/flow.js'
import { builtinRegistry, createExecutionEngine, localDispatcher, memoryStateStore, randomIds, systemClock } from '../../src/index.js'
import type { ExecutionEngine } from '../../src/index.js'
import { figure, percentile } from './stats.js'

function makeFlow (id: string, n: number): FlowDefinition {
  const steps: FlowStep[] = []
  for (let i = 0; i < n; i++) steps.push({ id: `s${i}`, type: 'task', action: 'qflow.action.transform', params: { output: { i } } })
  return {
    id, name: id, version: '1', owner: 'bench', steps,
    metadata: { tags: [], category: 'bench', visibility: 'private', requiredPermissions: [] },
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z'
  }
}

function newEngine (maxConcurrentFlows: number): ExecutionEngine {
  const actions = builtinRegistry()
  return createExecutionEngine({ maxConcurrentFlows, finishedCacheSize: 100 }, {
    store: memoryStateStore(), clock: systemClock(), actions, ids: randomIds(), dispatcher: localDispatcher(actions, { nodeId: 'bench' })
  })
}

async function runOne (engine: ExecutionEngine, flowId: string): Promise<void> {
  const id = await engine.startExecution(flowId)
  const state = await engine.waitForExecution(id)
  if (state.status !== 'completed') throw new Error(`bench execution ${state.status}: ${state.error?.message}`)
}

export async function benchEngine (print: (line: string) => void): Promise<void> {
  // 1. per-step overhead, 40-step sequential flow
  {
    const engine = newEngine(10)
    await engine.registerFlow(makeFlow('seq40', 40))
    await engine.registerFlow(makeFlow('seq1', 1))
    for (let i = 0; i < 50; i++) { await runOne(engine, 'seq40'); await runOne(engine, 'seq1') }
    const runs = 300
    let t0 = performance.now()
    for (let i = 0; i < runs; i++) await runOne(engine, 'seq40')
    const seq40 = performance.now() - t0
    t0 = performance.now()
    for (let i = 0; i < runs; i++) await runOne(engine, 'seq1')
    const seq1 = performance.now() - t0
    const perStep = (seq40 - seq1) / (runs * 39) * 1000
    print(figure('engine: per-step overhead, 40-step sequential flow', perStep, 'µs/step', { op: '<=', value: 50 }))
    print(figure('engine: 40-step flow end to end', seq40 / runs * 1000, 'µs/execution'))
  }
  // 2. throughput, 3-step flow, 1,000 concurrent executions
  {
    const engine = newEngine(1000)
    await engine.registerFlow(makeFlow('three', 3))
    const round = async (): Promise<number> => {
      const t0 = performance.now()
      const ids = await Promise.all(Array.from({ length: 1000 }, async () => await engine.startExecution('three')))
      await Promise.all(ids.map(async id => await engine.waitForExecution(id)))
      return performance.now() - t0
    }
    await round()
    await round()
    const rounds = 8
    let total = 0
    for (let i = 0; i < rounds; i++) total += await round()
    const perSec = rounds * 1000 / (total / 1000)
    print(figure('engine: 3-step executions/s, 1,000 concurrent', perSec, 'executions/s', { op: '>=', value: 20_000 }))
  }
  // 3. start latency
  {
    const engine = newEngine(100_000)
    await engine.registerFlow(makeFlow('three', 3))
    const samples: number[] = []
    const ids: string[] = []
    for (let i = 0; i < 6000; i++) {
      const t0 = performance.now()
      ids.push(await engine.startExecution('three'))
      if (i >= 1000) samples.push((performance.now() - t0) * 1000)
      if (ids.length >= 200) await Promise.all(ids.splice(0).map(async id => await engine.waitForExecution(id)))
    }
    await Promise.all(ids.map(async id => await engine.waitForExecution(id)))
    samples.sort((a, b) => a - b)
    print(figure('engine: start latency p50', percentile(samples, 50), 'µs'))
    print(figure('engine: start latency p99', percentile(samples, 99), 'µs', { op: '<=', value: 1000 }))
  }
}
