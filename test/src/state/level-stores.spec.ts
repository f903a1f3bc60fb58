/**
 * The Node backend (`node/platform/level-stores.ts`): one LevelDB, blocks and pointers in two
 * sublevels, batched block writes, and the atomic in-place commit the store uses.
 */
import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { Key } from 'interface-datastore'
import { openNodeStateStore } from '../../../node/platform/helia-node.js'
import { openLevelStores } from '../../../node/platform/level-stores.js'
import { rawBlock } from '../../../src/state/blocks.js'
import { testEvents } from '../../compliance/state-store.js'
import { MASTER, collect, countBlocks, countKeys, tempDir } from './helpers.js'

describe('LevelDB stores (Node)', () => {
  it('puts and deletes many blocks in batches, each readable by CID', async () => {
    const tmp = await tempDir()
    try {
      const stores = await openLevelStores(tmp.dir)
      const blocks = await Promise.all(Array.from({ length: 4200 }, async (_, i) => rawBlock(new TextEncoder().encode(`block ${i}`))))
      const put = []
      for await (const cid of stores.blockstore.putMany(blocks)) put.push(cid)
      expect(put).toHaveLength(blocks.length) // more than one LevelDB batch (4,096 blocks each)
      expect(new TextDecoder().decode(await collect(stores.blockstore.get(blocks[4100].cid)))).toBe('block 4100')
      expect(await countBlocks(stores.blockstore)).toBe(blocks.length)
      expect(await countKeys(stores.datastore, '/qflow')).toBe(0) // the datastore is its own sublevel
      for await (const _ of stores.blockstore.deleteMany(blocks.map(b => b.cid))) { /* drain */ }
      expect(await countBlocks(stores.blockstore)).toBe(0)
      await stores.close()
    } finally {
      await tmp.remove()
    }
  })

  it('commits blocks and pointer changes together, in one write', async () => {
    const tmp = await tempDir()
    try {
      const stores = await openLevelStores(tmp.dir)
      await stores.datastore.put(new Key('/qflow/x/a/old'), new Uint8Array([1]))
      const block = await rawBlock(new Uint8Array([9, 9, 9]))
      await stores.commit([block], [
        { type: 'put', key: new Key('/qflow/x/t/old'), value: new Uint8Array([2]) },
        { type: 'delete', key: new Key('/qflow/x/a/old') }
      ])
      expect([...await collect(stores.blockstore.get(block.cid))]).toEqual([9, 9, 9])
      expect([...await stores.datastore.get(new Key('/qflow/x/t/old'))]).toEqual([2])
      expect(await stores.datastore.has(new Key('/qflow/x/a/old'))).toBe(false)
      await stores.close()
      const again = await openLevelStores(tmp.dir)
      expect(await again.blockstore.has(block.cid)).toBe(true)
      await again.close()
    } finally {
      await tmp.remove()
    }
  })

  it('keeps the data directory to the documented layout', async () => {
    const tmp = await tempDir()
    try {
      const node = await openNodeStateStore({ dataDir: tmp.dir })
      await node.store.appendEvents('e1', testEvents('e1'), { flowId: 'f1', status: 'running' })
      await node.close()
      expect((await readdir(tmp.dir)).sort()).toEqual(['master.key', 'state.ldb'])
      const keyed = await openNodeStateStore({ dataDir: tmp.dir, masterKey: MASTER }).catch((e: Error) => e)
      expect(keyed).toMatchObject({ name: 'WrongKeyError' }) // the directory's own master.key wraps its keys
    } finally {
      await tmp.remove()
    }
  })
})
