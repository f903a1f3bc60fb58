import { describe, expect, it } from 'vitest'
import { idbKeystore } from '../../../../web/platform/keystore-idb.js'
import { ed25519Backend, signatureVerifier } from '../../../../src/trust/index.js'
import { keystoreTests } from './keystore-suite.js'

keystoreTests('IndexedDB (Chromium)', async () => {
  const database = `qflow-keystore-test-${globalThis.crypto.randomUUID()}`
  const keystore = await idbKeystore({ database })
  const opened = [keystore]
  return {
    keystore,
    reopen: async () => { const k = await idbKeystore({ database }); opened.push(k); return k },
    teardown: async () => {
      for (const k of opened) k.close()
      await new Promise<void>((resolve) => { const req = indexedDB.deleteDatabase(database); req.onsuccess = req.onerror = req.onblocked = () => { resolve() } })
    },
    extractableByDefault: false
  }
})

describe('identities in the browser', () => {
  it('uses WebCrypto Ed25519 and stores non-extractable CryptoKeys', async () => {
    expect((await ed25519Backend()).name).toBe('webcrypto')
    const database = `qflow-keystore-test-${globalThis.crypto.randomUUID()}`
    const keystore = await idbKeystore({ database })
    const alice = await keystore.create({ name: 'alice' })
    expect(alice.extractable).toBe(false)
    const record = await new Promise<any>((resolve, reject) => {
      const open = indexedDB.open(database)
      open.onsuccess = () => {
        const get = open.result.transaction('identities').objectStore('identities').get(alice.id)
        get.onsuccess = () => { open.result.close(); resolve(get.result) }
        get.onerror = () => { reject(get.error) }
      }
    })
    expect(record.privateKey).toBeInstanceOf(CryptoKey)
    expect(record.privateKey.extractable).toBe(false)
    const msg = new TextEncoder().encode('x')
    expect(await (await signatureVerifier()).verify(alice.id, await (await keystore.load('alice')).sign(msg), msg)).toBe(true)
    keystore.close()
    indexedDB.deleteDatabase(database)
  })
})
