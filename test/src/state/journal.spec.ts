import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { testEvents, testFlow } from '../../compliance/state-store.js'
import { JOURNAL_SLOTS } from '../../../src/state/journal.js'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { heliaStateStore, localKeyring } from '../../../src/state/index.js'
import { MASTER, countKeys, listFiles, openFsJournal, tempDir } from './helpers.js'

describe('pointer journal', () => {
  it('recovers pointers that were only journaled when the process died', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFsJournal(tmp.dir)
      await first.store.putFlow(testFlow('f1'))
      await first.store.putFlow(testFlow('gone'))
      await first.store.deleteFlow('gone')
      await first.store.appendEvents('live', testEvents('live'), { flowId: 'f1', status: 'running' })
      await first.store.saveSnapshot('live', { checkpointId: 'cp', logIndex: 4, state: { ok: 1 } })
      await first.store.appendEvents('done', testEvents('done'), { flowId: 'f1', status: 'completed' })
      expect(await listFiles(`${tmp.dir}/datastore/qflow/x`).catch(() => [])).toEqual([]) // nothing compacted yet
      // no close(): the first store is abandoned as a killed process would leave it

      const second = await openFsJournal(tmp.dir)
      expect((await second.store.listExecutions({ active: true })).map(s => s.executionId)).toEqual(['live'])
      expect(await second.store.readEvents('done')).toEqual(testEvents('done'))
      expect((await second.store.loadSnapshot('live'))?.state).toEqual({ ok: 1 })
      expect((await second.store.listFlows()).map(f => f.id)).toEqual(['f1'])
      expect((await listFiles(`${tmp.dir}/datastore/qflow/x`)).length).toBe(2) // compacted at open
      await second.close()
    } finally {
      await tmp.remove()
    }
  })

  it('reports a corrupt journal entry at open, naming it', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFsJournal(tmp.dir)
      await first.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      const [slot] = await listFiles(`${tmp.dir}/datastore/qflow/j`)
      await writeFile(slot, new Uint8Array([0xff, 0x00, 0x13]))
      await expect(openFsJournal(tmp.dir)).rejects.toMatchObject({ name: 'IntegrityError', record: { kind: 'journal', id: '/qflow/j/s0' } })
    } finally {
      await tmp.remove()
    }
  })

  it('compacts before the ring wraps and never resurrects pruned executions from old entries', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFsJournal(tmp.dir)
      for (let i = 0; i < JOURNAL_SLOTS * 2 + 3; i++) {
        await first.store.appendEvents(`e${i}`, testEvents(`e${i}`), { flowId: 'f1', status: 'completed' })
      }
      await first.store.flush()
      const journalFiles = (await listFiles(`${tmp.dir}/datastore/qflow/j`)).filter(f => f.endsWith('.data'))
      expect(journalFiles.length).toBeLessThanOrEqual(JOURNAL_SLOTS + 1) // the ring plus the mark
      expect((await first.store.prune({ maxCount: 0 })).executions).toBe(JOURNAL_SLOTS * 2 + 3)
      await first.store.appendEvents('after', testEvents('after'), { flowId: 'f1', status: 'running' })

      const second = await openFsJournal(tmp.dir)
      expect((await second.store.listExecutions()).map(s => s.executionId)).toEqual(['after'])
      expect(await second.store.readEvents('e0')).toEqual([])
      await second.close()
    } finally {
      await tmp.remove()
    }
  })

  it('without write-ahead writes each batch in place, after replaying what a write-ahead run left', async () => {
    const blockstore = new MemoryBlockstore()
    const datastore = new MemoryDatastore()
    const keyring = await localKeyring({ datastore, masterKey: MASTER })
    const journaled = await heliaStateStore({ blockstore, datastore, keyring })
    await journaled.appendEvents('old', testEvents('old'), { flowId: 'f1', status: 'running' })
    expect(await countKeys(datastore, '/qflow/x/a')).toBe(0) // only journaled; abandoned like a killed process

    const inPlace = await heliaStateStore({ blockstore, datastore, keyring, journal: { writeAhead: false } })
    expect(await inPlace.readEvents('old')).toEqual(testEvents('old'))
    await inPlace.appendEvents('old', [{ type: 'execution.aborted', at: 50 }], { flowId: 'f1', status: 'aborted' })
    await inPlace.appendEvents('new', testEvents('new'), { flowId: 'f1', status: 'running' })
    // acknowledged = in the record keys: no journal entry, nothing left to compact
    expect(await countKeys(datastore, '/qflow/x/a')).toBe(1)
    expect(await countKeys(datastore, '/qflow/x/t')).toBe(1)
    const slots = []
    for await (const key of datastore.queryKeys({ prefix: '/qflow/j' })) if (key.toString().includes('/s')) slots.push(key.toString())
    expect(slots).toEqual(['/qflow/j/s0']) // the old run's entry, already compacted (the mark covers it)

    const reopened = await heliaStateStore({ blockstore, datastore, keyring, journal: { writeAhead: false } })
    expect((await reopened.listExecutions({ active: true })).map(s => s.executionId)).toEqual(['new'])
    expect(await reopened.readEvents('old')).toHaveLength(testEvents('old').length + 1)
    expect(await reopened.readEvents('new')).toEqual(testEvents('new'))
  })
})
