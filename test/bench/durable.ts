/**
 * Durable engine figures (issue 3), end to end through `createNodeRuntime` on a data
 * directory (LevelDB store, checkpoint at every step boundary, the default there):
 * - ms per step of a 40-step sequential flow
 * - 3-step executions/s with 1,000 in flight, on the level store and on the in-memory store, and the ratio
 * - checkpoint save p50/p99 as the engine sees it (`engine.createCheckpoint()` on live executions)
 * - recovery: 1,000 in-flight executions of a killed process (`test/fixtures/crash-node.ts`)
 *   active again on a new runtime, then all completed
 * - the trust store's audit log: appends/s and CPU per append next to one Ed25519 signature (`durable-audit.ts`)
 * - the same engine over the two store backends in one run (no runtime, so no trust work):
 *   the earlier default (blockstore-fs + datastore-fs, write-ahead journal, WebCrypto) and
 *   the current one (LevelDB, batches written in place, node:crypto AES-GCM)
 * Store-level figures are in `state.ts`.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import type { FlowDefinition, FlowStep } from '../../shared/flow.js'
import { openNodeStateStore } from '../../node/platform/helia-node.js'
import { createNodeRuntime } from '../../node/runtime.js'
import type { NodeRuntime, NodeRuntimeInit } from '../../node/runtime.js'
import { builtinRegistry, createExecutionEngine, localDispatcher, randomIds, systemClock } from '../../src/index.js'
import type { HeliaStateStore } from '../../src/state/index.js'
import { heliaStateStore, localKeyring } from '../../src/state/index.js'
import { benchAudit } from './durable-audit.js'
import { figure, fmt, percentile } from './stats.js'

const crashNode = fileURLToPath(new URL('../fixtures/crash-node.ts', import.meta.url))

function makeFlow (id: string, steps: FlowStep[]): FlowDefinition {
  return {
    id, name: id, version: '1', owner: 'bench', steps,
    metadata: { tags: [], category: 'bench', visibility: 'private', requiredPermissions: [] },
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z'
  }
}

const transforms = (n: number): FlowStep[] => Array.from({ length: n }, (_, i) =>
  ({ id: `s${i}`, type: 'task', action: 'qflow.action.transform', params: { output: { i } } }))

/** A runtime on a fresh temp data directory (or in memory), removed by `close()`. */
async function runtimeOn (durable: boolean, init: NodeRuntimeInit = {}): Promise<NodeRuntime> {
  const dataDir = durable ? await mkdtemp(join(tmpdir(), 'qflow-bench-durable-')) : undefined
  const runtime = await createNodeRuntime({ sandbox: false, finishedCacheSize: 100, ...init, ...(dataDir != null ? { dataDir } : {}) })
  return {
    ...runtime,
    close: async () => {
      await runtime.close()
      if (dataDir != null) await rm(dataDir, { recursive: true, force: true })
    }
  }
}

async function runOne (runtime: NodeRuntime, flowId: string): Promise<void> {
  const state = await runtime.engine.waitForExecution(await runtime.engine.startExecution(flowId))
  if (state.status !== 'completed') throw new Error(`bench execution ${state.status}: ${state.error?.message}`)
}

/** 1. A 40-step sequential flow, one execution at a time. */
async function sequential (print: (line: string) => void): Promise<void> {
  const runtime = await runtimeOn(true, { maxConcurrentFlows: 10 })
  try {
    await runtime.engine.registerFlow(makeFlow('seq40', transforms(40)))
    await runtime.engine.registerFlow(makeFlow('seq1', transforms(1)))
    for (let i = 0; i < 10; i++) { await runOne(runtime, 'seq40'); await runOne(runtime, 'seq1') }
    const runs = 40
    let t0 = performance.now()
    for (let i = 0; i < runs; i++) await runOne(runtime, 'seq40')
    const seq40 = performance.now() - t0
    t0 = performance.now()
    for (let i = 0; i < runs; i++) await runOne(runtime, 'seq1')
    const seq1 = performance.now() - t0
    print(figure(`durable: 40-step sequential flow, per step (level store, checkpoint every step, snapshot block every 32 events, ${runs} executions = ${fmt(runs * 40)} steps)`,
      seq40 / (runs * 40), 'ms/step', { op: '<=', value: 2 }))
    print(figure('durable: 40-step sequential flow, marginal step (40-step minus 1-step execution time / 39)', (seq40 - seq1) / (runs * 39), 'ms/step'))
  } finally {
    await runtime.close()
  }
}

