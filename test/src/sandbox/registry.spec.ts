import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { cidOf, cidOfSource } from '../../../src/sandbox/cid.js'
import { blockstoreSource, memoryBlocks, moduleRegistry } from '../../../src/sandbox/module-registry.js'
import { wasmFixture } from './fixtures.js'

describe('code identity', () => {
  it('is CIDv1, raw codec, sha256', async () => {
    const cid = await cidOf(new Uint8Array([1, 2, 3]))
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(raw.code)
    expect(cid.multihash.code).toBe(sha256.code)
    expect(cid.toString()).toMatch(/^bafkrei/)
  })

  it('names function code by the CID of its UTF-8 source', async () => {
    const source = 'return "héllo"'
    expect((await cidOfSource(source)).toString()).toBe((await cidOf(new TextEncoder().encode(source))).toString())
  })
})

describe('module registry', () => {
  it('resolves a module by CID and by template name', async () => {
    const registry = moduleRegistry()
    const bytes = await wasmFixture('echo')
    const cid = await registry.add(bytes)
    expect(await registry.registerTemplate('echo', bytes)).toBe(cid)
    expect(await registry.resolve(cid)).toEqual({ cid, bytes })
    expect(await registry.resolve('echo')).toEqual({ cid, bytes, name: 'echo' })
    expect(registry.templates()).toEqual([{ name: 'echo', cid }])
    expect(registry.lookup('echo')).toEqual({ cid, name: 'echo' })
    expect(registry.lookup(cid)).toEqual({ cid })
    expect(registry.lookup('unknown')).toBeUndefined()
  })

  it('fails clearly for an unknown name or a CID it does not hold', async () => {
    const registry = moduleRegistry()
    await expect(registry.resolve('nope')).rejects.toMatchObject({ name: 'NotFoundError' })
    const missing = (await cidOf(new Uint8Array([9]))).toString()
    await expect(registry.resolve(missing)).rejects.toMatchObject({ name: 'NotFoundError' })
  })

  it('refuses bytes that do not hash to their CID', async () => {
    const blocks = memoryBlocks()
    const registry = moduleRegistry({ blocks })
    const cid = await registry.add(new Uint8Array([1, 2, 3]))
    await blocks.put(CID.parse(cid), new Uint8Array([6, 6, 6]))
    await expect(registry.resolve(cid)).rejects.toThrow(/do not match/)
  })

  it('refuses a template name that looks like a CID', async () => {
    const registry = moduleRegistry()
    const cid = (await cidOf(new Uint8Array([1]))).toString()
    await expect(registry.registerTemplate(cid, new Uint8Array([1]))).rejects.toThrow(/template name/)
  })

  it('reads chunked blocks from a Helia-style blockstore', async () => {
    const store = new Map<string, Uint8Array>()
    const registry = moduleRegistry({
      blocks: blockstoreSource({
        has: cid => store.has(cid.toString()),
        put: (cid, bytes) => { store.set(cid.toString(), bytes) },
        async * get (cid) {
          const bytes = store.get(cid.toString()) as Uint8Array
          yield bytes.subarray(0, 2)
          yield bytes.subarray(2)
        }
      })
    })
    const cid = await registry.add(new Uint8Array([1, 2, 3, 4, 5]))
    expect((await registry.resolve(cid)).bytes).toEqual(new Uint8Array([1, 2, 3, 4, 5]))
  })
})
