/**
 * The synchronous AES-256-GCM that Node injects into the keyring (`node/platform/aes-gcm-cipher.ts`):
 * same format as WebCrypto both ways, tampering and wrong bindings still fail, large payloads
 * still go through WebCrypto, and a failing cipher stores nothing.
 */
import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { nodeAesGcm } from '../../../node/platform/aes-gcm-cipher.js'
import { heliaStateStore, localKeyring, recordAad, seal, unseal } from '../../../src/state/index.js'
import type { AeadProvider, DataKey } from '../../../src/state/index.js'
import { SYNC_AEAD_LIMIT } from '../../../src/state/qlock/cipher.js'
import { testEvents } from '../../compliance/state-store.js'
import { MASTER } from './helpers.js'

const text = new TextEncoder()
const ref = { kind: 'log' as const, id: 'e1', cid: 'bafy-test' }

/** The same data key twice: with the synchronous cipher and WebCrypto only. */
async function keyPair (): Promise<{ sync: DataKey, web: DataKey }> {
  const datastore = new MemoryDatastore()
  const withCipher = await localKeyring({ datastore, masterKey: MASTER, cipher: nodeAesGcm() })
  const sync = await withCipher.current('alice')
  const web = await (await localKeyring({ datastore, masterKey: MASTER })).get(sync.id)
  return { sync, web }
}

describe('synchronous AES-256-GCM (Node)', () => {
  it('gives data keys a synchronous cipher only when one is injected', async () => {
    const { sync, web } = await keyPair()
    expect(sync.aead).toBeDefined()
    expect(web.aead).toBeUndefined()
  })

  it('opens what WebCrypto sealed and the other way round', async () => {
    const { sync, web } = await keyPair()
    const aad = recordAad('log', 'e1')
    for (const [sealer, opener] of [[sync, web], [web, sync]]) {
      const env = await seal(sealer, text.encode('hello across ciphers'), aad)
      expect(new TextDecoder().decode(await unseal(async () => opener, env, aad, ref))).toBe('hello across ciphers')
    }
  })

  it('rejects a flipped bit, another record binding and another key', async () => {
    const { sync } = await keyPair()
    const other = await (await localKeyring({ datastore: new MemoryDatastore(), masterKey: MASTER, cipher: nodeAesGcm() })).current('alice')
    const aad = recordAad('log', 'e1')
    const env = await seal(sync, text.encode('sealed'), aad)
    const flipped = { ...env, ct: env.ct.slice() }
    flipped.ct[2] ^= 1
    await expect(unseal(async () => sync, flipped, aad, ref)).rejects.toMatchObject({ name: 'DecryptionError', record: ref })
    await expect(unseal(async () => sync, env, recordAad('log', 'e2'), ref)).rejects.toMatchObject({ name: 'DecryptionError' })
    await expect(unseal(async () => ({ ...other, id: sync.id }), env, aad, ref)).rejects.toMatchObject({ name: 'DecryptionError' })
  })

  it('leaves payloads over the limit to WebCrypto (the result opens either way)', async () => {
    const { sync, web } = await keyPair()
    let calls = 0
    const counting: DataKey = { ...sync, aead: { seal: (...args) => { calls++; return sync.aead!.seal(...args) }, open: (...args) => { calls++; return sync.aead!.open(...args) } } }
    const aad = recordAad('output', 'e1')
    const big = new Uint8Array(SYNC_AEAD_LIMIT + 1).fill(7)
    const env = await seal(counting, big, aad)
    expect(calls).toBe(0)
    expect(await unseal(async () => web, env, aad, ref)).toEqual(big)
    await seal(counting, big.subarray(0, 100), aad)
    expect(calls).toBe(1)
  })

  it('stores nothing when the cipher fails: the write is refused, never kept in the clear', async () => {
    const broken: AeadProvider = { importKey: () => ({ seal: () => { throw new Error('cipher unavailable') }, open: () => { throw new Error('cipher unavailable') } }) }
    const blockstore = new MemoryBlockstore()
    const datastore = new MemoryDatastore()
    const keyring = await localKeyring({ datastore, masterKey: MASTER, cipher: broken })
    const store = await heliaStateStore({ blockstore, datastore, keyring, journal: { writeAhead: false } })
    const events = testEvents('e1')
    ;(events[0] as any).context.inputData = { secret: 'PLAINTEXT-MUST-NOT-LAND-5e1b' }
    await expect(store.appendEvents('e1', events, { flowId: 'f1', status: 'running' })).rejects.toThrow(/cipher unavailable/)
    expect(await store.readEvents('e1')).toEqual([])
    let blocks = 0
    for await (const _ of blockstore.getAll()) blocks++
    expect(blocks).toBe(0)
    await store.close()
  })
})