/** 2. 3-step executions, 1,000 in flight: level store, then memory store, same engine settings. */
async function throughput (durable: boolean): Promise<{ perSec: number, executions: number, audited?: number }> {
  const inFlight = 1000
  const runtime = await runtimeOn(durable, { maxConcurrentFlows: 2 * inFlight, checkpointInterval: 0 })
  try {
    const { engine } = runtime
    await engine.registerFlow(makeFlow('three', transforms(3)))
    const round = async (): Promise<void> => {
      const ids = await Promise.all(Array.from({ length: inFlight }, async () => await engine.startExecution('three')))
      const states = await Promise.all(ids.map(async id => await engine.waitForExecution(id)))
      if (states.some(s => s.status !== 'completed')) throw new Error('a bench execution did not complete')
    }
    await round()
    await runtime.durable?.store.flush()
    const rounds = 5
    const audit = runtime.trust.store
    const audit0 = await audit?.auditLength()
    const t0 = performance.now()
    for (let i = 0; i < rounds; i++) await round()
    await runtime.durable?.store.flush() // what the rounds journaled is in block files and record keys too
    const perSec = rounds * inFlight / ((performance.now() - t0) / 1000)
    // every start is one admission, one audit entry: how many of them are written (not still queued) by now
    const audited = audit != null && audit0 != null ? (await audit.auditLength() - audit0) / (rounds * inFlight) : undefined
    return { perSec, executions: rounds * inFlight, ...(audited != null ? { audited } : {}) }
  } finally {
    await runtime.close()
  }
}

/** 3. `engine.createCheckpoint()` on executions parked on an event wait after 20 steps. */
async function checkpoints (print: (line: string) => void): Promise<void> {
  const runtime = await runtimeOn(true)
  try {
    const { engine } = runtime
    const steps: FlowStep[] = Array.from({ length: 20 }, (_, i) =>
      ({ id: `s${i}`, type: 'task', action: 'qflow.action.transform', params: { output: { i, text: 'y'.repeat(80) } } }))
    steps.push({ id: 'park', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'bench.never' } })
    await engine.registerFlow(makeFlow('parked', steps))
    const executions = 20
    let waiting = 0
    const parked = new Promise<void>(resolve => {
      engine.events.addEventListener('step:waiting', () => { if (++waiting === executions) resolve() })
    })
    const ids = await Promise.all(Array.from({ length: executions }, async () => await engine.startExecution('parked')))
    await parked
    for (const id of ids) await engine.persisted(id)
    const samples: number[] = []
    const saves = 400
    for (let i = -40; i < saves; i++) {
      const t0 = performance.now()
      await engine.createCheckpoint(ids[(i + 40) % executions])
      if (i >= 0) samples.push(performance.now() - t0)
    }
    samples.sort((a, b) => a - b)
    const what = `${saves} checkpoints of ${executions} live executions, 20 steps done`
    print(figure(`durable: checkpoint save p50, engine.createCheckpoint() (level store, ${what})`, percentile(samples, 50), 'ms'))
    print(figure(`durable: checkpoint save p99, engine.createCheckpoint() (level store, ${what})`, percentile(samples, 99), 'ms', { op: '<=', value: 2 }))
  } finally {
    await runtime.close()
  }
}

/** Spawns the crash node; `ready` resolves once it printed a line starting with `word` (the caller kills it). */
function crashNodeUntil (dataDir: string, args: string[], word: string): { ready: Promise<void>, kill: () => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', crashNode, dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, QFLOW_MAX_CONCURRENT: '2000' }
  })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const ready = new Promise<void>((resolve, reject) => {
    let buffer = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('failed ')) reject(new Error(`crash node: ${line}`))
        if (line.startsWith(`${word} `)) resolve()
      }
    })
    child.once('exit', (code) => { reject(new Error(`the crash node exited (${code}) before "${word}"`)) })
    const limit = setTimeout(() => { reject(new Error(`the crash node printed no "${word}" within 120 s`)) }, 120_000)
    child.once('exit', () => { clearTimeout(limit) })
  })
  return {
    ready,
    kill: async () => {
      if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
      await exited
    }
  }
}

