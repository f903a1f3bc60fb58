import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { collectBytes } from '../../../src/state/datastore-io.js'
import { stateStoreTests, testEvents } from '../../compliance/state-store.js'
import { openBrowserStateStore } from '../../../web/platform/helia-browser.js'

const masterKey = new Uint8Array(32).fill(5)
const identity = (): string => `test-${globalThis.crypto.randomUUID()}`

stateStoreTests('helia (IndexedDB in Chromium)', async () => {
  const opened = await openBrowserStateStore({ identity: identity(), masterKey })
  return { store: opened.store, teardown: async () => opened.destroy() }
})

describe('helia store over IndexedDB', () => {
  it('replays the journal after reopening the same identity, and refuses the wrong key', async () => {
    const id = identity()
    const first = await openBrowserStateStore({ identity: id, masterKey })
    await first.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
    await first.store.saveSnapshot('e1', { checkpointId: 'cp', logIndex: 4, state: { ok: true } })
    // no store.close(): the journal is not compacted, as after a closed tab or a crash
    await first.blockstore.close()
    await first.datastore.close()
    await expect(openBrowserStateStore({ identity: id, masterKey: new Uint8Array(32).fill(6) })).rejects.toMatchObject({ name: 'WrongKeyError' })
    const second = await openBrowserStateStore({ identity: id, masterKey })
    expect(await second.store.readEvents('e1')).toEqual(testEvents('e1'))
    expect((await second.store.loadSnapshot('e1'))?.state).toEqual({ ok: true })
    expect((await second.store.listExecutions({ active: true })).map(s => s.executionId)).toEqual(['e1'])
    await second.destroy()
  })

  it('links a large output from snapshots instead of copying it, and loads it back after a reopen', async () => {
    const id = identity()
    const limit = 1024
    const big = { text: 'L'.repeat(8000) }
    const first = await openBrowserStateStore({ identity: id, masterKey, largeOutputThreshold: limit })
    await first.store.appendEvents('e1', [...testEvents('e1'), { type: 'step.completed', at: 9, stepId: 'big', attempt: 1, output: big }], { flowId: 'f1', status: 'running' })
    for (let n = 1; n <= 3; n++) await first.store.saveSnapshot('e1', { checkpointId: `cp-${n}`, logIndex: 5, state: { n, steps: { big: { output: big } } } })
    await first.store.flush()
    const sizes: Array<[string, number]> = []
    for await (const { bytes } of first.blockstore.getAll()) {
      const data = await collectBytes(bytes)
      let kind = 'raw'
      try { kind = (dagCbor.decode(data) as any)?.k ?? 'raw' } catch {}
      sizes.push([kind, data.length])
    }
    expect(sizes.filter(([kind, size]) => kind === 'raw' && size > limit)).toHaveLength(1) // the log's output, linked by all 3 snapshots
    expect(sizes.filter(([kind]) => kind === 'snap')).toHaveLength(3)
    for (const [kind, size] of sizes) if (kind === 'snap') expect(size).toBeLessThan(limit)
    await first.store.close()
    await first.blockstore.close()
    await first.datastore.close()
    const second = await openBrowserStateStore({ identity: id, masterKey, largeOutputThreshold: limit })
    expect((await second.store.loadSnapshot('e1', 'cp-2'))?.state).toEqual({ n: 2, steps: { big: { output: big } } })
    await second.destroy()
  })
})
