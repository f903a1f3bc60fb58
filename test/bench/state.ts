/**
 * State store figures on the Node store (LevelDB under a data directory, batches written in
 * place; one line per figure): checkpoint (snapshot) save latency, sequential append latency,
 * append throughput with group commit across many concurrent executions (with the batch size
 * achieved), and the latency of one plain LevelDB put on the same disk as a reference.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Key } from 'interface-datastore'
import type { ExecutionEvent } from '../../shared/execution.js'
import { openNodeStateStore } from '../../node/platform/helia-node.js'

const MASTER = new Uint8Array(32).fill(3)

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

function stepEvents (i: number): ExecutionEvent[] {
  return [
    { type: 'step.started', at: i, stepId: `s${i}`, attempt: 1 },
    { type: 'step.completed', at: i + 1, stepId: `s${i}`, attempt: 1, output: { id: i, text: 'x'.repeat(200) }, logs: [`step ${i} done`] }
  ]
}

export async function benchState (print: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'qflow-bench-state-'))
  try {
    const node = await openNodeStateStore({ dataDir: dir, masterKey: MASTER })
    const { store } = node

    // checkpoint save: snapshot of a ~2 KiB state after each step of one execution
    await store.appendEvents('cp', stepEvents(0), { flowId: 'bench', status: 'running' })
    const saves = 400
    const state = { completed: Array.from({ length: 20 }, (_, i) => ({ stepId: `s${i}`, output: { text: 'y'.repeat(80) } })) }
    const saveMs: number[] = []
    for (let i = 0; i < saves; i++) {
      const t0 = performance.now()
      await store.saveSnapshot('cp', { checkpointId: `cp-${i}`, logIndex: 2, state })
      saveMs.push(performance.now() - t0)
    }
    saveMs.sort((a, b) => a - b)
    print(`state: checkpoint save p50 ${percentile(saveMs, 0.5).toFixed(2)} ms (level store, ${saves} saves, ~2 KiB state)`)
    print(`state: checkpoint save p99 ${percentile(saveMs, 0.99).toFixed(2)} ms (level store, goal <= 2 ms)`)

    // sequential durable appends of one execution (a step boundary each)
    const appendMs: number[] = []
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now()
      await store.appendEvents('seq', stepEvents(i), { flowId: 'bench', status: 'running' })
      appendMs.push(performance.now() - t0)
    }
    appendMs.sort((a, b) => a - b)
    print(`state: sequential append p50 ${percentile(appendMs, 0.5).toFixed(2)} ms, p99 ${percentile(appendMs, 0.99).toFixed(2)} ms (level store, 2 events per append)`)

    // group commit: many executions appending concurrently, each in order; the clock stops once
    // `flush()` resolved too (a no-op without write-ahead: acknowledged is written in place)
    const executions = 1000
    const rounds = 10
    await store.flush()
    const before = store.stats()
    const t0 = performance.now()
    await Promise.all(Array.from({ length: executions }, async (_, e) => {
      for (let r = 0; r < rounds; r++) {
        await store.appendEvents(`gc-${e}`, stepEvents(r), { flowId: 'bench', status: r === rounds - 1 ? 'completed' : 'running' })
      }
    }))
    const durable = (performance.now() - t0) / 1000
    await store.flush()
    const written = (performance.now() - t0) / 1000
    const after = store.stats()
    const ops = after.ops - before.ops
    const batches = after.batches - before.batches
    print(`state: group-commit append throughput ${Math.round(ops * 2 / written)} events/s, ${Math.round(ops / written)} appends/s (level store, ${executions} concurrent executions x ${rounds} appends, flush included)`)
    print(`state: group-commit durable-ack throughput ${Math.round(ops * 2 / durable)} events/s (acknowledged, before the final flush)`)
    print(`state: group-commit batch size ${(ops / batches).toFixed(1)} appends/batch average, ${after.largestBatch} largest (${batches} batches)`)

    // the disk itself, for reading the figures above on a shared machine
    const diskMs: number[] = []
    for (let i = 0; i < 200; i++) {
      const t1 = performance.now()
      await node.datastore.put(new Key(`/bench/probe${i % 10}`), new Uint8Array(512))
      diskMs.push(performance.now() - t1)
    }
    diskMs.sort((a, b) => a - b)
    print(`state: disk reference: one 512-byte datastore put p50 ${percentile(diskMs, 0.5).toFixed(2)} ms, p99 ${percentile(diskMs, 0.99).toFixed(2)} ms (LevelDatastore.put)`)
    await node.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
