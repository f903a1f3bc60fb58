/**
 * A > 256 KiB step output through the engine on the LevelDB store: the log stores it once as
 * its own block, and every snapshot written in the dozens of events after it links that block
 * instead of copying it (each snapshot block stays a small fraction of the output). A rollback
 * to a checkpoint before the step, GC, and a restart keep every snapshot loadable, and the
 * execution recovers with the full output and finishes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import type { ExecutionEngine } from '../../../src/engine/engine.js'
import type { BatchedLevelBlockstore } from '../../../node/platform/level-stores.js'
import { collectBytes } from '../../../src/state/datastore-io.js'
import { flow, log, start, task, testEngine } from '../../fixtures/engine.js'
import { openFs, tempDir } from './helpers.js'

const PAD = 300_000
const OUTPUT_BYTES = PAD + 2 // the output's JSON: a string of PAD characters
const FLOW = flow([
  log('first'),
  task('big', 'qflow.action.transform', { output: `\${$pad('', ${PAD}, 'a')}` }),
  ...Array.from({ length: 20 }, (_, i) => log(`a${i}`)),
  { id: 'wait', type: 'event-trigger', action: 'qflow.trigger.event', params: { event: 'large.go' } },
  ...Array.from({ length: 20 }, (_, i) => log(`b${i}`)),
  task('done', 'qflow.action.complete', { output: { len: '${$length(steps.big.output)}' } })
], { id: 'large-snapshots' })

interface Scan { snaps: number[], large: number }

/** Sizes of every snapshot block, and how many blocks are over the 256 KiB threshold. */
async function scan (blockstore: BatchedLevelBlockstore): Promise<Scan> {
  const out: Scan = { snaps: [], large: 0 }
  for await (const { bytes } of blockstore.getAll()) {
    const data = await collectBytes(bytes)
    if (data.length > 256 * 1024) out.large++
    let node: any
    try { node = dagCbor.decode(data) } catch { continue }
    if (node?.k === 'snap') out.snaps.push(data.length)
  }
  return out
}

function waitingCount (engine: ExecutionEngine): { reached: (n: number) => Promise<void> } {
  let seen = 0
  const waiters: Array<[number, () => void]> = []
  engine.events.addEventListener('step:waiting', () => {
    seen++
    for (const [n, resolve] of waiters) if (seen >= n) resolve()
  })
  return { reached: async (n) => { if (seen < n) await new Promise<void>(resolve => { waiters.push([n, resolve]) }) } }
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('snapshots of executions with a large output (engine, LevelDB)', () => {
  it('stay small, survive a rollback, GC and a restart, and the execution finishes with the full output', async () => {
    const tmp = await tempDir()
    cleanups.push(tmp.remove)
    let node = await openFs(tmp.dir)
    let closed = false
    cleanups.push(async () => { if (!closed) await node.close() })
    const first = testEngine({ store: node.store, init: { checkpointInterval: 0 } })
    const waiting = waitingCount(first.engine)
    const id = await start(first.engine, FLOW)
    await waiting.reached(1)
    await first.engine.persisted(id)

    await node.store.flush()
    const before = await scan(node.blockstore)
    expect(before.large).toBe(1) // the output, stored once by the log
    expect(before.snaps.length).toBeGreaterThanOrEqual(1)
    for (const size of before.snaps) expect(size).toBeLessThan(Math.min(64 * 1024, OUTPUT_BYTES / 4))
    const latest = await node.store.loadSnapshot(id) // taken after the large step: it holds the output
    expect(latest?.logIndex).toBeGreaterThanOrEqual(32)
    expect(((latest?.state as any).steps.big.output as string).length).toBe(PAD)

    // roll back to before the large step: it runs again, and later snapshots link its output too
    const cp = (await first.engine.getExecutionStatus(id)).checkpoints.find(c => c.stepId === 'big') // taken as `big` was next
    expect(cp).toBeDefined()
    await first.engine.restoreCheckpoint(id, cp!.checkpointId)
    await waiting.reached(2)
    await first.engine.persisted(id)
    await first.engine.stop()
    await node.store.gc()
    const rolled = await scan(node.blockstore)
    expect(rolled.large).toBe(2) // the log holds both runs' outputs; no snapshot copied one
    for (const size of rolled.snaps) expect(size).toBeLessThan(64 * 1024)
    await node.close()
    closed = true

    // restart: the latest snapshot resolves the output, and recovery runs the execution to its end
    node = await openFs(tmp.dir)
    closed = false
    const snapshot = await node.store.loadSnapshot(id)
    expect(((snapshot?.state as any).steps.big.output as string).length).toBe(PAD)
    const second = testEngine({ store: node.store, init: { checkpointInterval: 0 } })
    await second.engine.start()
    expect(((await second.engine.getExecutionStatus(id)).steps.big.output as string).length).toBe(PAD)
    expect(await second.engine.deliverEvent('large.go', {}, { executionId: id })).toBe(1)
    const done = await second.engine.waitForExecution(id)
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ len: PAD })

    await node.store.flush()
    const after = await scan(node.blockstore)
    expect(after.large).toBe(2) // the snapshots after the restart linked the stored output
    expect(after.snaps.length).toBeGreaterThan(rolled.snaps.length)
    for (const size of after.snaps) expect(size).toBeLessThan(64 * 1024)
    await second.engine.stop()
  }, 60_000)
})