/** 4. Recovery of 1,000 executions in flight (parked on an event wait) after kill -9. */
async function recovery (print: (line: string) => void): Promise<void> {
  const executions = 1000
  const dataDir = await mkdtemp(join(tmpdir(), 'qflow-bench-recovery-'))
  const node = crashNodeUntil(dataDir, ['start', 'park', String(executions)], 'ready')
  try {
    await node.ready
  } finally {
    await node.kill()
  }
  try {
    const t0 = performance.now()
    const runtime = await createNodeRuntime({ dataDir, recover: true, sandbox: false, maxConcurrentFlows: 2 * executions, finishedCacheSize: 2 * executions })
    const active = performance.now() - t0
    try {
      const { engine } = runtime
      const ids = (await runtime.store.listExecutions({ active: true })).map(s => s.executionId)
      if (ids.length !== executions) throw new Error(`${ids.length} active executions after recovery, ${executions} expected`)
      const delivered = await engine.deliverEvent('bench.go', {})
      if (delivered !== executions) throw new Error(`the event reached ${delivered} executions, ${executions} expected`)
      const states = await Promise.all(ids.map(async id => await engine.waitForExecution(id)))
      if (states.some(s => s.status !== 'completed')) throw new Error('a recovered execution did not complete')
      const completed = performance.now() - t0
      print(figure(`durable: recovery, open + resume ${fmt(executions)} in-flight executions after kill -9 (until engine.start() resolved)`, active, 'ms', { op: '<=', value: 3000 }))
      print(figure(`durable: recovery, open until all ${fmt(executions)} completed (event delivered on resume, then a 20 ms delay and 1 step each)`, completed, 'ms'))
    } finally {
      await runtime.close()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The earlier Node default: one file per block and per pointer, write-ahead journal, WebCrypto only. */
async function fsJournalStore (dir: string): Promise<{ store: HeliaStateStore, close: () => Promise<void> }> {
  const blockstore = new FsBlockstore(join(dir, 'blocks'))
  const datastore = new FsDatastore(join(dir, 'datastore'))
  await blockstore.open()
  await datastore.open()
  const store = await heliaStateStore({ blockstore, datastore, keyring: await localKeyring({ datastore, masterKey: new Uint8Array(32).fill(3) }) })
  return { store, close: async () => { await store.close(); await blockstore.close(); await datastore.close() } }
}

/** 3-step executions/s (1,000 in flight, 3 rounds) and createCheckpoint p99 of the engine over one backend. */
async function engineOver (backend: 'fs-journal' | 'level'): Promise<{ perSec: number, p50: number, p99: number }> {
  const dir = await mkdtemp(join(tmpdir(), `qflow-bench-${backend}-`))
  const opened = backend === 'level' ? await openNodeStateStore({ dataDir: dir, masterKey: new Uint8Array(32).fill(3) }) : await fsJournalStore(dir)
  const actions = builtinRegistry([])
  const engine = createExecutionEngine({ checkpointInterval: 0, maxConcurrentFlows: 2000, finishedCacheSize: 100 }, {
    store: opened.store, clock: systemClock(), actions, ids: randomIds(), dispatcher: localDispatcher(actions, { nodeId: 'bench' })
  })
  try {
    await engine.registerFlow(makeFlow('three', transforms(3)))
    const round = async (): Promise<void> => {
      const ids = await Promise.all(Array.from({ length: 1000 }, async () => await engine.startExecution('three')))
      await Promise.all(ids.map(async id => await engine.waitForExecution(id)))
    }
    await round()
    await opened.store.flush()
    const t0 = performance.now()
    for (let i = 0; i < 3; i++) await round()
    await opened.store.flush()
    const perSec = 3000 / ((performance.now() - t0) / 1000)
    const steps: FlowStep[] = [...transforms(20), { id: 'park', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'bench.never' } }]
    await engine.registerFlow(makeFlow('parked', steps))
    const id = await engine.startExecution('parked')
    const parked = new Promise<void>(resolve => { engine.events.addEventListener('step:waiting', () => { resolve() }) })
    await parked
    await engine.persisted(id)
    const samples: number[] = []
    for (let i = -20; i < 200; i++) {
      const t1 = performance.now()
      await engine.createCheckpoint(id)
      if (i >= 0) samples.push(performance.now() - t1)
    }
    samples.sort((a, b) => a - b)
    return { perSec, p50: percentile(samples, 50), p99: percentile(samples, 99) }
  } finally {
    await engine.stop()
    await opened.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function backends (print: (line: string) => void): Promise<void> {
  const before = await engineOver('fs-journal')
  const after = await engineOver('level')
  print(`durable: backends in one run, engine only (3-step executions/s, 1,000 in flight | createCheckpoint p50 / p99): ` +
    `fs + journal + WebCrypto ${fmt(before.perSec)}/s | ${fmt(before.p50)} / ${fmt(before.p99)} ms; ` +
    `LevelDB in place + node:crypto ${fmt(after.perSec)}/s | ${fmt(after.p50)} / ${fmt(after.p99)} ms; throughput ratio ${(after.perSec / before.perSec).toFixed(2)}`)
}

export async function benchDurable (print: (line: string) => void): Promise<void> {
  await sequential(print)
  const fs = await throughput(true)
  const memory = await throughput(false)
  print(figure(`durable: 3-step executions/s, 1,000 in flight (level store, checkpoint every step, snapshot block every 32 events, ${fmt(fs.executions)} executions)`, fs.perSec, 'executions/s', { op: '>=', value: 2000 }))
  print(figure(`durable: 3-step executions/s, same workload on the in-memory store (${fmt(memory.executions)} executions)`, memory.perSec, 'executions/s'))
  print(`durable: level / in-memory throughput ratio: ${(fs.perSec / memory.perSec).toFixed(3)} (same run)`)
  if (fs.audited != null) print(`durable: audit entries written during those level-store rounds, per admission: ${fs.audited.toFixed(3)} (below 1: appends left queued, not counted in the rate)`)
  await benchAudit(print)
  await checkpoints(print)
  await recovery(print)
  await backends(print)
}
