import { describe, expect, it } from 'vitest'
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
})
