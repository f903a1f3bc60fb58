import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as dagCbor from '@ipld/dag-cbor'
import { stateStoreTests, testEvents, testFlow } from '../../compliance/state-store.js'
import { openNodeStateStore } from '../../../node/platform/helia-node.js'
import { openLevelStores } from '../../../node/platform/level-stores.js'
import { execKey } from '../../../src/state/keys.js'
import { decodeExec, encodeRecord } from '../../../src/state/records.js'
import { memoryHeliaStore, openFs, openFsJournal, tempDir } from './helpers.js'

stateStoreTests('helia (memory blockstore + datastore)', async () => {
  const { store } = await memoryHeliaStore()
  return { store, teardown: async () => store.close() }
})

stateStoreTests('helia (Node default: LevelDB, batches written in place)', async () => {
  const tmp = await tempDir()
  const node = await openFs(tmp.dir)
  return { store: node.store, teardown: async () => { await node.close(); await tmp.remove() } }
})

stateStoreTests('helia (fs blockstore + datastore, write-ahead journal)', async () => {
  const tmp = await tempDir()
  const node = await openFsJournal(tmp.dir)
  return { store: node.store, teardown: async () => { await node.close(); await tmp.remove() } }
})

describe('helia store on the file system', () => {
  it('refuses a data directory of the earlier file-per-block layout, naming it', async () => {
    const tmp = await tempDir()
    try {
      await mkdir(join(tmp.dir, 'datastore'))
      await expect(openFs(tmp.dir)).rejects.toMatchObject({ name: 'DataDirLayoutError', message: expect.stringContaining(tmp.dir) })
    } finally {
      await tmp.remove()
    }
  })

  it('sees everything again after reopening the same directory', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFs(tmp.dir)
      const v1 = await first.store.putFlow(testFlow('f1'))
      const v2 = await first.store.putFlow(testFlow('f1', { version: '2.0.0' }))
      await first.store.appendEvents('live', testEvents('live'), { flowId: 'f1', status: 'running' })
      await first.store.saveSnapshot('live', { checkpointId: 'cp-1', logIndex: 4, state: { at: 'cp-1' } })
      await first.store.appendEvents('done', testEvents('done'), { flowId: 'f1', status: 'completed' })
      const head = await first.store.getHead('live')
      await first.close()

      const second = await openFs(tmp.dir)
      const { store } = second
      expect((await store.listFlowVersions('f1')).map(v => v.versionId)).toEqual([v1.versionId, v2.versionId])
      expect((await store.getFlow('f1'))?.version).toBe('2.0.0')
      expect(await store.readEvents('live')).toEqual(testEvents('live'))
      expect(await store.readEvents('done')).toEqual(testEvents('done'))
      expect((await store.getHead('live'))?.equals(head)).toBe(true)
      expect((await store.listExecutions({ active: true })).map(s => s.executionId)).toEqual(['live'])
      expect(await store.loadSnapshot('live')).toEqual({ checkpointId: 'cp-1', logIndex: 4, state: { at: 'cp-1' } })
      await store.appendEvents('live', [{ type: 'execution.paused', at: 9 }], { flowId: 'f1', status: 'paused' })
      expect((await store.readEvents('live', 4))).toEqual([{ type: 'execution.paused', at: 9 }])
      await second.close()
    } finally {
      await tmp.remove()
    }
  })

  it('repairs a record left in both the active and terminal sets by a crash', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFs(tmp.dir)
      await first.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      await first.store.appendEvents('e1', [{ type: 'execution.aborted', at: 5 }], { flowId: 'f1', status: 'aborted' })
      await first.close()
      // simulate the crash window: the terminal record was written, the active one not yet deleted
      const stores = await openLevelStores(tmp.dir)
      const terminal = decodeExec(await stores.datastore.get(execKey('e1', 't')))
      await stores.datastore.put(execKey('e1', 'a'), encodeRecord({ ...terminal, status: 'running', rev: terminal.rev - 1 }))
      await stores.close()

      const second = await openFs(tmp.dir)
      expect(await second.store.listExecutions({ active: true })).toEqual([])
      expect((await second.store.listExecutions())[0].status).toBe('aborted')
      await second.close()
    } finally {
      await tmp.remove()
    }
  })
})

