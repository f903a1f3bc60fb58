import { writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { testEvents, testFlow } from '../../compliance/state-store.js'
import { JOURNAL_SLOTS } from '../../../src/state/journal.js'
import { listFiles, openFs, tempDir } from './helpers.js'

describe('pointer journal', () => {
  it('recovers pointers that were only journaled when the process died', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFs(tmp.dir)
      await first.store.putFlow(testFlow('f1'))
      await first.store.putFlow(testFlow('gone'))
      await first.store.deleteFlow('gone')
      await first.store.appendEvents('live', testEvents('live'), { flowId: 'f1', status: 'running' })
      await first.store.saveSnapshot('live', { checkpointId: 'cp', logIndex: 4, state: { ok: 1 } })
      await first.store.appendEvents('done', testEvents('done'), { flowId: 'f1', status: 'completed' })
      expect(await listFiles(`${tmp.dir}/datastore/qflow/x`).catch(() => [])).toEqual([]) // nothing compacted yet
      // no close(): the first store is abandoned as a killed process would leave it

      const second = await openFs(tmp.dir)
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
      const first = await openFs(tmp.dir)
      await first.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      const [slot] = await listFiles(`${tmp.dir}/datastore/qflow/j`)
      await writeFile(slot, new Uint8Array([0xff, 0x00, 0x13]))
      await expect(openFs(tmp.dir)).rejects.toMatchObject({ name: 'IntegrityError', record: { kind: 'journal', id: '/qflow/j/s0' } })
    } finally {
      await tmp.remove()
    }
  })

  it('compacts before the ring wraps and never resurrects pruned executions from old entries', async () => {
    const tmp = await tempDir()
    try {
      const first = await openFs(tmp.dir)
      for (let i = 0; i < JOURNAL_SLOTS * 2 + 3; i++) {
        await first.store.appendEvents(`e${i}`, testEvents(`e${i}`), { flowId: 'f1', status: 'completed' })
      }
      await first.store.flush()
      const journalFiles = (await listFiles(`${tmp.dir}/datastore/qflow/j`)).filter(f => f.endsWith('.data'))
      expect(journalFiles.length).toBeLessThanOrEqual(JOURNAL_SLOTS + 1) // the ring plus the mark
      expect((await first.store.prune({ maxCount: 0 })).executions).toBe(JOURNAL_SLOTS * 2 + 3)
      await first.store.appendEvents('after', testEvents('after'), { flowId: 'f1', status: 'running' })

      const second = await openFs(tmp.dir)
      expect((await second.store.listExecutions()).map(s => s.executionId)).toEqual(['after'])
      expect(await second.store.readEvents('e0')).toEqual([])
      await second.close()
    } finally {
      await tmp.remove()
    }
  })
})
