/**
 * What every Keystore must do. Each implementation calls `keystoreTests` from a short spec.
 */
import { describe, expect, it } from 'vitest'
import { createIdentity, exportKeyFile, signatureVerifier } from '../../../../src/trust/index.js'
import type { Keystore } from '../../../../src/trust/index.js'

export interface KeystoreSetup {
  keystore: Keystore
  /** A second keystore over the same storage (a restart). */
  reopen(): Promise<Keystore>
  teardown(): Promise<void>
  /** Whether `create` makes exportable keys by default. */
  extractableByDefault: boolean
}

const message = new TextEncoder().encode('hello')

export function keystoreTests (name: string, setup: () => Promise<KeystoreSetup>): void {
  describe(`Keystore compliance: ${name}`, () => {
    it('creates, lists, loads by name and by id, and survives a reopen', async () => {
      const s = await setup()
      try {
        const alice = await s.keystore.create({ name: 'alice' })
        const bob = await s.keystore.create({ name: 'bob' })
        expect((await s.keystore.list()).map(i => [i.name, i.id, i.peerId])).toEqual([['alice', alice.id, alice.peerId], ['bob', bob.id, bob.peerId]])
        const verifier = await signatureVerifier()
        const again = await (await s.reopen()).load('alice')
        expect(again.id).toBe(alice.id)
        expect(await verifier.verify(alice.id, await again.sign(message), message)).toBe(true)
        expect((await s.keystore.load(bob.id)).name).toBe('bob')
      } finally { await s.teardown() }
    })

    it('refuses a taken name, an unknown identity and an invalid name', async () => {
      const s = await setup()
      try {
        await s.keystore.create({ name: 'alice' })
        await expect(s.keystore.create({ name: 'alice' })).rejects.toMatchObject({ name: 'IdentityExistsError' })
        await expect(s.keystore.load('nobody')).rejects.toMatchObject({ name: 'IdentityNotFoundError' })
        await expect(s.keystore.delete('nobody')).rejects.toMatchObject({ name: 'IdentityNotFoundError' })
        await expect(s.keystore.create({ name: '../etc/passwd' })).rejects.toThrow(/invalid identity name/)
      } finally { await s.teardown() }
    })

    it('imports a key file under its passphrase, refuses a wrong one, and deletes', async () => {
      const s = await setup()
      try {
        const outside = await createIdentity({ name: 'carol' })
        const file = await exportKeyFile(outside, 'transfer', { iterations: 1000 })
        await expect(s.keystore.import(file, 'nope')).rejects.toMatchObject({ name: 'WrongPassphraseError' })
        const imported = await s.keystore.import(file, 'transfer')
        expect(imported.id).toBe(outside.id)
        await expect(s.keystore.import(file, 'transfer', { name: 'carol2' })).rejects.toMatchObject({ name: 'IdentityExistsError' })
        expect((await (await s.reopen()).load('carol')).id).toBe(outside.id)
        await s.keystore.delete('carol')
        expect(await s.keystore.list()).toEqual([])
      } finally { await s.teardown() }
    })

    it('exports an extractable identity as a key file another keystore imports', async () => {
      const s = await setup()
      try {
        const alice = await s.keystore.create({ name: 'alice', extractable: true })
        const file = await s.keystore.export('alice', 'move me', { iterations: 1000 })
        expect(file.id).toBe(alice.id)
        await s.keystore.delete('alice')
        expect((await s.keystore.import(file, 'move me')).id).toBe(alice.id)
        if (!s.extractableByDefault) {
          await s.keystore.create({ name: 'locked' })
          await expect(s.keystore.export('locked', 'x')).rejects.toMatchObject({ name: 'KeyNotExtractableError' })
        }
      } finally { await s.teardown() }
    })
  })
}