describe('node composition', () => {
  it('runs with a light Helia over the same blockstore, keeping its PeerId across restarts', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFs(tmp.dir, { networking: { libp2p: {} } })
      const peerId = (first.helia as any).libp2p.peerId.toString()
      await first.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      const head = await first.store.getHead('e1')
      await first.store.flush() // journaled blocks reach the shared blockstore
      expect(await first.helia?.blockstore.has(head as any)).toBe(true)
      await first.close()
      const second = await openFs(tmp.dir, { networking: { libp2p: {} } })
      expect((second.helia as any).libp2p.peerId.toString()).toBe(peerId)
      expect(await second.store.readEvents('e1')).toEqual(testEvents('e1'))
      await second.close()
    } finally {
      await tmp.remove()
    }
  })

  it('creates a master key file when given neither key nor passphrase', async () => {
    const tmp = await tempDir()
    try {
      const first = await openNodeStateStore({ dataDir: tmp.dir })
      await first.store.putFlow(testFlow('f1'))
      await first.close()
      expect((await stat(join(tmp.dir, 'master.key'))).mode & 0o777).toBe(0o600)
      const second = await openNodeStateStore({ dataDir: tmp.dir })
      expect(await second.store.getFlow('f1')).toEqual(testFlow('f1'))
      await second.close()
    } finally {
      await tmp.remove()
    }
  })
})

describe('group commit', () => {
  it('writes concurrent appends of many executions in shared batches, each log ordered', async () => {
    const { store } = await memoryHeliaStore()
    const ids = Array.from({ length: 200 }, (_, i) => `e${i}`)
    await Promise.all(ids.map(async id => {
      for (let step = 0; step < 3; step++) {
        await store.appendEvents(id, [{ type: 'step.started', at: step, stepId: `s${step}`, attempt: 1 }], { flowId: 'f', status: 'running' })
      }
    }))
    const stats = store.stats()
    expect(stats.ops).toBe(600)
    expect(stats.batches).toBeLessThan(600)
    expect(stats.largestBatch).toBeGreaterThan(100)
    for (const id of ids.slice(0, 5)) expect((await store.readEvents(id)).map((e: any) => e.stepId)).toEqual(['s0', 's1', 's2'])
    await store.close()
  })

  it('fails one bad operation without failing its batch', async () => {
    const { store } = await memoryHeliaStore()
    const results = await Promise.allSettled([
      store.appendEvents('ok', [{ type: 'execution.paused', at: 1 }], { flowId: 'f', status: 'paused' }),
      store.saveSnapshot('missing', { checkpointId: 'cp', logIndex: 0, state: {} })
    ])
    expect(results.map(r => r.status)).toEqual(['fulfilled', 'rejected'])
    expect((results[1] as PromiseRejectedResult).reason.name).toBe('NotFoundError')
    expect(await store.readEvents('ok')).toEqual([{ type: 'execution.paused', at: 1 }])
    await store.close()
  })

  it('refuses writes after close', async () => {
    const { store } = await memoryHeliaStore()
    await store.close()
    await expect(store.appendEvents('e', [], { flowId: 'f', status: 'running' })).rejects.toThrow(/closed/)
  })
})

describe('execution records', () => {
  it('are JSON with links as { "/": CID }, and records of the earlier dag-cbor format still read', async () => {
    const { store, datastore } = await memoryHeliaStore({ journal: { writeAhead: false } })
    await store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
    const bytes = await datastore.get(execKey('e1', 'a'))
    const json = JSON.parse(new TextDecoder().decode(bytes))
    const head = await store.getHead('e1')
    expect(json.head).toEqual({ '/': head?.toString() })
    const rec = decodeExec(bytes, 'e1')
    expect(rec.head?.equals(head)).toBe(true)
    expect(decodeExec(dagCbor.encode(rec), 'e1')).toEqual(rec)
    expect(() => decodeExec(new Uint8Array([0x7b, 0x7d]), 'e1')).toThrow(/malformed execution record/)
    expect(() => decodeExec(new Uint8Array([0xff]), 'e1')).toThrow(/neither JSON nor dag-cbor/)
    await store.close()
  })
})
